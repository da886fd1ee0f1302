import { type Clip, ImageScaleMode, type Rect, SurfaceFmt } from '@spice-ts/protocol';
import { Repeat, sampleImage } from './composite.js';
import { int32View } from './fill.js';
import type { CanvasImage } from './image.js';
import { forEachSpan } from './mask.js';
import { type CanvasSource, type PlacedSource, placeSource, regionHasPixels, sourceSpan } from './source.js';
import { assertWordSurface, type CanvasSurface } from './surface.js';

/** SpiceAlphaFlags (spice-protocol enums.h). */
export const AlphaFlags = { DestHasAlpha: 1 << 0, SrcSurfaceHasAlpha: 1 << 1 } as const;

export interface AlphaBlendOptions {
  /** AlphaFlags. */
  readonly alphaFlags?: number;
}

/**
 * DRAW_ALPHA_BLEND: pixman OVER of the premultiplied source (alpha 0xff when the source has
 * none) scaled by the global `alpha` (a solid mask), into the surface; scaled sources are
 * sampled nearest, as canvas_base asks. Alpha 0 draws nothing. The dest alpha (ARGB surfaces, or
 * DEST_HAS_ALPHA on xRGB) only changes the resulting alpha byte, never the colour.
 */
export function drawAlphaBlend(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  source: CanvasSource,
  alpha: number,
  options: AlphaBlendOptions = {},
): void {
  assertWordSurface(surface, 'ALPHA_BLEND');
  const global = alpha & 0xff;
  if (global === 0) return;
  const src0 = source.image;
  // SRC_SURFACE_HAS_ALPHA on an xRGB surface: the client reads it through a new a8r8g8b8 image,
  // without the surface's sampling state.
  const image: CanvasImage =
    options.alphaFlags !== undefined && options.alphaFlags & AlphaFlags.SrcSurfaceHasAlpha && !src0.hasAlpha
      ? { width: src0.width, height: src0.height, stride: src0.stride, words: src0.words, hasAlpha: true }
      : src0;
  const placed =
    stickyPlaced(box, source.srcArea, image) ??
    placeSource(box, { ...source, image }, ImageScaleMode.Nearest, surface, () =>
      regionHasPixels(box, clip, surface.width, surface.height, null),
    );
  if (!placed) return;
  const w = surface.width;
  const dst = int32View(surface.words);
  const src = int32View(placed.image.words);
  const fa = placed.image.hasAlpha ? 0 : 0xff000000 | 0;
  const destAlpha =
    surface.format === SurfaceFmt.A8r8g8b8 || ((options.alphaFlags ?? 0) & AlphaFlags.DestHasAlpha) !== 0;
  const daFill = destAlpha ? 0 : 0xff000000 | 0;
  const g = global;
  forEachSpan(box, clip, surface.width, surface.height, null, (y, x0, x1) => {
    const cut = sourceSpan(placed, y, x0, x1);
    if (!cut) return;
    const [a, b, s0] = cut;
    const o = y * w + a;
    // Two channels at a time (pixman's UN8x4 macros): A,G and R,B lanes of 0x00ff00ff. Each lane
    // is rounded and saturated on its own, so the result equals the per-channel MUL_UN8 / ADD_UN8.
    for (let i = 0; i < b - a; i++) {
      let s = src[s0 + i]! | fa;
      if (g !== 0xff) s = mulUn8x4(s, g);
      const sa = s >>> 24;
      if (sa === 0xff) {
        dst[o + i] = s;
        continue;
      }
      const d = dst[o + i]! | daFill;
      if (s === 0) {
        dst[o + i] = d;
        continue;
      }
      const ia = 255 - sa;
      let rb = d & 0xff00ff;
      let ag = (d >>> 8) & 0xff00ff;
      rb = rb * ia + 0x800080;
      rb = ((rb + ((rb >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
      ag = ag * ia + 0x800080;
      ag = ((ag + ((ag >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
      rb += s & 0xff00ff;
      rb = (rb | (0x1000100 - ((rb >>> 8) & 0xff00ff))) & 0xff00ff;
      ag += (s >>> 8) & 0xff00ff;
      ag = (ag | (0x1000100 - ((ag >>> 8) & 0xff00ff))) & 0xff00ff;
      dst[o + i] = (ag << 8) | rb;
    }
  });
}

/**
 * An unscaled read of a surface whose pixman image carries a transform (left by a composite): the
 * client composites through it (REPEAT_NONE), so the box is sampled as pixman would; null otherwise.
 */
function stickyPlaced(box: Rect, srcArea: Rect, image: CanvasImage): PlacedSource | null {
  const sampling = image.sampling;
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  if (!sampling || w <= 0 || h <= 0 || srcArea.right - srcArea.left !== w || srcArea.bottom - srcArea.top !== h) {
    return null;
  }
  sampling.repeat = Repeat.None;
  if (!sampling.transform) return null;
  const sampled = sampleImage(image, sampling, srcArea.left, srcArea.top, w, h);
  return { image: sampled, dx: -box.left, dy: -box.top };
}

/** UN8x4_MUL_UN8: every channel of `x` times `a` / 255, rounded as MUL_UN8 (two lanes at a time). */
function mulUn8x4(x: number, a: number): number {
  let rb = (x & 0xff00ff) * a + 0x800080;
  rb = ((rb + ((rb >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
  let ag = ((x >>> 8) & 0xff00ff) * a + 0x800080;
  ag = ((ag + ((ag >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
  return (ag << 8) | rb;
}
