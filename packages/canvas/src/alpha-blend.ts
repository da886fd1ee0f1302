import { type Clip, ImageScaleMode, type Rect, SurfaceFmt } from '@spice-ts/protocol';
import { int32View } from './fill.js';
import type { CanvasImage } from './image.js';
import { forEachSpan } from './mask.js';
import { type CanvasSource, placeSource, sourceSpan } from './source.js';
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
  const image: CanvasImage =
    options.alphaFlags !== undefined && options.alphaFlags & AlphaFlags.SrcSurfaceHasAlpha && !source.image.hasAlpha
      ? { ...source.image, hasAlpha: true }
      : source.image;
  const placed = placeSource(box, { ...source, image }, ImageScaleMode.Nearest, surface);
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
    for (let i = 0; i < b - a; i++) {
      const s = src[s0 + i]! | fa;
      let sa = (s >>> 24) & 0xff;
      let sr = (s >>> 16) & 0xff;
      let sg = (s >>> 8) & 0xff;
      let sb = s & 0xff;
      if (g !== 0xff) {
        // MUL_UN8(c, g): (t + (t >> 8)) >> 8 with t = c·g + 0x80
        let t = sa * g + 0x80;
        sa = (t + (t >> 8)) >> 8;
        t = sr * g + 0x80;
        sr = (t + (t >> 8)) >> 8;
        t = sg * g + 0x80;
        sg = (t + (t >> 8)) >> 8;
        t = sb * g + 0x80;
        sb = (t + (t >> 8)) >> 8;
      }
      const ia = 255 - sa;
      const d = dst[o + i]! | daFill;
      let t = ((d >>> 24) & 0xff) * ia + 0x80;
      let ra = sa + ((t + (t >> 8)) >> 8);
      t = ((d >>> 16) & 0xff) * ia + 0x80;
      let rr = sr + ((t + (t >> 8)) >> 8);
      t = ((d >>> 8) & 0xff) * ia + 0x80;
      let rg = sg + ((t + (t >> 8)) >> 8);
      t = (d & 0xff) * ia + 0x80;
      let rb = sb + ((t + (t >> 8)) >> 8);
      if (ra > 255) ra = 255;
      if (rr > 255) rr = 255;
      if (rg > 255) rg = 255;
      if (rb > 255) rb = 255;
      dst[o + i] = (ra << 24) | (rr << 16) | (rg << 8) | rb;
    }
  });
}
