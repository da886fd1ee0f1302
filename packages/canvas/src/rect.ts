import { type Clip, ClipType, type Rect } from '@spice-ts/protocol';

export const isEmptyRect = (r: Rect): boolean => r.right <= r.left || r.bottom <= r.top;

export function intersectRect(a: Rect, b: Rect): Rect {
  return {
    top: Math.max(a.top, b.top),
    left: Math.max(a.left, b.left),
    bottom: Math.min(a.bottom, b.bottom),
    right: Math.min(a.right, b.right),
  };
}

/**
 * The rectangles a draw touches: its box, cut by the clip rectangles and the surface bounds.
 * Clip rectangles of one drawable do not overlap (they come from a region).
 */
export function clipRects(box: Rect, clip: Clip, width: number, height: number): Rect[] {
  const bounded = intersectRect(box, { top: 0, left: 0, bottom: height, right: width });
  if (isEmptyRect(bounded)) return [];
  if (clip.type === ClipType.None) return [bounded];
  const out: Rect[] = [];
  for (const r of clip.rects) {
    const part = intersectRect(bounded, r);
    if (!isEmptyRect(part)) out.push(part);
  }
  return out;
}
