import { BrushType, Ropd } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { applyRop3, drawRop3, ROP3_WITHOUT_HANDLER } from '../src/index.js';
import { image, NO_CLIP, prng, randomWord, rect, rgbRows, surfaceWith } from './helpers.js';

/** Bit by bit: bit i of the rop is the result for (pattern, source, dest) = bits 2, 1, 0 of i. */
function rop3Reference(rop: number, p: number, s: number, d: number): number {
  let out = 0;
  for (let b = 0; b < 32; b++) {
    const i = (((p >>> b) & 1) << 2) | (((s >>> b) & 1) << 1) | ((d >>> b) & 1);
    if ((rop >> i) & 1) out |= 1 << b;
  }
  return out >>> 0;
}

describe('applyRop3', () => {
  it('returns the code itself for pattern 0xf0, source 0xcc, dest 0xaa (rop3.c self-test)', () => {
    for (let rop = 0; rop < 256; rop++) expect(applyRop3(rop, 0xf0, 0xcc, 0xaa) & 0xff).toBe(rop);
  });

  it('agrees with a per-bit reference for all 256 codes on random words', () => {
    const r = prng(42);
    for (let rop = 0; rop < 256; rop++) {
      for (let k = 0; k < 20; k++) {
        const p = randomWord(r);
        const s = randomWord(r);
        const d = randomWord(r);
        expect(applyRop3(rop, p, s, d)).toBe(rop3Reference(rop, p, s, d));
      }
    }
  });
});

describe('DRAW_ROP3', () => {
  it('has no upstream handler for exactly the 38 codes of at most two inputs', () => {
    const dependsOnAll = (rop: number) =>
      [4, 2, 1].every((bit) => {
        for (let i = 0; i < 8; i++) if (((rop >> i) & 1) !== ((rop >> (i ^ bit)) & 1)) return true;
        return false;
      });
    for (let rop = 0; rop < 256; rop++) expect(ROP3_WITHOUT_HANDLER.has(rop)).toBe(!dependsOnAll(rop));
    expect(ROP3_WITHOUT_HANDLER.size).toBe(38);
  });

  it('combines a solid brush, the source and the dest on every pixel', () => {
    const s = surfaceWith(2, 1, [0x0000ff, 0x00ff00]);
    const rop = 0x96; // DPSxx: p ^ s ^ d
    drawRop3(
      s,
      rect(0, 0, 2, 1),
      NO_CLIP,
      { image: image(2, 1, [0xff0000, 0xff0000]), srcArea: rect(0, 0, 2, 1) },
      { type: BrushType.Solid, color: 0x000f0f },
      rop,
    );
    expect(rgbRows(s)).toEqual([[0xff0ff0, 0xfff00f]]);
  });

  it('tiles a pattern brush from its position', () => {
    const s = surfaceWith(3, 1, [0, 0, 0]);
    const pattern = image(2, 1, [0x0a, 0x0b]);
    // 0xfe: DPSoo (p | s | d) with s = d = 0 shows the pattern
    drawRop3(
      s,
      rect(0, 0, 3, 1),
      NO_CLIP,
      { image: image(3, 1, [0, 0, 0]), srcArea: rect(0, 0, 3, 1) },
      { type: BrushType.Pattern, pattern, pos: { x: 1, y: 0 } },
      0xfe,
    );
    expect(rgbRows(s)).toEqual([[0x0b, 0x0a, 0x0b]]);
  });

  it('leaves the surface alone for a code rop3.c has no handler for, unless asked to compute it', () => {
    const s = surfaceWith(1, 1, [0x123456]);
    const source = { image: image(1, 1, [0x654321]), srcArea: rect(0, 0, 1, 1) };
    drawRop3(s, rect(0, 0, 1, 1), NO_CLIP, source, { type: BrushType.Solid, color: 0 }, 0xcc);
    expect(rgbRows(s)).toEqual([[0x123456]]);
    drawRop3(s, rect(0, 0, 1, 1), NO_CLIP, source, { type: BrushType.Solid, color: 0 }, 0xcc, { upstreamGaps: false });
    expect(rgbRows(s)).toEqual([[0x654321]]);
    expect(Ropd.OpPut).toBe(8);
  });

  it('matches the per-pixel reference on a random scene with a pattern, a mask and scaling', () => {
    const r = prng(3);
    const w = 7;
    const h = 5;
    const dest = Array.from({ length: w * h }, () => randomWord(r) & 0xffffff);
    const srcWords = Array.from({ length: 9 }, () => randomWord(r) & 0xffffff);
    const patWords = Array.from({ length: 6 }, () => randomWord(r) & 0xffffff);
    const maskBits = Uint8Array.from({ length: 5 }, () => randomWord(r) & 0xff);
    for (const rop of [0x1e, 0x69, 0xb8, 0xe2]) {
      const s = surfaceWith(w, h, dest);
      const box = rect(1, 1, 7, 5);
      drawRop3(
        s,
        box,
        NO_CLIP,
        { image: image(3, 3, srcWords), srcArea: rect(0, 0, 3, 2), scaleMode: 1 },
        { type: BrushType.Pattern, pattern: image(3, 2, patWords), pos: { x: -2, y: 5 } },
        rop,
        {
          mask: {
            flags: 0,
            pos: { x: 0, y: 0 },
            mask: { width: 6, height: 4, stride: 1, bits: maskBits, msbFirst: false },
          },
        },
      );
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inBox = x >= 1 && y >= 1;
          const on = inBox && ((maskBits[y - 1]! >> (x - 1)) & 1) === 1;
          let want = dest[y * w + x]!;
          if (on) {
            // nearest 3x2 → 6x4: source pixel ((x-1) >> 1, (y-1) >> 1)
            const sv = srcWords[((y - 1) >> 1) * 3 + ((x - 1) >> 1)]!;
            const pv = patWords[((((y - 5) % 2) + 2) % 2) * 3 + ((((x + 2) % 3) + 3) % 3)]!;
            want = rop3Reference(rop, pv, sv, want) & 0xffffff;
          }
          expect(s.words[y * w + x]! & 0xffffff).toBe(want);
        }
      }
    }
  });
});

describe('DRAW_ROP3 on every code', () => {
  it('agrees with the per-bit reference for all 256 codes, solid and pattern brushes', () => {
    const r = prng(8);
    const w = 11;
    const h = 3;
    const dest = Array.from({ length: w * h }, () => randomWord(r));
    const srcWords = Array.from({ length: w * h }, () => randomWord(r));
    const patWords = Array.from({ length: 4 }, () => randomWord(r));
    const color = randomWord(r);
    const box = rect(0, 0, w, h);
    const source = { image: image(w, h, srcWords), srcArea: box };
    for (let rop = 0; rop < 256; rop++) {
      const solid = surfaceWith(w, h, dest);
      drawRop3(solid, box, NO_CLIP, source, { type: BrushType.Solid, color }, rop, { upstreamGaps: false });
      const tiled = surfaceWith(w, h, dest);
      const pattern = image(2, 2, patWords);
      drawRop3(tiled, box, NO_CLIP, source, { type: BrushType.Pattern, pattern, pos: { x: 0, y: 0 } }, rop, {
        upstreamGaps: false,
      });
      for (let i = 0; i < w * h; i++) {
        const pv = patWords[(Math.floor(i / w) % 2) * 2 + ((i % w) % 2)]!;
        expect(solid.words[i]! & 0xffffff, `rop ${rop} solid pixel ${i}`).toBe(
          rop3Reference(rop, color, srcWords[i]!, dest[i]!) & 0xffffff,
        );
        expect(tiled.words[i]! & 0xffffff, `rop ${rop} pattern pixel ${i}`).toBe(
          rop3Reference(rop, pv, srcWords[i]!, dest[i]!) & 0xffffff,
        );
      }
    }
  });
});
