import { createWasmLzEncoder, type WasmLzEncoder } from './lz-wasm.js';
import { createWasmQuicEncoder, type WasmQuicEncoder } from './quic-wasm.js';

/**
 * The WebAssembly fast paths of encodeLz (RGB32) and encodeQuic (RGB32), built from our own
 * AssemblyScript (wasm/assembly, byte-identical output to the TypeScript encoders). One instance
 * per thread, made on first use. They are skipped, and the TypeScript encoders run instead, when
 * WebAssembly cannot be instantiated, when SPICE_TS_NO_WASM=1, or after useWasmEncoders(false).
 */
let enabled = typeof process === 'undefined' || process.env.SPICE_TS_NO_WASM !== '1';
let lz: WasmLzEncoder | null | undefined;
let quic: WasmQuicEncoder | null | undefined;

/** Turns the WebAssembly encoders on or off for this thread (tests compare the two paths). */
export function useWasmEncoders(on: boolean): void {
  enabled = on;
}

export function wasmEncodersEnabled(): boolean {
  return enabled;
}

/** This thread's WebAssembly LZ encoder, or null (disabled or not instantiable). */
export function wasmLzEncoder(): WasmLzEncoder | null {
  if (!enabled) return null;
  if (lz === undefined) {
    try {
      lz = createWasmLzEncoder();
    } catch {
      lz = null;
    }
  }
  return lz;
}

/** This thread's WebAssembly QUIC encoder, or null (disabled or not instantiable). */
export function wasmQuicEncoder(): WasmQuicEncoder | null {
  if (!enabled) return null;
  if (quic === undefined) {
    try {
      quic = createWasmQuicEncoder();
    } catch {
      quic = null;
    }
  }
  return quic;
}
