import { BitmapFlags, BitmapFmt, bitmapFormatBits, ImageType, type SpiceImage } from '@spice-ts/protocol';
import { BadImageError, UnsupportedFormatError } from './errors.js';

/** Pixels in the server's surface format: 32 bits a pixel, B,G,R,X in memory, rows top-down. */
export interface XrgbPixels {
  width: number;
  height: number;
  stride: number;
  data: Uint8Array;
}

export interface BitmapImageOptions {
  /** 64-bit image id for the client cache. */
  id: bigint;
  /** Image descriptor flags (e.g. ImageFlags.CacheMe). */
  flags?: number;
  /** SPICE bitmap format of `pixels.data`; default 32BIT (xRGB). */
  format?: number;
}

/**
 * The uncompressed SPICE image ("image compression off"): a BITMAP whose rows are sent as they
 * are, top-down. Every client decodes it (spice-html5 needs 32BIT or RGBA). The pixel rows are
 * referenced, not copied: keep them unchanged until the message is sent.
 */
export function encodeBitmapImage(pixels: XrgbPixels, options: BitmapImageOptions): SpiceImage {
  const format = options.format ?? BitmapFmt.Bit32;
  const minStride = Math.ceil((pixels.width * bitmapFormatBits(format)) / 8);
  if (pixels.width < 1 || pixels.height < 1) throw new BadImageError(`empty image ${pixels.width}x${pixels.height}`);
  if (pixels.stride < minStride)
    throw new BadImageError(`stride ${pixels.stride} < ${minStride} for width ${pixels.width}`);
  const size = pixels.stride * pixels.height;
  if (pixels.data.byteLength < size)
    throw new BadImageError(`${pixels.data.byteLength} bytes < stride × height = ${size}`);
  return {
    kind: 'bitmap',
    descriptor: {
      id: options.id,
      type: ImageType.Bitmap,
      flags: options.flags ?? 0,
      width: pixels.width,
      height: pixels.height,
    },
    bitmap: {
      format,
      flags: BitmapFlags.TopDown,
      x: pixels.width,
      y: pixels.height,
      stride: pixels.stride,
      palette: null,
      data: pixels.data.byteLength === size ? pixels.data : pixels.data.subarray(0, size),
    },
  };
}

export interface BitmapSource {
  format: number;
  width: number;
  height: number;
  stride: number;
  /** Rows are stored top row first. */
  topDown: boolean;
  data: Uint8Array;
  /** xRGB palette entries for the indexed formats. */
  palette?: Uint32Array | null;
}

/**
 * Converts a SPICE bitmap of any uncompressed format (1/4/8-bit indexed, 16-bit 555, 24-bit,
 * 32-bit, RGBA, 8-bit alpha) to 32-bit xRGB rows, top-down. Alpha is kept for RGBA and A8.
 */
export function bitmapToXrgb(src: BitmapSource): XrgbPixels {
  const { width, height, stride, data } = src;
  const bits = bitmapFormatBits(src.format);
  if (width < 1 || height < 1) throw new BadImageError(`empty bitmap ${width}x${height}`);
  if (stride < Math.ceil((width * bits) / 8))
    throw new BadImageError(`bitmap stride ${stride} too small for width ${width}`);
  if (data.byteLength < stride * height) throw new BadImageError(`bitmap data ${data.byteLength} < ${stride * height}`);
  const indexed = src.format >= BitmapFmt.Bit1Le && src.format <= BitmapFmt.Bit8;
  const palette = src.palette ?? null;
  if (indexed && !palette) throw new BadImageError('indexed bitmap without a palette');
  const out = new Uint8Array(width * height * 4);
  const out32 = new Uint32Array(out.buffer);
  for (let y = 0; y < height; y++) {
    const row = (src.topDown ? y : height - 1 - y) * stride;
    const o = y * width;
    switch (src.format) {
      case BitmapFmt.Bit32:
      case BitmapFmt.Rgba:
        out.set(data.subarray(row, row + width * 4), o * 4);
        break;
      case BitmapFmt.Bit24:
        for (let x = 0; x < width; x++) {
          const i = row + x * 3;
          out32[o + x] = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16)) >>> 0;
        }
        break;
      case BitmapFmt.Bit16:
        for (let x = 0; x < width; x++) {
          const v = data[row + x * 2]! | (data[row + x * 2 + 1]! << 8);
          const r = (v >> 10) & 0x1f;
          const g = (v >> 5) & 0x1f;
          const b = v & 0x1f;
          out32[o + x] = (((r << 3) | (r >> 2)) << 16) | (((g << 3) | (g >> 2)) << 8) | ((b << 3) | (b >> 2));
        }
        break;
      case BitmapFmt.Bit8A:
        for (let x = 0; x < width; x++) out32[o + x] = (data[row + x]! << 24) >>> 0;
        break;
      case BitmapFmt.Bit8:
      case BitmapFmt.Bit4Le:
      case BitmapFmt.Bit4Be:
      case BitmapFmt.Bit1Le:
      case BitmapFmt.Bit1Be:
        for (let x = 0; x < width; x++) {
          const index = paletteIndex(src.format, data, row, x);
          out32[o + x] = palette![index] ?? 0;
        }
        break;
      default:
        throw new UnsupportedFormatError(`bitmap format ${src.format}`);
    }
  }
  return { width, height, stride: width * 4, data: out };
}

function paletteIndex(format: number, data: Uint8Array, row: number, x: number): number {
  switch (format) {
    case BitmapFmt.Bit8:
      return data[row + x]!;
    case BitmapFmt.Bit4Le: {
      const b = data[row + (x >> 1)]!;
      return x & 1 ? b >> 4 : b & 0x0f;
    }
    case BitmapFmt.Bit4Be: {
      const b = data[row + (x >> 1)]!;
      return x & 1 ? b & 0x0f : b >> 4;
    }
    case BitmapFmt.Bit1Le:
      return (data[row + (x >> 3)]! >> (x & 7)) & 1;
    default:
      return (data[row + (x >> 3)]! >> (7 - (x & 7))) & 1;
  }
}
