/**
 * @spice-ts/codecs — SPICE image codecs: the uncompressed BITMAP image (the "compression off" path
 * every client decodes), conversion of every uncompressed bitmap format to 32-bit pixels, and LZ
 * and QUIC (the spice-common lz.c and quic.c bitstreams) encoding and decoding, GLZ, zlib-GLZ, LZ4,
 * and JPEG / JPEG_ALPHA (encoded through sharp, decoded by our own baseline decoder).
 */

export * from './bitmap.js';
export * from './encode-request.js';
export * from './encoder-pool.js';
export * from './errors.js';
export { GLZ_HEADER_SIZE, GLZ_MAX_WINDOW_SIZE } from './glz-common.js';
export * from './glz-decode.js';
export * from './glz-dictionary.js';
export * from './glz-encode.js';
export * from './glz-image.js';
export * from './jpeg-alpha.js';
export * from './jpeg-decode.js';
export * from './jpeg-encode.js';
export * from './jpeg-image.js';
export { LZ_HEADER_SIZE, LZ_MAGIC, LZ_MAX_IMAGE_SIZE, LZ_VERSION, LzImageType } from './lz-common.js';
export * from './lz-decode.js';
export * from './lz-encode.js';
export * from './lz-image.js';
export { createWasmLzEncoder, type WasmLzEncoder } from './lz-wasm.js';
export * from './lz4.js';
export { lz4CompressBlock, lz4CompressBound, lz4DecompressBlock } from './lz4-block.js';
export * from './quic-decode.js';
export * from './quic-encode.js';
export * from './quic-image.js';
export { QUIC_MAGIC, QUIC_MAX_PIXELS, QUIC_VERSION, QuicImageType } from './quic-model.js';
export { createWasmQuicEncoder, type WasmQuicEncoder } from './quic-wasm.js';
export { useWasmEncoders, wasmEncodersEnabled } from './wasm-encoders.js';
export * from './zlib-glz.js';
