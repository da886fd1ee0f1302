import type { Clip, Point, Rect } from '@spice-ts/protocol';
import { clipRects } from './rect.js';
import type { CanvasSurface } from './surface.js';

/**
 * COPY_BITS: moves the pixels at `srcPos` (the box's size) to the box within the same surface.
 * Overlap is safe: the source is read before any of it is overwritten (rows are visited away
 * from the direction of the move). Destination pixels whose source is off the surface stay.
 */
export function copyBits(surface: CanvasSurface, box: Rect, clip: Clip, srcPos: Point): void {
  const dx = box.left - srcPos.x;
  const dy = box.top - srcPos.y;
  if (dx === 0 && dy === 0) return;
  const { width, height } = surface;
  // A8 surfaces move bytes, the others 32-bit words: the same walk over either array.
  const words: Uint32Array | Uint8Array = surface.words.length > 0 ? surface.words : surface.pixels;
  const rects = clipRects(box, clip, width, height)
    .map((r) => ({
      top: Math.max(r.top, dy),
      bottom: Math.min(r.bottom, dy + height),
      left: Math.max(r.left, dx),
      right: Math.min(r.right, dx + width),
    }))
    .filter((r) => r.left < r.right && r.top < r.bottom);
  // Clip rectangles do not overlap each other, but one's source may be another's destination:
  // with more than one, read every source from a copy of their bounding area taken first.
  if (rects.length > 1) {
    const left = Math.min(...rects.map((r) => r.left)) - dx;
    const top = Math.min(...rects.map((r) => r.top)) - dy;
    const right = Math.max(...rects.map((r) => r.right)) - dx;
    const bottom = Math.max(...rects.map((r) => r.bottom)) - dy;
    const bw = right - left;
    const n = bw * (bottom - top);
    const copy = words instanceof Uint8Array ? new Uint8Array(n) : new Uint32Array(n);
    for (let y = top; y < bottom; y++) copy.set(words.subarray(y * width + left, y * width + right), (y - top) * bw);
    for (const r of rects) {
      for (let y = r.top; y < r.bottom; y++) {
        const from = (y - dy - top) * bw + r.left - dx - left;
        words.set(copy.subarray(from, from + r.right - r.left), y * width + r.left);
      }
    }
    return;
  }
  const r = rects[0];
  if (!r) return;
  const rowOrder = dy > 0 ? -1 : 1;
  const first = rowOrder > 0 ? r.top : r.bottom - 1;
  for (let i = 0; i < r.bottom - r.top; i++) {
    const y = first + i * rowOrder;
    const from = (y - dy) * width + r.left - dx;
    // copyWithin is memmove: safe for the overlap within one row.
    words.copyWithin(y * width + r.left, from, from + r.right - r.left);
  }
}
