import { ImageType, type SpiceImage } from '@spice-ts/protocol';
import type { XrgbPixels } from './bitmap.js';
import { encodeQuic, type QuicEncodeType } from './quic-encode.js';
import { QuicImageType } from './quic-model.js';

export interface QuicImageOptions {
  /** 64-bit image id for the client cache. */
  id: bigint;
  /** Image descriptor flags (e.g. ImageFlags.CacheMe). */
  flags?: number;
  /** QUIC image type; default RGB32 (use RGBA for surfaces whose alpha matters). */
  type?: QuicEncodeType;
}

/** Compresses 32-bit pixels with QUIC and wraps them as a QUIC image for DRAW_COPY and friends. */
export function encodeQuicImage(pixels: XrgbPixels, options: QuicImageOptions): SpiceImage {
  return {
    kind: 'binary',
    descriptor: {
      id: options.id,
      type: ImageType.Quic,
      flags: options.flags ?? 0,
      width: pixels.width,
      height: pixels.height,
    },
    data: encodeQuic(pixels, options.type ?? QuicImageType.Rgb32),
  };
}
