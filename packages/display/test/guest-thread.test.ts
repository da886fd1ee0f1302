// The guest in its own thread, the device and display worker here: synchronous IO from the guest
// (UPDATE_AREA, DESTROY_PRIMARY) must return in bounded time even while the only display client
// has stopped reading and the guest's ring is full, because sync IO never waits on clients.
import { RedClient } from '@spice-ts/channel';
import { CapabilitySet, CommonCap, concatChunks, DisplayCap, display, encodeMiniHeader } from '@spice-ts/protocol';
import { createQxlDevice, startGuestThread } from '@spice-ts/qxl';
import { socketPair } from '@spice-ts/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { DisplayWorker } from '../src/index.js';

/** Stated bound of a synchronous guest IO while clients are stalled (issue: ≤ 100 ms). */
const SYNC_IO_BOUND_MS = 100;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('a guest in its own thread', () => {
  it('gets UPDATE_AREA and DESTROY_PRIMARY done in bounded time while the display client is stalled', async () => {
    const device = createQxlDevice();
    const worker = new DisplayWorker({ device, maxPipeBytes: 256 * 1024, squash: false });
    const guest = startGuestThread(device, new URL('./fixtures/stalled-guest.mjs', import.meta.url), {
      data: { width: 256, height: 192, draws: 400, updates: 5 },
      // The test runner's options make Node load TypeScript sources; the guest uses the built package.
      execArgv: [],
    });
    cleanups.push(() => guest.close());
    const messages: Array<{ type: string } & Record<string, unknown>> = [];
    guest.worker.on('message', (m: { type: string }) => messages.push(m));
    const waitFor = async (type: string) => {
      const end = Date.now() + 10_000;
      while (!messages.some((m) => m.type === type)) {
        if (Date.now() > end) throw new Error(`guest never said ${type}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return messages.find((m) => m.type === type)!;
    };
    await waitFor('ready');
    expect(worker.primarySurface()?.canvas.width).toBe(256); // CREATE_PRIMARY came from the other thread

    // A display client that reads its first messages, acknowledges them, then stops reading.
    const [server, socket] = await socketPair();
    cleanups.push(() => {
      server.destroy();
      socket.destroy();
    });
    const rcc = worker.displayChannel.connectClient(new RedClient(1), server, {
      common: CapabilitySet.of(CommonCap.MiniHeader),
      channel: CapabilitySet.of(DisplayCap.MonitorsConfig),
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
    await new Promise((r) => setTimeout(r, 100));
    socket.pause();

    guest.worker.postMessage('flood');
    const stalled = await waitFor('stalled');
    expect(stalled.pending).toBeGreaterThan(0); // the guest waits for ring room
    expect(rcc.blocked).toBe(true); // and the client takes nothing
    const commandsBefore = worker.counters.commands;

    guest.worker.postMessage('sync-io');
    const timings = (await waitFor('timings')) as unknown as { updateMs: number[]; destroyMs: number };
    const worst = Math.max(...timings.updateMs, timings.destroyMs);
    console.log(
      `guest thread, stalled client: UPDATE_AREA ${timings.updateMs.map((m) => m.toFixed(2)).join(', ')} ms; ` +
        `DESTROY_PRIMARY ${timings.destroyMs.toFixed(2)} ms (bound ${SYNC_IO_BOUND_MS} ms)`,
    );
    expect(worst).toBeLessThan(SYNC_IO_BOUND_MS);
    expect(worker.counters.commands).toBeGreaterThan(commandsBefore); // the ring was rendered first
    expect(worker.primarySurface()).toBeNull();
    expect(rcc.blocked).toBe(true); // the client is still stalled: nothing waited for it
    expect(await guest.exited).toBe(0);
  });
});
