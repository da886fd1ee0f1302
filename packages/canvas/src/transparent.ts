import { type Clip, ImageScaleMode, type Rect } from '@spice-ts/protocol';
import { forEachSpan } from './mask.js';
import { type CanvasSource, placeSource, regionHasPixels, sourceSpan } from './source.js';
import { assertWordSurface, type CanvasSurface } from './surface.js';

/**
 * DRAW_TRANSPARENT: source pixels are put except those whose low 24 bits equal the colour key
 * (`trueColor`, compared in the 32-bit surface format as spice_pixman_blit_colorkey does).
 * Scaled sources are sampled nearest.
 */
export function drawTransparent(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  source: CanvasSource,
  trueColor: number,
): void {
  assertWordSurface(surface, 'TRANSPARENT');
  const placed = placeSource(box, source, ImageScaleMode.Nearest, surface, () =>
    regionHasPixels(box, clip, surface.width, surface.height, null),
  );
  if (!placed) return;
  const key = trueColor & 0xffffff;
  const words = surface.words;
  const w = surface.width;
  const src = placed.image.words;
  forEachSpan(box, clip, surface.width, surface.height, null, (y, x0, x1) => {
    const cut = sourceSpan(placed, y, x0, x1);
    if (!cut) return;
    const [a, b, s0] = cut;
    const o = y * w + a;
    for (let i = 0; i < b - a; i++) {
      const v = src[s0 + i]!;
      if ((v & 0xffffff) !== key) words[o + i] = v;
    }
  });
}
