import type { Socket } from 'node:net';
import { RedClient } from '@spice-ts/channel';
import {
  CapabilitySet,
  ClipType,
  CommonCap,
  concatChunks,
  DisplayCap,
  DisplayMsg,
  decodeDataHeader,
  display,
  encodeMiniHeader,
} from '@spice-ts/protocol';
import { createGuestDriver, createQxlDevice } from '@spice-ts/qxl';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { DisplayWorker } from '../src/index.js';

/** A display-channel peer speaking the mini header, acknowledging like spice-gtk. */
function peer(socket: Socket) {
  let buf = Buffer.alloc(0);
  const messages: Array<{ type: number; body: Buffer }> = [];
  let waiter: (() => void) | null = null;
  let sinceAck = 0;
  let window = 0;
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const h = decodeDataHeader(buf, true);
      if (!h || buf.length < 6 + h.size) break;
      const body = buf.subarray(6, 6 + h.size);
      messages.push({ type: h.type, body });
      buf = buf.subarray(6 + h.size);
      if (h.type === 3) {
        const gen = body.readUInt32LE(0);
        window = body.readUInt32LE(4);
        socket.write(Buffer.concat([encodeMiniHeader(1, 4), Buffer.from(Uint32Array.of(gen).buffer)]));
      } else if (window > 0 && ++sinceAck >= window) {
        sinceAck = 0;
        socket.write(encodeMiniHeader(2, 0));
      }
    }
    waiter?.();
  });
  return {
    messages,
    async until(pred: () => boolean, ms = 5000) {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timeout; got types ${messages.map((m) => m.type).join(',')}`);
        await new Promise<void>((r) => {
          waiter = r;
          setTimeout(r, 50);
        });
      }
    },
  };
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

async function setup(options: { squash?: boolean } = {}) {
  const device = createQxlDevice();
  // A small pipe bound (256 KiB: about twenty 64x48 frames) so that stalls show quickly.
  const worker = new DisplayWorker({ device, maxPipeBytes: 256 * 1024, ...options });
  const driver = createGuestDriver(device);
  await driver.createPrimary({ width: 64, height: 48 });
  const [server, client] = await socketPair();
  sockets.push(server, client);
  const p = peer(client);
  const caps = { common: CapabilitySet.of(CommonCap.MiniHeader), channel: CapabilitySet.of(DisplayCap.MonitorsConfig) };
  const rcc = worker.displayChannel.connectClient(new RedClient(1), server, caps);
  return { device, worker, driver, client, p, rcc };
}

const init = () =>
  Buffer.concat([
    encodeMiniHeader(101, 14),
    concatChunks(
      display.displayInit.encode({
        pixmapCacheId: 1,
        pixmapCacheSize: 1000n,
        glzDictionaryId: 1,
        glzDictionaryWindowSize: 0,
      }),
    ),
  ]);

describe('display worker', () => {
  it('brings a client up: SET_ACK, then after DISPLAY_INIT surface, picture, monitors config, MARK', async () => {
    const { driver, client, p, worker } = await setup();
    await driver.drawFill({ bbox: { top: 0, left: 0, bottom: 48, right: 64 }, color: 0x102030 });
    await worker.whenIdle();
    await p.until(() => p.messages.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    // Only SET_ACK before DISPLAY_INIT (latency PINGs, type 4, may come any time).
    expect(p.messages.map((m) => m.type).filter((t) => t !== 4)).toEqual([3]);
    client.write(init());
    await p.until(() => p.messages.some((m) => m.type === DisplayMsg.Mark));
    const types = p.messages.map((m) => m.type).filter((t) => t !== 4);
    expect(types).toEqual([
      3,
      DisplayMsg.InvalAllPalettes,
      DisplayMsg.SurfaceCreate,
      DisplayMsg.DrawCopy,
      DisplayMsg.MonitorsConfig,
      DisplayMsg.Mark,
    ]);
    const copy = display.drawCopy.decode(p.messages.find((m) => m.type === DisplayMsg.DrawCopy)!.body);
    expect(copy.srcBitmap.kind).toBe('bitmap');
    if (copy.srcBitmap.kind === 'bitmap') {
      const px = new DataView(copy.srcBitmap.bitmap.data.buffer, copy.srcBitmap.bitmap.data.byteOffset);
      expect(px.getUint32(0, true) & 0xffffff).toBe(0x102030);
    }
  });

  it('forwards live draws as DRAW_COPY / DRAW_FILL and keeps its own picture equal to them', async () => {
    const { driver, client, p, worker } = await setup();
    client.write(init());
    await p.until(() => p.messages.some((m) => m.type === DisplayMsg.Mark));
    const pixels = new Uint8Array(4 * 4 * 4).fill(0x7f);
    await driver.drawCopy({ bbox: { top: 2, left: 3, bottom: 6, right: 7 }, pixels, stride: 16, width: 4, height: 4 });
    await driver.drawFill({
      bbox: { top: 10, left: 10, bottom: 12, right: 12 },
      clip: [{ top: 10, left: 10, bottom: 11, right: 12 }],
      color: 0xff0000,
    });
    await p.until(() => p.messages.some((m) => m.type === DisplayMsg.DrawFill));
    const fill = display.drawFill.decode(p.messages.find((m) => m.type === DisplayMsg.DrawFill)!.body);
    expect(fill.base.clip).toEqual({ type: ClipType.Rects, rects: [{ top: 10, left: 10, bottom: 11, right: 12 }] });
    const canvas = worker.primarySurface()!.canvas;
    expect(canvas.words[3 * 64 + 4]! & 0xffffff).toBe(0x7f7f7f);
    expect(canvas.words[10 * 64 + 10]! & 0xffffff).toBe(0xff0000);
    expect(canvas.words[11 * 64 + 10]! & 0xffffff).toBe(0); // clipped away
  });

  it('without squashing, stops pulling guest commands while a client does not read, and resumes by itself when it does', async () => {
    const { driver, client, p, worker, device } = await setup({ squash: false });
    client.write(init());
    await p.until(() => p.messages.some((m) => m.type === DisplayMsg.Mark));
    client.pause(); // the client stops reading: its socket buffer, then its pipe fill up
    const big = new Uint8Array(64 * 48 * 4);
    const pushes: Array<Promise<void>> = [];
    for (let i = 0; i < 400; i++) {
      big.fill(i & 0xff);
      pushes.push(
        driver.drawCopy({
          bbox: { top: 0, left: 0, bottom: 48, right: 64 },
          pixels: big.slice(),
          stride: 256,
          width: 64,
          height: 48,
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 300));
    const stalledAt = worker.counters.commands;
    expect(stalledAt).toBeLessThan(400); // back-pressure reached the guest
    await new Promise((r) => setTimeout(r, 200));
    expect(worker.counters.commands).toBe(stalledAt); // and nothing spins meanwhile
    client.resume();
    await Promise.all(pushes);
    await worker.whenIdle();
    expect(worker.counters.commands).toBeGreaterThanOrEqual(400);
    expect(device.stats).toBeDefined();
  });

  it('writes an UPDATE_AREA back into the guest surface memory, while the client reads nothing', async () => {
    const { driver, client, p, worker, device } = await setup();
    client.write(init());
    await p.until(() => p.messages.some((m) => m.type === DisplayMsg.Mark));
    client.pause();
    await driver.drawFill({ bbox: { top: 4, left: 8, bottom: 20, right: 40 }, color: 0x00abcdef });
    await driver.updateArea(0, { top: 0, left: 0, bottom: 24, right: 48 }); // synchronous IO
    const primary = device.primary!;
    const ptr = device.translate(primary.mem, primary.stride * primary.height);
    const vram = new DataView(device.vram.buffer, device.vram.byteOffset + ptr.offset);
    expect(vram.getUint32(10 * primary.stride + 20 * 4, true) & 0xffffff).toBe(0xabcdef); // inside the fill
    expect(vram.getUint32(2 * primary.stride + 2 * 4, true) & 0xffffff).toBe(0); // outside it
    expect(worker.counters.commands).toBeGreaterThan(0);
  });

  it('with squashing, a client that does not read never holds the guest: its queued drawing becomes one surface image', async () => {
    const { driver, client, p, worker, rcc } = await setup();
    client.write(init());
    await p.until(() => p.messages.some((m) => m.type === DisplayMsg.Mark));
    client.pause();
    const big = new Uint8Array(64 * 48 * 4);
    const pushes: Array<Promise<void>> = [];
    for (let i = 0; i < 400; i++) {
      big.fill(i & 0xff);
      pushes.push(
        driver.drawCopy({
          bbox: { top: 0, left: 0, bottom: 48, right: 64 },
          pixels: big.slice(),
          stride: 256,
          width: 64,
          height: 48,
        }),
      );
    }
    await Promise.all(pushes); // the guest was never held back
    await p.until(() => worker.counters.commands >= 400); // and everything was processed
    expect(worker.counters.squashes).toBeGreaterThan(0);
    expect(rcc.pipeBytes).toBeLessThanOrEqual(rcc.maxPipeBytes + 64 * 48 * 4 + 1024);
    const sentBefore = p.messages.length;
    client.resume();
    // The client ends on the guest's last picture, with far fewer messages than 400 draws.
    await p.until(() => {
      const copies = p.messages.filter((m) => m.type === DisplayMsg.DrawCopy);
      const last = copies.at(-1);
      if (!last) return false;
      const img = display.drawCopy.decode(last.body).srcBitmap;
      return img.kind === 'bitmap' && img.bitmap.data[0] === (399 & 0xff);
    });
    expect(p.messages.length - sentBefore).toBeLessThan(400);
    expect(worker.primarySurface()!.canvas.pixels[0]).toBe(399 & 0xff);
  });

  it('drops a malformed guest command and keeps going', async () => {
    const { driver, worker } = await setup();
    await driver.drawFill({ bbox: { top: 0, left: 0, bottom: 200, right: 200 }, color: 1 }); // outside the 64x48 surface is clipped, fine
    await driver.drawFill({ surfaceId: 77, bbox: { top: 0, left: 0, bottom: 1, right: 1 }, color: 1 }); // no such surface
    await driver.drawFill({ bbox: { top: 0, left: 0, bottom: 1, right: 1 }, color: 0x00ff00 });
    await worker.whenIdle();
    expect(worker.counters.dropped).toBeGreaterThanOrEqual(1);
    expect(worker.primarySurface()!.canvas.words[0]! & 0xffffff).toBe(0x00ff00);
  });
});
