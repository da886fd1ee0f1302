import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isQxlError, QxlErrorCode, type QxlReplayError } from '../src/errors.js';
import { createReplayReader, openReplayFile, REPLAY_MAX_LINE } from '../src/replay-reader.js';
import type { ReplayEvent } from '../src/replay-records.js';
import { EVERY_KIND_DRAWS, everyKindRecording, primary, RecordingWriter } from './replay-fixtures.js';

const RECORDINGS = '/work/shared/recordings';
const X11_APPS = `${RECORDINGS}/x11-apps.spice.xz`;
const HAVE_XZ = spawnSync('xz', ['--version']).status === 0;

async function readAll(bytes: Uint8Array | Buffer[], options = {}): Promise<ReplayEvent[]> {
  const source = Array.isArray(bytes) ? Readable.from(bytes) : Readable.from([Buffer.from(bytes)]);
  const events: ReplayEvent[] = [];
  for await (const e of createReplayReader(source, options)) events.push(e);
  return events;
}

async function failure(bytes: Uint8Array): Promise<QxlReplayError> {
  try {
    await readAll(bytes);
  } catch (err) {
    expect(isQxlError(err)).toBe(true);
    return err as QxlReplayError;
  }
  throw new Error('expected the reader to fail');
}

/** Splits bytes into pieces of `size` (the reader must not care where chunks end). */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('replay reader on hand-written recordings', () => {
  it('reads every record kind with all its fields', async () => {
    const events = await readAll(everyKindRecording());
    expect(events.map((e) => e.counter)).toEqual(events.map((_, i) => i));
    const wakeup = events[0];
    expect(wakeup).toMatchObject({ what: 'dispatcher', type: 2, primary: null, timestampNs: 1_000_000n });
    const create = events[1];
    if (create?.what !== 'dispatcher' || create.primary === null) throw new Error('no primary');
    expect(create.primary).toMatchObject({ width: 64, height: 32, stride: -256, format: 32, mouseMode: 1 });
    expect(create.primary.data.byteLength).toBe(256 * 32);

    const commands = events.flatMap((e) => (e.what === 'command' ? [e.command] : []));
    const draws = commands.flatMap((c) => (c.type === 'draw' ? [c.drawable] : []));
    expect(draws.map((d) => d.draw.type)).toEqual([...EVERY_KIND_DRAWS]);
    const [fill, opaque, copy, copyBits, blend, , , , rop3, stroke, text, transparent, alpha, composite] = draws;

    expect(fill).toMatchObject({
      compat: false,
      bbox: { top: 0, left: 0, bottom: 16, right: 16 },
      effect: 1,
      mmTime: 1234,
      surfacesDest: [-1, -1, -1],
      clip: {
        type: 'rects',
        rects: [
          { top: 0, left: 0, bottom: 8, right: 8 },
          { top: 8, left: 8, bottom: 16, right: 16 },
        ],
      },
      draw: { type: 'fill', brush: { type: 'solid', color: 0xff102030 }, ropDescriptor: 8, mask: { bitmap: null } },
    });
    if (opaque?.draw.type !== 'opaque') throw new Error('opaque');
    expect(opaque.draw.src).toMatchObject({ kind: 'bitmap', width: 4, height: 4, format: 8, stride: 16 });
    if (opaque.draw.src?.kind !== 'bitmap') throw new Error('bitmap');
    expect(opaque.draw.src.chunks.map((c) => c.byteLength)).toEqual([32, 32]);
    expect(opaque.draw.brush).toMatchObject({
      type: 'pattern',
      pos: { x: 1, y: 1 },
      pattern: { kind: 'bitmap', id: 8n },
    });
    expect(opaque.draw.mask).toMatchObject({ flags: 1, pos: { x: 2, y: 3 } });
    const mask = opaque.draw.mask.bitmap;
    if (mask?.kind !== 'bitmap' || mask.palette === null) throw new Error('palette bitmap');
    expect(mask.bitmapFlags & 1).toBe(1);
    expect([...mask.palette.entries]).toEqual([0, 0xffffffff]);
    expect(mask.palette.unique).toBe(77n);
    expect(mask.chunks).toHaveLength(1);
    expect(copy?.draw).toMatchObject({ type: 'copy', src: { kind: 'quic', dataSize: 40, flags: 1 } });
    expect(copyBits?.draw).toEqual({ type: 'copy-bits', srcPos: { x: 3, y: 4 } });
    expect(blend).toMatchObject({
      surfacesDest: [5, -1, -1],
      draw: { type: 'blend', src: { kind: 'surface', surfaceId: 5 } },
    });
    expect(rop3?.draw).toMatchObject({ type: 'rop3', rop3: 240, brush: { type: 'solid', color: 0xff00 } });
    if (stroke?.draw.type !== 'stroke') throw new Error('stroke');
    expect(stroke.draw.path.map((c) => c.byteLength)).toEqual([8, 16]);
    expect(stroke.draw).toMatchObject({ attrFlags: 8, styleNseg: 2, foreMode: 2, backMode: 0 });
    expect([...(stroke.draw.style ?? [])]).toEqual([16, 0, 0, 0, 32, 0, 0, 0]);
    expect(text?.draw).toMatchObject({ type: 'text', dataSize: 30, length: 3, flags: 1, backBrush: { type: 'none' } });
    expect(transparent?.draw).toMatchObject({ srcColor: 0xff000000, trueColor: 0xff00ff });
    expect(alpha?.draw).toMatchObject({ type: 'alpha-blend', alphaFlags: 2, alpha: 128 });
    expect(composite?.draw).toMatchObject({
      type: 'composite',
      flags: 3,
      srcOrigin: { x: 1, y: 2 },
      maskOrigin: { x: -3, y: 4 },
      mask: { kind: 'bitmap' },
    });

    const [surfaceCreate] = commands;
    expect(surfaceCreate).toMatchObject({
      type: 'surface',
      command: { type: 'create', surfaceId: 5, flags: 1, width: 4, height: 4, stride: 16 },
    });
    const rest = commands.filter((c) => c.type !== 'draw').slice(1);
    expect(rest.map((c) => c.type)).toEqual(['update', 'message', 'cursor', 'cursor', 'cursor', 'cursor', 'surface']);
    expect(rest[0]).toEqual({
      type: 'update',
      area: { top: 0, left: 0, bottom: 4, right: 4 },
      updateId: 42,
      surfaceId: 5,
    });
    const message = rest[1];
    if (message?.type !== 'message') throw new Error('message');
    expect(Buffer.from(message.text).toString('latin1')).toBe('hello from the guest');
    expect(rest[2]).toMatchObject({
      command: {
        type: 'set',
        pos: { x: 5, y: 6 },
        visible: 1,
        shape: { unique: 0xffffffffffffffffn, width: 2, dataSize: 16 },
      },
    });
    expect(rest[3]).toMatchObject({ command: { type: 'move', pos: { x: -7, y: 8 } } });
    expect(rest[4]).toMatchObject({ command: { type: 'trail', length: 4, frequency: 9 } });
    expect(rest[5]).toMatchObject({ command: { type: 'hide' } });
    expect(rest[6]).toMatchObject({ command: { type: 'destroy', surfaceId: 5 } });
    expect(events.at(-1)).toMatchObject({ what: 'dispatcher', type: 21 });
  });

  it('gives the same events whatever the chunking of the input', async () => {
    const bytes = everyKindRecording();
    const whole = await readAll(bytes);
    for (const size of [3, 4096]) expect(await readAll(pieces(bytes, size))).toEqual(whole);
  });

  it('detects gzip by its magic bytes', async () => {
    const bytes = everyKindRecording();
    expect(await readAll(gzipSync(bytes))).toEqual(await readAll(bytes));
  });

  it.skipIf(!HAVE_XZ)('decompresses xz through the xz binary', async () => {
    const bytes = everyKindRecording();
    const packed = spawnSync('xz', ['-c'], { input: bytes }).stdout;
    const reader = createReplayReader(Readable.from([packed]));
    const events: ReplayEvent[] = [];
    for await (const e of reader) events.push(e);
    expect(reader.compression).toBe('xz');
    expect(events).toEqual(await readAll(bytes));
  });

  it('reports a missing xz binary with a typed error', async () => {
    const packed = HAVE_XZ
      ? spawnSync('xz', ['-c'], { input: everyKindRecording() }).stdout
      : Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const err = await failure(packed);
      expect(err.code).toBe(QxlErrorCode.ReplayInput);
      expect(err.message).toMatch(/xz/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('reads compat drawables when told to', async () => {
    const w = new RecordingWriter();
    w.event(0, 1).line('drawable').rect('bbox', 0, 0, 2, 2).line('type 0').line('effect 0').line('mm_time 5');
    w.line('bitmap_offset 0').rect('bitmap_area', 0, 0, 0, 0).line('type 13').line('alpha 99').line('image 0');
    w.rect('src_area', 0, 0, 1, 1);
    const [event] = await readAll(w.bytes(), { compatDrawables: true });
    expect(event).toMatchObject({
      command: {
        drawable: { compat: true, mmTime: 5, draw: { type: 'alpha-blend', alphaFlags: 0, alpha: 99, src: null } },
      },
    });
  });

  it('reads an empty recording (header only) as no events', async () => {
    expect(await readAll(Buffer.from('SPICE_REPLAY 1\n'))).toEqual([]);
  });
});

describe('replay reader on malformed input', () => {
  it('rejects a wrong header', async () => {
    const err = await failure(Buffer.from('SPICE_REPLAY 2\nevent 0 1 2 3\n'));
    expect(err.code).toBe(QxlErrorCode.ReplaySyntax);
    expect(err.line).toBe(1);
  });

  it('names the key, line and offset of a grammar error', async () => {
    const w = new RecordingWriter();
    primary(w, 4, 4);
    w.event(0, 2).line('update').rect('area', 0, 0, 1, 1).line('update_idx 3');
    const err = await failure(w.bytes());
    expect(err.code).toBe(QxlErrorCode.ReplaySyntax);
    expect(err.field).toBe('update_id');
    expect(err.line).toBe(9);
    expect(err.offset).toBeGreaterThan(64);
  });

  it('rejects bad numbers, unknown types and sizes that do not add up', async () => {
    const cases = [
      'event 0 0 1 x\n',
      'event 0 2 1 5\n',
      'event 0 0 9 5\n',
      'event 0 0 2 5\nupdate\nrect area 0 0 1\n',
      'event 0 0 3 5\ncursor_cmd\ntype 7\n',
      'event 0 0 4 5\nbinary 2 message 3:abc\n',
      'event 0 0 4 5\nbinary 0 other 3:abc\n',
      'event 0 0 4 5\nbinary 0 message -3:abc\n',
      'event 0 0 4 5\nbinary 1 message 3:4:abcd\n',
      'event 0 0 1 5\ndrawable\nrect bbox 0 0 1 1\ntype 1\nnum_rects 2\ndata_chunks 0 16\nbinary 0 clip_rects 16:0123456789abcdef\n',
    ];
    for (const body of cases) {
      const err = await failure(Buffer.from(`SPICE_REPLAY 1\n${body}`, 'latin1'));
      expect([QxlErrorCode.ReplaySyntax, QxlErrorCode.ReplayInput, QxlErrorCode.ReplayTruncated]).toContain(err.code);
    }
  });

  it('rejects a line longer than REPLAY_MAX_LINE without reading on', async () => {
    const err = await failure(
      Buffer.concat([Buffer.from('SPICE_REPLAY 1\n'), Buffer.alloc(REPLAY_MAX_LINE + 10, 0x41)]),
    );
    expect(err.code).toBe(QxlErrorCode.ReplaySyntax);
  });

  it('rejects a blob above maxBlobBytes before allocating it', async () => {
    const input = Readable.from([Buffer.from('SPICE_REPLAY 1\nevent 0 0 4 5\nbinary 0 message 2000000000:')]);
    const reader = createReplayReader(input, { maxBlobBytes: 1 << 20 });
    await expect(async () => {
      for await (const _ of reader);
    }).rejects.toMatchObject({ code: QxlErrorCode.ReplaySyntax, field: 'binary message' });
  });

  it('fails with a typed error, never hangs, when cut anywhere', async () => {
    const bytes = everyKindRecording();
    const whole = await readAll(bytes);
    let truncated = 0;
    for (let cut = 1; cut < bytes.length; cut += 97) {
      try {
        const events = await readAll(bytes.subarray(0, cut));
        // A cut right at an event boundary is a shorter, valid recording.
        expect(events).toEqual(whole.slice(0, events.length));
      } catch (err) {
        expect(isQxlError(err)).toBe(true);
        if ((err as QxlReplayError).code === QxlErrorCode.ReplayTruncated) truncated++;
      }
    }
    expect(truncated).toBeGreaterThan(10);
  });

  it('fails with a typed error on garbage', async () => {
    let seed = 1;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    const good = everyKindRecording();
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(good);
      // Flip a few bytes after the header.
      for (let i = 0; i < 4; i++) bytes[15 + (random() % (bytes.length - 15))] = random() & 0xff;
      try {
        await readAll(bytes);
      } catch (err) {
        expect(isQxlError(err)).toBe(true);
      }
    }
    for (let round = 0; round < 50; round++) {
      const noise = Buffer.from(Array.from({ length: 300 }, () => random() & 0xff));
      await expect(readAll(Buffer.concat([Buffer.from('SPICE_REPLAY 1\n'), noise]))).rejects.toSatisfy(isQxlError);
    }
  });
});

describe.skipIf(!existsSync(X11_APPS) || !HAVE_XZ)('replay reader on the shared x11-apps recording', () => {
  it('counts what recstat.py counts', async () => {
    // python3 ../shared/tools/recstat.py x11-apps.spice.xz:
    // {"raw_bytes": 6503249, "commands": 1249, "commands_by_type": {"draw": 1249}, "io_events": 772,
    //  "command_span_s": 11.323}
    const reader = openReplayFile(X11_APPS);
    let commands = 0;
    let io = 0;
    const draws: Record<string, number> = {};
    let first: bigint | null = null;
    let last = 0n;
    let primaryStride = 0;
    for await (const e of reader) {
      if (e.what === 'dispatcher') {
        io++;
        if (e.primary) primaryStride = e.primary.stride;
        continue;
      }
      commands++;
      first ??= e.timestampNs;
      last = e.timestampNs;
      if (e.command.type === 'draw')
        draws[e.command.drawable.draw.type] = (draws[e.command.drawable.draw.type] ?? 0) + 1;
    }
    expect(reader.compression).toBe('xz');
    expect(reader.offset).toBe(6503249);
    expect(commands).toBe(1249);
    expect(io).toBe(772);
    expect(draws).toEqual({ fill: 1017, copy: 232 });
    expect(primaryStride).toBe(-4096);
    expect(Math.round(Number(last - (first ?? 0n)) / 1e6)).toBe(11323);
  });
});
