import type { XrgbPixels } from './bitmap.js';
import { BadImageError } from './errors.js';
import {
  createState,
  FAMILY_8BPC,
  melcUp,
  QUIC_MAX_PIXELS,
  QuicImageType,
  setWmTrigger,
  tabrand,
} from './quic-model.js';
import { compileWasm, instantiateWasm, type WasmMemory } from './wasm-api.js';
import { QUIC_WASM_BASE64 } from './wasm-modules.js';

interface QuicExports {
  memory: WasmMemory;
  tables(): number;
  heapBase(): number;
  scratchSize(width: number): number;
  begin(pixels: number, width: number, height: number, scratch: number, dst: number, type: number): void;
  rowsBound(rows: number): number;
  position(): number;
  encodeRows(from: number, to: number): void;
  finish(): number;
}

const WASM_PAGE = 65536;
/** Rows are coded in chunks whose worst-case output is about this size (memory grows as needed). */
const CHUNK_BYTES = 1 << 20;
const align16 = (n: number): number => (n + 15) & ~15;

// Table offsets inside tables() (assembly/quic.ts T_*).
const T_CODE = 0;
const T_CODE_LEN = 8192;
const T_U2L = 10240;
const T_BUCKET = 10496;
const T_TABRAND = 10752;
const T_TRIGGER = 11776;
const T_MELC_J = 11840;
const T_BUCKET_RANGE = 11968;

/**
 * A QUIC RGB32 encoder running in one WebAssembly instance. Output is byte-identical to
 * `encodeQuic(pixels, QuicImageType.Rgb32)`. Not re-entrant (one linear memory); use one per thread.
 */
export interface WasmQuicEncoder {
  /** Copies the pixels into linear memory and encodes them (a fresh buffer). */
  encodeRgb32(pixels: XrgbPixels): Uint8Array;
  /** A view for `width × height` packed top-down pixels; valid until the next call on this encoder. */
  inputView(width: number, height: number): Uint8Array;
  /** Encodes the pixels last written into inputView(width, height). */
  encodePreparedRgb32(width: number, height: number): Uint8Array;
}

/** The model tables of src/quic-model.ts, laid out as assembly/quic.ts reads them. */
function writeTables(mem: ArrayBuffer, at: number): void {
  const bytes = new Uint8Array(mem, at);
  const view = new DataView(mem, at);
  // Code and length in one word: codes of 8-bit values are below 2^9, lengths at most 26.
  for (let i = 0; i < FAMILY_8BPC.code.length; i++)
    view.setUint32(T_CODE + i * 4, FAMILY_8BPC.code[i]! | (FAMILY_8BPC.codeLen[i]! << 16), true);
  bytes.set(FAMILY_8BPC.codeLen, T_CODE_LEN);
  bytes.set(FAMILY_8BPC.xlatU2L, T_U2L);
  bytes.set(FAMILY_8BPC.bucketOf, T_BUCKET);
  const rand = createState();
  for (let i = 0; i < 256; i++) view.setUint32(T_TABRAND + ((rand.tabrandSeed + 1) & 0xff) * 4, tabrand(rand), true);
  const trig = createState();
  for (let i = 0; i <= 10; i++) {
    trig.wmidx = i;
    setWmTrigger(trig);
    view.setUint32(T_TRIGGER + i * 4, trig.wmTrigger, true);
  }
  // First context and number of contexts of each bucket (buckets cover consecutive contexts).
  for (let ctx = 0; ctx < 256; ctx++) {
    const bucket = FAMILY_8BPC.bucketOf[ctx]!;
    const at = T_BUCKET_RANGE + bucket * 8;
    if (ctx === 0 || FAMILY_8BPC.bucketOf[ctx - 1] !== bucket) view.setUint32(at, ctx, true);
    view.setUint32(at + 4, view.getUint32(at + 4, true) + 1, true);
  }
  const melc = createState();
  view.setUint32(T_MELC_J, melc.melcLen, true);
  for (let i = 1; i < 32; i++) {
    melcUp(melc);
    view.setUint32(T_MELC_J + i * 4, melc.melcLen, true);
  }
}

let compiled: object | undefined;

export function createWasmQuicEncoder(): WasmQuicEncoder {
  compiled ??= compileWasm(new Uint8Array(Buffer.from(QUIC_WASM_BASE64, 'base64')));
  const wasm = instantiateWasm(compiled, 'QUIC') as unknown as QuicExports;
  writeTables(wasm.memory.buffer, wasm.tables());
  const base = align16(wasm.heapBase());

  const ensure = (end: number): void => {
    const have = wasm.memory.buffer.byteLength;
    if (end > have) wasm.memory.grow(Math.ceil((end - have) / WASM_PAGE));
  };

  const layout = (width: number, height: number) => {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new BadImageError(`empty image ${width}x${height}`);
    const n = width * height;
    if (n > QUIC_MAX_PIXELS) throw new BadImageError(`image ${width}x${height} too large for QUIC`);
    const scratch = align16(base + n * 4);
    const dst = align16(scratch + wasm.scratchSize(width));
    ensure(dst + 64);
    return { src: base, scratch, dst };
  };

  const encode = (width: number, height: number): Uint8Array => {
    const { src, scratch, dst } = layout(width, height);
    wasm.begin(src, width, height, scratch, dst, QuicImageType.Rgb32);
    // The output is last in memory: grow it before each chunk by that chunk's worst case.
    const chunk = Math.max(1, Math.floor(CHUNK_BYTES / (width * 12)));
    for (let row = 0; row < height; row += chunk) {
      const to = Math.min(height, row + chunk);
      ensure(wasm.position() + wasm.rowsBound(to - row) + 64);
      wasm.encodeRows(row, to);
    }
    const end = wasm.finish();
    return new Uint8Array(wasm.memory.buffer, dst, end - dst).slice();
  };

  return {
    inputView(width, height) {
      const { src } = layout(width, height);
      return new Uint8Array(wasm.memory.buffer, src, width * height * 4);
    },
    encodePreparedRgb32: encode,
    encodeRgb32(pixels) {
      const { width, height, stride, data } = pixels;
      const { src } = layout(width, height);
      if (stride < width * 4) throw new BadImageError(`stride ${stride} < ${width * 4} for width ${width}`);
      if (data.byteLength < stride * (height - 1) + width * 4)
        throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
      const mem = new Uint8Array(wasm.memory.buffer);
      const rowBytes = width * 4;
      if (stride === rowBytes) mem.set(data.subarray(0, rowBytes * height), src);
      else
        for (let y = 0; y < height; y++) mem.set(data.subarray(y * stride, y * stride + rowBytes), src + y * rowBytes);
      return encode(width, height);
    },
  };
}
