// Large images encoded in encoder threads, and one encode shared by clients that use the same
// codec: each client still gets exactly the guest's pixels.
import type { Socket } from 'node:net';
import { RedClient } from '@spice-ts/channel';
import { createEncoderPool, decodeLz, type EncoderPool } from '@spice-ts/codecs';
import {
  CapabilitySet,
  CommonCap,
  concatChunks,
  DisplayCap,
  DisplayMsg,
  decodeDataHeader,
  display,
  encodeMiniHeader,
  ImageType,
} from '@spice-ts/protocol';
import { createGuestDriver, createQxlDevice } from '@spice-ts/qxl';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { DisplayWorker, SharedImageEncodes } from '../src/index.js';

/** A display client: sends DISPLAY_INIT, acknowledges, collects messages. */
function displayClient(socket: Socket) {
  let buf = Buffer.alloc(0);
  let window = 0;
  let since = 0;
  const messages: Array<{ type: number; body: Buffer }> = [];
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const h = decodeDataHeader(buf, true);
      if (!h || buf.length < 6 + h.size) break;
      const body = buf.subarray(6, 6 + h.size);
      buf = buf.subarray(6 + h.size);
      messages.push({ type: h.type, body });
      if (h.type === 3) {
        window = body.readUInt32LE(4);
        socket.write(Buffer.concat([encodeMiniHeader(1, 4), body.subarray(0, 4)]));
      } else if (window > 0 && ++since >= window) {
        since = 0;
        socket.write(encodeMiniHeader(2, 0));
      }
    }
  });
  socket.write(
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
    ]),
  );
  return messages;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

const until = async (pred: () => boolean) => {
  const end = Date.now() + 10_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('image encoding off the event loop', () => {
  it('encodes large images in encoder threads once for all clients with the same codec, and each client gets the exact pixels', async () => {
    const pool: EncoderPool = createEncoderPool({ threads: 1 });
    cleanups.push(() => pool.close());
    const device = createQxlDevice();
    const worker = new DisplayWorker({ device, imageCompression: 'lz', encoderPool: pool, offloadMinPixels: 1024 });
    const driver = createGuestDriver(device);
    await driver.createPrimary({ width: 128, height: 96 });
    const clients: Array<Array<{ type: number; body: Buffer }>> = [];
    for (let i = 0; i < 3; i++) {
      const [server, socket] = await socketPair();
      cleanups.push(() => {
        server.destroy();
        socket.destroy();
      });
      worker.displayChannel.connectClient(new RedClient(i + 1), server, {
        common: CapabilitySet.of(CommonCap.MiniHeader),
        channel: CapabilitySet.of(DisplayCap.MonitorsConfig),
      });
      clients.push(displayClient(socket));
    }
    await until(() => clients.every((m) => m.some((x) => x.type === DisplayMsg.Mark)));
    const before = { ...SharedImageEncodes.counters, pool: pool.stats.completed };

    // A 64x48 (3072-pixel) image: above the 1024-pixel threshold, so it goes to the thread.
    const pixels = new Uint8Array(64 * 48 * 4);
    for (let i = 0; i < pixels.length; i += 4) pixels.set([i & 0xff, (i >> 8) & 0xff, 0x40, 0], i);
    await driver.drawCopy({
      bbox: { top: 10, left: 20, bottom: 58, right: 84 },
      pixels,
      stride: 256,
      width: 64,
      height: 48,
    });
    await until(() => clients.every((m) => m.filter((x) => x.type === DisplayMsg.DrawCopy).length >= 2));

    expect(pool.stats.completed - before.pool).toBe(1); // one encode in the thread
    expect(SharedImageEncodes.counters.encodes - before.encodes).toBe(1);
    expect(SharedImageEncodes.counters.shared - before.shared).toBe(2); // used by the other two
    for (const messages of clients) {
      const copy = display.drawCopy.decode(messages.filter((x) => x.type === DisplayMsg.DrawCopy).at(-1)!.body);
      expect(copy.srcBitmap.descriptor.type).toBe(ImageType.LzRgb);
      if (copy.srcBitmap.kind !== 'binary') throw new Error('not an LZ image');
      const decoded = decodeLz(copy.srcBitmap.data);
      expect([decoded.width, decoded.height]).toEqual([64, 48]);
      const out = decoded.pixels.data;
      for (let i = 0; i < pixels.length; i += 4) {
        if (out[i] !== pixels[i] || out[i + 1] !== pixels[i + 1] || out[i + 2] !== pixels[i + 2])
          throw new Error(`pixel ${i / 4} differs`);
      }
    }
  });
});
