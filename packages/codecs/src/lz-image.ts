import { ImageType, type SpiceImage } from '@spice-ts/protocol';
import type { XrgbPixels } from './bitmap.js';
import { LzImageType } from './lz-common.js';
import { encodeLz, type LzEncodeOptions } from './lz-encode.js';

export interface LzImageOptions extends LzEncodeOptions {
  /** 64-bit image id for the client cache. */
  id: bigint;
  /** Image descriptor flags (e.g. ImageFlags.CacheMe). */
  flags?: number;
  /** LZ image type; default RGB32 (use RGBA for surfaces whose alpha matters). XXXA alone is not an LZ_RGB image. */
  type?: typeof LzImageType.Rgb32 | typeof LzImageType.Rgba;
}

/** Compresses 32-bit pixels with LZ and wraps them as an LZ_RGB image for DRAW_COPY and friends. */
export function encodeLzImage(pixels: XrgbPixels, options: LzImageOptions): SpiceImage {
  const encodeOptions: LzEncodeOptions = {};
  if (options.topDown !== undefined) encodeOptions.topDown = options.topDown;
  const data = encodeLz(pixels, options.type ?? LzImageType.Rgb32, encodeOptions);
  return {
    kind: 'binary',
    descriptor: {
      id: options.id,
      type: ImageType.LzRgb,
      flags: options.flags ?? 0,
      width: pixels.width,
      height: pixels.height,
    },
    data,
  };
}
