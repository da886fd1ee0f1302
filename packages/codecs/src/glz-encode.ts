import type { XrgbPixels } from './bitmap.js';
import { BadImageError, UnsupportedFormatError } from './errors.js';
import {
  GLZ_FAR_IMAGE_DIST_1,
  GLZ_FAR_IMAGE_DIST_2,
  GLZ_HASH_MASK,
  GLZ_HASH_START,
  GLZ_HEADER_SIZE,
  GLZ_MAX_COPY,
  GLZ_MAX_IMAGE_DIST,
  GLZ_MAX_PIXEL_LONG_DISTANCE,
  GLZ_MAX_PIXEL_MEDIUM_DISTANCE,
  GLZ_MAX_PIXEL_SHORT_DISTANCE,
  GLZ_SHORT_IMAGE_DIST_1,
  GLZ_SHORT_IMAGE_DIST_2,
  GLZ_SHORT_IMAGE_DIST_3,
  GLZ_TOP_DOWN_BIT,
} from './glz-common.js';
import type { GlzDictionary, GlzWindowImage } from './glz-dictionary.js';
import { LZ_MAGIC, LZ_VERSION, LzImageType } from './lz-common.js';

// Module-local copies of imported values used in the hot loops (an imported binding is a property
// read on every access under vite-node).
const _HASH_MASK = GLZ_HASH_MASK;
const _HASH_START = GLZ_HASH_START;
const _MAX_COPY = GLZ_MAX_COPY;
const _SHORT = GLZ_MAX_PIXEL_SHORT_DISTANCE;
const _MEDIUM = GLZ_MAX_PIXEL_MEDIUM_DISTANCE;
const _LONG = GLZ_MAX_PIXEL_LONG_DISTANCE;
const _MAX_IMAGE_DIST = GLZ_MAX_IMAGE_DIST;
const LITERAL_PLACEHOLDER = _MAX_COPY - 1;

/** The GLZ types the encoder writes from 32-bit pixels. */
export type GlzEncodeType = typeof LzImageType.Rgb32 | typeof LzImageType.Rgba;

export interface GlzEncodeOptions {
  /** RGB32 (default; B,G,R coded) or RGBA (B,G,R then an alpha pass). */
  type?: GlzEncodeType;
  /**
   * Row order of the stream, announced in the header. Default true (top row first); with false
   * the bottom row is written first, as for a bottom-up bitmap.
   */
  topDown?: boolean;
}

/**
 * Compresses 32-bit B,G,R,X pixels (rows top-down, any stride ≥ width × 4) with GLZ as spice
 * server's glz_encode writes it: the image enters the dictionary window (evicting the oldest images
 * that no longer fit) and may copy runs from the images before it. Returns the GLZ_RGB payload
 * (header + body, the `data` of a GLZ_RGB image). The pixels are copied into the dictionary; the
 * caller may reuse its buffer. Throws BadImageError when the image is not smaller than the window
 * (check `dict.fits(width, height)` and use another codec then, as upstream does).
 */
export function encodeGlz(dict: GlzDictionary, pixels: XrgbPixels, options: GlzEncodeOptions = {}): Uint8Array {
  const { width, height, stride, data } = pixels;
  const type = options.type ?? LzImageType.Rgb32;
  const topDown = options.topDown ?? true;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new BadImageError(`empty image ${width}x${height}`);
  if (stride < width * 4) throw new BadImageError(`stride ${stride} < ${width * 4} for width ${width}`);
  if (data.byteLength < stride * (height - 1) + width * 4)
    throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
  if (type !== LzImageType.Rgb32 && type !== LzImageType.Rgba)
    throw new UnsupportedFormatError(`GLZ encoding of image type ${type as number}`);
  if (!dict.fits(width, height))
    throw new BadImageError(`image ${width}x${height} does not fit the GLZ window of ${dict.windowSizePixels} pixels`);

  const n = width * height;
  const words = new Uint32Array(n);
  const aligned = (data.byteOffset & 3) === 0 && (stride & 3) === 0;
  for (let y = 0; y < height; y++) {
    const srcRow = topDown ? y : height - 1 - y;
    if (aligned) {
      const w0 = (data.byteOffset + srcRow * stride) >> 2;
      words.set(new Uint32Array(data.buffer, w0 * 4, width), y * width);
    } else {
      const b0 = srcRow * stride;
      const o = y * width;
      for (let x = 0; x < width; x++) {
        const i = b0 + x * 4;
        words[o + x] = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
      }
    }
  }

  const { image, winHeadDist } = dict.add(type, words);
  const bound = GLZ_HEADER_SIZE + 4 * n + 64 + (type === LzImageType.Rgba ? 2 * n + 64 : 0);
  const out = new Uint8Array(bound);
  let pos = 0;
  const put32 = (word: number) => {
    out[pos++] = word >>> 24;
    out[pos++] = (word >>> 16) & 0xff;
    out[pos++] = (word >>> 8) & 0xff;
    out[pos++] = word & 0xff;
  };
  put32(LZ_MAGIC);
  put32(LZ_VERSION);
  out[pos++] = type | (topDown ? GLZ_TOP_DOWN_BIT : 0);
  put32(width);
  put32(height);
  put32(width * 4);
  put32(Math.floor(image.id / 2 ** 32));
  put32(image.id >>> 0);
  put32(winHeadDist);

  pos = compressRgb(dict, image, out, pos);
  if (type === LzImageType.Rgba) pos = compressAlpha(dict, image, out, pos);
  return out.slice(0, pos);
}

// DJB2 over R,G,B of three pixels (glz-encode.tmpl.c HASH_FUNC); only the low 20 bits are kept, so
// 32-bit wrapping multiplication gives the C table index.
function hashRgb(px: Uint32Array, i: number): number {
  const a = px[i]!;
  const b = px[i + 1]!;
  const c = px[i + 2]!;
  let h = Math.imul(_HASH_START, 33) ^ ((a >>> 16) & 0xff);
  h = Math.imul(h, 33) ^ ((a >>> 8) & 0xff);
  h = Math.imul(h, 33) ^ (a & 0xff);
  h = Math.imul(h, 33) ^ ((b >>> 16) & 0xff);
  h = Math.imul(h, 33) ^ ((b >>> 8) & 0xff);
  h = Math.imul(h, 33) ^ (b & 0xff);
  h = Math.imul(h, 33) ^ ((c >>> 16) & 0xff);
  h = Math.imul(h, 33) ^ ((c >>> 8) & 0xff);
  h = Math.imul(h, 33) ^ (c & 0xff);
  return h & _HASH_MASK;
}

function hashAlpha(px: Uint32Array, i: number): number {
  let h = Math.imul(_HASH_START, 33) ^ (px[i]! >>> 24);
  h = Math.imul(h, 33) ^ (px[i + 1]! >>> 24);
  h = Math.imul(h, 33) ^ (px[i + 2]! >>> 24);
  return h & _HASH_MASK;
}

/** Bytes the distance part of a match takes (glz-encode-match.tmpl.c get_encode_ref_size). */
function refSize(imageDist: number, pixDist: number): number {
  if (pixDist < _SHORT) {
    if (imageDist < GLZ_SHORT_IMAGE_DIST_1) return 3;
    if (imageDist < GLZ_SHORT_IMAGE_DIST_2) return 4;
    if (imageDist < GLZ_SHORT_IMAGE_DIST_3) return 5;
    return 6;
  }
  let size: number;
  if (imageDist === 0) size = 3;
  else if (imageDist < GLZ_FAR_IMAGE_DIST_1) size = 4;
  else if (imageDist < GLZ_FAR_IMAGE_DIST_2) size = 5;
  else size = 6;
  return pixDist < _MEDIUM ? size : size + 1;
}

/** Writes a match (glz-encode-match.tmpl.c encode_match); `len` is already biased. */
function writeMatch(out: Uint8Array, at: number, imageDist: number, pixDist: number, len: number): number {
  let pos = at;
  const longFlag = pixDist < _SHORT ? 0 : 16;
  if (len < 7) {
    out[pos++] = (len << 5) + longFlag + (pixDist & 0x0f);
  } else {
    out[pos++] = (7 << 5) + longFlag + (pixDist & 0x0f);
    let rest = len - 7;
    for (; rest >= 255; rest -= 255) out[pos++] = 255;
    out[pos++] = rest;
  }
  out[pos++] = (pixDist >>> 4) & 255;
  if (pixDist < _SHORT) {
    if (imageDist < GLZ_SHORT_IMAGE_DIST_1) {
      out[pos++] = imageDist & 0x3f;
    } else if (imageDist < GLZ_SHORT_IMAGE_DIST_2) {
      out[pos++] = (1 << 6) + (imageDist & 0x3f);
      out[pos++] = (imageDist >>> 6) & 255;
    } else if (imageDist < GLZ_SHORT_IMAGE_DIST_3) {
      out[pos++] = (1 << 7) + (imageDist & 0x3f);
      out[pos++] = (imageDist >>> 6) & 255;
      out[pos++] = (imageDist >>> 14) & 255;
    } else {
      out[pos++] = (3 << 6) + (imageDist & 0x3f);
      out[pos++] = (imageDist >>> 6) & 255;
      out[pos++] = (imageDist >>> 14) & 255;
      out[pos++] = (imageDist >>> 22) & 255;
    }
    return pos;
  }
  const longControl = pixDist < _MEDIUM ? 0 : 32;
  const high = (pixDist >>> 12) & 31;
  if (imageDist === 0) {
    out[pos++] = longControl + high;
  } else if (imageDist < GLZ_FAR_IMAGE_DIST_1) {
    out[pos++] = longControl + (1 << 6) + high;
    out[pos++] = imageDist & 255;
  } else if (imageDist < GLZ_FAR_IMAGE_DIST_2) {
    out[pos++] = longControl + (1 << 7) + high;
    out[pos++] = imageDist & 255;
    out[pos++] = (imageDist >>> 8) & 255;
  } else {
    out[pos++] = longControl + (3 << 6) + high;
    out[pos++] = imageDist & 255;
    out[pos++] = (imageDist >>> 8) & 255;
    out[pos++] = (imageDist >>> 16) & 255;
  }
  if (longControl) out[pos++] = (pixDist >>> 17) & 255;
  return pos;
}

/** Reference found by the last findMatch: image distance and pixel distance (or offset). */
const found = { imageDist: 0, pixDist: 0 };

/**
 * Length of the match between the current image at `ip` and the hash entry's pixel, 0 when there
 * is none worth encoding (glz-encode.tmpl.c do_match). `minLen` is 2 for colour, 4 for alpha;
 * `alpha` selects which bytes are compared.
 */
function findMatch(
  dict: GlzDictionary,
  cur: GlzWindowImage,
  ip: number,
  ipBound: number,
  refSeg: number,
  refPix: number,
  alpha: boolean,
): number {
  const refImage = dict.segs[refSeg];
  if (refImage === undefined || (refImage !== cur && refImage.type !== cur.type)) return 0;
  const rp = refImage.words;
  const px = cur.words;
  const refLimit = refImage.size;
  const minLen = alpha ? 4 : 2;
  if (refPix > refLimit - minLen) return 0;
  let a = ip;
  let r = refPix;
  if (alpha) {
    for (let k = 0; k < 4; k++, a++, r++) if (px[a]! >>> 24 !== rp[r]! >>> 24) return 0;
  } else {
    for (let k = 0; k < 2; k++, a++, r++) if (((px[a]! ^ rp[r]!) & 0xffffff) !== 0) return 0;
  }
  const imageDist = cur.id - refImage.id;
  const pixDist = imageDist === 0 ? ip - refPix : refPix;
  if (pixDist <= 0 || pixDist >= _LONG || imageDist > _MAX_IMAGE_DIST) return 0;
  if (alpha) {
    while (a < ipBound && r < refLimit && px[a]! >>> 24 === rp[r]! >>> 24) {
      a++;
      r++;
    }
  } else {
    while (a < ipBound && r < refLimit && ((px[a]! ^ rp[r]!) & 0xffffff) === 0) {
      a++;
      r++;
    }
  }
  const len = a - ip;
  found.imageDist = imageDist;
  found.pixDist = pixDist;
  if (len > (alpha ? 7 : 2)) return len;
  const size = refSize(imageDist, pixDist);
  return len < (alpha ? size : Math.floor(size / 3)) + 1 ? 0 : len;
}

/** The colour pass (glz-encode.tmpl.c compress + compress_seg for RGB32): one segment per image. */
function compressRgb(dict: GlzDictionary, image: GlzWindowImage, out: Uint8Array, start: number): number {
  const px = image.words;
  const n = px.length;
  const seg = image.seg;
  const hash = dict.hash;
  const segs = dict.segs;
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
  let lastCopy = pos;
  out[pos++] = LITERAL_PLACEHOLDER;
  let hval = hashRgb(px, 0);
  hash[hval << 1] = seg;
  hash[(hval << 1) + 1] = 0;
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
  while (ip < ipLimit) {
    const anchor = ip;
    let len = 0;
    let imageDist = 0;
    let pixDist = 0;
    const p0 = px[ip]! & 0xffffff;
    if ((px[ip - 1]! & 0xffffff) === p0 && (px[ip + 1]! & 0xffffff) === p0 && (px[ip + 2]! & 0xffffff) === p0) {
      pixDist = 1;
      ip += 3;
      len = 3;
      while (ip < ipBound) {
        if ((px[ip]! & 0xffffff) !== p0) {
          ip++;
          break;
        }
        ip++;
        len++;
      }
    } else {
      hval = hashRgb(px, ip);
      const rs = hash[hval << 1]!;
      const rp = hash[(hval << 1) + 1]!;
      // Cheap rejection of the common miss before the full check.
      const ref = rs === seg ? image : segs[rs];
      if (ref !== undefined && rp < ref.size && ((ref.words[rp]! ^ p0) & 0xffffff) === 0)
        len = findMatch(dict, image, ip, ipBound, rs, rp, false);
      if (len) {
        imageDist = found.imageDist;
        pixDist = found.pixDist;
      }
      hash[hval << 1] = seg;
      hash[(hval << 1) + 1] = anchor;
    }
    if (len) {
      if (imageDist === 0) pixDist--;
      if (copy) out[lastCopy] = copy - 1;
      else pos--;
      copy = 0;
      ip = anchor + len - 2;
      pos = writeMatch(out, pos, imageDist, pixDist, len);
      if (ip > anchor) {
        hval = hashRgb(px, ip);
        hash[hval << 1] = seg;
        hash[(hval << 1) + 1] = ip;
      }
      ip++;
      if (ip > anchor) {
        hval = hashRgb(px, ip);
        hash[hval << 1] = seg;
        hash[(hval << 1) + 1] = ip;
      }
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
    if (++copy === _MAX_COPY) {
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
    if (++copy === _MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  if (copy) out[lastCopy] = copy - 1;
  else pos--;
  return pos;
}

/** The alpha pass of RGBA (glz-encode.tmpl.c with LZ_RGB_ALPHA): matches of 3+ alpha bytes. */
function compressAlpha(dict: GlzDictionary, image: GlzWindowImage, out: Uint8Array, start: number): number {
  const px = image.words;
  const n = px.length;
  const seg = image.seg;
  const hash = dict.hash;
  const segs = dict.segs;
  let pos = start;
  if (n < 4) {
    out[pos++] = n - 1;
    for (let i = 0; i < n; i++) out[pos++] = px[i]! >>> 24;
    return pos;
  }
  let lastCopy = pos;
  out[pos++] = LITERAL_PLACEHOLDER;
  let hval = hashAlpha(px, 0);
  hash[hval << 1] = seg;
  hash[(hval << 1) + 1] = 0;
  out[pos++] = px[0]! >>> 24;
  out[pos++] = px[1]! >>> 24;
  let copy = 2;
  let ip = 2;
  const ipBound = n - 2;
  const ipLimit = n - 6;
  while (ip < ipLimit) {
    const anchor = ip;
    let len = 0;
    let imageDist = 0;
    let pixDist = 0;
    const a0 = px[ip]! >>> 24;
    if (px[ip - 1]! >>> 24 === a0 && px[ip + 1]! >>> 24 === a0 && px[ip + 2]! >>> 24 === a0) {
      pixDist = 1;
      ip += 3;
      len = 3;
      while (ip < ipBound) {
        if (px[ip]! >>> 24 !== a0) {
          ip++;
          break;
        }
        ip++;
        len++;
      }
    } else {
      hval = hashAlpha(px, ip);
      const rs = hash[hval << 1]!;
      const rp = hash[(hval << 1) + 1]!;
      const ref = rs === seg ? image : segs[rs];
      if (ref !== undefined && rp < ref.size && ref.words[rp]! >>> 24 === a0)
        len = findMatch(dict, image, ip, ipBound, rs, rp, true);
      if (len) {
        imageDist = found.imageDist;
        pixDist = found.pixDist;
      }
      hash[hval << 1] = seg;
      hash[(hval << 1) + 1] = anchor;
    }
    if (len) {
      if (imageDist === 0) pixDist--;
      if (copy) out[lastCopy] = copy - 1;
      else pos--;
      copy = 0;
      ip = anchor + len - 2;
      pos = writeMatch(out, pos, imageDist, pixDist, len - 2);
      hval = hashAlpha(px, ip);
      hash[hval << 1] = seg;
      hash[(hval << 1) + 1] = ip;
      ip++;
      hval = hashAlpha(px, ip);
      hash[hval << 1] = seg;
      hash[(hval << 1) + 1] = ip;
      ip++;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
      continue;
    }
    out[pos++] = px[anchor]! >>> 24;
    ip = anchor + 1;
    if (++copy === _MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  for (; ip < n; ip++) {
    out[pos++] = px[ip]! >>> 24;
    if (++copy === _MAX_COPY) {
      copy = 0;
      lastCopy = pos;
      out[pos++] = LITERAL_PLACEHOLDER;
    }
  }
  if (copy) out[lastCopy] = copy - 1;
  else pos--;
  return pos;
}
