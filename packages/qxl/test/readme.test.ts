// The example of README.md, kept compiling and running.
import { expect, it } from 'vitest';
import { createGuestDriver, createQxlDevice, isQxlError, type QxlCommandRecord } from '../src/index.js';

it('runs the README example', async () => {
  const device = createQxlDevice(); // 64 MiB RAM, 32 MiB VRAM, as QEMU
  const seen: QxlCommandRecord[] = [];
  const primaries: string[] = [];

  // Server side: what a display worker does.
  const drain = () => {
    for (;;) {
      let record: QxlCommandRecord | null;
      try {
        record = device.getCommand();
      } catch (err) {
        if (isQxlError(err)) continue; // dropped (and released) by the device; err.code says why
        throw err;
      }
      if (record === null) {
        if (device.requestCommandNotification()) return; // the guest will kick NOTIFY_CMD
        continue; // a command arrived meanwhile
      }
      seen.push(record); // render / send it...
      if (record.type === 'draw') device.releaseResource(record.drawable.releaseId); // ...then hand it back
    }
  };
  device.attachWorker({
    notifyCommands: drain,
    notifyCursor: () => {},
    createPrimary: (surface, async) => {
      primaries.push(`${surface.width}x${surface.height}`); // set up surface 0 for the clients...
      if (async) device.asyncComplete(async.cookie);
    },
    destroyPrimary: (async) => async && device.asyncComplete(async.cookie),
    updateArea: (_surfaceId, _area, async) => async && device.asyncComplete(async.cookie),
  });

  // Guest side: a driver writing real QXL structures into the device's RAM.
  const driver = createGuestDriver(device);
  await driver.createPrimary({ width: 1024, height: 768 });
  await driver.drawFill({ bbox: { top: 0, left: 0, bottom: 768, right: 1024 }, color: 0x202020 });
  const pixels = new Uint8Array(64 * 64 * 4).fill(0xff);
  await driver.drawCopy({
    bbox: { top: 10, left: 10, bottom: 74, right: 74 },
    pixels,
    stride: 256,
    width: 64,
    height: 64,
  });

  await new Promise((resolve) => setImmediate(resolve));
  expect(seen.map((r) => r.type === 'draw' && r.drawable.draw.type)).toEqual(['fill', 'copy']);
  expect(primaries).toEqual(['1024x768']);
  expect(driver.stats.releasesProcessed).toBeGreaterThan(0);
});
