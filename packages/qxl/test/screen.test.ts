import { describe, expect, it } from 'vitest';
import { createQxlDevice, type QxlDevice } from '../src/device.js';
import { QxlErrorCode } from '../src/errors.js';
import type { QxlAnyCommandRecord } from '../src/records.js';
import { createQxlScreen } from '../src/screen.js';
import { recordingWorker } from './helpers.js';

function setup() {
  const device = createQxlDevice({ ramSize: 4 << 20, vramSize: 4 << 20 });
  const worker = recordingWorker((c) => device.asyncComplete(c));
  device.attachWorker(worker);
  return { device, worker };
}

/** Pops every queued command as the display worker would, and releases it. */
function drain(device: QxlDevice): QxlAnyCommandRecord[] {
  const out: QxlAnyCommandRecord[] = [];
  for (let r = device.getAnyCommand(); r !== null; r = device.getAnyCommand()) out.push(r);
  for (let r = device.getCursorCommand(); r !== null; r = device.getCursorCommand()) out.push(r);
  for (const r of out) {
    device.releaseResource(
      r.type === 'draw' ? r.drawable.releaseId : r.type === 'message' ? r.releaseId : r.command.releaseId,
    );
  }
  return out;
}

const draws = (records: QxlAnyCommandRecord[]) =>
  records.flatMap((r) => (r.type === 'draw' ? [{ bbox: r.drawable.bbox, draw: r.drawable.draw }] : []));

describe('QxlScreen (embedder API)', () => {
  it('creates the primary surface of the size asked', async () => {
    const { device, worker } = setup();
    const screen = await createQxlScreen(device, { width: 320, height: 200 });
    expect(screen.width).toBe(320);
    expect(worker.calls.find((c) => c.name === 'createPrimary')?.args[0]).toMatchObject({ width: 320, height: 200 });
  });

  it('puts an RGBA image as a bitmap copy in the surface byte order, clipped to the screen', async () => {
    const { device } = setup();
    const screen = await createQxlScreen(device, { width: 100, height: 50 });
    // 3x2 RGBA image whose pixel i is (R=i, G=10+i, B=20+i, A=255), put at (98, 49): only the
    // 2x1 top-left part is on screen.
    const data = new Uint8Array(3 * 2 * 4);
    for (let i = 0; i < 6; i++) data.set([i, 10 + i, 20 + i, 255], i * 4);
    await screen.putImage({ width: 3, height: 2, data }, 98, 49);
    const [copy] = draws(drain(device));
    expect(copy?.bbox).toEqual({ left: 98, top: 49, right: 100, bottom: 50 });
    expect(copy?.draw.type).toBe('copy');
    if (copy?.draw.type !== 'copy' || copy.draw.src.kind !== 'bitmap') throw new Error('not a bitmap copy');
    expect(copy.draw.src.width).toBe(2);
    expect(copy.draw.src.height).toBe(1);
    expect([...copy.draw.src.data]).toEqual([20, 10, 0, 255, 21, 11, 1, 255]);
  });

  it('copies BGRX pixels as they are and honours a stride', async () => {
    const { device } = setup();
    const screen = await createQxlScreen(device, { width: 10, height: 10 });
    const data = Uint8Array.from({ length: 2 * 12 }, (_, i) => i); // stride 12 for a 2-wide image
    await screen.putImage({ width: 2, height: 2, data, stride: 12, format: 'bgrx' }, 0, 0);
    const [copy] = draws(drain(device));
    if (copy?.draw.type !== 'copy' || copy.draw.src.kind !== 'bitmap') throw new Error('not a bitmap copy');
    expect([...copy.draw.src.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('fills, copies areas (as COPY_BITS), and ignores what falls off the screen', async () => {
    const { device } = setup();
    const screen = await createQxlScreen(device, { width: 64, height: 64 });
    await screen.fillRect({ x: -10, y: 60, width: 20, height: 20 }, 0x336699);
    await screen.fillRect({ x: 100, y: 0, width: 5, height: 5 }, 0); // off screen: nothing
    await screen.copyArea({ x: 0, y: 10, width: 64, height: 54 }, 0, 0); // scroll up by 10
    const [fill, copyBits, more] = draws(drain(device));
    expect(more).toBeUndefined();
    expect(fill?.bbox).toEqual({ left: 0, top: 60, right: 10, bottom: 64 });
    expect(fill?.draw).toMatchObject({ type: 'fill', brush: { type: 'solid', color: 0x336699 } });
    expect(copyBits?.bbox).toEqual({ left: 0, top: 0, right: 64, bottom: 54 });
    expect(copyBits?.draw).toMatchObject({ type: 'copy-bits', srcPos: { x: 0, y: 10 } });
  });

  it('sets, moves and hides the pointer; the image goes out as an ALPHA cursor in B, G, R, A order', async () => {
    const { device } = setup();
    const screen = await createQxlScreen(device, { width: 64, height: 64 });
    await screen.setCursor({ width: 1, height: 1, hotX: 0, hotY: 0, data: Uint8Array.of(1, 2, 3, 4) }, 5, 6);
    await screen.moveCursor(7, 8);
    await screen.hideCursor();
    const cursor = drain(device).flatMap((r) => (r.type === 'cursor' ? [r.command] : []));
    expect(cursor.map((c) => c.type)).toEqual(['set', 'move', 'hide']);
    const set = cursor[0]!;
    if (set.type !== 'set') throw new Error('not a set');
    expect(set.pos).toEqual({ x: 5, y: 6 });
    expect(set.shape).toMatchObject({ type: 0, width: 1, height: 1 });
    expect([...set.shape.data]).toEqual([3, 2, 1, 4]);
    expect(cursor[1]).toMatchObject({ pos: { x: 7, y: 8 } });
  });

  it('resizes by replacing the primary surface', async () => {
    const { device, worker } = setup();
    const screen = await createQxlScreen(device, { width: 64, height: 64 });
    await screen.resize(128, 32);
    expect(worker.calls.map((c) => c.name).filter((n) => n.endsWith('Primary'))).toEqual([
      'createPrimary',
      'destroyPrimary',
      'createPrimary',
    ]);
    expect([screen.width, screen.height]).toEqual([128, 32]);
  });

  it('rejects bad input with typed errors naming the problem', async () => {
    const { device } = setup();
    await expect(createQxlScreen(device, { width: 0, height: 10 })).rejects.toMatchObject({
      code: QxlErrorCode.BadValue,
    });
    const screen = await createQxlScreen(device, { width: 16, height: 16 });
    expect(() => screen.putImage({ width: 4, height: 4, data: new Uint8Array(10) }, 0, 0)).toThrow(/fewer than/);
    expect(() => screen.fillRect({ x: 0, y: 0, width: 1, height: 1 }, 0x1000000)).toThrow(/0xRRGGBB/);
    expect(() => screen.setCursor({ width: 2, height: 2, hotX: 2, hotY: 0, data: new Uint8Array(16) })).toThrow(/hotX/);
  });
});
