import { deflateSync, inflateSync } from 'node:zlib';
import { CorruptStreamError, ImageTooLargeError } from './errors.js';

/** zlib level upstream compresses GLZ output with (image-encoders.cpp ZLIB_DEFAULT_COMPRESSION_LEVEL). */
export const ZLIB_GLZ_LEVEL = 3;
/** GLZ output shorter than this is sent as plain GLZ_RGB (image-encoders.cpp MIN_GLZ_SIZE_FOR_ZLIB). */
export const ZLIB_GLZ_MIN_GLZ_SIZE = 100;
/** The ZLIB_GLZ_RGB body starts with glz_data_size and data_size, u32 little-endian each. */
export const ZLIB_GLZ_HEADER_SIZE = 8;
/** Default cap on the inflated GLZ stream (ours). */
export const ZLIB_GLZ_DEFAULT_MAX_GLZ_BYTES = 256 * 1024 * 1024;

export interface ZlibGlzEncodeOptions {
  /** zlib level 1..9; default ZLIB_GLZ_LEVEL (3), as upstream. */
  level?: number;
}

export interface ZlibGlzDecodeOptions {
  /** Largest glz_data_size accepted; checked before inflating. */
  maxGlzBytes?: number;
}

/**
 * Wraps a GLZ_RGB payload (from `encodeGlz`) in zlib as spice server does for ZLIB_GLZ_RGB:
 * returns the body `glz_data_size, data_size, data` (u32 LE, u32 LE, a zlib stream of the GLZ
 * bytes), or undefined when upstream would send the plain GLZ_RGB image instead (GLZ output under
 * 100 bytes, or zlib output not smaller than it). The GLZ image still entered the dictionary either
 * way, so one of the two must be sent.
 */
export function encodeZlibGlz(glz: Uint8Array, options: ZlibGlzEncodeOptions = {}): Uint8Array | undefined {
  if (glz.byteLength < ZLIB_GLZ_MIN_GLZ_SIZE) return undefined;
  const zlib = deflateSync(glz, { level: options.level ?? ZLIB_GLZ_LEVEL });
  if (zlib.byteLength >= glz.byteLength) return undefined;
  const out = new Uint8Array(ZLIB_GLZ_HEADER_SIZE + zlib.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, glz.byteLength, true);
  view.setUint32(4, zlib.byteLength, true);
  out.set(zlib, ZLIB_GLZ_HEADER_SIZE);
  return out;
}

/**
 * Unwraps a ZLIB_GLZ_RGB body to the GLZ_RGB payload (decode it with a GlzDecoderWindow). The
 * inflated size must equal glz_data_size; a malformed body gives a CorruptStreamError.
 */
export function decodeZlibGlz(body: Uint8Array, options: ZlibGlzDecodeOptions = {}): Uint8Array {
  if (body.byteLength < ZLIB_GLZ_HEADER_SIZE)
    throw new CorruptStreamError('ZLIB_GLZ', `${body.byteLength} bytes, shorter than the header`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const glzSize = view.getUint32(0, true);
  const dataSize = view.getUint32(4, true);
  if (dataSize !== body.byteLength - ZLIB_GLZ_HEADER_SIZE)
    throw new CorruptStreamError(
      'ZLIB_GLZ',
      `data_size ${dataSize} but ${body.byteLength - ZLIB_GLZ_HEADER_SIZE} bytes`,
    );
  const limit = options.maxGlzBytes ?? ZLIB_GLZ_DEFAULT_MAX_GLZ_BYTES;
  if (glzSize > limit) throw new ImageTooLargeError('ZLIB_GLZ glz_data_size', glzSize, limit);
  let glz: Uint8Array;
  try {
    glz = inflateSync(body.subarray(ZLIB_GLZ_HEADER_SIZE), { maxOutputLength: Math.max(1, glzSize) });
  } catch (error) {
    const e = new CorruptStreamError('ZLIB_GLZ', `inflate failed: ${(error as Error).message}`);
    e.cause = error;
    throw e;
  }
  if (glz.byteLength !== glzSize)
    throw new CorruptStreamError('ZLIB_GLZ', `inflated ${glz.byteLength} bytes, glz_data_size says ${glzSize}`);
  return glz;
}
