import { BitmapFmt, ImageType, type SpiceImage } from '@spice-ts/protocol';
import { bitmapToXrgb, type XrgbPixels } from './bitmap.js';
import { BadImageError, CorruptStreamError, ImageTooLargeError, UnsupportedFormatError } from './errors.js';
import { lz4CompressBlock, lz4CompressBound, lz4DecompressBlock } from './lz4-block.js';

/** Bitmap formats SPICE sends as LZ4 (spice-common canvas_base.c canvas_get_lz4). */
export type Lz4Format =
  | typeof BitmapFmt.Bit16
  | typeof BitmapFmt.Bit24
  | typeof BitmapFmt.Bit32
  | typeof BitmapFmt.Rgba;

/** top_down byte and format byte before the first block (spice server lz4-encoder.c). */
export const LZ4_HEADER_SIZE = 2;
/** Each block is preceded by its compressed length, u32 big-endian (lz4-encoder.c). */
export const LZ4_BLOCK_PREFIX_SIZE = 4;
/** Default cap on the decoded 32-bit image: 8192 × 8192 pixels (ours). */
export const LZ4_DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

const BYTES_PER_PIXEL: Readonly<Record<number, number>> = {
  [BitmapFmt.Bit16]: 2,
  [BitmapFmt.Bit24]: 3,
  [BitmapFmt.Bit32]: 4,
  [BitmapFmt.Rgba]: 4,
};

export interface Lz4EncodeOptions {
  /** Bitmap format of `pixels.data` and of the stream; default 32BIT. */
  format?: Lz4Format;
  /**
   * Row order of the stream, announced in the top_down byte. Default true; with false the bottom
   * row is written first. `pixels` rows are top-down either way.
   */
  topDown?: boolean;
}

export interface Lz4DecodeOptions {
  /** The image's width and height: LZ4 payloads do not carry them (the image descriptor does). */
  width: number;
  height: number;
  /** Largest decoded image (width × height × 4) accepted; checked before allocating. */
  maxOutputBytes?: number;
}

export interface Lz4Decoded {
  format: Lz4Format;
  /** The stream's top_down byte; `pixels` rows are top-down either way. */
  topDown: boolean;
  /** 32-bit B,G,R,X pixels, rows top-down, stride width × 4 (16/24-bit widened as bitmapToXrgb does). */
  pixels: XrgbPixels;
}

/**
 * Compresses a bitmap for an LZ4 image as spice server's lz4_encode frames it: the top_down byte,
 * the SPICE bitmap format byte, then one LZ4 block of the packed rows (width × bytes per pixel each)
 * prefixed by its compressed length, u32 big-endian. Pure-JS LZ4 (our block compressor).
 */
export function encodeLz4(pixels: XrgbPixels, options: Lz4EncodeOptions = {}): Uint8Array {
  const { width, height, stride, data } = pixels;
  const format = options.format ?? BitmapFmt.Bit32;
  const topDown = options.topDown ?? true;
  const bpp = BYTES_PER_PIXEL[format];
  if (bpp === undefined) throw new UnsupportedFormatError(`LZ4 of bitmap format ${format as number}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new BadImageError(`empty image ${width}x${height}`);
  const row = width * bpp;
  if (stride < row) throw new BadImageError(`stride ${stride} < ${row} for width ${width}`);
  if (data.byteLength < stride * (height - 1) + row)
    throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
  let packed: Uint8Array;
  if (topDown && stride === row) {
    packed = data.subarray(0, row * height);
  } else {
    packed = new Uint8Array(row * height);
    for (let y = 0; y < height; y++) {
      const from = (topDown ? y : height - 1 - y) * stride;
      packed.set(data.subarray(from, from + row), y * row);
    }
  }
  const out = new Uint8Array(LZ4_HEADER_SIZE + LZ4_BLOCK_PREFIX_SIZE + lz4CompressBound(packed.length));
  out[0] = topDown ? 1 : 0;
  out[1] = format;
  const end = lz4CompressBlock(packed, out, LZ4_HEADER_SIZE + LZ4_BLOCK_PREFIX_SIZE);
  const size = end - LZ4_HEADER_SIZE - LZ4_BLOCK_PREFIX_SIZE;
  new DataView(out.buffer).setUint32(LZ4_HEADER_SIZE, size, false);
  return out.slice(0, end);
}

/**
 * Decodes an LZ4 image payload (SPICE framing, any number of blocks, later blocks may refer to
 * earlier ones as liblz4's streaming decoder allows) to top-down 32-bit pixels. Malformed input
 * gives a CorruptStreamError; the size comes from the image descriptor and is checked before
 * allocating.
 */
export function decodeLz4(data: Uint8Array, options: Lz4DecodeOptions): Lz4Decoded {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new BadImageError(`bad size ${width}x${height}`);
  const limit = options.maxOutputBytes ?? LZ4_DEFAULT_MAX_OUTPUT_BYTES;
  if (width * height * 4 > limit) throw new ImageTooLargeError('decoded LZ4 image', width * height * 4, limit);
  if (data.byteLength < LZ4_HEADER_SIZE) throw new CorruptStreamError('LZ4', 'missing header');
  const topDown = data[0] !== 0;
  const format = data[1]!;
  const bpp = BYTES_PER_PIXEL[format];
  if (bpp === undefined) throw new UnsupportedFormatError(`LZ4 of bitmap format ${format}`);
  const row = width * bpp;
  const raw = new Uint8Array(row * height);
  let ip = LZ4_HEADER_SIZE;
  let op = 0;
  do {
    if (data.byteLength - ip < LZ4_BLOCK_PREFIX_SIZE) throw new CorruptStreamError('LZ4', 'truncated block length');
    const size = ((data[ip]! << 24) | (data[ip + 1]! << 16) | (data[ip + 2]! << 8) | data[ip + 3]!) >>> 0;
    ip += LZ4_BLOCK_PREFIX_SIZE;
    if (size === 0 || size > data.byteLength - ip) throw new CorruptStreamError('LZ4', `block of ${size} bytes`);
    const before = op;
    op = lz4DecompressBlock(data, ip, ip + size, raw, op);
    if (op === before) throw new CorruptStreamError('LZ4', 'empty block');
    ip += size;
  } while (ip < data.byteLength);
  if (op !== raw.length) throw new CorruptStreamError('LZ4', `${op} bytes decoded, ${raw.length} expected`);
  const pixels = bitmapToXrgb({ format, width, height, stride: row, topDown, data: raw });
  return { format: format as Lz4Format, topDown, pixels };
}

export interface Lz4ImageOptions extends Lz4EncodeOptions {
  /** 64-bit image id for the client cache. */
  id: bigint;
  /** Image descriptor flags (e.g. ImageFlags.CacheMe). */
  flags?: number;
}

/** Compresses a bitmap with LZ4 and wraps it as an LZ4 image (remote-viewer decodes it; spice-html5 does not). */
export function encodeLz4Image(pixels: XrgbPixels, options: Lz4ImageOptions): SpiceImage {
  const encodeOptions: Lz4EncodeOptions = {};
  if (options.format !== undefined) encodeOptions.format = options.format;
  if (options.topDown !== undefined) encodeOptions.topDown = options.topDown;
  return {
    kind: 'binary',
    descriptor: {
      id: options.id,
      type: ImageType.Lz4,
      flags: options.flags ?? 0,
      width: pixels.width,
      height: pixels.height,
    },
    data: encodeLz4(pixels, encodeOptions),
  };
}
