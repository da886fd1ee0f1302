import { BrushType, type Clip, type Rect } from '@spice-ts/protocol';
import type { CanvasBrush } from './brush.js';
import { UnsupportedOperationError } from './errors.js';
import { type CanvasMask, forEachSpan } from './mask.js';
import { Rop, ropMasks } from './rop.js';
import type { PlacedSource } from './source.js';
import type { CanvasSurface } from './surface.js';

/**
 * A brush on an A8 surface: sw_canvas fills 8-bit images with the low byte of the colour
 * (spice_pixman_fill_rect); a pattern tile would have to be 8-bit too, which a SPICE brush never
 * is (the client asserts on the depth mismatch), so patterns are refused.
 */
function a8BrushValue(brush: CanvasBrush): number {
  if (brush.type === BrushType.Pattern) throw new UnsupportedOperationError('pattern brush on an A8 surface');
  return brush.type === BrushType.Solid ? brush.color & 0xff : 0;
}

/** fillRegion for A8 surfaces: the brush byte through `rop` into the spans. */
export function fillRegionA8(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  mask: CanvasMask | null | undefined,
  brush: CanvasBrush,
  rop: Rop,
): void {
  if (rop === Rop.Noop) return;
  const s = a8BrushValue(brush);
  const px = surface.pixels;
  const w = surface.width;
  const [m8, m4, m2, m1] = ropMasks(rop);
  forEachSpan(box, clip, surface.width, surface.height, mask, (y, x0, x1) => {
    const o = y * w;
    if (rop === Rop.Copy) {
      px.fill(s, o + x0, o + x1);
      return;
    }
    for (let i = o + x0; i < o + x1; i++) {
      const d = px[i]!;
      px[i] = (~s & ~d & m8) | (~s & d & m4) | (s & ~d & m2) | (s & d & m1);
    }
  });
}

/**
 * blitRegion for A8 surfaces. The client blits only between images of one depth, so the source
 * is expected to be an A8 image (words 0xAA000000, see imageFromSurface); its alpha byte is what
 * is drawn (0xff for a source without alpha, as pixman's SRC conversion would give).
 */
export function blitRegionA8(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  mask: CanvasMask | null | undefined,
  placed: PlacedSource,
  rop: Rop,
): void {
  if (rop === Rop.Noop) return;
  const px = surface.pixels;
  const w = surface.width;
  const src = placed.image.words;
  const opaque = !placed.image.hasAlpha;
  const [m8, m4, m2, m1] = ropMasks(rop);
  forEachSpan(box, clip, surface.width, surface.height, mask, (y, x0, x1) => {
    const sy = y + placed.dy;
    if (sy < 0 || sy >= placed.image.height) return;
    const a = Math.max(x0, -placed.dx);
    const b = Math.min(x1, placed.image.width - placed.dx);
    const s0 = sy * placed.image.stride + placed.dx;
    for (let x = a; x < b; x++) {
      const s = opaque ? 0xff : src[s0 + x]! >>> 24;
      const d = px[y * w + x]!;
      px[y * w + x] = (~s & ~d & m8) | (~s & d & m4) | (s & ~d & m2) | (s & d & m1);
    }
  });
}
