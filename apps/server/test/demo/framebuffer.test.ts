import { describe, expect, it } from 'vitest';
import { isDemoRangeError } from '../../src/demo/errors.js';
import { createFramebuffer, mixColors, rgb } from '../../src/demo/framebuffer.js';
import { makeRect } from '../../src/demo/rect.js';

describe('demo framebuffer', () => {
  it('stores pixels as B,G,R,X bytes with X = 0 and a stride of width * 4', () => {
    const fb = createFramebuffer(3, 2);
    expect(fb.stride).toBe(12);
    expect(fb.pixels).toHaveLength(24);
    fb.setPixel(1, 1, rgb(0x11, 0x22, 0x33));
    expect(Array.from(fb.pixels.subarray(16, 20))).toEqual([0x33, 0x22, 0x11, 0x00]);
    expect(fb.getPixel(1, 1)).toBe(0x112233);
    expect(fb.getPixel(3, 0)).toBeUndefined();
  });

  it('clips fillRect to the bounds and to the clip', () => {
    const fb = createFramebuffer(10, 10);
    fb.fillRect(-5, -5, 8, 8, 0xff0000);
    expect(fb.getPixel(2, 2)).toBe(0xff0000);
    expect(fb.getPixel(3, 3)).toBe(0);
    fb.withClip(makeRect(5, 5, 2, 2), () => fb.fill(0x00ff00));
    expect(fb.getPixel(5, 5)).toBe(0x00ff00);
    expect(fb.getPixel(6, 6)).toBe(0x00ff00);
    expect(fb.getPixel(7, 7)).toBe(0);
    expect(fb.getPixel(4, 5)).toBe(0);
    expect(fb.clip).toEqual(fb.bounds);
  });

  it('extracts a tightly packed copy of a rectangle', () => {
    const fb = createFramebuffer(4, 3);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) fb.setPixel(x, y, rgb(x, y, 0x80));
    const out = fb.extract({ left: 1, top: 1, right: 3, bottom: 3 });
    expect(out).toHaveLength(2 * 2 * 4);
    // B, G, R, X of (1,1), (2,1), (1,2), (2,2)
    expect(Array.from(out)).toEqual([0x80, 1, 1, 0, 0x80, 1, 2, 0, 0x80, 2, 1, 0, 0x80, 2, 2, 0]);
    out[0] = 0;
    expect(fb.getPixel(1, 1)).toBe(rgb(1, 1, 0x80));
  });

  it('reports a uniform rectangle colour and undefined otherwise', () => {
    const fb = createFramebuffer(8, 8);
    fb.fill(0x336699);
    expect(fb.isUniform(fb.bounds)).toBe(0x336699);
    fb.setPixel(7, 7, 0x336698);
    expect(fb.isUniform(fb.bounds)).toBeUndefined();
    expect(fb.isUniform(makeRect(0, 0, 7, 8))).toBe(0x336699);
    expect(fb.isUniform(makeRect(7, 7, 1, 1))).toBe(0x336698);
  });

  it('rejects empty or out-of-bounds rectangles in extract and isUniform', () => {
    const fb = createFramebuffer(8, 8);
    for (const rect of [makeRect(0, 0, 0, 4), makeRect(4, 4, 5, 1), makeRect(-1, 0, 2, 2)]) {
      expect(() => fb.extract(rect)).toThrow();
      try {
        fb.isUniform(rect);
        expect.unreachable();
      } catch (error) {
        expect(isDemoRangeError(error)).toBe(true);
      }
    }
  });

  it('rejects impossible sizes', () => {
    for (const [w, h] of [
      [0, 1],
      [1, 0],
      [1.5, 2],
      [9000, 10],
    ] as const) {
      expect(() => createFramebuffer(w, h)).toThrow(expect.objectContaining({ code: 'ERR_DEMO_RANGE' }));
    }
  });

  it('blits between framebuffers and within one, clipped at both ends', () => {
    const src = createFramebuffer(4, 4);
    src.fill(0xaa0000);
    src.setPixel(0, 0, 0x0000bb);
    const dst = createFramebuffer(6, 6);
    dst.blit(src, -2, -2, 8, 8, 1, 1); // source (0,0) lands on (3,3)
    expect(dst.getPixel(3, 3)).toBe(0x0000bb);
    expect(dst.getPixel(5, 5)).toBe(0xaa0000);
    expect(dst.getPixel(2, 2)).toBe(0);

    const fb = createFramebuffer(5, 5);
    for (let y = 0; y < 5; y++) fb.fillRect(0, y, 5, 1, y + 1);
    fb.blit(fb, 0, 0, 5, 3, 0, 1); // move rows 0..2 down by one, overlapping
    expect([0, 1, 2, 3, 4].map((y) => fb.getPixel(0, y))).toEqual([1, 1, 2, 3, 5]);
    fb.blit(fb, 0, 1, 5, 3, 0, 0); // and back up
    expect([0, 1, 2, 3, 4].map((y) => fb.getPixel(0, y))).toEqual([1, 2, 3, 3, 5]);
  });

  it('draws circles, lines, rounded and bevelled frames inside the clip', () => {
    const fb = createFramebuffer(40, 40);
    fb.fillCircle(20, 20, 6, 0xffffff);
    expect(fb.getPixel(20, 20)).toBe(0xffffff);
    expect(fb.getPixel(26, 20)).toBe(0xffffff);
    expect(fb.getPixel(27, 20)).toBe(0);
    expect(fb.getPixel(25, 25)).toBe(0);

    fb.fill(0);
    fb.strokeCircle(20, 20, 5, 0xff);
    expect(fb.getPixel(25, 20)).toBe(0xff);
    expect(fb.getPixel(20, 15)).toBe(0xff);
    expect(fb.getPixel(20, 20)).toBe(0);

    fb.fill(0);
    fb.line(0, 0, 9, 9, 0x10);
    for (let i = 0; i < 10; i++) expect(fb.getPixel(i, i)).toBe(0x10);
    fb.line(30, 5, 30, 5, 0x20);
    expect(fb.getPixel(30, 5)).toBe(0x20);

    fb.fill(0);
    fb.fillRoundedRect(0, 0, 20, 10, 4, 0x30);
    expect(fb.getPixel(0, 0)).toBe(0);
    expect(fb.getPixel(10, 0)).toBe(0x30);
    expect(fb.getPixel(0, 5)).toBe(0x30);
    expect(fb.getPixel(19, 9)).toBe(0);

    fb.fill(0);
    fb.bevelRect(2, 2, 10, 10, 0x01, 0x02);
    expect(fb.getPixel(2, 2)).toBe(0x01);
    expect(fb.getPixel(11, 11)).toBe(0x02);
    expect(fb.getPixel(11, 2)).toBe(0x02);
    expect(fb.getPixel(2, 11)).toBe(0x02);
    expect(fb.getPixel(5, 5)).toBe(0);

    fb.fill(0);
    fb.setClip(makeRect(10, 10, 5, 5));
    fb.fillCircle(12, 12, 30, 0x40);
    fb.line(0, 12, 39, 12, 0x40);
    fb.setClip();
    let outside = 0;
    for (let y = 0; y < 40; y++) {
      for (let x = 0; x < 40; x++) {
        const inside = x >= 10 && x < 15 && y >= 10 && y < 15;
        if (!inside && fb.getPixel(x, y) !== 0) outside++;
      }
    }
    expect(outside).toBe(0);
  });

  it('draws gradients and darkens rectangles', () => {
    const fb = createFramebuffer(4, 11);
    fb.verticalGradient(0, 0, 4, 11, 0x000000, 0x0000a0);
    expect(fb.getPixel(0, 0)).toBe(0);
    expect(fb.getPixel(3, 10)).toBe(0xa0);
    expect(fb.getPixel(1, 5)).toBe(0x50);
    fb.fill(0x808080);
    fb.darkenRect(0, 0, 2, 2, 0.5);
    expect(fb.getPixel(1, 1)).toBe(0x404040);
    expect(fb.getPixel(2, 2)).toBe(0x808080);
    expect(mixColors(0x000000, 0xffffff, 0.5)).toBe(0x808080);
  });
});
