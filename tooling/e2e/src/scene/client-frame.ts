import { createSpiceServer } from '@spice-ts/server';
import { compareFrames, type FrameComparison } from '../frames.js';
import { type GlibClientResult, glibScreenshot } from '../glib-client.js';
import type { RgbFrame } from '../ppm.js';
import { renderScene, type Scene, type SceneDraw, scenePrefix } from './scene.js';
import { sceneDisplayChannel } from './scene-display-channel.js';

export interface SceneClientOptions {
  /** The client gives up after this long; default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Quiet period that counts as "done drawing"; default 500 ms. */
  readonly idleMs?: number;
}

/**
 * Sends the scene to a real spice-gtk client (glib_client.py) through a spice-ts server whose only
 * display channel is sceneDisplayChannel(scene), and returns the client's primary surface once
 * the display went quiet.
 */
export async function sceneClientFrame(
  scene: Scene,
  options: SceneClientOptions = {},
): Promise<{ frame: RgbFrame; result: GlibClientResult }> {
  const server = createSpiceServer({ port: 0, netTest: false, channels: [sceneDisplayChannel(scene)] });
  const { port } = await server.listen();
  try {
    return await glibScreenshot({
      port,
      timeoutMs: options.timeoutMs ?? 30_000,
      idleMs: options.idleMs ?? 500,
    });
  } finally {
    await server.close();
  }
}

/** The canvas frame of a scene in the layout compareFrames reads. */
export function sceneCanvasFrame(scene: Scene): { width: number; height: number; bgrx: Uint8Array; stride: number } {
  const surface = renderScene(scene);
  return { width: surface.width, height: surface.height, bgrx: surface.pixels, stride: surface.stride };
}

/**
 * Bisects a scene whose frames differ: the index of the first draw after which spice-gtk's frame
 * and the canvas frame differ, that draw, and the comparison right after it (about log2(draws)
 * client runs). Null when the whole scene matches.
 */
export async function findFirstMismatch(
  scene: Scene,
  options: SceneClientOptions = {},
): Promise<{ index: number; draw: SceneDraw; comparison: FrameComparison } | null> {
  const compareAt = async (count: number): Promise<FrameComparison> => {
    const prefix = scenePrefix(scene, count);
    const { frame } = await sceneClientFrame(prefix, options);
    return compareFrames(sceneCanvasFrame(prefix), frame);
  };
  let comparison = await compareAt(scene.draws.length);
  if (comparison.differingPixels === 0) return null;
  // Invariant: the first `good` draws match, the first `bad` draws do not.
  let good = 0;
  let bad = scene.draws.length;
  while (bad - good > 1) {
    const mid = (good + bad) >> 1;
    const c = await compareAt(mid);
    if (c.differingPixels > 0) {
      bad = mid;
      comparison = c;
    } else good = mid;
  }
  return { index: bad - 1, draw: scene.draws[bad - 1] as SceneDraw, comparison };
}
