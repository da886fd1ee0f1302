/**
 * Axis-aligned rectangles in the convention of `SpiceRect`: `left`/`top` are inclusive,
 * `right`/`bottom` exclusive, so a rectangle's width is `right - left`. A rectangle with
 * `right <= left` or `bottom <= top` is empty.
 */
export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export const EMPTY_RECT: Rect = Object.freeze({ left: 0, top: 0, right: 0, bottom: 0 });

/** A rectangle from a position and a size. */
export function makeRect(x: number, y: number, width: number, height: number): Rect {
  return { left: x, top: y, right: x + width, bottom: y + height };
}

export function rectWidth(r: Rect): number {
  return Math.max(0, r.right - r.left);
}

export function rectHeight(r: Rect): number {
  return Math.max(0, r.bottom - r.top);
}

export function rectArea(r: Rect): number {
  return rectWidth(r) * rectHeight(r);
}

export function isEmptyRect(r: Rect): boolean {
  return r.right <= r.left || r.bottom <= r.top;
}

/** The common part of two rectangles; `EMPTY_RECT` when they do not overlap. */
export function intersectRects(a: Rect, b: Rect): Rect {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.right, b.right);
  const bottom = Math.min(a.bottom, b.bottom);
  if (right <= left || bottom <= top) return EMPTY_RECT;
  return { left, top, right, bottom };
}

/** The smallest rectangle holding both; an empty operand is ignored. */
export function unionRects(a: Rect, b: Rect): Rect {
  if (isEmptyRect(a)) return b;
  if (isEmptyRect(b)) return a;
  return {
    left: Math.min(a.left, b.left),
    top: Math.min(a.top, b.top),
    right: Math.max(a.right, b.right),
    bottom: Math.max(a.bottom, b.bottom),
  };
}

/** True when the rectangles share at least one pixel. */
export function rectsOverlap(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** True when every pixel of `inner` lies in `outer` (an empty `inner` is contained anywhere). */
export function rectContains(outer: Rect, inner: Rect): boolean {
  if (isEmptyRect(inner)) return true;
  return (
    inner.left >= outer.left && inner.top >= outer.top && inner.right <= outer.right && inner.bottom <= outer.bottom
  );
}

export function rectContainsPoint(r: Rect, x: number, y: number): boolean {
  return x >= r.left && x < r.right && y >= r.top && y < r.bottom;
}

export function rectsEqual(a: Rect, b: Rect): boolean {
  return a.left === b.left && a.top === b.top && a.right === b.right && a.bottom === b.bottom;
}
