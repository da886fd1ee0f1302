// The draw types beyond FILL and COPY, written by the replay layout into a device's RAM (pushed
// through GuestDriver.pushCommand), then damaged: the parser must reject each with a typed error.

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createQxlDevice } from '../src/device.js';
import { createGuestDriver, type QxlRawCommand } from '../src/driver.js';
import { isQxlError, QxlErrorCode } from '../src/errors.js';
import { QXL_DATA_CHUNK, QXL_DRAWABLE } from '../src/qxl-dev.js';
import type { QxlAnyCommandRecord } from '../src/records.js';
import { layoutReplayCommand } from '../src/replay-layout.js';
import { createReplayReader } from '../src/replay-reader.js';
import type { ReplayDraw, ReplayImage, ReplayNativeDrawable } from '../src/replay-records.js';
import { everyKindRecording } from './replay-fixtures.js';

const RECT = { top: 0, left: 0, bottom: 4, right: 4 };
const NO_MASK = { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };

function drawable(draw: ReplayDraw, drawType: number): ReplayNativeDrawable {
  return {
    compat: false,
    bbox: RECT,
    clip: { type: 'none' },
    effect: 1,
    mmTime: 0,
    selfBitmap: 0,
    selfBitmapArea: { top: 0, left: 0, bottom: 0, right: 0 },
    surfaceId: 0,
    surfacesDest: [-1, -1, -1],
    surfacesRects: [RECT, RECT, RECT],
    drawType,
    draw,
  };
}

function bitmap(format = 8): ReplayImage {
  return {
    kind: 'bitmap',
    id: 1n,
    flags: 0,
    width: 4,
    height: 4,
    format,
    bitmapFlags: 4,
    x: 4,
    y: 4,
    stride: 16,
    palette: null,
    chunks: [new Uint8Array(64)],
  };
}

function layout(draw: ReplayDraw, drawType: number): QxlRawCommand {
  return layoutReplayCommand({ type: 'draw', drawable: drawable(draw, drawType) }, (id) => id);
}

/** Pushes `raw` and returns what the device's parser makes of it: a record or the error. */
async function parse(raw: QxlRawCommand): Promise<QxlAnyCommandRecord | unknown> {
  const device = createQxlDevice();
  const driver = createGuestDriver(device);
  await driver.pushCommand('commands', raw);
  try {
    return device.getAnyCommand();
  } catch (err) {
    return err;
  } finally {
    driver.close();
  }
}

async function rejection(raw: QxlRawCommand): Promise<{ code: string; field: string }> {
  const result = await parse(raw);
  if (!isQxlError(result))
    throw new Error(
      `expected a QxlError, got ${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? `${v}` : v))}`,
    );
  return { code: result.code, field: result.field };
}

const STROKE: ReplayDraw = {
  type: 'stroke',
  path: [new Uint8Array(8), new Uint8Array(16)],
  attrFlags: 0,
  styleNseg: 0,
  style: null,
  brush: { type: 'solid', color: 1 },
  foreMode: 1,
  backMode: 1,
};

const TEXT: ReplayDraw = {
  type: 'text',
  dataSize: 12,
  length: 1,
  flags: 0,
  string: [new Uint8Array(4), new Uint8Array(8)],
  backArea: RECT,
  foreBrush: { type: 'solid', color: 1 },
  backBrush: { type: 'none' },
  foreMode: 1,
  backMode: 1,
};

describe('parser: draw types beyond FILL and COPY', () => {
  it('parses a stroke and a text whose data spans several chunks', async () => {
    expect(await parse(layout(STROKE, 10))).toMatchObject({
      type: 'draw',
      drawable: { draw: { type: 'stroke', path: new Uint8Array(24), attr: { flags: 0, style: null } } },
    });
    expect(await parse(layout(TEXT, 11))).toMatchObject({
      drawable: { draw: { type: 'text', string: { length: 1, data: new Uint8Array(12) } } },
    });
  });

  it('rejects a null source image', async () => {
    const raw = layout(
      {
        type: 'opaque',
        src: null,
        srcArea: RECT,
        brush: { type: 'none' },
        ropDescriptor: 8,
        scaleMode: 0,
        mask: NO_MASK,
      },
      2,
    );
    expect(await rejection(raw)).toEqual({ code: QxlErrorCode.BadValue, field: 'QXLOpaque.src_bitmap' });
  });

  it('rejects a palette format without a palette in any source image', async () => {
    const raw = layout({ type: 'alpha-blend', alphaFlags: 0, alpha: 9, src: bitmap(5), srcArea: RECT }, 13);
    expect(await rejection(raw)).toMatchObject({ code: QxlErrorCode.BadValue, field: 'QXLBitmap.palette' });
  });

  it('rejects a path whose data_size does not match its chunks', async () => {
    const raw = layout(STROKE, 10);
    const path = raw.blocks.find((b) => b.byteLength === 4 + QXL_DATA_CHUNK.SIZE + 8) as Uint8Array;
    new DataView(path.buffer).setUint32(0, 999, true);
    expect(await rejection(raw)).toMatchObject({ code: QxlErrorCode.BadSize, field: 'QXLPath.chunk' });
  });

  it('rejects a styled line without a style', async () => {
    const raw = layout({ ...STROKE, attrFlags: 8, styleNseg: 2 } as ReplayDraw, 10);
    expect(await rejection(raw)).toEqual({ code: QxlErrorCode.BadValue, field: 'QXLLineAttr.style' });
  });

  it('rejects a glyph string whose chunks loop', async () => {
    // An empty second chunk pointing at itself: the data stays within data_size, the walk loops.
    const raw = layout({ ...TEXT, string: [new Uint8Array(12), new Uint8Array(0)] } as ReplayDraw, 11);
    const last = raw.blocks.length - 1;
    const looped: QxlRawCommand = {
      ...raw,
      pointers: [...(raw.pointers ?? []), { block: last, at: QXL_DATA_CHUNK.nextChunk, target: last }],
    };
    expect(await rejection(looped)).toMatchObject({ code: QxlErrorCode.ChunkLoop });
  });

  it('rejects a draw type above COMPOSITE', async () => {
    const raw = layout({ type: 'nop' }, 0);
    (raw.blocks[0] as Uint8Array)[QXL_DRAWABLE.type] = 15;
    expect(await rejection(raw)).toEqual({ code: QxlErrorCode.UnknownType, field: 'QXLDrawable.type' });
  });

  it('answers mutated structures of every draw type with a record or a QxlError', async () => {
    const layouts: QxlRawCommand[] = [];
    for await (const e of createReplayReader(Readable.from([everyKindRecording()]))) {
      if (e.what === 'command' && e.command.type === 'draw') layouts.push(layoutReplayCommand(e.command, (id) => id));
    }
    const device = createQxlDevice();
    const driver = createGuestDriver(device);
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let records = 0;
    let errors = 0;
    for (let round = 0; round < 1500; round++) {
      const base = layouts[random(layouts.length)] as QxlRawCommand;
      const blocks = base.blocks.map((b) => b.slice());
      for (let flips = 1 + random(4); flips > 0; flips--) {
        const block = blocks[random(blocks.length)] as Uint8Array;
        // Keep the release id (first 8 bytes of the command) so releases stay matched.
        const at = random(block.byteLength);
        if (block === blocks[0] && at < 8) continue;
        block[at] = random(256);
      }
      await driver.pushCommand('commands', { ...base, blocks });
      try {
        const r = device.getAnyCommand();
        if (r?.type === 'draw') device.releaseResource(r.drawable.releaseId);
        records++;
      } catch (err) {
        expect(isQxlError(err)).toBe(true);
        errors++;
      }
    }
    expect(records + errors).toBe(1500);
    expect(errors).toBeGreaterThan(50);
    expect(device.guestBug).toBeNull();
    driver.close();
  });
});
