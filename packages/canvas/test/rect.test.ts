import { ClipType } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { clipRects, unionRects } from '../src/rect.js';
import { rect } from './helpers.js';

/** Pixels covered, as "x,y" keys, with how often each is covered. */
function coverage(rects: ReturnType<typeof unionRects>): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of rects) {
    for (let y = r.top; y < r.bottom; y++) {
      for (let x = r.left; x < r.right; x++) seen.set(`${x},${y}`, (seen.get(`${x},${y}`) ?? 0) + 1);
    }
  }
  return seen;
}

describe('clip rectangles', () => {
  it('keeps non-overlapping clip rectangles as they are', () => {
    const clip = { type: ClipType.Rects, rects: [rect(2, 0, 3, 1), rect(0, 0, 1, 1)] } as const;
    expect(clipRects(rect(0, 0, 4, 4), clip, 4, 4)).toEqual([rect(2, 0, 3, 1), rect(0, 0, 1, 1)]);
  });

  it('reduces overlapping clip rectangles to their union, each pixel once', () => {
    const a = rect(0, 0, 6, 4);
    const b = rect(3, 2, 9, 7);
    const clip = { type: ClipType.Rects, rects: [a, b, rect(1, 1, 2, 2)] } as const;
    const rects = clipRects(rect(0, 0, 10, 10), clip, 10, 10);
    const covered = coverage(rects);
    expect([...covered.values()].every((n) => n === 1)).toBe(true);
    expect(covered).toEqual(coverage(unionRects([a, rect(3, 4, 9, 7), rect(6, 2, 9, 4)])));
    expect(covered.size).toBe(6 * 4 + 6 * 5 - 3 * 2);
  });

  it('joins bands with the same spans', () => {
    expect(unionRects([rect(0, 0, 4, 2), rect(0, 1, 4, 3)])).toEqual([rect(0, 0, 4, 3)]);
  });
});
