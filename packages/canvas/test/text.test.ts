import { BrushType, ClipType, Ropd } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { drawText, glyphStringMask, type RasterGlyph, StringFlags } from '../src/index.js';
import { image, NO_CLIP, rect, rgbRows, surfaceWith } from './helpers.js';

const EMPTY = rect(0, 0, 0, 0);
const solid = (color: number) => ({ type: BrushType.Solid, color }) as const;
const text = (flags: number, glyphs: RasterGlyph[], extra: object = {}) => ({
  str: { flags, glyphs },
  backArea: EMPTY,
  foreBrush: solid(0xff0000),
  backBrush: solid(0),
  foreMode: Ropd.OpPut,
  backMode: Ropd.OpPut,
  ...extra,
});
// 3x2 A1 glyph, rows stored bottom first: top row .#. , bottom row #.#
const a1: RasterGlyph = {
  renderPos: { x: 1, y: 2 },
  glyphOrigin: { x: 0, y: -2 },
  width: 3,
  height: 2,
  data: Uint8Array.of(0b10100000, 0b01000000),
};

describe('DRAW_TEXT', () => {
  it('draws A1 glyphs with the fore brush, rows bottom-up and MSB first', () => {
    const s = surfaceWith(5, 2, new Array(10).fill(0));
    drawText(s, rect(0, 0, 5, 2), NO_CLIP, text(StringFlags.RasterA1, [a1]));
    const R = 0xff0000;
    expect(rgbRows(s)).toEqual([
      [0, 0, R, 0, 0],
      [0, R, 0, R, 0],
    ]);
  });

  it('blends A4 coverage (nibble << 4) OVER the surface with pixman rounding', () => {
    const s = surfaceWith(2, 1, [0x00ff00, 0x00ff00]);
    const g: RasterGlyph = {
      renderPos: { x: 0, y: 0 },
      glyphOrigin: { x: 0, y: 0 },
      width: 2,
      height: 1,
      data: Uint8Array.of(0x8f),
    };
    drawText(s, rect(0, 0, 2, 1), NO_CLIP, text(StringFlags.RasterA4, [g], { foreBrush: solid(0x0000ff) }));
    // left: 0xff·0x80 over green·0x7f; right: 0xff·0xf0 over green·0x0f
    expect(rgbRows(s)).toEqual([[0x007f80, 0x000ff0]]);
  });

  it("compares an A4 glyph's second pixel as (byte << 4) before keeping 8 bits, as the client does", () => {
    const glyph = (x: number, byte: number): RasterGlyph => ({
      renderPos: { x, y: 0 },
      glyphOrigin: { x: 0, y: 0 },
      width: 2,
      height: 1,
      data: Uint8Array.of(byte),
    });
    // Pixel 1: 0x90 from the first glyph, then 0x12 << 4 = 0x120 wins and 0x20 is stored.
    // Pixel 2: 0x30 from the second glyph's second pixel against 0x00 << 4.
    const m = glyphStringMask({ flags: StringFlags.RasterA4, glyphs: [glyph(1, 0x90), glyph(0, 0x12)] });
    expect([...(m?.alpha ?? [])]).toEqual([0x10, 0x20, 0x00]);
    const n = glyphStringMask({ flags: StringFlags.RasterA4, glyphs: [glyph(1, 0x90), glyph(0, 0x05)] });
    expect([...(n?.alpha ?? [])]).toEqual([0x00, 0x90, 0x00]);
  });

  it('composites an RGBA pattern fore brush OVER with its own alpha', () => {
    const dot = (x: number): RasterGlyph => ({
      renderPos: { x, y: 0 },
      glyphOrigin: { x: 0, y: 0 },
      width: 1,
      height: 1,
      data: Uint8Array.of(0x80),
    });
    // Premultiplied red at alpha 0x80.
    const foreBrush = { type: BrushType.Pattern, pattern: image(1, 1, [0x80400000], true), pos: { x: 0, y: 0 } };
    const s = surfaceWith(2, 1, [0x00ff00, 0x00ff00]);
    drawText(s, rect(0, 0, 2, 1), NO_CLIP, text(StringFlags.RasterA1, [dot(0)], { foreBrush }));
    // 0x40 red + green·(255 - 0x80)
    expect(rgbRows(s)).toEqual([[0x407f00, 0x00ff00]]);
    const a4: RasterGlyph = { ...dot(1), data: Uint8Array.of(0x80) };
    drawText(s, rect(0, 0, 2, 1), NO_CLIP, text(StringFlags.RasterA4, [a4], { foreBrush }));
    // coverage 0x80: s' = s·0x80 (alpha 0x40, red 0x20), green·(255 - 0x40)
    expect(rgbRows(s)).toEqual([[0x407f00, 0x20bf00]]);
  });

  it('draws an xRGB pattern fore brush opaque', () => {
    const s = surfaceWith(1, 1, [0x00ff00]);
    const g: RasterGlyph = {
      renderPos: { x: 0, y: 0 },
      glyphOrigin: { x: 0, y: 0 },
      width: 1,
      height: 1,
      data: Uint8Array.of(0x80),
    };
    const foreBrush = { type: BrushType.Pattern, pattern: image(1, 1, [0x00400000]), pos: { x: 0, y: 0 } };
    drawText(s, rect(0, 0, 1, 1), NO_CLIP, text(StringFlags.RasterA1, [g], { foreBrush }));
    expect(rgbRows(s)).toEqual([[0x400000]]);
  });

  it('takes the maximum where A8 glyphs overlap', () => {
    const g1: RasterGlyph = {
      renderPos: { x: 0, y: 0 },
      glyphOrigin: { x: 0, y: 0 },
      width: 2,
      height: 1,
      data: Uint8Array.of(0x10, 0x80),
    };
    const g2: RasterGlyph = {
      renderPos: { x: 1, y: 0 },
      glyphOrigin: { x: 0, y: 0 },
      width: 2,
      height: 1,
      data: Uint8Array.of(0x40, 0x20),
    };
    const m = glyphStringMask({ flags: StringFlags.RasterA8, glyphs: [g1, g2] });
    expect(m?.bounds).toEqual(rect(0, 0, 3, 1));
    expect([...(m?.alpha ?? [])]).toEqual([0x10, 0x80, 0x20]);
  });

  it('fills the back area with the back brush first, cut by the box and clip', () => {
    const s = surfaceWith(5, 2, new Array(10).fill(0));
    const clip = { type: ClipType.Rects, rects: [rect(0, 0, 5, 1)] } as const;
    drawText(
      s,
      rect(0, 0, 4, 2),
      clip,
      text(StringFlags.RasterA1, [a1], { backArea: rect(0, 0, 5, 2), backBrush: solid(0x111111) }),
    );
    const R = 0xff0000;
    const B = 0x111111;
    expect(rgbRows(s)).toEqual([
      [B, B, R, B, 0],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('draws nothing with a back area and a fore mode other than PUT', () => {
    const s = surfaceWith(5, 2, new Array(10).fill(0));
    drawText(
      s,
      rect(0, 0, 5, 2),
      NO_CLIP,
      text(StringFlags.RasterA1, [a1], { backArea: rect(0, 0, 5, 2), foreMode: Ropd.OpXor }),
    );
    expect(
      rgbRows(s)
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
  });

  it('phases a pattern fore brush from the string corner', () => {
    const s = surfaceWith(5, 2, new Array(10).fill(0));
    const pattern = image(2, 1, [0x0a, 0x0b]);
    drawText(
      s,
      rect(0, 0, 5, 2),
      NO_CLIP,
      text(StringFlags.RasterA1, [a1], { foreBrush: { type: BrushType.Pattern, pattern, pos: { x: 0, y: 0 } } }),
    );
    // string corner x = 1: pixel x reads pattern[(x - 1) mod 2]
    expect(rgbRows(s)).toEqual([
      [0, 0, 0x0b, 0, 0],
      [0, 0x0a, 0, 0x0a, 0],
    ]);
  });
});
