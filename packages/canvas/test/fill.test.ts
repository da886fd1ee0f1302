import { BrushType, ClipType, MaskFlags, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { fillRegion } from '../src/fill.js';
import { type A1Mask, drawBlackness, drawFill, drawInvers, drawWhiteness, Rop } from '../src/index.js';
import { image, NO_CLIP, rect, rgb, rgbRows, surfaceWith } from './helpers.js';

const solid = (color: number) => ({ type: BrushType.Solid, color }) as const;

describe('FILL', () => {
  it('puts a solid colour in the box only', () => {
    const s = surfaceWith(3, 2, [1, 1, 1, 1, 1, 1]);
    drawFill(s, rect(1, 0, 3, 1), NO_CLIP, solid(0x00abcdef), Ropd.OpPut);
    expect(rgbRows(s)).toEqual([
      [1, 0xabcdef, 0xabcdef],
      [1, 1, 1],
    ]);
  });

  it('ANDs an inverted brush with the dest (AND | INVERS_BRUSH)', () => {
    const s = surfaceWith(1, 1, [0x00ff00ff]);
    drawFill(s, rect(0, 0, 1, 1), NO_CLIP, solid(0x000f0f0f), Ropd.OpAnd | Ropd.InversBrush);
    expect(rgb(s, 0, 0)).toBe(0xf000f0);
  });

  it('ORs into an inverted dest and inverts the result (OR | INVERS_DEST | INVERS_RES)', () => {
    const s = surfaceWith(1, 1, [0x00ff0000]);
    // !(brush | !dest) = !brush & dest
    drawFill(s, rect(0, 0, 1, 1), NO_CLIP, solid(0x00f00000), Ropd.OpOr | Ropd.InversDest | Ropd.InversRes);
    expect(rgb(s, 0, 0)).toBe(0x0f0000);
  });

  it('keeps the alpha of an ARGB surface as the ROP computes it', () => {
    const s = surfaceWith(1, 1, [0x80000000], SurfaceFmt.A8r8g8b8);
    drawFill(s, rect(0, 0, 1, 1), NO_CLIP, solid(0x40000001), Ropd.OpXor);
    expect(s.words[0]).toBe(0xc0000001);
  });

  it('tiles a pattern brush from its offset, also for negative phases', () => {
    const tile = image(2, 2, [1, 2, 3, 4]);
    const s = surfaceWith(4, 3, new Array(12).fill(0));
    drawFill(s, rect(0, 0, 4, 3), NO_CLIP, { type: BrushType.Pattern, pattern: tile, pos: { x: 1, y: 3 } }, Ropd.OpPut);
    // pixel (x, y) = tile[(x - 1) mod 2, (y - 3) mod 2]
    expect(rgbRows(s)).toEqual([
      [4, 3, 4, 3],
      [2, 1, 2, 1],
      [4, 3, 4, 3],
    ]);
  });

  it('XORs a pattern with the dest', () => {
    const tile = image(2, 1, [0xff, 0xff00]);
    const s = surfaceWith(3, 1, [0x0f, 0x0f, 0x0f]);
    drawFill(s, rect(0, 0, 3, 1), NO_CLIP, { type: BrushType.Pattern, pattern: tile, pos: { x: 0, y: 0 } }, Ropd.OpXor);
    expect(rgbRows(s)).toEqual([[0xf0, 0xff0f, 0xf0]]);
  });

  it('cuts by the clip rectangles', () => {
    const s = surfaceWith(4, 1, [0, 0, 0, 0]);
    const clip = { type: ClipType.Rects, rects: [rect(0, 0, 1, 1), rect(2, 0, 3, 1)] } as const;
    drawFill(s, rect(0, 0, 4, 1), clip, solid(9), Ropd.OpPut);
    expect(rgbRows(s)).toEqual([[9, 0, 9, 0]]);
  });

  it('inverts once where clip rectangles overlap (the clip is their union)', () => {
    const s = surfaceWith(3, 1, [0, 0, 0]);
    const clip = { type: ClipType.Rects, rects: [rect(0, 0, 2, 1), rect(1, 0, 3, 1)] } as const;
    drawInvers(s, rect(0, 0, 3, 1), clip);
    expect(rgbRows(s)).toEqual([[0xffffff, 0xffffff, 0xffffff]]);
  });

  it('inverts the dest with no brush and OP_INVERS', () => {
    const s = surfaceWith(1, 1, [0x00123456]);
    drawFill(s, rect(0, 0, 1, 1), NO_CLIP, { type: BrushType.None }, Ropd.OpInvers);
    expect(rgb(s, 0, 0)).toBe(0xedcba9);
  });

  it('does nothing for a NOOP', () => {
    const s = surfaceWith(1, 1, [0x00123456]);
    fillRegion(s, rect(0, 0, 1, 1), NO_CLIP, null, solid(0), Rop.Noop);
    expect(rgb(s, 0, 0)).toBe(0x123456);
  });
});

describe('qmask', () => {
  // 4x2 mask, LSB first: row 0 = 1,0,1,1 (0b1101), row 1 = 0,1,0,0 (0b0010)
  const le: A1Mask = { width: 4, height: 2, stride: 1, bits: Uint8Array.of(0b1101, 0b0010), msbFirst: false };
  const be: A1Mask = { ...le, bits: Uint8Array.of(0b10110000, 0b01000000), msbFirst: true };

  it('draws where a bit is set (1BIT_LE and 1BIT_BE agree)', () => {
    for (const mask of [le, be]) {
      const s = surfaceWith(4, 2, new Array(8).fill(0));
      drawFill(s, rect(0, 0, 4, 2), NO_CLIP, solid(7), Ropd.OpPut, { mask: { flags: 0, pos: { x: 0, y: 0 }, mask } });
      expect(rgbRows(s)).toEqual([
        [7, 0, 7, 7],
        [0, 7, 0, 0],
      ]);
    }
  });

  it('offsets the mask by its position relative to the box', () => {
    const s = surfaceWith(4, 2, new Array(8).fill(0));
    drawFill(s, rect(1, 0, 4, 2), NO_CLIP, solid(7), Ropd.OpPut, {
      mask: { flags: 0, pos: { x: 1, y: 1 }, mask: le },
    });
    // box pixel (x, y) reads mask (x - 1 + 1, y + 1); row 1 of the box is outside the mask
    expect(rgbRows(s)).toEqual([
      [0, 7, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('inverts within the mask bounds only', () => {
    const s = surfaceWith(5, 3, new Array(15).fill(0));
    drawWhiteness(s, rect(0, 0, 5, 3), NO_CLIP, { mask: { flags: MaskFlags.Invers, pos: { x: 0, y: 0 }, mask: le } });
    expect(rgbRows(s)).toEqual([
      [0, 0xffffff, 0, 0, 0],
      [0xffffff, 0, 0xffffff, 0xffffff, 0],
      [0, 0, 0, 0, 0],
    ]);
  });
});

describe('BLACKNESS, WHITENESS, INVERS', () => {
  it('writes black, white and the inverse into the clipped box', () => {
    const s = surfaceWith(3, 1, [0x123456, 0x123456, 0x123456]);
    drawBlackness(s, rect(0, 0, 1, 1), NO_CLIP);
    drawWhiteness(s, rect(1, 0, 2, 1), NO_CLIP);
    drawInvers(s, rect(2, 0, 3, 1), NO_CLIP);
    expect(rgbRows(s)).toEqual([[0, 0xffffff, 0xedcba9]]);
  });
});
