// Hostile guest memory: valid structures with random bytes flipped and pointers redirected, and
// plain random bytes. The device must answer every command with a record or a QxlError: never
// another exception, never a hang.
import { describe, expect, it } from 'vitest';
import { createQxlDevice, type QxlDevice } from '../src/device.js';
import { isQxlError } from '../src/errors.js';
import {
  QXL_BRUSH,
  QXL_CLIP,
  QXL_CLIP_RECTS,
  QXL_DATA_CHUNK,
  QXL_DRAWABLE,
  QXL_FILL,
  QXL_MEM_SLOT,
  QXL_MESSAGE,
  QXL_QMASK,
  QXL_RAM,
  QXL_ROM,
  QXL_UPDATE_CMD,
  QxlBitmapFmt,
  QxlBrushType,
  QxlClipType,
  QxlCmdType,
  QxlIo,
} from '../src/qxl-dev.js';
import type { QxlCommandRecord } from '../src/records.js';
import { createQxlRing, writeCommandEntry } from '../src/ring.js';
import {
  writeBitmapImage,
  writeCopy,
  writeCursorSet,
  writeCursorShape,
  writeFill,
  writePalette,
  writeSurfaceCmd,
} from './builders.js';
import { GuestWriter, pattern, rng } from './helpers.js';

const WORK_START = 0x100;

function fuzzDevice() {
  const device = createQxlDevice({ ramSize: 256 * 1024 + 8192, vramSize: 64 * 1024, numSurfaces: 8 });
  const h = device.ramHeaderOffset;
  const ram = new DataView(device.ram.buffer, device.ram.byteOffset, device.ram.byteLength);
  const add = (slot: number, start: number, end: number) => {
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memStart, BigInt(start), true);
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memEnd, BigInt(end), true);
    device.io(QxlIo.MemslotAdd, slot);
  };
  add(1, device.bars.ram.base, device.bars.ram.base + h);
  add(2, device.bars.vram.base, device.bars.vram.base + device.bars.vram.size);
  const generation = new DataView(device.rom.buffer).getUint8(QXL_ROM.slotGeneration);
  const cmdRing = createQxlRing({ bytes: device.ram, offset: h + QXL_RAM.cmdRing, numItems: 32, itemSize: 16 });
  const cursorRing = createQxlRing({ bytes: device.ram, offset: h + QXL_RAM.cursorRing, numItems: 32, itemSize: 16 });
  return { device, ram, cmdRing, cursorRing, generation };
}

function releaseIdOf(r: QxlCommandRecord): bigint {
  if (r.type === 'draw') return r.drawable.releaseId;
  if (r.type === 'message') return r.releaseId;
  return r.command.releaseId;
}

/** Pops one command; returns 'ok' or the error code. Anything but a QxlError fails the test. */
function take(device: QxlDevice, cursor: boolean): string {
  try {
    const record = cursor ? device.getCursorCommand() : device.getCommand();
    if (record === null) throw new Error('ring unexpectedly empty');
    device.releaseResource(releaseIdOf(record));
    return 'ok';
  } catch (err) {
    if (!isQxlError(err)) throw err;
    return err.code;
  }
}

/** Builds one random, valid command graph; returns the command offset, its type and ring. */
function buildValid(w: GuestWriter, random: () => number): { at: number; type: number; cursor: boolean } {
  const pick = Math.floor(random() * 7);
  const width = 1 + Math.floor(random() * 12);
  const height = 1 + Math.floor(random() * 12);
  switch (pick) {
    case 0:
    case 1: {
      const palette = random() < 0.3 ? writePalette(w, [1, 2, 3, 4]) : null;
      const format = palette !== null ? QxlBitmapFmt.Bit8 : QxlBitmapFmt.Bit32;
      const stride = palette !== null ? width : width * 4;
      const { d } = writeCopy(w, {
        width,
        height,
        format,
        stride,
        palette,
        chunkSplit: 1 + Math.floor(random() * stride * height),
      });
      if (random() < 0.5) {
        const n = 1 + Math.floor(random() * 3);
        const clip = w.alloc(QXL_CLIP_RECTS.SIZE + 16 * n);
        w.u32(clip + QXL_CLIP_RECTS.numRects, n);
        w.u32(clip + QXL_CLIP_RECTS.chunk + QXL_DATA_CHUNK.dataSize, 16 * n);
        w.u32(d + QXL_DRAWABLE.clip + QXL_CLIP.type, QxlClipType.Rects);
        w.ptr(d + QXL_DRAWABLE.clip + QXL_CLIP.data, clip);
      }
      return { at: d, type: QxlCmdType.Draw, cursor: false };
    }
    case 2: {
      const d = writeFill(w, Math.floor(random() * 0xffffff));
      if (random() < 0.5) {
        const pat = writeBitmapImage(w, { width, height, chunkSplit: 7 });
        w.u32(d + QXL_DRAWABLE.u + QXL_FILL.brush + QXL_BRUSH.type, QxlBrushType.Pattern);
        w.ptr(d + QXL_DRAWABLE.u + QXL_FILL.brush + QXL_BRUSH.patternPat, pat.image);
      }
      if (random() < 0.5) {
        const mask = writeBitmapImage(w, { width: 8, height: 2, stride: 1, format: QxlBitmapFmt.Bit1Le });
        w.ptr(d + QXL_DRAWABLE.u + QXL_FILL.mask + QXL_QMASK.bitmap, mask.image);
      }
      return { at: d, type: QxlCmdType.Draw, cursor: false };
    }
    case 3: {
      const { cmd } = writeSurfaceCmd(w, { width, height, stride: width * 4, dataSize: width * height * 4 });
      w.u32(cmd + 8, Math.floor(random() * 8));
      return { at: cmd, type: QxlCmdType.Surface, cursor: false };
    }
    case 4: {
      const shape = writeCursorShape(w, pattern(width * height * 4), { width, height, dataSize: width * height * 4 });
      return { at: writeCursorSet(w, shape), type: QxlCmdType.Cursor, cursor: true };
    }
    case 5: {
      const u = w.alloc(QXL_UPDATE_CMD.SIZE);
      w.rect(u + QXL_UPDATE_CMD.area, { top: 0, left: 0, bottom: height, right: width });
      return { at: u, type: QxlCmdType.Update, cursor: false };
    }
    default: {
      const m = w.alloc(QXL_MESSAGE.SIZE + 8);
      w.bytes(m + QXL_MESSAGE.data, new TextEncoder().encode('fuzz\0'));
      return { at: m, type: QxlCmdType.Message, cursor: false };
    }
  }
}

describe('hostile guest memory', () => {
  it('answers mutated commands with a record or a QxlError, never anything else', () => {
    const { device, ram, cmdRing, cursorRing, generation } = fuzzDevice();
    const random = rng(0xc0ffee);
    const outcomes = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < 3000; i++) {
      const w = new GuestWriter(device.memory, 1, generation, WORK_START);
      const built = buildValid(w, random);
      const end = w.alloc(8);
      const span = end - WORK_START;
      // Mutations: flip bytes, or aim 8-byte fields at random places in the graph (chunk loops,
      // cross links, pointers into the middle of structures), or at random addresses.
      const mutations = Math.floor(random() * 6);
      for (let m = 0; m < mutations; m++) {
        const at = WORK_START + Math.floor(random() * (span - 8));
        const kind = random();
        if (kind < 0.5) ram.setUint8(at, Math.floor(random() * 256));
        else if (kind < 0.85) w.ptr(at, WORK_START + Math.floor(random() * span));
        else
          ram.setBigUint64(at, BigInt(Math.floor(random() * 2 ** 32)) * BigInt(Math.floor(random() * 2 ** 32)), true);
      }
      const ring = built.cursor ? cursorRing : cmdRing;
      const type = random() < 0.05 ? Math.floor(random() * 8) : built.type;
      writeCommandEntry(ram, ring.prodItemOffset(), { data: w.addr(built.at), type });
      ring.push();
      const outcome = take(device, built.cursor);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    if (process.env.QXL_FUZZ_REPORT) process.stderr.write(`${JSON.stringify([...outcomes])}\n`);
    // Both kinds of outcome occurred, and nothing took long.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(100);
    expect([...outcomes.keys()].filter((k) => k !== 'ok').length).toBeGreaterThan(3);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('answers random bytes behind random addresses with QxlErrors', () => {
    const { device, ram, cmdRing, generation } = fuzzDevice();
    const random = rng(7);
    const region = device.ram.subarray(WORK_START, WORK_START + 4096);
    for (let i = 0; i < 2000; i++) {
      for (let j = 0; j < region.length; j += 4) ram.setUint32(WORK_START + j, Math.floor(random() * 2 ** 32), true);
      const choice = random();
      let data: bigint;
      if (choice < 0.6) data = device.memory.physicalAddress(1, generation, WORK_START + Math.floor(random() * 4096));
      else if (choice < 0.8)
        data = device.memory.physicalAddress(
          Math.floor(random() * 8),
          Math.floor(random() * 256),
          Math.floor(random() * 2 ** 20),
        );
      else data = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
      writeCommandEntry(ram, cmdRing.prodItemOffset(), { data, type: 1 + Math.floor(random() * 5) });
      cmdRing.push();
      take(device, false);
    }
    expect(cmdRing.isEmpty()).toBe(true);
  });

  it('survives a guest rewriting the ring counters', () => {
    const { device, cmdRing } = fuzzDevice();
    const random = rng(99);
    for (let i = 0; i < 200; i++) {
      cmdRing.prod = Math.floor(random() * 2 ** 32);
      cmdRing.cons = Math.floor(random() * 2 ** 32);
      for (let j = 0; j < 3 && !cmdRing.isEmpty(); j++) {
        try {
          const r = device.getCommand();
          if (r) device.releaseResource(releaseIdOf(r));
        } catch (err) {
          expect(isQxlError(err)).toBe(true);
        }
      }
    }
  });
});
