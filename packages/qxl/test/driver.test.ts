import { describe, expect, it } from 'vitest';
import { createQxlDevice, type QxlDevice } from '../src/device.js';
import { createGuestDriver } from '../src/driver.js';
import { QxlErrorCode } from '../src/errors.js';
import { QxlBitmapFlag, QxlBitmapFmt, QxlCursorType, QxlEffect, QxlImageFlag, QxlRopd } from '../src/qxl-dev.js';
import type { QxlCommandRecord } from '../src/records.js';
import { pattern, recordingWorker, tick, ticks } from './helpers.js';

const SMALL = { ramSize: 1 << 20, vramSize: 1 << 20 };

function setup(
  init: Parameters<typeof createQxlDevice>[0] = SMALL,
  driverInit: Parameters<typeof createGuestDriver>[1] = {},
) {
  const device = createQxlDevice(init);
  const worker = recordingWorker((c) => device.asyncComplete(c));
  device.attachWorker(worker);
  const driver = createGuestDriver(device, driverInit);
  return { device, worker, driver };
}

function releaseIdOf(r: QxlCommandRecord): bigint {
  if (r.type === 'draw') return r.drawable.releaseId;
  if (r.type === 'message') return r.releaseId;
  return r.command.releaseId;
}

/** What a display worker does: pop everything and hand it back. */
function drain(device: QxlDevice): QxlCommandRecord[] {
  const out: QxlCommandRecord[] = [];
  for (let r = device.getCommand(); r !== null; r = device.getCommand()) out.push(r);
  for (let r = device.getCursorCommand(); r !== null; r = device.getCursorCommand()) out.push(r);
  for (const r of out) device.releaseResource(releaseIdOf(r));
  return out;
}

describe('driver → device round trips', () => {
  it('sets up two memslots as the Linux driver does: RAM pages and all of VRAM', () => {
    const { device, driver } = setup();
    expect(driver.memslots).toEqual({ ram: 1, vram: 2 });
    expect(device.memory.getSlot(1)).toMatchObject({ region: 0, start: 0, size: device.ramHeaderOffset });
    expect(device.memory.getSlot(2)).toMatchObject({ region: 1, size: device.vram.byteLength });
    expect(driver.heap.end).toBeLessThanOrEqual(device.ramHeaderOffset);
  });

  it('creates the primary through the IO port with the right numbers', async () => {
    const { device, worker, driver } = setup();
    await driver.createPrimary({ width: 512, height: 480 });
    const call = worker.calls.find((c) => c.name === 'createPrimary');
    expect(call?.args[0]).toMatchObject({
      width: 512,
      height: 480,
      stride: 2048,
      format: 32,
      type: 0,
      mem: driver.physicalAddress(1, 0),
    });
    expect(call?.args[1]).toBeNull();
    await driver.destroyPrimary({ async: true });
    expect(worker.calls.at(-1)?.name).toBe('destroyPrimary');
    expect(device.primary).toBeNull();
    await driver.createPrimary({ width: 320, height: 200, async: true });
    expect(device.primary).toMatchObject({ width: 320, height: 200, stride: 1280 });
    await driver.updateArea(0, { top: 0, left: 0, bottom: 10, right: 10 }, { async: true });
    expect(worker.calls.at(-1)).toMatchObject({
      name: 'updateArea',
      args: [0, { top: 0, left: 0, bottom: 10, right: 10 }, { cookie: expect.any(Number) }],
    });
  });

  it('drawCopy arrives as a COPY drawable with the same pixels, rects and clip', async () => {
    const { device, driver, worker } = setup();
    const pixels = pattern(17 * 4 * 9, 5);
    await driver.drawCopy({
      bbox: { top: 10, left: 20, bottom: 19, right: 37 },
      clip: [{ top: 10, left: 20, bottom: 15, right: 30 }],
      pixels,
      stride: 17 * 4,
      width: 17,
      height: 9,
      imageId: 0xabcd_0000_0001n,
      cacheable: true,
    });
    expect(driver.stats.commandsPushed).toBe(1);
    expect(driver.stats.notifies).toBe(1); // notify_on_prod starts at 1: the first push kicks
    await Promise.resolve();
    expect(worker.calls.map((c) => c.name)).toContain('notifyCommands');
    const record = device.getCommand();
    expect(record?.type).toBe('draw');
    if (record?.type !== 'draw') return;
    const d = record.drawable;
    expect(d).toMatchObject({
      surfaceId: 0,
      effect: QxlEffect.Opaque,
      bbox: { top: 10, left: 20, bottom: 19, right: 37 },
      surfacesDest: [-1, -1, -1],
    });
    expect(d.clip).toEqual({ type: 'rects', rects: [{ top: 10, left: 20, bottom: 15, right: 30 }] });
    expect(d.draw.type).toBe('copy');
    if (d.draw.type !== 'copy') return;
    expect(d.draw.ropDescriptor).toBe(QxlRopd.OpPut);
    expect(d.draw.srcArea).toEqual({ top: 0, left: 0, bottom: 9, right: 17 });
    expect(d.draw.src).toMatchObject({
      kind: 'bitmap',
      id: 0xabcd_0000_0001n,
      flags: QxlImageFlag.Cache,
      width: 17,
      height: 9,
      stride: 68,
      format: QxlBitmapFmt.Bit32,
      bitmapFlags: QxlBitmapFlag.TopDown,
    });
    expect(d.draw.src.kind === 'bitmap' && d.draw.src.data).toEqual(pixels);
  });

  it('splits big pixel data over several chunks and the device joins them', async () => {
    const { device, driver } = setup(SMALL, { maxChunkBytes: 1000 });
    const pixels = pattern(64 * 4 * 32, 11);
    await driver.drawCopy({
      bbox: { top: 0, left: 0, bottom: 32, right: 64 },
      pixels,
      stride: 256,
      width: 64,
      height: 32,
      topDown: false,
    });
    const record = device.getCommand();
    const src = record?.type === 'draw' && record.drawable.draw.type === 'copy' ? record.drawable.draw.src : null;
    expect(src?.kind === 'bitmap' && src.bitmapFlags).toBe(0);
    expect(src?.kind === 'bitmap' && src.data).toEqual(pixels);
  });

  it('drawFill arrives as a FILL with a solid brush', async () => {
    const { device, driver } = setup();
    await driver.drawFill({ surfaceId: 0, bbox: { top: 1, left: 1, bottom: 5, right: 5 }, color: 0x123456 });
    const record = device.getCommand();
    expect(record?.type === 'draw' && record.drawable.draw).toEqual({
      type: 'fill',
      brush: { type: 'solid', color: 0x123456 },
      ropDescriptor: QxlRopd.OpPut,
      mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null },
    });
  });

  it('cursor set, move and hide arrive on the cursor ring', async () => {
    const { device, driver, worker } = setup();
    const data = pattern(8 * 8 * 4, 3);
    await driver.cursorSet({ x: 10, y: -3, shape: { width: 8, height: 8, hotX: 1, hotY: 2, data } });
    await driver.cursorMove(100, 200);
    await driver.cursorHide();
    await Promise.resolve();
    expect(worker.calls.map((c) => c.name)).toContain('notifyCursor');
    const set = device.getCursorCommand();
    expect(set?.type === 'cursor' && set.command).toMatchObject({
      type: 'set',
      pos: { x: 10, y: -3 },
      visible: true,
      shape: { type: QxlCursorType.Alpha, width: 8, height: 8, hotX: 1, hotY: 2, data },
    });
    const move = device.getCursorCommand();
    expect(move?.type === 'cursor' && move.command).toMatchObject({ type: 'move', pos: { x: 100, y: 200 } });
    const hide = device.getCursorCommand();
    expect(hide?.type === 'cursor' && hide.command.type).toBe('hide');
    expect(device.getCursorCommand()).toBeNull();
    expect(driver.stats.cursorCommandsPushed).toBe(3);
  });

  it('rejects bad arguments synchronously with QxlErrors', () => {
    const { driver } = setup();
    const bbox = { top: 0, left: 0, bottom: 1, right: 1 };
    expect(() => driver.drawCopy({ bbox, pixels: new Uint8Array(4), stride: 3, width: 1, height: 1 })).toThrow(
      expect.objectContaining({ code: QxlErrorCode.BadStride }),
    );
    expect(() => driver.drawCopy({ bbox, pixels: new Uint8Array(3), stride: 4, width: 1, height: 1 })).toThrow(
      expect.objectContaining({ code: QxlErrorCode.BadSize }),
    );
    expect(() =>
      driver.drawCopy({
        bbox,
        pixels: new Uint8Array(4),
        stride: 4,
        width: 1,
        height: 1,
        format: QxlBitmapFmt.Bit8,
      }),
    ).toThrow(expect.objectContaining({ code: QxlErrorCode.BadValue }));
    expect(() =>
      driver.drawCopy({ bbox, pixels: new Uint8Array(4 << 20), stride: 4096, width: 1024, height: 1024 }),
    ).toThrow(expect.objectContaining({ code: QxlErrorCode.TooLarge }));
    expect(() =>
      driver.cursorSet({ x: 0, y: 0, shape: { width: 4, height: 4, hotX: 0, hotY: 0, data: new Uint8Array(10) } }),
    ).toThrow(expect.objectContaining({ code: QxlErrorCode.BadSize }));
  });
});

describe('driver: releases and memory', () => {
  it('frees everything a released command owned', async () => {
    const { device, driver } = setup();
    const start = driver.heap.freeBytes;
    await driver.drawCopy({
      bbox: { top: 0, left: 0, bottom: 4, right: 4 },
      clip: [{ top: 0, left: 0, bottom: 2, right: 2 }],
      pixels: pattern(64),
      stride: 16,
      width: 4,
      height: 4,
    });
    expect(driver.heap.allocations).toBe(4); // drawable, image, chunk, clip rects
    expect(driver.outstanding).toBe(1);
    drain(device);
    // The release ring starts with the guest "waiting" (notify_on_prod = 1): pushed at once.
    await tick();
    expect(driver.stats.releasesProcessed).toBe(1);
    expect(driver.heap.allocations).toBe(0);
    expect(driver.heap.freeBytes).toBe(start);
    expect(driver.stats.bytesAllocated).toBe(0);
  });

  it('allocates and frees thousands of times without leaking', async () => {
    const { device, driver } = setup();
    const start = driver.heap.freeBytes;
    const pixels = pattern(32 * 32 * 4);
    for (let i = 0; i < 3000; i++) {
      const calls = [
        driver.drawCopy({
          bbox: { top: 0, left: 0, bottom: 32, right: 32 },
          pixels,
          stride: 128,
          width: 32,
          height: 32,
        }),
        driver.drawFill({ bbox: { top: 0, left: 0, bottom: 3, right: 3 }, color: i }),
      ];
      if (i % 7 === 0) calls.push(driver.cursorMove(i, i));
      drain(device);
      await Promise.all(calls);
      if (i % 50 === 0) await tick();
    }
    drain(device);
    // As a guest short of memory would: take what is on the ring, then have the rest flushed.
    driver.processReleases();
    device.flushResources();
    driver.processReleases();
    expect(driver.outstanding).toBe(0);
    expect(driver.heap.allocations).toBe(0);
    expect(driver.heap.freeBytes).toBe(start);
    expect(driver.heap.largestFree).toBe(start);
    expect(driver.stats.commandsPushed).toBe(6000);
  });

  it('makes drawCopy wait on a full command ring and resumes it after getCommand + release, in order', async () => {
    const { device, driver } = setup();
    const bbox = { top: 0, left: 0, bottom: 1, right: 1 };
    for (let i = 0; i < 32; i++) await driver.drawFill({ bbox, color: i });
    let done = false;
    const pixels = pattern(4 * 4 * 4, 21);
    const waiting = driver.drawCopy({ bbox, pixels, stride: 16, width: 4, height: 4 }).then(() => {
      done = true;
    });
    const after = driver.drawFill({ bbox, color: 33 });
    expect(driver.pending.commands).toBe(2);
    await ticks(5);
    expect(done).toBe(false);
    const first = device.getCommand();
    expect(first?.type === 'draw' && first.drawable.draw.type === 'fill' && first.drawable.draw.brush).toEqual({
      type: 'solid',
      color: 0,
    });
    if (first) device.releaseResource(releaseIdOf(first));
    await waiting;
    expect(done).toBe(true);
    // The next one still waits for room: only one slot was freed.
    expect(driver.pending.commands).toBe(1);
    device.getCommand();
    await after;
    expect(driver.pending.commands).toBe(0);
    const records = drain(device);
    expect(records.length).toBe(32);
    const copy = records[30];
    expect(
      copy?.type === 'draw' &&
        copy.drawable.draw.type === 'copy' &&
        copy.drawable.draw.src.kind === 'bitmap' &&
        copy.drawable.draw.src.data,
    ).toEqual(pixels);
    const last = records[31];
    expect(last?.type === 'draw' && last.drawable.draw.type === 'fill' && last.drawable.draw.brush).toEqual({
      type: 'solid',
      color: 33,
    });
  });

  it('waits for memory, kicks NOTIFY_OOM, and resumes when the worker releases', async () => {
    // 16 KiB of RAM pages: room for two 6 KiB images at a time.
    const device = createQxlDevice({ ramSize: 16384 + 8192, vramSize: 4096 });
    const held: QxlCommandRecord[] = [];
    let oomCalls = 0;
    device.attachWorker({
      ...recordingWorker((c) => device.asyncComplete(c)),
      oom() {
        oomCalls++;
        for (const r of held.splice(0)) device.releaseResource(releaseIdOf(r));
      },
    });
    const driver = createGuestDriver(device);
    const pixels = pattern(6000);
    const draw = () =>
      driver.drawCopy({
        bbox: { top: 0, left: 0, bottom: 1, right: 1500 },
        pixels,
        stride: 6000,
        width: 1500,
        height: 1,
      });
    await draw();
    await draw();
    // The worker takes both commands and keeps them (as if still being sent).
    for (let r = device.getCommand(); r !== null; r = device.getCommand()) held.push(r);
    expect(held.length).toBe(2);
    await draw(); // OOM releases what the worker held, synchronously
    expect(oomCalls).toBe(1);
    expect(driver.stats.oomNotifies).toBe(1);
    expect(driver.stats.releasesProcessed).toBe(2);
    await draw();
    // Now a worker without an OOM hook, releasing later: the driver sleeps until then.
    device.detachWorker();
    device.attachWorker(recordingWorker((c) => device.asyncComplete(c)));
    for (let r = device.getCommand(); r !== null; r = device.getCommand()) held.push(r);
    let done = false;
    const waiting = draw().then(() => {
      done = true;
    });
    await ticks(5);
    expect(done).toBe(false);
    expect(driver.pending.commands).toBe(1);
    device.releaseResource(releaseIdOf(held.shift() as QxlCommandRecord));
    await waiting;
    expect(done).toBe(true);
  });
});
