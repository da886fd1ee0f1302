import { intersectRects, isEmptyRect, makeRect, type Rect, rectArea, rectContains, unionRects } from './rect.js';

/**
 * Most rectangles one `take()` returns. The glue turns each into a QXL drawable and the QXL
 * command ring holds 32 entries (`qxl_dev.h` QXL_COMMAND_RING_SIZE), so half a ring per frame
 * leaves room for the cursor and other commands.
 */
export const MAX_DAMAGE_RECTS = 16;

/**
 * Two rectangles merge when their bounding box wastes at most this many pixels that neither
 * covers (small neighbours become one drawable: one message header instead of two)...
 */
export const MERGE_WASTE_PIXELS = 1024;
/** ...or at most this share of the bounding box (large neighbours, e.g. adjacent text rows). */
export const MERGE_WASTE_RATIO = 0.25;

/** Collects changed rectangles of a `width`×`height` picture. */
export interface DamageTracker {
  /** Marks a rectangle changed; it is cut to the picture and merged with its neighbours. */
  add(rect: Rect): void;
  /** Marks the whole picture changed. */
  addAll(): void;
  /** Whether anything changed since the last `take()`. */
  readonly isEmpty: boolean;
  /** The changed rectangles (at most `MAX_DAMAGE_RECTS`) since the last call; then forgets them. */
  take(): Rect[];
}

export function createDamageTracker(width: number, height: number): DamageTracker {
  const bounds = makeRect(0, 0, width, height);
  let rects: Rect[] = [];

  function waste(a: Rect, b: Rect): { union: Rect; wasted: number } {
    const union = unionRects(a, b);
    const covered = rectArea(a) + rectArea(b) - rectArea(intersectRects(a, b));
    return { union, wasted: rectArea(union) - covered };
  }

  function worthMerging(a: Rect, b: Rect): Rect | undefined {
    const { union, wasted } = waste(a, b);
    return wasted <= MERGE_WASTE_PIXELS || wasted <= rectArea(union) * MERGE_WASTE_RATIO ? union : undefined;
  }

  function insert(rect: Rect): void {
    let r = rect;
    // Merge until the new rectangle stops growing into a neighbour.
    for (let merged = true; merged; ) {
      merged = false;
      for (let i = 0; i < rects.length; i++) {
        const e = rects[i] as Rect;
        if (rectContains(e, r)) return;
        const union = rectContains(r, e) ? r : worthMerging(e, r);
        if (union !== undefined) {
          rects.splice(i, 1);
          r = union;
          merged = true;
          break;
        }
      }
    }
    rects.push(r);
    while (rects.length > MAX_DAMAGE_RECTS) mergeCheapestPair();
  }

  function mergeCheapestPair(): void {
    let best = { i: 0, j: 1, wasted: Number.POSITIVE_INFINITY };
    for (let i = 0; i < rects.length; i++) {
      for (let j = i + 1; j < rects.length; j++) {
        const { wasted } = waste(rects[i] as Rect, rects[j] as Rect);
        if (wasted < best.wasted) best = { i, j, wasted };
      }
    }
    const union = unionRects(rects[best.i] as Rect, rects[best.j] as Rect);
    rects.splice(best.j, 1);
    rects.splice(best.i, 1);
    insert(union);
  }

  return {
    add(rect: Rect): void {
      const r = intersectRects(bounds, {
        left: Math.floor(rect.left),
        top: Math.floor(rect.top),
        right: Math.ceil(rect.right),
        bottom: Math.ceil(rect.bottom),
      });
      if (!isEmptyRect(r)) insert(r);
    },
    addAll(): void {
      rects = [bounds];
    },
    get isEmpty(): boolean {
      return rects.length === 0;
    },
    take(): Rect[] {
      const out = rects;
      rects = [];
      return out;
    },
  };
}
