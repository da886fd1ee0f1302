import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createQxlDevice, type QxlAsync, type QxlDevice, type QxlPrimarySurface } from '../src/device.js';
import { createGuestDriver } from '../src/driver.js';
import { QxlCmdType, QxlCursorType } from '../src/qxl-dev.js';
import type { QxlAnyCommandRecord } from '../src/records.js';
import { replayRecording } from '../src/replay.js';
import { createReplayReader, openReplayFile } from '../src/replay-reader.js';
import { createReplayRecorder } from '../src/replay-recorder.js';
import type { ReplayCommand, ReplayEvent } from '../src/replay-records.js';
import { createReplayWriter } from '../src/replay-writer.js';
import { writeCopy, writeCursorSet, writeCursorShape } from './builders.js';
import { parserSetup } from './helpers.js';
import { everyKindRecording } from './replay-fixtures.js';

const X11_APPS = '/work/shared/recordings/x11-apps.spice.xz';
const HAVE_XZ = spawnSync('xz', ['--version']).status === 0;

/** A Writable that keeps what it was given. */
function sink() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, bytes: () => Buffer.concat(chunks) };
}

/** Event timestamps 1000, 2000, ... ns: recordings made this way compare byte for byte. */
function steppingClock(): () => bigint {
  let t = 0n;
  return () => {
    t += 1000n;
    return t;
  };
}

/** A display worker that parses every command (all draw types) and releases it at once. */
function consumer(device: QxlDevice) {
  const records: QxlAnyCommandRecord[] = [];
  const cursor: QxlAnyCommandRecord[] = [];
  const errors: unknown[] = [];
  const primaries: QxlPrimarySurface[] = [];
  const complete = (async: QxlAsync | null) => {
    if (async !== null) queueMicrotask(() => device.asyncComplete(async.cookie));
  };
  const release = (r: QxlAnyCommandRecord) =>
    device.releaseResource(
      r.type === 'draw' ? r.drawable.releaseId : r.type === 'message' ? r.releaseId : r.command.releaseId,
    );
  const drain = (get: () => QxlAnyCommandRecord | null, request: () => boolean, into: QxlAnyCommandRecord[]) => {
    for (;;) {
      let record: QxlAnyCommandRecord | null;
      try {
        record = get();
      } catch (err) {
        errors.push(err);
        continue;
      }
      if (record === null) {
        if (request()) return;
        continue;
      }
      into.push(record);
      release(record);
    }
  };
  device.attachWorker({
    notifyCommands: () =>
      drain(
        () => device.getAnyCommand(),
        () => device.requestCommandNotification(),
        records,
      ),
    notifyCursor: () =>
      drain(
        () => device.getCursorCommand(),
        () => device.requestCursorNotification(),
        cursor,
      ),
    createPrimary: (surface, async) => {
      primaries.push(surface);
      complete(async);
    },
    destroyPrimary: complete,
    updateArea: (_id, _area, async) => complete(async),
  });
  return { records, cursor, errors, primaries };
}

/** Drops what differs between two runs of the same commands: guest addresses and release ids. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'releaseId' || k === 'mem' || (k === 'data' && typeof v === 'bigint')) continue;
    out[k] = normalize(v);
  }
  return out;
}

/** Deep equality through node:util (fast on large typed arrays); vitest's diff only on a mismatch. */
function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

async function readAll(bytes: Uint8Array): Promise<ReplayEvent[]> {
  const events: ReplayEvent[] = [];
  for await (const e of createReplayReader(Readable.from([Buffer.from(bytes)]))) events.push(e);
  return events;
}

function commandsOf(events: readonly ReplayEvent[]): ReplayCommand[] {
  return events.flatMap((e) => (e.what === 'command' ? [e.command] : []));
}

/** Replays `recording` into a fresh device with a recorder attached; returns what was parsed and recorded. */
async function replayAndRecord(recording: Uint8Array | string) {
  const device = createQxlDevice();
  const seen = consumer(device);
  const driver = createGuestDriver(device);
  const out = sink();
  const recorder = createReplayRecorder(device, out.stream, { clock: steppingClock() });
  const events =
    typeof recording === 'string'
      ? openReplayFile(recording)
      : createReplayReader(Readable.from([Buffer.from(recording)]));
  const result = await replayRecording(events, { driver, device });
  await recorder.stop();
  driver.close();
  return { seen, result, bytes: out.bytes(), stats: recorder.writer.stats };
}

/** A session of a GuestDriver: every draw type (through the replay guest), then the driver's own API. */
async function driverSession(device: QxlDevice) {
  const driver = createGuestDriver(device);
  await replayRecording(createReplayReader(Readable.from([everyKindRecording()])), { driver, device });
  await driver.createPrimary({ width: 64, height: 48, async: true });
  await driver.drawFill({ bbox: { top: 0, left: 0, bottom: 48, right: 64 }, color: 0x203040 });
  await driver.drawFill({
    bbox: { top: 4, left: 4, bottom: 20, right: 20 },
    clip: [
      { top: 4, left: 4, bottom: 10, right: 10 },
      { top: 12, left: 12, bottom: 20, right: 20 },
    ],
    color: 0xff0000,
  });
  const pixels = new Uint8Array(32 * 16 * 4).map((_, i) => i * 7);
  await driver.drawCopy({
    bbox: { top: 8, left: 8, bottom: 24, right: 40 },
    pixels,
    stride: 128,
    width: 32,
    height: 16,
  });
  await driver.cursorSet({
    x: 10,
    y: 12,
    shape: { width: 8, height: 8, hotX: 2, hotY: 3, type: QxlCursorType.Alpha, data: new Uint8Array(256).fill(0x7f) },
  });
  await driver.cursorMove(30, 31);
  await driver.cursorHide();
  await driver.updateArea(0, { top: 0, left: 0, bottom: 48, right: 64 });
  await driver.updateArea(0, { top: 0, left: 0, bottom: 8, right: 8 }, { async: true });
  await driver.destroyPrimary({ async: true });
  return driver;
}

describe('replay writer: the reference form', () => {
  it('writes an update command and a message line for line as red-record-qxl.c', () => {
    const { mem, w } = parserSetup();
    const update = w.alloc(32);
    w.rect(update + 8, { top: 1, left: 2, bottom: 3, right: 4 });
    w.u32(update + 24, 0xffffffff);
    w.u32(update + 28, 3);
    const message = w.alloc(16);
    w.bytes(message + 8, Buffer.from('hi\0'));
    const out = sink();
    const writer = createReplayWriter(mem, { output: out.stream, clock: steppingClock() });
    expect(writer.writeCommand({ type: QxlCmdType.Update, data: w.addr(update), flags: 0, groupId: 1 })).toBe(true);
    expect(writer.writeCommand({ type: QxlCmdType.Message, data: w.addr(message), flags: 0, groupId: 1 })).toBe(true);
    expect(writer.writeWorkerMessage(2)).toBe(true);
    return writer.close().then(() => {
      expect(out.bytes().toString('latin1')).toBe(
        [
          'SPICE_REPLAY 1',
          'event 0 0 2 1000',
          'update',
          'rect area 1 2 3 4',
          // %d of a u32, as upstream prints it.
          'update_id -1',
          'surface_id 3',
          'event 1 0 4 2000',
          'binary 0 message 2:hi',
          'event 2 1 2 3000',
          '',
        ].join('\n'),
      );
      expect(writer.stats).toMatchObject({ events: 3, commands: 2, workerMessages: 1, skipped: 0 });
    });
  });

  it('keeps the chunk boundaries of a bitmap and the flat form of a DIRECT one', async () => {
    const { mem, w } = parserSetup();
    const chunked = writeCopy(w, { width: 4, height: 4, chunkSplit: 24 });
    const out = sink();
    const writer = createReplayWriter(mem, { output: out.stream, clock: steppingClock() });
    writer.writeCommand({ type: QxlCmdType.Draw, data: w.addr(chunked.d), flags: 0, groupId: 1 });
    const direct = writeCopy(w, { width: 4, height: 2, flags: 1 });
    writer.writeCommand({ type: QxlCmdType.Draw, data: w.addr(direct.d), flags: 0, groupId: 1 });
    await writer.close();
    const text = out.bytes().toString('latin1');
    expect(text).toContain('data_chunks 2 64\nbinary 0 bitmap.data 24:');
    expect(text).toContain('image_data_flat 32:');
    const [first, second] = commandsOf(await readAll(out.bytes()));
    if (first?.type !== 'draw' || first.drawable.draw.type !== 'copy') throw new Error('copy');
    expect(first.drawable.draw.src).toMatchObject({
      kind: 'bitmap',
      chunks: [{ length: 24 }, { length: 24 }, { length: 16 }],
    });
    expect(Buffer.concat((first.drawable.draw.src as { chunks: Uint8Array[] }).chunks)).toEqual(
      Buffer.from(chunked.data),
    );
    if (second?.type !== 'draw' || second.drawable.draw.type !== 'copy') throw new Error('copy');
    expect(second.drawable.draw.src).toMatchObject({ kind: 'bitmap', bitmapFlags: 1, chunks: [{ length: 32 }] });
  });

  it('skips, writing nothing, a command whose guest memory is not recordable', async () => {
    const { mem, w } = parserSetup();
    const shape = writeCursorShape(w, new Uint8Array(16), { width: 2, height: 2, dataSize: 16 });
    // A chunk list that loops: the shape's embedded chunk points back at itself.
    w.ptr(shape + 22 + 12, shape + 22);
    const loop = writeCursorSet(w, shape);
    const out = sink();
    const writer = createReplayWriter(mem, { output: out.stream });
    expect(writer.writeCommand({ type: QxlCmdType.Cursor, data: w.addr(loop), flags: 0, groupId: 1 })).toBe(false);
    // Bad memslot, unknown command type, compat drawables.
    expect(writer.writeCommand({ type: QxlCmdType.Draw, data: 1n << 63n, flags: 0, groupId: 1 })).toBe(false);
    expect(writer.writeCommand({ type: 9, data: w.addr(loop), flags: 0, groupId: 1 })).toBe(false);
    const copy = writeCopy(w, { width: 2, height: 2 });
    expect(writer.writeCommand({ type: QxlCmdType.Draw, data: w.addr(copy.d), flags: 1, groupId: 1 })).toBe(false);
    expect(writer.writeCommand({ type: QxlCmdType.Draw, data: w.addr(copy.d), flags: 0, groupId: 1 })).toBe(true);
    await writer.close();
    expect(writer.stats).toMatchObject({ events: 1, commands: 1, skipped: 4 });
    const events = await readAll(out.bytes());
    expect(events.map((e) => e.counter)).toEqual([0]);
  });

  it('gzips the output when asked, and the reader reads it back', async () => {
    const { mem, w } = parserSetup();
    const copy = writeCopy(w, { width: 8, height: 8, chunkSplit: 100 });
    const plain = sink();
    const zipped = sink();
    for (const [out, gzip] of [
      [plain, false],
      [zipped, true],
    ] as const) {
      const writer = createReplayWriter(mem, { output: out.stream, gzip, clock: steppingClock() });
      writer.writeCommand({ type: QxlCmdType.Draw, data: w.addr(copy.d), flags: 0, groupId: 1 });
      await writer.close();
    }
    expect(gunzipSync(zipped.bytes())).toEqual(plain.bytes());
    const reader = createReplayReader(Readable.from([zipped.bytes()]));
    const events: ReplayEvent[] = [];
    for await (const e of reader) events.push(e);
    expect(reader.compression).toBe('gzip');
    expect(events).toEqual(await readAll(plain.bytes()));
  });

  it('records to a file path, gzip chosen by the .gz suffix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qxl-record-'));
    try {
      const device = createQxlDevice();
      consumer(device);
      const file = join(dir, 'session.spice.gz');
      const recorder = createReplayRecorder(device, file);
      const driver = createGuestDriver(device);
      await driver.createPrimary({ width: 16, height: 16 });
      await driver.drawFill({ bbox: { top: 0, left: 0, bottom: 16, right: 16 }, color: 1 });
      await recorder.stop();
      driver.close();
      expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      const events: ReplayEvent[] = [];
      for await (const e of openReplayFile(file)) events.push(e);
      expect(events.filter((e) => e.what === 'command').map((e) => e.type)).toEqual([QxlCmdType.Draw]);
      expect(events.find((e) => e.what === 'dispatcher' && e.type === 20)).toMatchObject({
        primary: { width: 16, height: 16, stride: 64, mouseMode: 1, data: { length: 1024 } },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('started after the primary exists, records it first so that the recording replays onto a screen', async () => {
    const device = createQxlDevice();
    consumer(device);
    const driver = createGuestDriver(device);
    await driver.createPrimary({ width: 32, height: 8 });
    device.vram.fill(0x5a, 0, 32 * 4 * 8);
    const out = sink();
    const recorder = createReplayRecorder(device, out.stream);
    await driver.drawFill({ bbox: { top: 0, left: 0, bottom: 8, right: 32 }, color: 2 });
    await recorder.stop();
    driver.close();
    const events = await readAll(out.bytes());
    expect(events[0]).toMatchObject({ what: 'dispatcher', type: 20, primary: { width: 32, height: 8, stride: 128 } });
    expect(events[0]?.what === 'dispatcher' && events[0].primary?.data.every((b) => b === 0x5a)).toBe(true);
    const replayed = await replayAndRecord(out.bytes());
    expect(replayed.seen.primaries).toHaveLength(1);
    expect(replayed.seen.records.map((r) => r.type)).toEqual(['draw']);
  });
});

describe('replay writer: record, read back, replay', () => {
  it('a recorded GuestDriver session replays to the same parsed commands, and re-records to the same bytes', async () => {
    // Run 1: a live session, recorded.
    const device = createQxlDevice();
    const live = consumer(device);
    const out = sink();
    const recorder = createReplayRecorder(device, out.stream, { clock: steppingClock() });
    const driver = await driverSession(device);
    await recorder.stop();
    driver.close();
    const first = out.bytes();
    expect(live.errors).toEqual([]);
    expect(recorder.writer.stats.skipped).toBe(0);
    const liveKinds = live.records.map((r) => (r.type === 'draw' ? r.drawable.draw.type : r.type));
    expect(new Set(liveKinds)).toEqual(
      new Set([
        'fill',
        'opaque',
        'copy',
        'copy-bits',
        'blend',
        'blackness',
        'whiteness',
        'invers',
        'rop3',
        'stroke',
        'text',
        'transparent',
        'alpha-blend',
        'composite',
        'nop',
        'surface',
        'update',
        'message',
      ]),
    );
    expect(live.cursor.map((r) => (r.type === 'cursor' ? r.command.type : r.type))).toEqual([
      'set',
      'move',
      'trail',
      'hide',
      'set',
      'move',
      'hide',
    ]);

    // Run 2: the recording replayed through a fresh device, recorded again.
    const second = await replayAndRecord(first);
    expect(second.seen.errors).toEqual([]);
    expect(normalize(second.seen.records)).toEqual(normalize(live.records));
    expect(normalize(second.seen.cursor)).toEqual(normalize(live.cursor));
    expect(normalize(second.seen.primaries)).toEqual(normalize(live.primaries));
    // The recorded commands themselves read back equal.
    const firstEvents = await readAll(first);
    expect(commandsOf(await readAll(second.bytes))).toEqual(commandsOf(firstEvents));
    expect(firstEvents.filter((e) => e.what === 'dispatcher').map((e) => e.type)).toEqual(
      expect.arrayContaining([22, 23, 19, 18, 16, 2, 20, 21, 29, 1, 26, 30]),
    );

    // Run 3: replaying the re-recording gives it again, byte for byte.
    const third = await replayAndRecord(second.bytes);
    expect(third.bytes.equals(second.bytes)).toBe(true);
  });
});

/** The text of each command event after its `event N 0 TYPE TS` line (binary blobs included). */
function commandBodies(recording: Buffer): string[] {
  return recording
    .toString('latin1')
    .split(/\nevent \d+ /)
    .slice(1)
    .filter((e) => e.startsWith('0 '))
    .map((e) => e.replace(/^0 (\d+) \d+\n/, '$1\n'));
}

describe.skipIf(!existsSync(X11_APPS) || !HAVE_XZ)('replay writer: the shared x11-apps recording', () => {
  it('re-records every command of the reference recording so that it reads back and parses identically', async () => {
    const run = await replayAndRecord(X11_APPS);
    expect(run.result.commands).toBe(1249);
    expect(run.stats).toMatchObject({ commands: 1249, skipped: 0 });
    const original: ReplayEvent[] = [];
    for await (const e of openReplayFile(X11_APPS)) original.push(e);
    const recorded = await readAll(run.bytes);
    expectSame(commandsOf(recorded), commandsOf(original));
    // Byte for byte what the reference wrote for each command.
    const reference = commandBodies(execFileSync('xz', ['-dc', X11_APPS], { maxBuffer: 1 << 28 }));
    const ours = commandBodies(run.bytes);
    expect(ours).toHaveLength(1249);
    expect(ours.findIndex((body, i) => body !== reference[i])).toBe(-1);
    const primaryOf = (events: ReplayEvent[]) =>
      events.flatMap((e) => (e.what === 'dispatcher' && e.primary !== null ? [e.primary] : []));
    expectSame(primaryOf(recorded), primaryOf(original));
    // And the re-recording replays to the same parsed records as the reference.
    const again = await replayAndRecord(run.bytes);
    expect(again.seen.errors).toEqual([]);
    expectSame(normalize(again.seen.records), normalize(run.seen.records));
  });
});
