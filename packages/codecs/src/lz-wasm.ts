import type { XrgbPixels } from './bitmap.js';
import { BadImageError } from './errors.js';
import { LZ_HEADER_SIZE, LZ_MAGIC, LZ_MAX_IMAGE_SIZE, LZ_VERSION, LzImageType } from './lz-common.js';
import { compileWasm, instantiateWasm, type WasmMemory } from './wasm-api.js';
import { LZ_WASM_BASE64 } from './wasm-modules.js';

interface LzExports {
  memory: WasmMemory;
  heapBase(): number;
  rgb32Bound(n: number): number;
  compressRgb32(src: number, n: number, dst: number): number;
}

const WASM_PAGE = 65536;
const align16 = (n: number): number => (n + 15) & ~15;

/**
 * An LZ RGB32 encoder running in one WebAssembly instance. Output is byte-identical to
 * `encodeLz(pixels, LzImageType.Rgb32)`. Not re-entrant (one linear memory); use one per thread.
 */
export interface WasmLzEncoder {
  /** Copies the pixels into linear memory and encodes them (header + body, a fresh buffer). */
  encodeRgb32(pixels: XrgbPixels, options?: { topDown?: boolean }): Uint8Array;
  /**
   * A view of linear memory for `width × height` packed 32-bit pixels in stream row order; fill it
   * and call encodePreparedRgb32. Valid until the next call on this encoder (memory may grow).
   */
  inputView(width: number, height: number): Uint8Array;
  /** Encodes the pixels last written into inputView(width, height). */
  encodePreparedRgb32(width: number, height: number, topDown?: boolean): Uint8Array;
}

let compiled: object | undefined;

/** Instantiates the LZ module synchronously (compiling it once per process). */
export function createWasmLzEncoder(): WasmLzEncoder {
  compiled ??= compileWasm(new Uint8Array(Buffer.from(LZ_WASM_BASE64, 'base64')));
  const wasm = instantiateWasm(compiled, 'LZ') as unknown as LzExports;
  const base = align16(wasm.heapBase());

  const layout = (n: number): { src: number; dst: number } => {
    if (n * 4 > LZ_MAX_IMAGE_SIZE) throw new BadImageError(`${n} pixels too many for LZ`);
    const dst = align16(base + n * 4);
    const end = dst + wasm.rgb32Bound(n) + 16;
    const have = wasm.memory.buffer.byteLength;
    if (end > have) wasm.memory.grow(Math.ceil((end - have) / WASM_PAGE));
    return { src: base, dst };
  };

  const finish = (width: number, height: number, topDown: boolean): Uint8Array => {
    const n = width * height;
    const { src, dst } = layout(n);
    const end = wasm.compressRgb32(src, n, dst);
    const out = new Uint8Array(LZ_HEADER_SIZE + end - dst);
    const header = new DataView(out.buffer);
    const words = [LZ_MAGIC, LZ_VERSION, LzImageType.Rgb32, width, height, width * 4, topDown ? 1 : 0];
    for (let i = 0; i < words.length; i++) header.setUint32(i * 4, words[i]!);
    out.set(new Uint8Array(wasm.memory.buffer, dst, end - dst), LZ_HEADER_SIZE);
    return out;
  };

  const checkSize = (width: number, height: number): void => {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new BadImageError(`empty image ${width}x${height}`);
  };

  return {
    inputView(width, height) {
      checkSize(width, height);
      const { src } = layout(width * height);
      return new Uint8Array(wasm.memory.buffer, src, width * height * 4);
    },
    encodePreparedRgb32(width, height, topDown = true) {
      checkSize(width, height);
      return finish(width, height, topDown);
    },
    encodeRgb32(pixels, options = {}) {
      const { width, height, stride, data } = pixels;
      checkSize(width, height);
      if (stride < width * 4) throw new BadImageError(`stride ${stride} < ${width * 4} for width ${width}`);
      if (data.byteLength < stride * (height - 1) + width * 4)
        throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
      const topDown = options.topDown ?? true;
      const { src } = layout(width * height);
      const mem = new Uint8Array(wasm.memory.buffer);
      const rowBytes = width * 4;
      if (topDown && stride === rowBytes) {
        mem.set(data.subarray(0, rowBytes * height), src);
      } else {
        for (let y = 0; y < height; y++) {
          const from = (topDown ? y : height - 1 - y) * stride;
          mem.set(data.subarray(from, from + rowBytes), src + y * rowBytes);
        }
      }
      return finish(width, height, topDown);
    },
  };
}
