import { silentLogger } from '@spice-ts/channel';
import { DisplayWorker } from '@spice-ts/display';
import { createQxlDevice } from '@spice-ts/qxl';
import { describe, expect, it } from 'vitest';
import { DemoGuest } from '../src/demo/demo-guest.js';

async function setup() {
  const device = createQxlDevice();
  const worker = new DisplayWorker({ device });
  const guest = new DemoGuest({
    device,
    width: 640,
    height: 480,
    fps: 20,
    animate: false,
    logger: silentLogger,
    now: () => 0,
  });
  await guest.start();
  await guest.settle();
  await worker.whenIdle();
  return { device, worker, guest };
}

const frameOf = (worker: DisplayWorker) => worker.primarySurface()!.canvas;

describe('demo guest', () => {
  it('draws its desktop into the device, and the server renders exactly the guest picture', async () => {
    const { worker, guest } = await setup();
    const server = frameOf(worker);
    const fb = guest.scene.framebuffer;
    expect([server.width, server.height]).toEqual([640, 480]);
    let differing = 0;
    for (let i = 0; i < fb.words.length; i++)
      if ((fb.words[i]! & 0xffffff) !== (server.words[i]! & 0xffffff)) differing++;
    expect(differing).toBe(0);
    guest.stop();
  });

  it('keeps drawing after an input that changed nothing on screen', async () => {
    const { worker, guest } = await setup();
    const pushed = guest.driver.stats.commandsPushed;
    guest.keyboard.pushScancode(0x3b); // F1: no visible change
    guest.keyboard.pushScancode(0xbb);
    await guest.settle();
    for (const code of [0x1e, 0x30]) {
      guest.keyboard.pushScancode(code); // "a", "b"
      guest.keyboard.pushScancode(code | 0x80);
    }
    await guest.settle();
    await worker.whenIdle();
    expect(guest.scene.typedText).toBe('ab');
    expect(guest.driver.stats.commandsPushed).toBeGreaterThan(pushed);
    const server = frameOf(worker);
    const fb = guest.scene.framebuffer;
    let differing = 0;
    for (let i = 0; i < fb.words.length; i++)
      if ((fb.words[i]! & 0xffffff) !== (server.words[i]! & 0xffffff)) differing++;
    expect(differing).toBe(0);
    guest.stop();
  });

  it('turns tablet positions and button masks into pointer moves and clicks', async () => {
    const { guest } = await setup();
    guest.tablet.position(100, 120, 0);
    guest.tablet.buttons(1);
    guest.tablet.buttons(0);
    await guest.settle();
    expect(guest.scene.pointer).toEqual({ x: 100, y: 120 });
    expect(guest.scene.clicks).toContainEqual(expect.objectContaining({ x: 100, y: 120, button: 1 }));
    expect(guest.counters.cursorMoves).toBeGreaterThanOrEqual(1);
    guest.stop();
  });
});
