import { describe, expect, it } from 'vitest';
import {
  drawText,
  FIRST_GLYPH,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  glyphRows,
  hasGlyph,
  LAST_GLYPH,
  measureText,
} from '../../src/demo/font.js';
import { createFramebuffer } from '../../src/demo/framebuffer.js';
import { makeRect } from '../../src/demo/rect.js';

const PRINTABLE = Array.from({ length: LAST_GLYPH - FIRST_GLYPH + 1 }, (_, i) => String.fromCharCode(FIRST_GLYPH + i));

function key(rows: Uint8Array): string {
  return Array.from(rows, (b) => b.toString(16).padStart(2, '0')).join('');
}

describe('demo font', () => {
  it('has an 8x16 glyph for every printable ASCII character', () => {
    expect(PRINTABLE).toHaveLength(95);
    for (const ch of PRINTABLE) {
      expect(hasGlyph(ch)).toBe(true);
      const rows = glyphRows(ch);
      expect(rows).toHaveLength(GLYPH_HEIGHT);
      if (ch !== ' ')
        expect(
          rows.some((b) => b !== 0),
          `glyph ${ch} has ink`,
        ).toBe(true);
    }
    expect(key(glyphRows(' '))).toBe('00'.repeat(16));
  });

  it('gives every character its own glyph', () => {
    const seen = new Map<string, string>();
    for (const ch of PRINTABLE) {
      const k = key(glyphRows(ch));
      expect(seen.get(k), `${ch} looks like ${seen.get(k)}`).toBeUndefined();
      seen.set(k, ch);
    }
  });

  it('keeps the spacing column blank except for the underscore', () => {
    for (const ch of PRINTABLE) {
      if (ch === '_') continue;
      expect(
        glyphRows(ch).every((b) => (b & 1) === 0),
        ch,
      ).toBe(true);
    }
  });

  it('draws characters outside printable ASCII as a box', () => {
    expect(hasGlyph('\t')).toBe(false);
    expect(hasGlyph('é')).toBe(false);
    expect(key(glyphRows('\t'))).toBe(key(glyphRows('\u00e9')));
    expect(glyphRows('\t').some((b) => b !== 0)).toBe(true);
  });

  it('measures one cell per character', () => {
    expect(measureText('')).toEqual({ width: 0, height: GLYPH_HEIGHT });
    expect(measureText('Hello')).toEqual({ width: 5 * GLYPH_WIDTH, height: GLYPH_HEIGHT });
  });

  it('draws ink matching the glyph bits and fills the background when asked', () => {
    const fb = createFramebuffer(32, 20);
    fb.fill(0x123456);
    const advance = drawText(fb, 3, 2, 'A', 0xff0000, 0x00ff00);
    expect(advance).toBe(8);
    const rows = glyphRows('A');
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        const ink = ((rows[r] ?? 0) & (0x80 >> c)) !== 0;
        expect(fb.getPixel(3 + c, 2 + r)).toBe(ink ? 0xff0000 : 0x00ff00);
      }
    }
    expect(fb.getPixel(2, 2)).toBe(0x123456);
    expect(fb.getPixel(11, 2)).toBe(0x123456);
    expect(fb.getPixel(3, 18)).toBe(0x123456);
  });

  it('leaves the background alone without bg and respects the clip', () => {
    const fb = createFramebuffer(40, 20);
    fb.fill(0xffffff);
    fb.setClip(makeRect(0, 0, 12, 20));
    drawText(fb, 0, 0, 'HHHH', 0x000000);
    fb.setClip();
    const inkAt = (x0: number, x1: number): number => {
      let n = 0;
      for (let y = 0; y < 20; y++) for (let x = x0; x < x1; x++) if (fb.getPixel(x, y) === 0) n++;
      return n;
    };
    expect(inkAt(0, 8)).toBeGreaterThan(10);
    expect(inkAt(12, 40)).toBe(0);
    expect(fb.getPixel(3, 0)).toBe(0xffffff);
  });

  it('draws text partly outside the framebuffer without throwing', () => {
    const fb = createFramebuffer(16, 16);
    expect(() => drawText(fb, -12, -7, 'Wg!', 0xffffff)).not.toThrow();
    expect(() => drawText(fb, 10, 10, 'Wg!', 0xffffff)).not.toThrow();
  });
});
