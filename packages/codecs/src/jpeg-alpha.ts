import { ImageType, type wire } from '@spice-ts/protocol';
import type { XrgbPixels } from './bitmap.js';
import { CorruptStreamError } from './errors.js';
import { decodeJpeg, type JpegDecodeOptions } from './jpeg-decode.js';
import { encodeJpeg } from './jpeg-encode.js';
import { LzImageType } from './lz-common.js';
import { decodeLz } from './lz-decode.js';
import { encodeLz } from './lz-encode.js';

/** SPICE_JPEG_ALPHA_FLAGS_TOP_DOWN (spice-protocol enums.h): the alpha LZ stream's rows are top-down. */
export const JPEG_ALPHA_FLAGS_TOP_DOWN = 1;

/** The JPEG_ALPHA body (SpiceJPEGAlphaData): `data` is the JPEG stream, then the LZ XXXA stream. */
export interface JpegAlphaBody {
  /** JPEG_ALPHA_FLAGS_TOP_DOWN when the alpha stream is top-down. */
  flags: number;
  /** Bytes of `data` that are the JPEG stream. */
  jpegSize: number;
  /** jpeg_size bytes of JPEG, then the LZ XXXA stream of the alpha (data_size = data.length). */
  data: Uint8Array;
}

export interface JpegAlphaImageOptions {
  /** 64-bit image id for the client cache. */
  id: bigint;
  /** libjpeg quality 1..100 of the colour part; default JPEG_DEFAULT_QUALITY (85). */
  quality?: number;
  /** Image descriptor flags (e.g. ImageFlags.CacheMe). */
  flags?: number;
}

/**
 * Compresses 32-bit B,G,R,A pixels (rows top-down) as spice server's image_encoders_compress_jpeg
 * does for an RGBA bitmap: the colour through `encodeJpeg`, the alpha bytes losslessly as an LZ
 * XXXA stream written right behind it; flags TOP_DOWN since our rows are top-down.
 */
export async function encodeJpegAlpha(pixels: XrgbPixels, options: { quality?: number } = {}): Promise<JpegAlphaBody> {
  const jpeg = await encodeJpeg(pixels, options.quality === undefined ? {} : { quality: options.quality });
  const alpha = encodeLz(pixels, LzImageType.Xxxa, { topDown: true });
  const data = new Uint8Array(jpeg.byteLength + alpha.byteLength);
  data.set(jpeg);
  data.set(alpha, jpeg.byteLength);
  return { flags: JPEG_ALPHA_FLAGS_TOP_DOWN, jpegSize: jpeg.byteLength, data };
}

/**
 * A JPEG_ALPHA image in the generated wire form (`wire.Image` with `jpegAlpha`; write it with
 * `wire.writeImage`), since the hand-written SpiceImage union carries binary bodies only.
 */
export async function encodeJpegAlphaImage(pixels: XrgbPixels, options: JpegAlphaImageOptions): Promise<wire.Image> {
  const body = await encodeJpegAlpha(pixels, options.quality === undefined ? {} : { quality: options.quality });
  return {
    descriptor: {
      id: options.id,
      type: ImageType.JpegAlpha,
      flags: options.flags ?? 0,
      width: pixels.width,
      height: pixels.height,
    },
    jpegAlpha: body,
  };
}

/**
 * Decodes a JPEG_ALPHA body to 32-bit B,G,R,A pixels, rows top-down: the JPEG's colour with the
 * alpha of the LZ XXXA stream, checked as spice-common's canvas_get_jpeg_alpha checks it (type
 * XXXA, the JPEG's width and height, top_down agreeing with the flags, one alpha byte a pixel).
 * The JPEG rows are in display order whatever the flag says; a bottom-up alpha stream is turned
 * the right way up. Malformed input gives a CorruptStreamError (or the decoders' typed errors).
 */
export function decodeJpegAlpha(body: JpegAlphaBody, options: JpegDecodeOptions = {}): XrgbPixels {
  const { flags, jpegSize, data } = body;
  const corrupt = (message: string) => new CorruptStreamError('JPEG_ALPHA', message);
  if (!Number.isInteger(jpegSize) || jpegSize < 0 || jpegSize > data.byteLength)
    throw corrupt(`jpeg_size ${jpegSize} outside the ${data.byteLength} bytes of data`);
  const rgb = decodeJpeg(data.subarray(0, jpegSize), options);
  const { width, height } = rgb;
  const alpha = decodeLz(data.subarray(jpegSize), { maxOutputBytes: width * height * 4 });
  if (alpha.type !== LzImageType.Xxxa) throw corrupt(`alpha stream of LZ type ${alpha.type}, not XXXA`);
  if (alpha.width !== width || alpha.height !== height)
    throw corrupt(`alpha ${alpha.width}x${alpha.height} for a ${width}x${height} JPEG`);
  if (alpha.topDown !== ((flags & JPEG_ALPHA_FLAGS_TOP_DOWN) !== 0))
    throw corrupt('the alpha stream top_down disagrees with the flags');
  const out = rgb.pixels.data;
  const a = alpha.pixels.data;
  for (let i = 3; i < out.length; i += 4) out[i] = a[i]!;
  return rgb.pixels;
}
