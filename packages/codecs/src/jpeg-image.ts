import { ImageType, type SpiceImage } from '@spice-ts/protocol';
import type { XrgbPixels } from './bitmap.js';
import { encodeJpeg } from './jpeg-encode.js';

export interface JpegImageOptions {
  /** 64-bit image id for the client cache. */
  id: bigint;
  /** libjpeg quality 1..100; default JPEG_DEFAULT_QUALITY (85). */
  quality?: number;
  /** Image descriptor flags (e.g. ImageFlags.CacheMe). */
  flags?: number;
}

/**
 * Compresses 32-bit pixels (the X byte ignored) with `encodeJpeg` and wraps them as a JPEG image
 * (SpiceJPEGData: u32 size + the JFIF stream). JPEG is lossy: upstream sends it only where lossy
 * compression is allowed, and never for images with alpha (those go as JPEG_ALPHA).
 */
export async function encodeJpegImage(pixels: XrgbPixels, options: JpegImageOptions): Promise<SpiceImage> {
  const data = await encodeJpeg(pixels, options.quality === undefined ? {} : { quality: options.quality });
  return {
    kind: 'binary',
    descriptor: {
      id: options.id,
      type: ImageType.Jpeg,
      flags: options.flags ?? 0,
      width: pixels.width,
      height: pixels.height,
    },
    data,
  };
}
