/**
 * @spice-ts/codecs — SPICE image codecs. This version carries the uncompressed BITMAP image (the
 * "compression off" path every client decodes) and conversion of every uncompressed bitmap format
 * to 32-bit pixels. QUIC, LZ, GLZ, LZ4, JPEG and zlib-GLZ join here as they are written.
 */

export * from './bitmap.js';
export * from './errors.js';
