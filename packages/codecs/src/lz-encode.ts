import type { XrgbPixels } from './bitmap.js';
import { BadImageError, UnsupportedFormatError } from './errors.js';
import {
  LZ_BYTES_PER_PIXEL,
  LZ_HASH_MASK,
  LZ_HASH_SIZE,
  LZ_HASH_START,
  LZ_HEADER_SIZE,
  LZ_MAGIC,
  LZ_MAX_COPY,
  LZ_MAX_DISTANCE,
  LZ_MAX_FAR_DISTANCE,
  LZ_MAX_IMAGE_SIZE,
  LZ_PLT_PIXELS_PER_BYTE,
  LZ_VERSION,
  LzImageType,
} from './lz-common.js';
import { wasmLzEncoder } from './wasm-encoders.js';

// Module-local copies of the imported values used in the hot loops: under vite-node (tests and
// benches) an imported binding is a property read on every access.
const _LZ_HASH_MASK = LZ_HASH_MASK;
const _LZ_HASH_SIZE = LZ_HASH_SIZE;
const _LZ_HASH_START = LZ_HASH_START;
const _LZ_MAX_COPY = LZ_MAX_COPY;
const _LZ_MAX_DISTANCE = LZ_MAX_DISTANCE;
const _LZ_MAX_FAR_DISTANCE = LZ_MAX_FAR_DISTANCE;

/**
 * The LZ types the encoder writes. RGB32, RGBA and XXXA read 32-bit B,G,R,X / B,G,R,A pixels; the
 * others read their own layout: RGB24 3-byte B,G,R, RGB16 16-bit little-endian x1r5g5b5, A8 one
 * byte, PLT1/PLT4/PLT8 packed palette indexes (as the SPICE 1/4/8-bit bitmap formats).
 */
export type LzEncodeType = Exclude<LzImageType, typeof LzImageType.Invalid>;

export interface LzEncodeOptions {
  /**
   * Row order written in the stream and announced in the header's top_down word. Default true
   * (top row first). With false the rows are written bottom row first, as for a bottom-up bitmap.
   */
  topDown?: boolean;
}

const LITERAL_PLACEHOLDER = _LZ_MAX_COPY - 1;

/**
 * Compresses 32-bit B,G,R,X pixels (rows top-down) to an LZ stream exactly as spice-common's
 * `lz_encode` writes it for one image segment: RGB32 codes B,G,R; RGBA codes B,G,R then a second
 * pass over the alpha bytes; XXXA codes the alpha bytes only. The result is a fresh buffer holding
 * header and body, the `data` of an LZ_RGB image.
 */
export function encodeLz(pixels: XrgbPixels, type: LzEncodeType, options: LzEncodeOptions = {}): Uint8Array {
  const { width, height, stride, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new BadImageError(`empty image ${width}x${height}`);
  if (type !== LzImageType.Rgb32 && type !== LzImageType.Rgba && type !== LzImageType.Xxxa)
    return encodeLzPacked(pixels, type, options.topDown ?? true);
  if (stride < width * 4) throw new BadImageError(`stride ${stride} < ${width * 4} for width ${width}`);
  if (data.byteLength < stride * (height - 1) + width * 4)
    throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
  const lzStride = width * 4;
  if (lzStride * height > LZ_MAX_IMAGE_SIZE) throw new BadImageError(`image ${width}x${height} too large for LZ`);
  const topDown = options.topDown ?? true;
  if (type === LzImageType.Rgb32) {
    const wasm = wasmLzEncoder();
    if (wasm) return wasm.encodeRgb32(pixels, { topDown });
  }
  const n = width * height;

  // Rows in stream order: colour words and alpha bytes.
  const wantRgb = type !== LzImageType.Xxxa;
  const wantAlpha = type !== LzImageType.Rgb32;
  const aligned = (data.byteOffset & 3) === 0 && (stride & 3) === 0;
  const words = aligned ? new Uint32Array(data.buffer, data.byteOffset, (stride * (height - 1)) / 4 + width) : null;
  // Packed top-down rows are coded in place (the X byte is masked out where it matters).
  const inPlace = words !== null && topDown && stride === lzStride;
  const rgb = wantRgb ? (inPlace ? words : new Uint32Array(n)) : null;
  const alpha = wantAlpha ? new Uint8Array(n) : null;
  for (let y = 0; y < height; y++) {
    const srcRow = topDown ? y : height - 1 - y;
    const o = y * width;
    if (words) {
      const w0 = (srcRow * stride) >> 2;
      if (rgb && !inPlace) for (let x = 0; x < width; x++) rgb[o + x] = words[w0 + x]!;
      if (alpha) for (let x = 0; x < width; x++) alpha[o + x] = words[w0 + x]! >>> 24;
    } else {
      const b0 = srcRow * stride;
      for (let x = 0; x < width; x++) {
        const i = b0 + x * 4;
        if (rgb) rgb[o + x] = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16);
        if (alpha) alpha[o + x] = data[i + 3]!;
      }
    }
  }

  // Literals are the worst case: one control byte per 32 pixels; matches never cost more.
  const bound = LZ_HEADER_SIZE + (rgb ? n * 3 + Math.ceil(n / 16) + 16 : 0) + (alpha ? n + Math.ceil(n / 16) + 16 : 0);
  const out = new Uint8Array(bound);
  let pos = 0;
  pos = writeHeader(out, type, width, height, lzStride, topDown);
  if (rgb) pos = compressRgb(rgb, n, out, pos);
  if (alpha) pos = compressBytes(alpha, n, out, pos);
  return out.slice(0, pos);
}

function writeHeader(
  out: Uint8Array,
  type: number,
  width: number,
  height: number,
  stride: number,
  topDown: boolean,
): number {
  let pos = 0;
  for (const word of [LZ_MAGIC, LZ_VERSION, type, width, height, stride, topDown ? 1 : 0]) {
    out[pos++] = word >>> 24;
    out[pos++] = (word >>> 16) & 0xff;
    out[pos++] = (word >>> 8) & 0xff;
    out[pos++] = word & 0xff;
  }
  return pos;
}

/** RGB24, RGB16, A8 and the palette types: rows packed to the LZ stride, then one pass. */
function encodeLzPacked(pixels: XrgbPixels, type: LzEncodeType, topDown: boolean): Uint8Array {
  const { width, height, stride, data } = pixels;
  const ppb = LZ_PLT_PIXELS_PER_BYTE[type];
  const bpp = LZ_BYTES_PER_PIXEL[type];
  let rowBytes: number;
  if (ppb !== undefined) rowBytes = Math.ceil(width / ppb);
  else if (bpp !== undefined) rowBytes = width * bpp;
  else throw new UnsupportedFormatError(`LZ encoding of image type ${type as number}`);
  if (stride < rowBytes) throw new BadImageError(`stride ${stride} < ${rowBytes} for width ${width}`);
  if (data.byteLength < stride * (height - 1) + rowBytes)
    throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
  if (rowBytes * height > LZ_MAX_IMAGE_SIZE) throw new BadImageError(`image ${width}x${height} too large for LZ`);
  const packed = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const from = (topDown ? y : height - 1 - y) * stride;
    packed.set(data.subarray(from, from + rowBytes), y * rowBytes);
  }
  const n = ppb !== undefined ? rowBytes * height : width * height;
  const out = new Uint8Array(LZ_HEADER_SIZE + packed.length + Math.ceil(n / 16) + 32);
  let pos = writeHeader(out, type, width, height, rowBytes, topDown);
  if (type === LzImageType.Rgb24) {
    const px = new Uint32Array(n);
    for (let i = 0, s = 0; i < n; i++, s += 3) px[i] = packed[s]! | (packed[s + 1]! << 8) | (packed[s + 2]! << 16);
    pos = compressRgb(px, n, out, pos);
  } else if (type === LzImageType.Rgb16) {
    const px = new Uint16Array(n);
    for (let i = 0; i < n; i++) px[i] = packed[i * 2]! | (packed[i * 2 + 1]! << 8);
    pos = compressRgb16(px, n, out, pos);
  } else {
    pos = compressBytes(packed, n, out, pos);
  }
  return out.slice(0, pos);
}

// DJB2 (h × 33 ^ byte) over R,G,B of three pixels; only the low 13 bits are kept, so 32-bit
// wrapping multiplication gives the same table index as the C code.
function hashRgb(px: Uint32Array, i: number): number {
  const a = px[i]!;
  const b = px[i + 1]!;
  const c = px[i + 2]!;
  let h = Math.imul(_LZ_HASH_START, 33) ^ ((a >>> 16) & 0xff);
  h = Math.imul(h, 33) ^ ((a >>> 8) & 0xff);
  h = Math.imul(h, 33) ^ (a & 0xff);
  h = Math.imul(h, 33) ^ ((b >>> 16) & 0xff);
  h = Math.imul(h, 33) ^ ((b >>> 8) & 0xff);
  h = Math.imul(h, 33) ^ (b & 0xff);
  h = Math.imul(h, 33) ^ ((c >>> 16) & 0xff);
  h = Math.imul(h, 33) ^ ((c >>> 8) & 0xff);
  h = Math.imul(h, 33) ^ (c & 0xff);
  return h & _LZ_HASH_MASK;
}

function hashBytes(px: Uint8Array, i: number): number {
  let h = Math.imul(_LZ_HASH_START, 33) ^ px[i]!;
  h = Math.imul(h, 33) ^ px[i + 1]!;
  h = Math.imul(h, 33) ^ px[i + 2]!;
  return h & _LZ_HASH_MASK;
}

/** Writes a match of biased length `len` at biased distance `distance` (the fastlz level 2 layout). */
function writeMatch(out: Uint8Array, at: number, len: number, distance: number): number {
  let pos = at;
  if (distance < _LZ_MAX_DISTANCE) {
    if (len < 7) {
      out[pos++] = (len << 5) + (distance >>> 8);
    } else {
      out[pos++] = (7 << 5) + (distance >>> 8);
      let rest = len - 7;
      for (; rest >= 255; rest -= 255) out[pos++] = 255;
      out[pos++] = rest;
    }
    out[pos++] = distance & 255;
    return pos;
  }
  const far = distance - _LZ_MAX_DISTANCE;
  if (len < 7) {
    out[pos++] = (len << 5) + 31;
  } else {
    out[pos++] = (7 << 5) + 31;
    let rest = len - 7;
    for (; rest >= 255; rest -= 255) out[pos++] = 255;
    out[pos++] = rest;
  }
  out[pos++] = 255;
  out[pos++] = far >>> 8;
  out[pos++] = far & 255;
  return pos;
}

/** Pixels are equal in R,G,B (the X byte does not count). */
const same = (a: number, b: number): boolean => ((a ^ b) & 0xffffff) === 0;

/** The RGB24/RGB32 pass: pixels are 24-bit words, written B,G,R; the shortest match is 1 pixel. */
function compressRgb(px: Uint32Array, n: number, out: Uint8Array, start: number): number {
  let pos = start;
  if (n < 4) {
    out[pos++] = n - 1;
    for (let i = 0; i < n; i++) {
      const v = px[i]!;
      out[pos++] = v & 0xff;
      out[pos++] = (v >>> 8) & 0xff;
      out[pos++] = (v >>> 16) & 0xff;
    }
    return pos;
  }
  const htab = new Int32Array(_LZ_HASH_SIZE);
  let lastCopy = pos;
  out[pos++] = LITERAL_PLACEHOLDER;
  for (let i = 0; i < 2; i++) {
    const v = px[i]!;
    out[pos++] = v & 0xff;
    out[pos++] = (v >>> 8) & 0xff;
    out[pos++] = (v >>> 16) & 0xff;
  }
  let copy = 2;
  let ip = 2;
  const ipBound = n - 2;
  const ipLimit = n - 6;
  const refLimit = n;

  while (ip < ipLimit) {
    const anchor = ip;
    let ref: number;
    let distance: number;
    let found = false;
    if (same(px[ip - 1]!, px[ip]!) && same(px[ip]!, px[ip + 1]!) && same(px[ip + 1]!, px[ip + 2]!)) {
      distance = 1;
      ip += 3;
      ref = anchor + 2;
      found = true;
    } else {
      const h = hashRgb(px, ip);
      ref = htab[h]!;
      distance = anchor - ref;
      htab[h] = anchor;
      if (distance !== 0 && distance < _LZ_MAX_FAR_DISTANCE && same(px[ref]!, px[ip]!)) {
        ref++;
        ip++;
        if (distance < _LZ_MAX_DISTANCE) {
          found = true;
        } else if (ref <= refLimit - 1 && same(px[ref]!, px[ip]!)) {
          ref++;
          ip++;
          found = true;
        }
      }
    }
    if (found) {
      distance--;
      if (distance === 0) {
        const x = px[ref]!;
        while (ip < ipBound && ref < refLimit) {
          if (!same(px[ref]!, x)) {
            ref++;
            break;
          }
          ref++;
          ip++;
        }
      } else {
        while (ip < ipBound && ref < refLimit) {
          if (!same(px[ref]!, px[ip]!)) {
            ref++;
            ip++;
            break;
          }
          ref++;
          ip++;
        }
      }
      if (copy) out[lastCopy] = copy - 1;
      else pos--;
      copy = 0;
      ip -= 3;
      pos = writeMatch(out, pos, ip - anchor + 2, distance);
      if (ip > anchor) htab[hashRgb(px, ip)] = ip;
      ip++;
      if (ip > anchor) htab[hashRgb(px, ip)] = ip;
      ip++;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
      continue;
    }
    const v = px[anchor]!;
    out[pos++] = v & 0xff;
    out[pos++] = (v >>> 8) & 0xff;
    out[pos++] = (v >>> 16) & 0xff;
    ip = anchor + 1;
    if (++copy === _LZ_MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  for (; ip < n; ip++) {
    const v = px[ip]!;
    out[pos++] = v & 0xff;
    out[pos++] = (v >>> 8) & 0xff;
    out[pos++] = (v >>> 16) & 0xff;
    if (++copy === _LZ_MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  if (copy) out[lastCopy] = copy - 1;
  else pos--;
  return pos;
}

/**
 * The one-byte pass shared by the alpha channel (RGBA, XXXA), A8 and the palette types: the
 * shortest match is 3 bytes and far matches need 5.
 */
function compressBytes(px: Uint8Array, n: number, out: Uint8Array, start: number): number {
  let pos = start;
  if (n < 4) {
    out[pos++] = n - 1;
    for (let i = 0; i < n; i++) out[pos++] = px[i]!;
    return pos;
  }
  const htab = new Int32Array(_LZ_HASH_SIZE);
  let lastCopy = pos;
  out[pos++] = LITERAL_PLACEHOLDER;
  out[pos++] = px[0]!;
  out[pos++] = px[1]!;
  let copy = 2;
  let ip = 2;
  const ipBound = n - 2;
  const ipLimit = n - 6;
  const refLimit = n;

  while (ip < ipLimit) {
    const anchor = ip;
    let ref: number;
    let distance: number;
    let found = false;
    if (px[ip - 1] === px[ip] && px[ip] === px[ip + 1] && px[ip + 1] === px[ip + 2]) {
      distance = 1;
      ip += 3;
      ref = anchor + 2;
      found = true;
    } else {
      const h = hashBytes(px, ip);
      ref = htab[h]!;
      distance = anchor - ref;
      htab[h] = anchor;
      if (
        distance !== 0 &&
        distance < _LZ_MAX_FAR_DISTANCE &&
        px[ref] === px[ip] &&
        px[ref + 1] === px[ip + 1] &&
        px[ref + 2] === px[ip + 2]
      ) {
        ref += 3;
        ip += 3;
        if (distance < _LZ_MAX_DISTANCE) {
          found = true;
        } else if (ref < refLimit - 1 && px[ref] === px[ip] && px[ref + 1] === px[ip + 1]) {
          ref += 2;
          ip += 2;
          found = true;
        }
      }
    }
    if (found) {
      distance--;
      if (distance === 0) {
        const x = px[ref];
        while (ip < ipBound && ref < refLimit) {
          if (px[ref] !== x) {
            ref++;
            break;
          }
          ref++;
          ip++;
        }
      } else {
        while (ip < ipBound && ref < refLimit) {
          if (px[ref] !== px[ip]) {
            ref++;
            ip++;
            break;
          }
          ref++;
          ip++;
        }
      }
      if (copy) out[lastCopy] = copy - 1;
      else pos--;
      copy = 0;
      ip -= 3;
      pos = writeMatch(out, pos, ip - anchor, distance);
      htab[hashBytes(px, ip)] = ip;
      ip++;
      htab[hashBytes(px, ip)] = ip;
      ip++;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
      continue;
    }
    out[pos++] = px[anchor]!;
    ip = anchor + 1;
    if (++copy === _LZ_MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  for (; ip < n; ip++) {
    out[pos++] = px[ip]!;
    if (++copy === _LZ_MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  if (copy) out[lastCopy] = copy - 1;
  else pos--;
  return pos;
}

/** DJB2 over the low byte and the 7 colour bits of the high byte of three 16-bit pixels. */
function hash16(px: Uint16Array, i: number): number {
  let h = Math.imul(_LZ_HASH_START, 33) ^ (px[i]! & 0xff);
  h = Math.imul(h, 33) ^ ((px[i]! >>> 8) & 0x7f);
  h = Math.imul(h, 33) ^ (px[i + 1]! & 0xff);
  h = Math.imul(h, 33) ^ ((px[i + 1]! >>> 8) & 0x7f);
  h = Math.imul(h, 33) ^ (px[i + 2]! & 0xff);
  h = Math.imul(h, 33) ^ ((px[i + 2]! >>> 8) & 0x7f);
  return h & _LZ_HASH_MASK;
}

/** The RGB16 pass: pixels compare on their 15 colour bits, are written high byte first, shortest match 2. */
function compressRgb16(px: Uint16Array, n: number, out: Uint8Array, start: number): number {
  let pos = start;
  const put = (v: number) => {
    out[pos++] = v >>> 8;
    out[pos++] = v & 0xff;
  };
  if (n < 4) {
    out[pos++] = n - 1;
    for (let i = 0; i < n; i++) put(px[i]!);
    return pos;
  }
  const htab = new Int32Array(_LZ_HASH_SIZE);
  let lastCopy = pos;
  out[pos++] = LITERAL_PLACEHOLDER;
  put(px[0]!);
  put(px[1]!);
  let copy = 2;
  let ip = 2;
  const ipBound = n - 2;
  const ipLimit = n - 6;
  const refLimit = n;
  const eq = (a: number, b: number): boolean => ((px[a]! ^ px[b]!) & 0x7fff) === 0;

  while (ip < ipLimit) {
    const anchor = ip;
    let ref: number;
    let distance: number;
    let found = false;
    if (eq(ip - 1, ip) && eq(ip, ip + 1) && eq(ip + 1, ip + 2)) {
      distance = 1;
      ip += 3;
      ref = anchor + 2;
      found = true;
    } else {
      const h = hash16(px, ip);
      ref = htab[h]!;
      distance = anchor - ref;
      htab[h] = anchor;
      if (distance !== 0 && distance < _LZ_MAX_FAR_DISTANCE && eq(ref, ip) && eq(ref + 1, ip + 1)) {
        ref += 2;
        ip += 2;
        if (distance < _LZ_MAX_DISTANCE) {
          found = true;
        } else if (ref <= refLimit - 1 && eq(ref, ip)) {
          ref++;
          ip++;
          found = true;
        }
      }
    }
    if (found) {
      distance--;
      if (distance === 0) {
        const x = px[ref]! & 0x7fff;
        while (ip < ipBound && ref < refLimit) {
          if ((px[ref]! & 0x7fff) !== x) {
            ref++;
            break;
          }
          ref++;
          ip++;
        }
      } else {
        while (ip < ipBound && ref < refLimit) {
          if (!eq(ref, ip)) {
            ref++;
            ip++;
            break;
          }
          ref++;
          ip++;
        }
      }
      if (copy) out[lastCopy] = copy - 1;
      else pos--;
      copy = 0;
      ip -= 3;
      pos = writeMatch(out, pos, ip - anchor + 1, distance);
      if (ip > anchor) htab[hash16(px, ip)] = ip;
      ip++;
      htab[hash16(px, ip)] = ip;
      ip++;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
      continue;
    }
    put(px[anchor]!);
    ip = anchor + 1;
    if (++copy === _LZ_MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  for (; ip < n; ip++) {
    put(px[ip]!);
    if (++copy === _LZ_MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  if (copy) out[lastCopy] = copy - 1;
  else pos--;
  return pos;
}
