import type { BitmapSource } from '@spice-ts/codecs';
import { type Clip, ImageScaleMode, type Rect, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { blitRegionA8 } from './a8.js';
import type { CanvasBrush } from './brush.js';
import { fillRegion, int32View, padByte } from './fill.js';
import { imageFromBitmap } from './image.js';
import { type CanvasMask, forEachSpan } from './mask.js';
import { Rop, RopInput, ropdToRop, ropRow } from './rop.js';
import { type CanvasSource, type PlacedSource, placeSource, regionHasPixels, sourceSpan } from './source.js';
import type { CanvasSurface } from './surface.js';

export interface CopyOptions {
  readonly mask?: CanvasMask | null;
}

/** Draws a placed source through `rop` (source is src) into the spans of the region. */
export function blitRegion(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  mask: CanvasMask | null | undefined,
  placed: PlacedSource,
  rop: Rop,
): void {
  if (rop === Rop.Noop) return;
  if (surface.format === SurfaceFmt.A8) {
    blitRegionA8(surface, box, clip, mask, placed, rop);
    return;
  }
  const words = surface.words;
  const w = surface.width;
  const src = placed.image.words;
  // The client blits 32-bit words as they are: into an ARGB surface the X byte of an image without
  // alpha (32BIT padding, a palette entry's top byte, 0 for 24BIT) becomes alpha; on xRGB
  // surfaces the X byte is padding. (Scaled images come with alpha 0xff from scaleImage.)
  const fillA = 0;
  const pad = padByte(surface);
  const dst = int32View(words);
  const src32 = int32View(src);
  const fa = fillA | 0;
  const p = pad | 0;
  forEachSpan(box, clip, surface.width, surface.height, mask, (y, x0, x1) => {
    const cut = sourceSpan(placed, y, x0, x1);
    if (!cut) return;
    const [a, b, s0] = cut;
    const o = y * w + a;
    const n = b - a;
    if (rop === Rop.Copy && (pad !== 0 || fillA === 0)) {
      // xRGB surface (X byte not significant) or a source with alpha: the words as they are.
      words.set(src.subarray(s0, s0 + n), o);
      return;
    }
    ropRow(rop, dst, o, src32, s0, n, fa, p);
  });
}

/** DRAW_COPY: the source through the ROP descriptor (source is src, the surface dest). */
export function drawCopy(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  source: CanvasSource,
  ropDescriptor: number,
  options: CopyOptions = {},
): void {
  const rop = ropdToRop(ropDescriptor, RopInput.Src, RopInput.Dest);
  if (rop === Rop.Noop) return;
  const placed = placeSource(box, source, undefined, surface, () =>
    regionHasPixels(box, clip, surface.width, surface.height, options.mask),
  );
  if (placed) blitRegion(surface, box, clip, options.mask, placed, rop);
}

/** DRAW_BLEND: canvas_base draws it exactly as DRAW_COPY. */
export const drawBlend = drawCopy;

/**
 * DRAW_OPAQUE: the source is put into the region, then the brush is applied through the ROP
 * descriptor read with the brush as src and the source (now in the surface) as dest.
 */
export function drawOpaque(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  source: CanvasSource,
  brush: CanvasBrush,
  ropDescriptor: number,
  options: CopyOptions = {},
): void {
  const rop = ropdToRop(ropDescriptor, RopInput.Brush, RopInput.Src);
  if (rop === Rop.Noop) return;
  const placed = placeSource(box, source, undefined, surface, () =>
    regionHasPixels(box, clip, surface.width, surface.height, options.mask),
  );
  if (!placed) return;
  blitRegion(surface, box, clip, options.mask, placed, Rop.Copy);
  fillRegion(surface, box, clip, options.mask, brush, rop);
}

/**
 * COPY of a bitmap (kept for existing callers): 32-bit top-down bitmaps are read in place, other
 * formats converted first; nearest-neighbour scaling when the sizes differ.
 */
export function drawCopyBitmap(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  source: BitmapSource,
  srcArea: Rect,
  ropDescriptor: number = Ropd.OpPut,
): void {
  drawCopy(
    surface,
    box,
    clip,
    { image: imageFromBitmap(source), srcArea, scaleMode: ImageScaleMode.Nearest },
    ropDescriptor,
  );
}
