import type { App } from '@spice-ts/server-app';
import type { BgrxFrame } from '../../src/index.js';

/** The primary surface as the in-process server holds it, once the guest and every pipe are idle. */
export async function appFrame(app: App): Promise<BgrxFrame> {
  await app.guest!.settle();
  await app.worker.whenIdle();
  const surface = app.worker.primarySurface();
  if (!surface) throw new Error('the server has no primary surface');
  const { canvas } = surface;
  return { width: canvas.width, height: canvas.height, bgrx: canvas.pixels.slice(), stride: canvas.stride };
}
