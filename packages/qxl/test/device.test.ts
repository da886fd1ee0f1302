import { describe, expect, it } from 'vitest';
import { createQxlDevice, type QxlDevice } from '../src/device.js';
import { isQxlError, QxlErrorCode } from '../src/errors.js';
import {
  QXL_COMMAND_RING_SIZE,
  QXL_DRAWABLE,
  QXL_HEAD,
  QXL_MEM_SLOT,
  QXL_MODE,
  QXL_MODES,
  QXL_MONITORS_CONFIG,
  QXL_RAM,
  QXL_RAM_MAGIC,
  QXL_RELEASE_RING_SIZE,
  QXL_RING_HEADER,
  QXL_ROM,
  QXL_ROM_MAGIC,
  QXL_SURFACE_CREATE,
  QxlCmdType,
  QxlInterrupt,
  QxlIo,
  QxlSurfaceFmt,
} from '../src/qxl-dev.js';
import { createQxlRing, writeCommandEntry } from '../src/ring.js';
import { recordingWorker, tick, ticks } from './helpers.js';

const SMALL = { ramSize: 1 << 20, vramSize: 1 << 20 };

function views(dev: QxlDevice) {
  const ram = new DataView(dev.ram.buffer, dev.ram.byteOffset, dev.ram.byteLength);
  const rom = new DataView(dev.rom.buffer, dev.rom.byteOffset, dev.rom.byteLength);
  return { ram, rom, h: dev.ramHeaderOffset };
}

/** Sets up memslot 1 over the RAM pages and 2 over all VRAM as a guest would; returns address makers. */
function guestSlots(dev: QxlDevice) {
  const { ram, rom, h } = views(dev);
  const add = (slot: number, start: number, end: number) => {
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memStart, BigInt(start), true);
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memEnd, BigInt(end), true);
    dev.io(QxlIo.MemslotAdd, slot);
  };
  add(1, dev.bars.ram.base, dev.bars.ram.base + h);
  add(2, dev.bars.vram.base, dev.bars.vram.base + dev.bars.vram.size);
  const gen = rom.getUint8(QXL_ROM.slotGeneration);
  return {
    ramAddr: (offset: number) => dev.memory.physicalAddress(1, gen, offset),
    vramAddr: (offset: number) => dev.memory.physicalAddress(2, gen, offset),
  };
}

function collectInterrupts(dev: QxlDevice) {
  const seen: number[] = [];
  const { ram, h } = views(dev);
  ram.setUint32(h + QXL_RAM.intMask, 0x3f, true);
  dev.onInterrupt(() => {
    const words = new Int32Array(dev.ram.buffer, dev.ram.byteOffset, dev.ram.byteLength >>> 2);
    seen.push(Atomics.exchange(words, (h + QXL_RAM.intPending) >>> 2, 0));
  });
  return seen;
}

function writePrimary(
  dev: QxlDevice,
  mem: bigint,
  o: { width?: number; height?: number; stride?: number; format?: number } = {},
) {
  const { ram, h } = views(dev);
  const c = h + QXL_RAM.createSurface;
  ram.setUint32(c + QXL_SURFACE_CREATE.width, o.width ?? 64, true);
  ram.setUint32(c + QXL_SURFACE_CREATE.height, o.height ?? 48, true);
  ram.setInt32(c + QXL_SURFACE_CREATE.stride, o.stride ?? 256, true);
  ram.setUint32(c + QXL_SURFACE_CREATE.format, o.format ?? QxlSurfaceFmt.X8r8g8b8, true);
  ram.setUint32(c + QXL_SURFACE_CREATE.position, 0, true);
  ram.setUint32(c + QXL_SURFACE_CREATE.mouseMode, 0, true);
  ram.setUint32(c + QXL_SURFACE_CREATE.flags, 0, true);
  ram.setUint32(c + QXL_SURFACE_CREATE.type, 0, true);
  ram.setBigUint64(c + QXL_SURFACE_CREATE.mem, mem, true);
}

describe('device: ROM and RAM header', () => {
  it('writes the ROM as QEMU does, with the RAM header at the end of a 64 MiB RAM BAR', () => {
    const dev = createQxlDevice();
    const { rom, ram, h } = views(dev);
    expect(dev.ram.byteLength).toBe(64 * 1024 * 1024);
    expect(dev.vram.byteLength).toBe(32 * 1024 * 1024);
    expect(dev.ram.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(rom.getUint32(QXL_ROM.magic, true)).toBe(QXL_ROM_MAGIC);
    expect(h).toBe(64 * 1024 * 1024 - 8192);
    expect(rom.getUint32(QXL_ROM.ramHeaderOffset, true)).toBe(h);
    expect(rom.getUint32(QXL_ROM.numPages, true)).toBe(h / 4096);
    expect(rom.getUint32(QXL_ROM.nSurfaces, true)).toBe(1024);
    expect(rom.getUint8(QXL_ROM.slotsStart)).toBe(1);
    expect(rom.getUint8(QXL_ROM.slotsEnd)).toBe(7);
    expect(rom.getUint8(QXL_ROM.slotIdBits)).toBe(8);
    expect(rom.getUint8(QXL_ROM.slotGenBits)).toBe(8);
    expect(ram.getUint32(h + QXL_RAM.magic, true)).toBe(QXL_RAM_MAGIC);
    // Modes: a list after the QXLRom containing 1024x768x32.
    const modes = rom.getUint32(QXL_ROM.modesOffset, true);
    expect(modes).toBe(QXL_ROM.SIZE);
    const n = rom.getUint32(modes + QXL_MODES.nModes, true);
    expect(n).toBeGreaterThan(10);
    const list = Array.from({ length: n }, (_, i) => {
      const m = modes + QXL_MODES.modes + i * QXL_MODE.SIZE;
      return {
        x: rom.getUint32(m + QXL_MODE.xRes, true),
        y: rom.getUint32(m + QXL_MODE.yRes, true),
        bits: rom.getUint32(m + QXL_MODE.bits, true),
        stride: rom.getUint32(m + QXL_MODE.stride, true),
      };
    });
    expect(list).toContainEqual({ x: 1024, y: 768, bits: 32, stride: 4096 });
    // Every mode fits in VRAM.
    for (const m of list) expect(m.y * m.stride).toBeLessThanOrEqual(dev.vram.byteLength);
  });

  it('starts with empty rings (notify_on_prod = 1) and masked interrupts', () => {
    const dev = createQxlDevice(SMALL);
    const { ram, h } = views(dev);
    for (const [ring, n] of [
      [QXL_RAM.cmdRing, QXL_COMMAND_RING_SIZE],
      [QXL_RAM.cursorRing, 32],
      [QXL_RAM.releaseRing, QXL_RELEASE_RING_SIZE],
    ] as const) {
      expect(ram.getUint32(h + ring + QXL_RING_HEADER.numItems, true)).toBe(n);
      expect(ram.getUint32(h + ring + QXL_RING_HEADER.prod, true)).toBe(0);
      expect(ram.getUint32(h + ring + QXL_RING_HEADER.cons, true)).toBe(0);
      expect(ram.getUint32(h + ring + QXL_RING_HEADER.notifyOnProd, true)).toBe(1);
    }
    expect(ram.getUint32(h + QXL_RAM.intMask, true)).toBe(0);
    expect(dev.getCommand()).toBeNull();
    expect(dev.getCursorCommand()).toBeNull();
  });

  it('refuses BAR sizes it cannot lay out', () => {
    expect(() => createQxlDevice({ ramSize: 8192 })).toThrow();
    expect(() => createQxlDevice({ vramSize: 1000 })).toThrow();
  });
});

describe('device: IO ports', () => {
  it('creates the primary through QXL_IO_CREATE_PRIMARY and hands the worker the guest numbers', () => {
    const dev = createQxlDevice(SMALL);
    const worker = recordingWorker((c) => dev.asyncComplete(c));
    dev.attachWorker(worker);
    const { vramAddr } = guestSlots(dev);
    writePrimary(dev, vramAddr(0), { width: 64, height: 48, stride: 256 });
    dev.io(QxlIo.CreatePrimary, 0);
    const call = worker.calls.find((c) => c.name === 'createPrimary');
    expect(call?.args).toEqual([
      {
        width: 64,
        height: 48,
        stride: 256,
        format: 32,
        position: 0,
        mouseMode: 1,
        flags: 0,
        type: 0,
        mem: vramAddr(0),
        groupId: 1,
      },
      null,
    ]);
    expect(dev.primary).toMatchObject({ width: 64, height: 48 });
    expect(dev.translate(vramAddr(0), 256 * 48).offset).toBe(0);
    dev.io(QxlIo.DestroyPrimary, 0);
    expect(worker.calls.at(-1)).toEqual({ name: 'destroyPrimary', args: [null] });
    expect(dev.primary).toBeNull();
  });

  it('completes CREATE_PRIMARY_ASYNC with QXL_INTERRUPT_IO_CMD when the worker says so', async () => {
    const dev = createQxlDevice(SMALL);
    const worker = recordingWorker((c) => dev.asyncComplete(c));
    worker.autoComplete = false;
    dev.attachWorker(worker);
    const seen = collectInterrupts(dev);
    const { vramAddr } = guestSlots(dev);
    writePrimary(dev, vramAddr(0));
    dev.io(QxlIo.CreatePrimaryAsync, 0);
    expect(worker.calls.at(-1)?.name).toBe('createPrimary');
    const cookie = worker.pendingCookies[0] as number;
    expect(worker.calls.at(-1)?.args[1]).toEqual({ cookie });
    await ticks(2);
    expect(seen).toEqual([]);
    // A second async IO before the first completed is a guest bug.
    expect(() => dev.asyncComplete(cookie + 1)).toThrow();
    dev.asyncComplete(cookie);
    await ticks(2);
    expect(seen).toEqual([QxlInterrupt.IoCmd]);
    expect(() => dev.asyncComplete(cookie)).toThrow();
  });

  it('treats a second async IO while one is pending as a guest bug, until RESET', async () => {
    const dev = createQxlDevice(SMALL);
    const worker = recordingWorker((c) => dev.asyncComplete(c));
    worker.autoComplete = false;
    dev.attachWorker(worker);
    const seen = collectInterrupts(dev);
    const { ram, h } = views(dev);
    ram.setInt32(h + QXL_RAM.updateArea + 8, 10, true);
    ram.setInt32(h + QXL_RAM.updateArea + 12, 10, true);
    dev.io(QxlIo.UpdateAreaAsync, 0);
    dev.io(QxlIo.UpdateAreaAsync, 0);
    expect(dev.guestBug?.code).toBe(QxlErrorCode.BadValue);
    await ticks(2);
    expect(seen).toContain(QxlInterrupt.Error);
    // IO is ignored in guest-bug state...
    const calls = worker.calls.length;
    dev.io(QxlIo.UpdateArea, 0);
    expect(worker.calls.length).toBe(calls);
    // ...until RESET; the stale cookie then completes silently.
    dev.io(QxlIo.Reset, 0);
    expect(dev.guestBug).toBeNull();
    expect(() => dev.asyncComplete(worker.pendingCookies[0] as number)).not.toThrow();
  });

  it('passes UPDATE_AREA to the worker, ignores an empty area and flags an invalid one', () => {
    const dev = createQxlDevice(SMALL);
    const worker = recordingWorker((c) => dev.asyncComplete(c));
    dev.attachWorker(worker);
    const { ram, h } = views(dev);
    const setArea = (top: number, left: number, bottom: number, right: number, surface = 0) => {
      ram.setInt32(h + QXL_RAM.updateArea, top, true);
      ram.setInt32(h + QXL_RAM.updateArea + 4, left, true);
      ram.setInt32(h + QXL_RAM.updateArea + 8, bottom, true);
      ram.setInt32(h + QXL_RAM.updateArea + 12, right, true);
      ram.setUint32(h + QXL_RAM.updateSurface, surface, true);
    };
    setArea(1, 2, 30, 40, 5);
    dev.io(QxlIo.UpdateArea, 0);
    expect(worker.calls.at(-1)).toEqual({
      name: 'updateArea',
      args: [5, { top: 1, left: 2, bottom: 30, right: 40 }, null],
    });
    setArea(5, 5, 5, 9);
    dev.io(QxlIo.UpdateArea, 0);
    expect(worker.calls.length).toBe(1);
    expect(dev.guestBug).toBeNull();
    setArea(9, 0, 5, 9);
    dev.io(QxlIo.UpdateArea, 0);
    expect(dev.guestBug).not.toBeNull();
  });

  it('rejects bad primaries: stride, size beyond the slot, double create', () => {
    const dev = createQxlDevice(SMALL);
    const { vramAddr } = guestSlots(dev);
    writePrimary(dev, vramAddr(0), { stride: 100 });
    dev.io(QxlIo.CreatePrimary, 0);
    expect(dev.guestBug?.code).toBe(QxlErrorCode.BadStride);
    expect(dev.primary).toBeNull();
    dev.io(QxlIo.Reset, 0);
    const again = guestSlots(dev);
    writePrimary(dev, again.vramAddr(0), { width: 1024, height: 1024, stride: 4096 });
    dev.io(QxlIo.CreatePrimary, 0);
    expect(dev.guestBug?.code).toBe(QxlErrorCode.OutOfSlot);
    dev.io(QxlIo.Reset, 0);
    const third = guestSlots(dev);
    writePrimary(dev, third.vramAddr(0));
    dev.io(QxlIo.CreatePrimary, 0);
    expect(dev.primary).not.toBeNull();
    dev.io(QxlIo.CreatePrimary, 0);
    expect(dev.guestBug?.code).toBe(QxlErrorCode.BadValue);
  });

  it('adds memslots only inside a BAR, once', () => {
    const dev = createQxlDevice(SMALL);
    const { ram, h } = views(dev);
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memStart, BigInt(dev.bars.ram.base), true);
    ram.setBigUint64(
      h + QXL_RAM.memSlot + QXL_MEM_SLOT.memEnd,
      BigInt(dev.bars.ram.base + dev.bars.ram.size + 4096),
      true,
    );
    dev.io(QxlIo.MemslotAdd, 1);
    expect(dev.guestBug?.code).toBe(QxlErrorCode.BadValue);
    dev.io(QxlIo.Reset, 0);
    guestSlots(dev);
    expect(dev.memory.getSlot(1)).toMatchObject({ region: 0, start: 0, size: dev.ramHeaderOffset });
    expect(dev.memory.getSlot(2)).toMatchObject({ region: 1, start: 0, size: dev.vram.byteLength });
    dev.io(QxlIo.MemslotAdd, 1);
    expect(dev.guestBug).not.toBeNull();
    dev.io(QxlIo.Reset, 0);
    dev.io(QxlIo.MemslotAdd, 99);
    expect(dev.guestBug).not.toBeNull();
  });

  it('gives memslots a new generation after RESET, so stale addresses fail', () => {
    const dev = createQxlDevice(SMALL);
    const before = guestSlots(dev);
    const addr = before.ramAddr(0x100);
    expect(dev.translate(addr, 8).offset).toBe(0x100);
    dev.io(QxlIo.Reset, 0);
    guestSlots(dev);
    expect(() => dev.translate(addr, 8)).toThrow(expect.objectContaining({ code: QxlErrorCode.BadGeneration }));
  });

  it('wakes the worker on NOTIFY_CMD / NOTIFY_CURSOR, coalescing repeated kicks', async () => {
    const dev = createQxlDevice(SMALL);
    const worker = recordingWorker((c) => dev.asyncComplete(c));
    dev.attachWorker(worker);
    dev.io(QxlIo.NotifyCmd, 0);
    dev.io(QxlIo.NotifyCmd, 0);
    dev.io(QxlIo.NotifyCursor, 0);
    expect(worker.calls).toEqual([]);
    await Promise.resolve();
    expect(worker.calls.map((c) => c.name).sort()).toEqual(['notifyCommands', 'notifyCursor']);
  });

  it('runs the worker OOM hook on NOTIFY_OOM and flushes the releases it made', async () => {
    const dev = createQxlDevice(SMALL);
    const { ramAddr } = guestSlots(dev);
    const { ram, h } = views(dev);
    const cmdRing = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.cmdRing, numItems: 32, itemSize: 16 });
    const release = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.releaseRing, numItems: 8, itemSize: 8 });
    // Two update commands, popped and held by the worker.
    for (let i = 0; i < 2; i++) {
      const at = 0x1000 + i * 64;
      ram.setBigUint64(at, BigInt(100 + i), true);
      writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: ramAddr(at), type: QxlCmdType.Update });
      cmdRing.push();
    }
    const held = [dev.getCommand(), dev.getCommand()];
    expect(held.map((r) => r?.type)).toEqual(['update', 'update']);
    // The guest is not waiting: releases are batched, nothing is pushed yet.
    release.notifyOnProd = 0;
    let oomCalls = 0;
    dev.attachWorker({
      ...recordingWorker((c) => dev.asyncComplete(c)),
      oom() {
        oomCalls++;
        dev.releaseResource(100n);
        dev.releaseResource(101n);
      },
    });
    dev.io(QxlIo.NotifyOom, 0);
    expect(oomCalls).toBe(1);
    expect(release.prod).toBe(1);
    // One chain: ring item = first id, its release_info.next = the second id, which ends it.
    expect(ram.getBigUint64(release.itemOffset(0), true)).toBe(100n);
    expect(ram.getBigUint64(0x1000, true)).toBe(101n);
    expect(ram.getBigUint64(0x1040, true)).toBe(0n);
    // With releases still on the ring, OOM does nothing more.
    dev.io(QxlIo.NotifyOom, 0);
    expect(oomCalls).toBe(1);
  });

  it('ignores IO to unknown ports as a guest bug, and accepts FLUSH_RELEASE and LOG', () => {
    const dev = createQxlDevice(SMALL);
    const { ram, h } = views(dev);
    new TextEncoder().encodeInto('hello\0', dev.ram.subarray(h + QXL_RAM.logBuf));
    dev.io(QxlIo.Log, 0);
    dev.io(QxlIo.FlushRelease, 0);
    expect(dev.guestBug).toBeNull();
    dev.io(QxlIo.SetMode, 0);
    expect(dev.guestBug?.code).toBe(QxlErrorCode.BadValue);
    dev.io(QxlIo.Reset, 0);
    dev.io(200, 0);
    expect(dev.guestBug).not.toBeNull();
    void ram;
  });

  it('hands a monitors config to the worker with MONITORS_CONFIG_ASYNC', async () => {
    const dev = createQxlDevice(SMALL);
    const worker = recordingWorker((c) => dev.asyncComplete(c));
    dev.attachWorker(worker);
    const seen = collectInterrupts(dev);
    const { ramAddr } = guestSlots(dev);
    const { ram, h } = views(dev);
    const at = 0x2000;
    ram.setUint16(at + QXL_MONITORS_CONFIG.count, 1, true);
    ram.setUint16(at + QXL_MONITORS_CONFIG.maxAllowed, 1, true);
    ram.setUint32(at + QXL_MONITORS_CONFIG.heads + QXL_HEAD.width, 640, true);
    ram.setUint32(at + QXL_MONITORS_CONFIG.heads + QXL_HEAD.height, 480, true);
    ram.setBigUint64(h + QXL_RAM.monitorsConfig, ramAddr(at), true);
    dev.io(QxlIo.MonitorsConfigAsync, 0);
    expect(worker.calls.at(-1)?.args[0]).toMatchObject({ maxAllowed: 1, heads: [{ width: 640, height: 480 }] });
    await ticks(3);
    expect(seen).toContain(QxlInterrupt.IoCmd);
  });

  it('completes async IO itself when no worker is attached', async () => {
    const dev = createQxlDevice(SMALL);
    const seen = collectInterrupts(dev);
    const { vramAddr } = guestSlots(dev);
    writePrimary(dev, vramAddr(0));
    dev.io(QxlIo.CreatePrimaryAsync, 0);
    await ticks(3);
    expect(seen).toEqual([QxlInterrupt.IoCmd]);
    expect(dev.primary).not.toBeNull();
  });

  it('holds masked interrupts until the guest unmasks them and writes UPDATE_IRQ', async () => {
    const dev = createQxlDevice(SMALL);
    const { ram, h } = views(dev);
    const seen: number[] = [];
    dev.onInterrupt((pending) => {
      seen.push(pending);
      ram.setUint32(h + QXL_RAM.intPending, 0, true);
    });
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memStart, BigInt(dev.bars.ram.base), true);
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memEnd, BigInt(dev.bars.ram.base + 4096), true);
    dev.io(QxlIo.MemslotAddAsync, 1); // completes with QXL_INTERRUPT_IO_CMD, masked for now
    await ticks(2);
    expect(seen).toEqual([]);
    expect(ram.getUint32(h + QXL_RAM.intPending, true)).toBe(QxlInterrupt.IoCmd);
    ram.setUint32(h + QXL_RAM.intMask, QxlInterrupt.IoCmd, true);
    dev.io(QxlIo.UpdateIrq, 0);
    await tick();
    expect(seen).toEqual([QxlInterrupt.IoCmd]);
  });

  it('completes MEMSLOT_ADD_ASYNC itself, and a no-op DESTROY_PRIMARY_ASYNC at once', async () => {
    const dev = createQxlDevice(SMALL);
    dev.attachWorker(recordingWorker((c) => dev.asyncComplete(c)));
    const seen = collectInterrupts(dev);
    const { ram, h } = views(dev);
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memStart, BigInt(dev.bars.vram.base), true);
    ram.setBigUint64(h + QXL_RAM.memSlot + QXL_MEM_SLOT.memEnd, BigInt(dev.bars.vram.base + 4096), true);
    dev.io(QxlIo.MemslotAddAsync, 3);
    expect(dev.memory.getSlot(3)).toMatchObject({ region: 1, size: 4096 });
    await ticks(2);
    expect(seen).toEqual([QxlInterrupt.IoCmd]);
    dev.io(QxlIo.DestroyPrimaryAsync, 0); // there is no primary: cancelled
    await ticks(2);
    expect(seen).toEqual([QxlInterrupt.IoCmd, QxlInterrupt.IoCmd]);
    expect(dev.guestBug).toBeNull();
  });

  it('allows one worker at a time', () => {
    const dev = createQxlDevice(SMALL);
    dev.attachWorker(recordingWorker(() => {}));
    expect(() => dev.attachWorker(recordingWorker(() => {}))).toThrow(
      expect.objectContaining({ code: QxlErrorCode.BadState }),
    );
    dev.detachWorker();
    expect(() => dev.attachWorker(recordingWorker(() => {}))).not.toThrow();
  });
});

describe('device: command ring and releases', () => {
  it('consumes a bad command, releases it, and throws a QxlError', async () => {
    const dev = createQxlDevice(SMALL);
    const { ramAddr } = guestSlots(dev);
    const { ram, h } = views(dev);
    const cmdRing = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.cmdRing, numItems: 32, itemSize: 16 });
    const release = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.releaseRing, numItems: 8, itemSize: 8 });
    const d = 0x3000;
    dev.ram.fill(0, d, d + QXL_DRAWABLE.SIZE);
    ram.setBigUint64(d, 77n, true);
    ram.setUint8(d + QXL_DRAWABLE.type, 42); // unknown draw type
    writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: ramAddr(d), type: QxlCmdType.Draw });
    cmdRing.push();
    let error: unknown;
    try {
      dev.getCommand();
    } catch (err) {
      error = err;
    }
    expect(isQxlError(error)).toBe(true);
    expect(error).toMatchObject({ code: QxlErrorCode.UnknownType, field: 'QXLDrawable.type', value: 42 });
    expect(cmdRing.isEmpty()).toBe(true);
    expect(dev.stats.rejected).toBe(1);
    // The guest waits on the release ring (notify_on_prod = prod + 1, the initial state): pushed at once.
    expect(release.prod).toBe(1);
    expect(ram.getBigUint64(release.itemOffset(0), true)).toBe(77n);
    // An entry whose address is in no memslot cannot be released, but is consumed all the same.
    writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: 0xdead_0000_0000_0000n, type: QxlCmdType.Draw });
    cmdRing.push();
    expect(() => dev.getCommand()).toThrow(expect.objectContaining({ code: QxlErrorCode.BadMemslot }));
    expect(cmdRing.isEmpty()).toBe(true);
    expect(dev.getCommand()).toBeNull();
  });

  it('batches releases by 32 when the guest is not waiting, chaining them through release_info.next', () => {
    const dev = createQxlDevice(SMALL);
    const { ramAddr } = guestSlots(dev);
    const { ram, h } = views(dev);
    const cmdRing = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.cmdRing, numItems: 32, itemSize: 16 });
    const release = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.releaseRing, numItems: 8, itemSize: 8 });
    release.notifyOnProd = 0; // the guest does not wait
    const ids: bigint[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 16; i++) {
        const at = 0x4000 + (round * 16 + i) * 32;
        const id = BigInt(1000 + round * 16 + i);
        ids.push(id);
        ram.setBigUint64(at, id, true);
        writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: ramAddr(at), type: QxlCmdType.Update });
        cmdRing.push();
      }
      const records = Array.from({ length: 16 }, () => dev.getCommand());
      for (const r of records) if (r?.type === 'update') dev.releaseResource(r.command.releaseId);
    }
    expect(release.prod).toBe(1);
    expect(dev.stats.releasePushes).toBe(1);
    // Walk the chain like a guest.
    const walked: bigint[] = [];
    let id = ram.getBigUint64(release.itemOffset(0), true);
    while (id !== 0n) {
      walked.push(id);
      const at = 0x4000 + Number(id - 1000n) * 32;
      id = ram.getBigUint64(at, true);
    }
    expect(walked).toEqual(ids);
    // Fewer than a batch stay pending until flushResources.
    for (let i = 0; i < 3; i++) {
      const at = 0x8000 + i * 32;
      ram.setBigUint64(at, BigInt(5000 + i), true);
      writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: ramAddr(at), type: QxlCmdType.Update });
      cmdRing.push();
      const r = dev.getCommand();
      if (r?.type === 'update') dev.releaseResource(r.command.releaseId);
    }
    expect(release.prod).toBe(1);
    expect(dev.flushResources()).toBe(3);
    expect(release.prod).toBe(2);
    expect(dev.flushResources()).toBe(0);
  });

  it('raises QXL_INTERRUPT_DISPLAY when the guest asked to hear about a freed ring slot', async () => {
    const dev = createQxlDevice(SMALL);
    const seen = collectInterrupts(dev);
    const { ramAddr } = guestSlots(dev);
    const { ram, h } = views(dev);
    const cmdRing = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.cmdRing, numItems: 32, itemSize: 16 });
    for (let i = 0; i < 32; i++) {
      writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: ramAddr(0x100), type: QxlCmdType.Update });
      cmdRing.push();
    }
    expect(cmdRing.prodWait()).toBe(true);
    dev.getCommand();
    await tick();
    expect(seen).toEqual([QxlInterrupt.Display]);
  });

  it('reports whether a command notification was armed', () => {
    const dev = createQxlDevice(SMALL);
    const { ramAddr } = guestSlots(dev);
    const { ram, h } = views(dev);
    const cmdRing = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.cmdRing, numItems: 32, itemSize: 16 });
    expect(dev.requestCommandNotification()).toBe(true);
    expect(cmdRing.notifyOnProd).toBe(1);
    writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: ramAddr(0x100), type: QxlCmdType.Update });
    expect(cmdRing.push()).toBe(true);
    expect(dev.requestCommandNotification()).toBe(false);
    dev.getCommand();
    expect(dev.requestCommandNotification()).toBe(true);
    expect(cmdRing.notifyOnProd).toBe(2);
    expect(dev.requestCursorNotification()).toBe(true);
  });
});

describe('device: observers (what a recorder sees)', () => {
  it('tells onCommand about each ring entry before parsing, even a bad one, and onWorkerMessage about each IO passed on', async () => {
    const dev = createQxlDevice(SMALL);
    const commands: unknown[] = [];
    const messages: [number, number | null][] = [];
    const throwing = dev.onCommand(() => {
      throw new Error('listener bug');
    });
    dev.onCommand((command, ring) => commands.push({ ...command, ring }));
    const off = dev.onWorkerMessage((message, primary) => messages.push([message, primary?.width ?? null]));
    const worker = recordingWorker((c) => dev.asyncComplete(c));
    dev.attachWorker(worker);
    const { ramAddr, vramAddr } = guestSlots(dev);
    writePrimary(dev, vramAddr(0), { width: 64, height: 48, stride: 256 });
    dev.io(QxlIo.CreatePrimaryAsync, 0);
    await ticks(2);
    // DESTROY_PRIMARY without a primary is not passed on, so not told either.
    dev.io(QxlIo.DestroyPrimary, 0);
    dev.io(QxlIo.DestroyPrimary, 0);
    const { ram, h } = views(dev);
    const cmdRing = createQxlRing({ bytes: dev.ram, offset: h + QXL_RAM.cmdRing, numItems: 32, itemSize: 16 });
    writeCommandEntry(ram, cmdRing.prodItemOffset(), { data: ramAddr(0x3000), type: 9 });
    cmdRing.push();
    dev.io(QxlIo.NotifyCmd, 0);
    dev.io(QxlIo.NotifyCmd, 0);
    await tick();
    expect(() => dev.getCommand()).toThrow(expect.objectContaining({ code: QxlErrorCode.UnknownType }));
    throwing();
    off();
    dev.io(QxlIo.DestroyAllSurfaces, 0);
    expect(commands).toEqual([{ type: 9, data: ramAddr(0x3000), flags: 0, groupId: 1, ring: 'command' }]);
    // ADD_MEMSLOT x2, CREATE_PRIMARY_SURFACE_ASYNC with the primary, DESTROY_PRIMARY_SURFACE once, one WAKEUP.
    expect(messages).toEqual([
      [16, null],
      [16, null],
      [29, 64],
      [21, null],
      [2, null],
    ]);
  });
});
