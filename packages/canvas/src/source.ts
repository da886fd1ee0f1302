import { type Clip, ImageScaleMode, type Rect } from '@spice-ts/protocol';
import type { CanvasImage } from './image.js';
import { type CanvasMask, forEachSpan } from './mask.js';
import { scaleImage } from './scale.js';

/** The source of a COPY-like draw: an image, the area of it mapped onto the box, and the scale mode. */
export interface CanvasSource {
  readonly image: CanvasImage;
  readonly srcArea: Rect;
  /** ImageScaleMode; used only when srcArea and the box differ in size. Default INTERPOLATE. */
  readonly scaleMode?: number;
}

/** A source placed on the surface: the pixel for destination (x, y) is image[(y + dy), (x + dx)]. */
export interface PlacedSource {
  readonly image: CanvasImage;
  readonly dx: number;
  readonly dy: number;
}

// pixman_filter_t and pixman_repeat_t values (pixman.h) that scaled reads set.
const FILTER_GOOD = 1;
const FILTER_NEAREST = 3;
const REPEAT_NONE = 0;

const sameSize = (a: Rect, b: Rect): boolean =>
  a.right - a.left === b.right - b.left && a.bottom - a.top === b.bottom - b.top;

/**
 * Places a source on the box: as it is when srcArea has the box's size, otherwise scaled to the
 * box first (sw_canvas scales through pixman, then draws the result).
 */
export function placeSource(
  box: Rect,
  source: CanvasSource,
  forceMode?: number,
  bounds?: { width: number; height: number },
  reached: () => boolean = () => true,
): PlacedSource | null {
  const w = box.right - box.left;
  const h = box.bottom - box.top;
  const a = source.srcArea;
  if (w <= 0 || h <= 0 || a.right <= a.left || a.bottom <= a.top) return null;
  if (sameSize(box, a)) return { image: source.image, dx: a.left - box.left, dy: a.top - box.top };
  const mode = forceMode ?? source.scaleMode ?? ImageScaleMode.Interpolate;
  // Scale only the part of the box that lies on the surface.
  const part = {
    left: Math.max(0, -box.left),
    top: Math.max(0, -box.top),
    right: bounds ? Math.min(w, bounds.width - box.left) : w,
    bottom: bounds ? Math.min(h, bounds.height - box.top) : h,
  };
  if (part.right <= part.left || part.bottom <= part.top) return null;
  const image = scaleImage(source.image, a, w, h, mode, part);
  // The client scales a surface through its own pixman image when the draw gets that far
  // (`reached`): the filter stays, the transform is reset to identity afterwards.
  const sampling = source.image.sampling;
  if (sampling && reached()) {
    sampling.transform = null;
    sampling.filter = mode === ImageScaleMode.Nearest ? FILTER_NEAREST : FILTER_GOOD;
    sampling.repeat = REPEAT_NONE;
  }
  return { image, dx: -box.left - part.left, dy: -box.top - part.top };
}

/** Whether box ∩ clip (∩ mask) has a pixel on a `width`×`height` surface: the client's non-empty draw region. */
export function regionHasPixels(
  box: Rect,
  clip: Clip,
  width: number,
  height: number,
  mask: CanvasMask | null | undefined,
): boolean {
  let any = false;
  forEachSpan(box, clip, width, height, mask, () => {
    any = true;
  });
  return any;
}

/** Cuts the span [x0, x1) of row y to the pixels whose source lies inside the image; null if none. */
export function sourceSpan(p: PlacedSource, y: number, x0: number, x1: number): [number, number, number] | null {
  const sy = y + p.dy;
  if (sy < 0 || sy >= p.image.height) return null;
  const a = Math.max(x0, -p.dx);
  const b = Math.min(x1, p.image.width - p.dx);
  if (a >= b) return null;
  return [a, b, sy * p.image.stride + a + p.dx];
}
