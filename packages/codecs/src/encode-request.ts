import type { XrgbPixels } from './bitmap.js';
import { BadImageError } from './errors.js';
import { encodeLz, type LzEncodeType } from './lz-encode.js';
import { encodeLz4, type Lz4EncodeOptions } from './lz4.js';
import { encodeQuic, type QuicEncodeType } from './quic-encode.js';

/** An encode that can run in another thread: plain data, the pixels in their own buffer. */
export type EncodeRequest =
  | { codec: 'quic'; pixels: XrgbPixels; type: QuicEncodeType }
  | { codec: 'lz'; pixels: XrgbPixels; type: LzEncodeType }
  | { codec: 'lz4'; pixels: XrgbPixels; format: NonNullable<Lz4EncodeOptions['format']> };

export type EncodeCodec = EncodeRequest['codec'];

/** Runs one request with the codecs of this package (what an encoder thread does). */
export function runEncodeRequest(request: EncodeRequest): Uint8Array {
  switch (request.codec) {
    case 'quic':
      return encodeQuic(request.pixels, request.type);
    case 'lz':
      return encodeLz(request.pixels, request.type);
    case 'lz4':
      return encodeLz4(request.pixels, { format: request.format });
    default:
      throw new BadImageError(`unknown codec ${String((request as { codec?: unknown }).codec)} in an encode request`);
  }
}
