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

/** True when two non-empty rectangles share a pixel. */
const overlaps = (a: Rect, b: Rect): boolean =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/**
 * The union of rectangles as non-overlapping ones, in y-x bands (as a region holds them): for each
 * horizontal band between consecutive edges, the merged x spans of the rectangles covering it.
 * Vertically adjacent bands with the same spans are joined.
 */
export function unionRects(rects: readonly Rect[]): Rect[] {
  const ys = [...new Set(rects.flatMap((r) => [r.top, r.bottom]))].sort((a, b) => a - b);
  const out: Rect[] = [];
  let previous: Rect[] = [];
  for (let i = 0; i + 1 < ys.length; i++) {
    const top = ys[i] as number;
    const bottom = ys[i + 1] as number;
    const spans = rects
      .filter((r) => r.top <= top && r.bottom >= bottom)
      .map((r) => [r.left, r.right] as const)
      .sort((a, b) => a[0] - b[0]);
    const band: Rect[] = [];
    for (const [left, right] of spans) {
      const last = band[band.length - 1];
      if (last && left <= last.right) last.right = Math.max(last.right, right);
      else band.push({ top, left, bottom, right });
    }
    const joins =
      band.length > 0 &&
      band.length === previous.length &&
      band.every((r, k) => {
        const p = previous[k] as Rect;
        return p.bottom === top && p.left === r.left && p.right === r.right;
      });
    if (joins) {
      for (const p of previous) p.bottom = bottom;
    } else {
      out.push(...band);
      previous = band;
    }
  }
  return out;
}

/**
 * The rectangles a draw touches: its box, cut by the clip rectangles and the surface bounds. The
 * client clips to the union of the clip rectangles (a pixman region), so overlapping ones are
 * reduced to non-overlapping bands: no pixel is drawn twice.
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
  for (let i = 0; i < out.length; i++) {
    for (let j = i + 1; j < out.length; j++) {
      if (overlaps(out[i] as Rect, out[j] as Rect)) return unionRects(out);
    }
  }
  return out;
}
