import { BitmapFmt } from '@spice-ts/protocol';
import type { XrgbPixels } from './bitmap.js';
import { bitmapToXrgb } from './bitmap.js';
import { CorruptStreamError, ImageTooLargeError, UnsupportedFormatError } from './errors.js';
import {
  isLzPaletteType,
  LZ_BYTES_PER_PIXEL,
  LZ_HEADER_SIZE,
  LZ_MAGIC,
  LZ_MAX_COPY,
  LZ_MAX_DISTANCE,
  LZ_MAX_IMAGE_SIZE,
  LZ_PLT_PIXELS_PER_BYTE,
  LZ_VERSION,
  LzImageType,
} from './lz-common.js';

// Module-local copies of the imported values used in the hot loops: under vite-node (tests and
// benches) an imported binding is a property read on every access.
const _LZ_MAX_COPY = LZ_MAX_COPY;
const _LZ_MAX_DISTANCE = LZ_MAX_DISTANCE;

/** Default cap on the decoded 32-bit image: 8192 × 8192 pixels (ours; upstream allows 1 GiB). */
export const LZ_DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export interface LzDecodeOptions {
  /** Largest decoded image (width × height × 4) accepted; checked before allocating. */
  maxOutputBytes?: number;
  /** xRGB entries for the PLT types (the palette sent with the LZ_PLT image). */
  palette?: Uint32Array;
}

export interface LzDecoded {
  width: number;
  height: number;
  type: LzImageType;
  /** The header's top_down word; `pixels` rows are top-down either way. */
  topDown: boolean;
  /**
   * 32-bit B,G,R,A pixels, rows top-down, stride width × 4. The fourth byte is the alpha for
   * RGBA, XXXA and A8 (colour 0 for XXXA and A8) and 0 for the other types, as upstream writes it.
   */
  pixels: XrgbPixels;
}

interface Cursor {
  pos: number;
}

const corrupt = (message: string): CorruptStreamError => new CorruptStreamError('LZ', message);

function readWord(data: Uint8Array, at: number): number {
  return ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
}

/**
 * Decodes an LZ stream (the `data` of an LZ_RGB or LZ_PLT image) written by spice-common's
 * `lz_encode` or by `encodeLz`. Every length, distance and count is checked: malformed input gives
 * a CorruptStreamError, an oversized header an ImageTooLargeError before anything is allocated.
 */
export function decodeLz(data: Uint8Array, options: LzDecodeOptions = {}): LzDecoded {
  if (data.byteLength < LZ_HEADER_SIZE) throw corrupt(`${data.byteLength} bytes, shorter than the header`);
  if (readWord(data, 0) !== LZ_MAGIC) throw corrupt('bad magic');
  if (readWord(data, 4) !== LZ_VERSION) throw corrupt(`unsupported version 0x${readWord(data, 4).toString(16)}`);
  const type = readWord(data, 8);
  const width = readWord(data, 12);
  const height = readWord(data, 16);
  const stride = readWord(data, 20);
  const topDown = readWord(data, 24) !== 0;
  if (type <= LzImageType.Invalid || type > LzImageType.A8) throw corrupt(`invalid image type ${type}`);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff)
    throw corrupt(`bad size ${width}x${height}`);
  if (isLzPaletteType(type)) {
    const ppb = LZ_PLT_PIXELS_PER_BYTE[type]!;
    if (stride !== Math.ceil(width / ppb)) throw corrupt(`palette stride ${stride} does not fit width ${width}`);
  } else if (stride !== width * LZ_BYTES_PER_PIXEL[type]!) {
    throw corrupt(`stride ${stride} != width ${width} × bytes per pixel`);
  }
  if (stride * height > LZ_MAX_IMAGE_SIZE) throw new ImageTooLargeError('LZ image', stride * height, LZ_MAX_IMAGE_SIZE);
  const limit = options.maxOutputBytes ?? LZ_DEFAULT_MAX_OUTPUT_BYTES;
  const outBytes = width * height * 4;
  if (outBytes > limit) throw new ImageTooLargeError('decoded LZ image', outBytes, limit);

  const n = width * height;
  const cur: Cursor = { pos: LZ_HEADER_SIZE };
  let out: Uint8Array;
  switch (type) {
    case LzImageType.Rgb32:
    case LzImageType.Rgb24: {
      out = new Uint8Array(outBytes);
      decodeRgbPass(data, cur, new Uint32Array(out.buffer), n);
      break;
    }
    case LzImageType.Rgba: {
      out = new Uint8Array(outBytes);
      decodeRgbPass(data, cur, new Uint32Array(out.buffer), n);
      spreadAlpha(decodeBytePassNew(data, cur, n), out);
      break;
    }
    case LzImageType.Xxxa:
    case LzImageType.A8: {
      out = new Uint8Array(outBytes);
      spreadAlpha(decodeBytePassNew(data, cur, n), out);
      break;
    }
    case LzImageType.Rgb16: {
      out = new Uint8Array(outBytes);
      decodeRgb16Pass(data, cur, new Uint32Array(out.buffer), n);
      break;
    }
    default: {
      const palette = options.palette;
      if (!palette) throw new UnsupportedFormatError('LZ palette image without a palette');
      const indexes = decodeBytePassNew(data, cur, stride * height);
      const format = PLT_BITMAP_FORMAT[type];
      if (format === undefined) throw corrupt(`invalid image type ${type}`);
      out = bitmapToXrgb({ format, width, height, stride, topDown: true, data: indexes, palette }).data;
    }
  }
  if (cur.pos !== data.byteLength) throw corrupt(`${data.byteLength - cur.pos} bytes left after the image`);
  if (!topDown) flipRows(out, width * 4, height);
  return { width, height, type: type as LzImageType, topDown, pixels: { width, height, stride: width * 4, data: out } };
}

const PLT_BITMAP_FORMAT: Readonly<Record<number, number>> = {
  [LzImageType.Plt1Le]: BitmapFmt.Bit1Le,
  [LzImageType.Plt1Be]: BitmapFmt.Bit1Be,
  [LzImageType.Plt4Le]: BitmapFmt.Bit4Le,
  [LzImageType.Plt4Be]: BitmapFmt.Bit4Be,
  [LzImageType.Plt8]: BitmapFmt.Bit8,
};

function flipRows(buf: Uint8Array, rowBytes: number, height: number): void {
  const tmp = new Uint8Array(rowBytes);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    const a = top * rowBytes;
    const b = bottom * rowBytes;
    tmp.set(buf.subarray(a, a + rowBytes));
    buf.copyWithin(a, b, b + rowBytes);
    buf.set(tmp, b);
  }
}

function spreadAlpha(alpha: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < alpha.length; i++) out[i * 4 + 3] = alpha[i]!;
}

function byteAt(data: Uint8Array, cur: Cursor): number {
  if (cur.pos >= data.byteLength) throw corrupt('truncated stream');
  return data[cur.pos++]!;
}

/**
 * Reads the rest of a match whose control byte is `ctrl` (>= 32): stores the length minus the
 * type's minimum match in `result[0]` and the distance - 1 in `result[1]`.
 */
function readMatch(data: Uint8Array, cur: Cursor, ctrl: number, result: number[]): void {
  let len = (ctrl >>> 5) - 1;
  let ofs = (ctrl & 31) << 8;
  if (len === 6) {
    let code: number;
    do {
      code = byteAt(data, cur);
      len += code;
    } while (code === 255);
  }
  const code = byteAt(data, cur);
  ofs += code;
  if (code === 255 && ofs - code === 31 << 8) {
    ofs = (byteAt(data, cur) << 8) | byteAt(data, cur);
    ofs += _LZ_MAX_DISTANCE;
  }
  result[0] = len;
  result[1] = ofs;
}

const match: number[] = [0, 0];

function decodeRgbPass(data: Uint8Array, cur: Cursor, out: Uint32Array, n: number): void {
  let op = 0;
  while (op < n) {
    const ctrl = byteAt(data, cur);
    if (ctrl >= _LZ_MAX_COPY) {
      readMatch(data, cur, ctrl, match);
      const len = match[0]! + 1;
      let ref = op - (match[1]! + 1);
      if (ref < 0) throw corrupt(`match distance ${match[1]! + 1} before the image start`);
      if (op + len > n) throw corrupt('match runs past the image end');
      const end = op + len;
      while (op < end) out[op++] = out[ref++]!;
    } else {
      const count = ctrl + 1;
      if (op + count > n) throw corrupt('literal run past the image end');
      let pos = cur.pos;
      if (pos + count * 3 > data.byteLength) throw corrupt('truncated stream');
      const end = op + count;
      while (op < end) {
        out[op++] = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
        pos += 3;
      }
      cur.pos = pos;
    }
  }
}

function decodeRgb16Pass(data: Uint8Array, cur: Cursor, out: Uint32Array, n: number): void {
  let op = 0;
  while (op < n) {
    const ctrl = byteAt(data, cur);
    if (ctrl >= _LZ_MAX_COPY) {
      readMatch(data, cur, ctrl, match);
      const len = match[0]! + 2;
      let ref = op - (match[1]! + 1);
      if (ref < 0) throw corrupt(`match distance ${match[1]! + 1} before the image start`);
      if (op + len > n) throw corrupt('match runs past the image end');
      const end = op + len;
      while (op < end) out[op++] = out[ref++]!;
    } else {
      const count = ctrl + 1;
      if (op + count > n) throw corrupt('literal run past the image end');
      let pos = cur.pos;
      if (pos + count * 2 > data.byteLength) throw corrupt('truncated stream');
      const end = op + count;
      while (op < end) {
        const hi = data[pos]!;
        const lo = data[pos + 1]!;
        pos += 2;
        let g = ((hi << 6) | (lo >>> 2)) & 0xf8;
        g |= g >>> 5;
        const r = ((hi << 1) & 0xf8) | ((hi >>> 4) & 0x07);
        const b = ((lo << 3) & 0xf8) | ((lo >>> 2) & 0x07);
        out[op++] = b | (g << 8) | (r << 16);
      }
      cur.pos = pos;
    }
  }
}

function decodeBytePassNew(data: Uint8Array, cur: Cursor, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let op = 0;
  while (op < n) {
    const ctrl = byteAt(data, cur);
    if (ctrl >= _LZ_MAX_COPY) {
      readMatch(data, cur, ctrl, match);
      const len = match[0]! + 3;
      let ref = op - (match[1]! + 1);
      if (ref < 0) throw corrupt(`match distance ${match[1]! + 1} before the image start`);
      if (op + len > n) throw corrupt('match runs past the image end');
      const end = op + len;
      while (op < end) out[op++] = out[ref++]!;
    } else {
      const count = ctrl + 1;
      if (op + count > n) throw corrupt('literal run past the image end');
      if (cur.pos + count > data.byteLength) throw corrupt('truncated stream');
      out.set(data.subarray(cur.pos, cur.pos + count), op);
      cur.pos += count;
      op += count;
    }
  }
  return out;
}
