import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createQxlDevice, type QxlDevice, type QxlPrimarySurface } from '../src/device.js';
import { createGuestDriver } from '../src/driver.js';
import { isQxlError } from '../src/errors.js';
import { QxlRegion } from '../src/guest-memory.js';
import type { QxlAnyCommandRecord, QxlCommandRecord } from '../src/records.js';
import { ReplaySurfaceIds, replayRecording } from '../src/replay.js';
import { createReplayReader, openReplayFile } from '../src/replay-reader.js';
import { EVERY_KIND_DRAWS, everyKindRecording, primary, RecordingWriter } from './replay-fixtures.js';

const X11_APPS = '/work/shared/recordings/x11-apps.spice.xz';
const HAVE_XZ = spawnSync('xz', ['--version']).status === 0;

/** A minimal display worker: pulls and parses every command (all draw types), releases each. */
function consumer(device: QxlDevice, options: { deferMs?: number } = {}) {
  const records: QxlAnyCommandRecord[] = [];
  const cursor: QxlCommandRecord[] = [];
  const errors: unknown[] = [];
  const primaries: QxlPrimarySurface[] = [];
  const release = (r: QxlAnyCommandRecord) =>
    device.releaseResource(
      r.type === 'draw' ? r.drawable.releaseId : r.type === 'message' ? r.releaseId : r.command.releaseId,
    );
  const drainCommands = () => {
    for (;;) {
      let record: QxlAnyCommandRecord | null;
      try {
        record = device.getAnyCommand();
      } catch (err) {
        errors.push(err);
        continue;
      }
      if (record === null) {
        if (device.requestCommandNotification()) return;
        continue;
      }
      records.push(record);
      release(record);
    }
  };
  const drainCursor = () => {
    for (;;) {
      const record = device.getCursorCommand();
      if (record === null) {
        if (device.requestCursorNotification()) return;
        continue;
      }
      cursor.push(record);
      release(record);
    }
  };
  const later = (f: () => void) => () => {
    if (options.deferMs === undefined) f();
    else setTimeout(f, options.deferMs);
  };
  device.attachWorker({
    notifyCommands: later(drainCommands),
    notifyCursor: later(drainCursor),
    createPrimary: (surface) => {
      primaries.push(surface);
    },
    destroyPrimary: () => {},
    updateArea: () => {},
  });
  return { records, cursor, errors, primaries };
}

function source(bytes: Uint8Array) {
  return createReplayReader(Readable.from([Buffer.from(bytes)]));
}

describe('replay through a device', () => {
  it('recreates every recorded command as QXL structures the device parser reads back', async () => {
    const device = createQxlDevice();
    const seen = consumer(device);
    const driver = createGuestDriver(device);
    const result = await replayRecording(source(everyKindRecording()), { driver, device });
    expect(seen.errors).toEqual([]);
    expect(result).toMatchObject({ commands: 19, cursorCommands: 4, dispatcherMessages: 3, dispatcherHandled: 2 });
    expect(seen.primaries).toHaveLength(1);
    expect(seen.primaries[0]).toMatchObject({ width: 64, height: 32, stride: -256, format: 32 });

    const draws = seen.records.flatMap((r) => (r.type === 'draw' ? [r.drawable] : []));
    expect(draws.map((d) => d.draw.type)).toEqual([...EVERY_KIND_DRAWS]);
    const byType = new Map(draws.map((d) => [d.draw.type, d]));
    expect(byType.get('fill')).toMatchObject({
      mmTime: 1234,
      clip: {
        type: 'rects',
        rects: [
          { bottom: 8, right: 8 },
          { top: 8, left: 8 },
        ],
      },
      draw: { brush: { type: 'solid', color: 0xff102030 }, ropDescriptor: 8 },
    });
    const opaque = byType.get('opaque')?.draw;
    if (opaque?.type !== 'opaque' || opaque.src.kind !== 'bitmap') throw new Error('opaque');
    expect(opaque.src.data).toEqual(new Uint8Array(64).fill(1));
    expect(opaque.brush).toMatchObject({ type: 'pattern', pos: { x: 1, y: 1 }, pattern: { kind: 'bitmap', width: 2 } });
    expect(opaque.mask).toMatchObject({
      flags: 1,
      pos: { x: 2, y: 3 },
      bitmap: { kind: 'bitmap', palette: { unique: 77n } },
    });
    expect(byType.get('copy')?.draw).toMatchObject({
      src: { kind: 'quic', data: new Uint8Array(40).map((_, i) => i) },
    });
    expect(byType.get('copy-bits')?.draw).toEqual({ type: 'copy-bits', srcPos: { x: 3, y: 4 } });
    // Recorded surface 5 became surface 1 (0 is the primary's), everywhere it is named.
    expect(byType.get('blend')).toMatchObject({
      surfacesDest: [1, -1, -1],
      draw: { src: { kind: 'surface', surfaceId: 1 } },
    });
    expect(byType.get('rop3')?.draw).toMatchObject({ rop3: 240, brush: { color: 0xff00 } });
    const stroke = byType.get('stroke')?.draw;
    if (stroke?.type !== 'stroke') throw new Error('stroke');
    expect(stroke.path).toEqual(new Uint8Array(24).map((_, i) => i + 1));
    expect(stroke.attr).toMatchObject({ flags: 8, style: new Uint32Array([16, 32]) });
    expect(byType.get('text')?.draw).toMatchObject({
      string: { length: 3, flags: 1, data: new Uint8Array(30).map((_, i) => 100 + i) },
      backArea: { bottom: 8, right: 8 },
      foreMode: 2,
      backMode: 1,
    });
    expect(byType.get('transparent')?.draw).toMatchObject({ srcColor: 0xff000000, trueColor: 0xff00ff });
    expect(byType.get('alpha-blend')?.draw).toMatchObject({ alphaFlags: 2, alpha: 128 });
    expect(byType.get('composite')?.draw).toMatchObject({
      flags: 3,
      srcTransform: new Uint32Array([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c, 0x13121110, 0x17161514]),
      mask: { kind: 'bitmap' },
      srcOrigin: { x: 1, y: 2 },
      maskOrigin: { x: -3, y: 4 },
    });

    const others = seen.records.filter((r) => r.type !== 'draw');
    expect(others.map((r) => r.type)).toEqual(['surface', 'update', 'message', 'surface']);
    expect(others[0]).toMatchObject({ command: { type: 'create', surfaceId: 1, width: 4, height: 4, stride: 16 } });
    const create = others[0];
    if (create?.type !== 'surface') throw new Error('surface');
    const mem = device.translate(create.command.data, 64);
    expect(mem.region).toBe(QxlRegion.Ram);
    expect(device.ram.subarray(mem.offset, mem.offset + 64)).toEqual(new Uint8Array(64).fill(0x33));
    expect(others[1]).toMatchObject({ command: { updateId: 42, surfaceId: 1 } });
    if (others[2]?.type !== 'message') throw new Error('message');
    expect(Buffer.from(others[2].text).toString()).toBe('hello from the guest');
    expect(others[3]).toMatchObject({ command: { type: 'destroy', surfaceId: 1 } });

    expect(seen.cursor.map((r) => (r.type === 'cursor' ? r.command.type : r.type))).toEqual([
      'set',
      'move',
      'trail',
      'hide',
    ]);
    expect(seen.cursor[0]).toMatchObject({
      command: {
        pos: { x: 5, y: 6 },
        visible: true,
        shape: { unique: 0xffffffffffffffffn, hotX: 1, data: new Uint8Array(16).fill(0x80) },
      },
    });
    expect(seen.cursor[1]).toMatchObject({ command: { pos: { x: -7, y: 8 } } });
    expect(device.primary).toBeNull();
    driver.close();
  });

  it('the default getCommand still rejects draw types beyond FILL and COPY', async () => {
    const device = createQxlDevice();
    const codes: string[] = [];
    let parsed = 0;
    device.attachWorker({
      notifyCommands: () => {
        for (;;) {
          try {
            const r = device.getCommand();
            if (r === null) {
              if (device.requestCommandNotification()) return;
              continue;
            }
            parsed++;
          } catch (err) {
            if (isQxlError(err)) codes.push(err.code);
          }
        }
      },
      notifyCursor: () => {},
      createPrimary: () => {},
      destroyPrimary: () => {},
      updateArea: () => {},
    });
    const driver = createGuestDriver(device);
    await replayRecording(source(everyKindRecording()), { driver, device });
    // fill, copy, surface x2, update, message parse; the 13 other draw types are dropped.
    expect(parsed).toBe(6);
    expect(codes).toEqual(Array(13).fill('ERR_QXL_UNSUPPORTED'));
  });

  it('waits for ring room when the consumer is slow (back-pressure)', async () => {
    const w = new RecordingWriter();
    primary(w, 16, 16, false);
    for (let i = 0; i < 100; i++) {
      w.event(0, 1).drawable(1).solid(i).line('rop_descriptor 8').noMask();
    }
    const device = createQxlDevice();
    const seen = consumer(device, { deferMs: 1 });
    const driver = createGuestDriver(device);
    const result = await replayRecording(source(w.bytes()), { driver, device });
    await new Promise((r) => setTimeout(r, 20));
    expect(result.commands).toBe(100);
    expect(seen.errors).toEqual([]);
    expect(seen.records).toHaveLength(100);
    expect(
      seen.records.map((r) => (r.type === 'draw' && r.drawable.draw.type === 'fill' ? r.drawable.draw.brush : null)),
    ).toEqual(Array.from({ length: 100 }, (_, i) => ({ type: 'solid', color: i })));
  });

  it('keeps the recorded pace with realtime', async () => {
    const w = new RecordingWriter();
    primary(w, 16, 16, false);
    for (const t of [0, 40, 80])
      w.event(0, 1, 5_000_000_000n + BigInt(t) * 1_000_000n)
        .drawable(7)
        .noMask();
    const device = createQxlDevice();
    consumer(device);
    const driver = createGuestDriver(device);
    const fast = await replayRecording(source(w.bytes()), { driver, device });
    const paced = await replayRecording(source(w.bytes()), { driver, device, realtime: true });
    // 80 ms between the first and the last command (timer slack of 1 ms allowed per wait).
    expect(paced.elapsedMs).toBeGreaterThanOrEqual(78);
    expect(fast.elapsedMs).toBeLessThan(paced.elapsedMs);
  });

  it('stops between events when aborted', async () => {
    const w = new RecordingWriter();
    for (let i = 0; i < 10; i++) w.event(1, 2);
    const device = createQxlDevice();
    const driver = createGuestDriver(device);
    const controller = new AbortController();
    const result = await replayRecording(source(w.bytes()), {
      driver,
      device,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.counter === 3) controller.abort();
      },
    });
    expect(result).toMatchObject({ aborted: true, events: 4 });
  });
});

describe('surface id remapping', () => {
  it('reserves 0, reuses freed ids and maps -1 to -1', async () => {
    const ids = new ReplaySurfaceIds(3);
    expect(ids.get(0)).toBe(0);
    expect(await ids.create(7)).toBe(1);
    expect(await ids.create(9)).toBe(2);
    expect(ids.get(9)).toBe(2);
    expect(ids.get(-1)).toBe(-1);
    const third = ids.create(4);
    let got = -1;
    void third.then((id) => {
      got = id;
    });
    await Promise.resolve();
    expect(got).toBe(-1); // every id taken: waits
    ids.release(1);
    expect(await third).toBe(1);
    expect(ids.get(7)).toBe(0); // gone: unknown ids give 0, as upstream
  });
});

describe.skipIf(!existsSync(X11_APPS) || !HAVE_XZ)('replaying the shared x11-apps recording', () => {
  it('pushes all 1249 draws through the device, each parsed without error', async () => {
    const device = createQxlDevice();
    const seen = consumer(device);
    const driver = createGuestDriver(device);
    const result = await replayRecording(openReplayFile(X11_APPS), { driver, device });
    expect(result).toMatchObject({ commands: 1249, dispatcherMessages: 772, aborted: false });
    expect(seen.errors).toEqual([]);
    const kinds: Record<string, number> = {};
    for (const r of seen.records) {
      const k = r.type === 'draw' ? r.drawable.draw.type : r.type;
      kinds[k] = (kinds[k] ?? 0) + 1;
    }
    expect(kinds).toEqual({ fill: 1017, copy: 232 });
    expect(seen.primaries).toEqual([expect.objectContaining({ width: 1024, height: 768, stride: -4096 })]);
    driver.close();
  });
});
