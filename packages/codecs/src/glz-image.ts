import { ImageType, type SpiceImage } from '@spice-ts/protocol';
import type { XrgbPixels } from './bitmap.js';
import type { GlzDictionary } from './glz-dictionary.js';
import { encodeGlz, type GlzEncodeOptions } from './glz-encode.js';

export interface GlzImageOptions extends GlzEncodeOptions {
  /** 64-bit image id for the client cache. */
  id: bigint;
  /** Image descriptor flags (e.g. ImageFlags.CacheMe). */
  flags?: number;
}

/** Compresses 32-bit pixels with GLZ against `dict` and wraps them as a GLZ_RGB image. */
export function encodeGlzImage(dict: GlzDictionary, pixels: XrgbPixels, options: GlzImageOptions): SpiceImage {
  const encodeOptions: GlzEncodeOptions = {};
  if (options.type !== undefined) encodeOptions.type = options.type;
  if (options.topDown !== undefined) encodeOptions.topDown = options.topDown;
  return {
    kind: 'binary',
    descriptor: {
      id: options.id,
      type: ImageType.GlzRgb,
      flags: options.flags ?? 0,
      width: pixels.width,
      height: pixels.height,
    },
    data: encodeGlz(dict, pixels, encodeOptions),
  };
}
