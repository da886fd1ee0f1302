import { describe, expect, it } from 'vitest';
import { CURSOR_SIZE, createArrowCursor } from '../../src/demo/cursor.js';

describe('demo cursor', () => {
  it('is a 32x32 ALPHA image with the hot spot on an opaque black tip', () => {
    const c = createArrowCursor();
    expect(c.type).toBe('alpha');
    expect([c.width, c.height]).toEqual([CURSOR_SIZE, CURSOR_SIZE]);
    expect(c.data).toHaveLength(CURSOR_SIZE * CURSOR_SIZE * 4);
    const at = (x: number, y: number): number[] =>
      Array.from(c.data.subarray((y * c.width + x) * 4, (y * c.width + x) * 4 + 4));
    expect(at(c.hotX, c.hotY)).toEqual([0, 0, 0, 0xff]);
    expect(at(2, 5)).toEqual([0xff, 0xff, 0xff, 0xff]); // white fill, B,G,R,A
    expect(at(31, 31)).toEqual([0, 0, 0, 0]);
  });

  it('uses straight alpha: every translucent pixel is black', () => {
    const { data } = createArrowCursor();
    let translucent = 0;
    for (let i = 0; i < data.length; i += 4) {
      const a = data[i + 3] ?? 0;
      if (a > 0 && a < 0xff) {
        translucent++;
        expect([data[i], data[i + 1], data[i + 2]]).toEqual([0, 0, 0]);
      }
    }
    expect(translucent).toBeGreaterThan(0);
  });
});
