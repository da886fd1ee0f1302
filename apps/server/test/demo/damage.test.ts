import { describe, expect, it } from 'vitest';
import { createDamageTracker, MAX_DAMAGE_RECTS } from '../../src/demo/damage.js';
import { makeRect, type Rect, rectContains } from '../../src/demo/rect.js';

function covers(rects: readonly Rect[], r: Rect): boolean {
  for (let y = r.top; y < r.bottom; y++) {
    for (let x = r.left; x < r.right; x++) {
      if (!rects.some((q) => x >= q.left && x < q.right && y >= q.top && y < q.bottom)) return false;
    }
  }
  return true;
}

describe('demo damage tracker', () => {
  it('returns nothing when nothing changed, and forgets what it returned', () => {
    const d = createDamageTracker(100, 100);
    expect(d.isEmpty).toBe(true);
    expect(d.take()).toEqual([]);
    d.add(makeRect(1, 2, 3, 4));
    expect(d.isEmpty).toBe(false);
    expect(d.take()).toEqual([makeRect(1, 2, 3, 4)]);
    expect(d.take()).toEqual([]);
  });

  it('cuts rectangles to the picture and drops empty ones', () => {
    const d = createDamageTracker(50, 40);
    d.add(makeRect(-10, -10, 20, 20));
    d.add(makeRect(45, 35, 100, 100));
    d.add(makeRect(60, 0, 5, 5));
    d.add(makeRect(5, 5, 0, 10));
    expect(d.take()).toEqual([makeRect(0, 0, 10, 10), makeRect(45, 35, 5, 5)]);
  });

  it('merges adjacent rows and nearby small rectangles but keeps distant ones apart', () => {
    const d = createDamageTracker(1000, 1000);
    d.add(makeRect(100, 100, 400, 16));
    d.add(makeRect(100, 116, 400, 16));
    d.add(makeRect(900, 900, 20, 20));
    d.add(makeRect(0, 900, 20, 20));
    d.add(makeRect(905, 905, 5, 5)); // inside an existing one
    const out = d.take();
    expect(out).toHaveLength(3);
    expect(out).toContainEqual(makeRect(100, 100, 400, 32));
    expect(out).toContainEqual(makeRect(900, 900, 20, 20));
    expect(out).toContainEqual(makeRect(0, 900, 20, 20));
  });

  it('swallows everything once the whole picture is damaged', () => {
    const d = createDamageTracker(64, 48);
    d.add(makeRect(3, 3, 3, 3));
    d.addAll();
    d.add(makeRect(10, 10, 3, 3));
    expect(d.take()).toEqual([makeRect(0, 0, 64, 48)]);
  });

  it('never returns more than MAX_DAMAGE_RECTS yet covers every change', () => {
    const d = createDamageTracker(2000, 2000);
    const added: Rect[] = [];
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 200; i++) {
      const r = makeRect(rand(1990), rand(1990), 1 + rand(10), 1 + rand(10));
      added.push(r);
      d.add(r);
    }
    const out = d.take();
    expect(out.length).toBeLessThanOrEqual(MAX_DAMAGE_RECTS);
    for (const r of added) expect(covers(out, r), JSON.stringify(r)).toBe(true);
    for (const r of out) expect(rectContains(makeRect(0, 0, 2000, 2000), r)).toBe(true);
  });
});
