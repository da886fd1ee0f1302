// Test helpers: a guest memory with one memslot over all RAM and a bump writer that places raw
// QXL structures in it, so tests can build good and hostile guest structures byte by byte.
import type { QxlAsync, QxlPrimarySurface, QxlWorkerCallbacks } from '../src/device.js';
import { createGuestMemory, type GuestMemory, QxlRegion } from '../src/guest-memory.js';
import { createQxlParser, type QxlParseLimits, type QxlParser } from '../src/parser.js';
import { QXL_DATA_CHUNK, QXL_RECT } from '../src/qxl-dev.js';
import type { QxlMonitorsConfig, QxlRect } from '../src/records.js';

export class GuestWriter {
  readonly mem: GuestMemory;
  readonly view: DataView;
  private next: number;

  constructor(
    mem: GuestMemory,
    readonly slotId = 0,
    readonly generation = 0,
    start = 0x100,
  ) {
    this.mem = mem;
    this.view = mem.view(QxlRegion.Ram);
    this.next = start;
  }

  /** Reserves `size` zeroed bytes (8-aligned) and returns their RAM offset. */
  alloc(size: number): number {
    const at = this.next;
    this.next = Math.ceil((at + size) / 8) * 8;
    if (this.next > this.mem.ram.byteLength) throw new Error('test writer out of memory');
    this.mem.ram.fill(0, at, at + size);
    return at;
  }

  addr(offset: number): bigint {
    return this.mem.physicalAddress(this.slotId, this.generation, offset);
  }

  u8(o: number, v: number): void {
    this.view.setUint8(o, v);
  }
  u16(o: number, v: number): void {
    this.view.setUint16(o, v, true);
  }
  i16(o: number, v: number): void {
    this.view.setInt16(o, v, true);
  }
  u32(o: number, v: number): void {
    this.view.setUint32(o, v >>> 0, true);
  }
  i32(o: number, v: number): void {
    this.view.setInt32(o, v, true);
  }
  u64(o: number, v: bigint): void {
    this.view.setBigUint64(o, BigInt.asUintN(64, v), true);
  }
  ptr(o: number, target: number): void {
    this.u64(o, this.addr(target));
  }
  rect(o: number, r: QxlRect): void {
    this.i32(o + QXL_RECT.top, r.top);
    this.i32(o + QXL_RECT.left, r.left);
    this.i32(o + QXL_RECT.bottom, r.bottom);
    this.i32(o + QXL_RECT.right, r.right);
  }
  bytes(o: number, data: Uint8Array): void {
    this.mem.ram.set(data, o);
  }

  /** Writes a QXLDataChunk holding `data` and returns its offset. */
  chunk(data: Uint8Array): number {
    const c = this.alloc(QXL_DATA_CHUNK.SIZE + data.byteLength);
    this.u32(c + QXL_DATA_CHUNK.dataSize, data.byteLength);
    this.bytes(c + QXL_DATA_CHUNK.data, data);
    return c;
  }

  /** Links chunk `from` to chunk `to` (next_chunk, and to's prev_chunk). */
  link(from: number, to: number): void {
    this.ptr(from + QXL_DATA_CHUNK.nextChunk, to);
    this.ptr(to + QXL_DATA_CHUNK.prevChunk, from);
  }
}

export interface ParserSetup {
  mem: GuestMemory;
  parser: QxlParser;
  w: GuestWriter;
}

/**
 * Upstream test-qxl-parsing.c's setup: one memslot group, one slot, 1 id bit, 1 generation bit,
 * the slot covering all of (our) RAM with generation 0.
 */
export function parserSetup(
  options: { ramSize?: number; numSurfaces?: number; limits?: Partial<QxlParseLimits> } = {},
): ParserSetup {
  const mem = createGuestMemory({
    ramSize: options.ramSize ?? 1 << 20,
    vramSize: 1 << 16,
    romSize: 4096,
    slotIdBits: 1,
    slotGenBits: 1,
    numSlots: 1,
  });
  mem.addSlot(0, { region: QxlRegion.Ram, start: 0, size: mem.ram.byteLength, generation: 0 });
  const parser = createQxlParser({
    memory: mem,
    numSurfaces: options.numSurfaces ?? 16,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  return { mem, parser, w: new GuestWriter(mem) };
}

export function pattern(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A small deterministic PRNG (xorshift32). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Lets setImmediate callbacks (interrupt delivery) and microtasks run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

export interface RecordingWorker extends QxlWorkerCallbacks {
  calls: { name: string; args: unknown[] }[];
  /** Complete async IOs by hand when false (default true: complete on the next microtask). */
  autoComplete: boolean;
  pendingCookies: number[];
}

/** A worker that records every callback; async IOs are completed through `complete`. */
export function recordingWorker(complete: (cookie: number) => void): RecordingWorker {
  const worker: RecordingWorker = {
    calls: [],
    autoComplete: true,
    pendingCookies: [],
    notifyCommands() {
      worker.calls.push({ name: 'notifyCommands', args: [] });
    },
    notifyCursor() {
      worker.calls.push({ name: 'notifyCursor', args: [] });
    },
    createPrimary(surface: QxlPrimarySurface, async: QxlAsync | null) {
      worker.calls.push({ name: 'createPrimary', args: [surface, async] });
      finish(async);
    },
    destroyPrimary(async: QxlAsync | null) {
      worker.calls.push({ name: 'destroyPrimary', args: [async] });
      finish(async);
    },
    updateArea(surfaceId: number, area: QxlRect, async: QxlAsync | null) {
      worker.calls.push({ name: 'updateArea', args: [surfaceId, area, async] });
      finish(async);
    },
    monitorsConfig(config: QxlMonitorsConfig, async: QxlAsync) {
      worker.calls.push({ name: 'monitorsConfig', args: [config, async] });
      finish(async);
    },
  };
  function finish(async: QxlAsync | null): void {
    if (async === null) return;
    if (worker.autoComplete) queueMicrotask(() => complete(async.cookie));
    else worker.pendingCookies.push(async.cookie);
  }
  return worker;
}
