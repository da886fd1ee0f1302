import { BrushType, ClipType, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { blitRegion } from '../src/copy.js';
import { fillRegion } from '../src/fill.js';
import {
  applyRop,
  type CanvasSurface,
  createCanvasImage,
  createCanvasSurface,
  Rop,
  RopInput,
  ropdToRop,
} from '../src/index.js';
import { prng, randomWord } from './helpers.js';

const { InversSrc: IS, InversBrush: IB, InversDest: ID, InversRes: IR } = Ropd;
const B = RopInput.Brush;
const D = RopInput.Dest;
const S = RopInput.Src;

describe('ropdToRop', () => {
  // The table of canvas_base.c's ropd_descriptor_to_rop, written out case by case.
  const cases: [number, Rop][] = [
    [Ropd.OpPut, Rop.Copy],
    [Ropd.OpPut | IB, Rop.CopyInverted],
    [Ropd.OpPut | IR, Rop.CopyInverted],
    [Ropd.OpPut | IB | IR, Rop.Copy],
    [Ropd.OpPut | ID, Rop.Copy],
    [Ropd.OpOr, Rop.Or],
    [Ropd.OpOr | IB, Rop.OrInverted],
    [Ropd.OpOr | ID, Rop.OrReverse],
    [Ropd.OpOr | IB | ID, Rop.Nand],
    [Ropd.OpOr | IR, Rop.Nor],
    [Ropd.OpOr | IR | IB, Rop.AndReverse],
    [Ropd.OpOr | IR | ID, Rop.AndInverted],
    [Ropd.OpOr | IR | IB | ID, Rop.And],
    [Ropd.OpAnd, Rop.And],
    [Ropd.OpAnd | IB, Rop.AndInverted],
    [Ropd.OpAnd | ID, Rop.AndReverse],
    [Ropd.OpAnd | IB | ID, Rop.Nor],
    [Ropd.OpAnd | IR, Rop.Nand],
    [Ropd.OpAnd | IR | IB, Rop.OrReverse],
    [Ropd.OpAnd | IR | ID, Rop.OrInverted],
    [Ropd.OpAnd | IR | IB | ID, Rop.Or],
    [Ropd.OpXor, Rop.Xor],
    [Ropd.OpXor | IB, Rop.Equiv],
    [Ropd.OpXor | ID, Rop.Equiv],
    [Ropd.OpXor | IB | ID, Rop.Xor],
    [Ropd.OpXor | IR, Rop.Equiv],
    [Ropd.OpXor | IR | IB, Rop.Xor],
    [Ropd.OpXor | IR | ID, Rop.Xor],
    [Ropd.OpXor | IR | IB | ID, Rop.Equiv],
    [Ropd.OpBlackness, Rop.Clear],
    [Ropd.OpWhiteness, Rop.Set],
    [Ropd.OpInvers, Rop.Invert],
    [0, Rop.Copy],
    [IR, Rop.Copy],
  ];
  it.each(cases)('maps descriptor %i for a FILL (brush on dest)', (desc, rop) => {
    expect(ropdToRop(desc, B, D)).toBe(rop);
  });

  it('reads INVERS_SRC, not INVERS_BRUSH, for the source of a COPY', () => {
    expect(ropdToRop(Ropd.OpOr | IS, S, D)).toBe(Rop.OrInverted);
    expect(ropdToRop(Ropd.OpOr | IB, S, D)).toBe(Rop.Or);
  });

  it('reads INVERS_SRC as the dest inversion of an OPAQUE (brush on the source)', () => {
    expect(ropdToRop(Ropd.OpAnd | IS, B, S)).toBe(Rop.AndReverse);
    expect(ropdToRop(Ropd.OpAnd | ID, B, S)).toBe(Rop.And);
  });

  it('tries PUT before OR, AND and XOR', () => {
    expect(ropdToRop(Ropd.OpPut | Ropd.OpXor, B, D)).toBe(Rop.Copy);
    expect(ropdToRop(Ropd.OpAnd | Ropd.OpXor, B, D)).toBe(Rop.And);
  });
});

describe('applyRop', () => {
  const reference: Record<Rop, (s: number, d: number) => number> = {
    [Rop.Clear]: () => 0,
    [Rop.And]: (s, d) => s & d,
    [Rop.AndReverse]: (s, d) => s & ~d,
    [Rop.Copy]: (s) => s,
    [Rop.AndInverted]: (s, d) => ~s & d,
    [Rop.Noop]: (_, d) => d,
    [Rop.Xor]: (s, d) => s ^ d,
    [Rop.Or]: (s, d) => s | d,
    [Rop.Nor]: (s, d) => ~(s | d),
    [Rop.Equiv]: (s, d) => ~s ^ d,
    [Rop.Invert]: (_, d) => ~d,
    [Rop.OrReverse]: (s, d) => s | ~d,
    [Rop.CopyInverted]: (s) => ~s,
    [Rop.OrInverted]: (s, d) => ~s | d,
    [Rop.Nand]: (s, d) => ~(s & d),
    [Rop.Set]: () => -1,
  };
  it('computes each of the sixteen ops as its C expression in pixman_utils.h', () => {
    const r = prng(7);
    for (let i = 0; i < 200; i++) {
      const s = randomWord(r);
      const d = randomWord(r);
      for (const op of Object.values(Rop)) expect(applyRop(op, s, d)).toBe(reference[op](s, d) >>> 0);
    }
  });
});

describe('the ROP loops of FILL and COPY', () => {
  // Every op through fillRegion (solid and pattern brushes) and blitRegion, against applyRop per
  // pixel, on xRGB (X byte not significant) and ARGB surfaces.
  const W = 37;
  const H = 5;
  const box = { left: 0, top: 0, right: W, bottom: H };
  const clip = { type: ClipType.None } as const;
  const r = prng(99);
  const dest = Array.from({ length: W * H }, () => randomWord(r));
  const srcWords = Uint32Array.from({ length: W * H }, () => randomWord(r));
  const tile = createCanvasImage(
    3,
    2,
    Uint32Array.from({ length: 6 }, () => randomWord(r)),
  );
  const color = randomWord(r);
  const surfaceOf = (format: number): CanvasSurface => {
    const s = createCanvasSurface(W, H, format);
    s.words.set(dest);
    return s;
  };
  const keepOf = (format: number) => (format === SurfaceFmt.A8r8g8b8 ? 0xffffffff : 0xffffff);

  for (const format of [SurfaceFmt.X8r8g8b8, SurfaceFmt.A8r8g8b8]) {
    it(`agrees with applyRop for all sixteen ops (surface format ${format})`, () => {
      const keep = keepOf(format);
      for (const op of Object.values(Rop)) {
        const solid = surfaceOf(format);
        fillRegion(solid, box, clip, null, { type: BrushType.Solid, color }, op);
        const pattern = surfaceOf(format);
        fillRegion(pattern, box, clip, null, { type: BrushType.Pattern, pattern: tile, pos: { x: 1, y: 1 } }, op);
        const copy = surfaceOf(format);
        const image = createCanvasImage(W, H, srcWords, format === SurfaceFmt.A8r8g8b8);
        blitRegion(copy, box, clip, null, { image, dx: 0, dy: 0 }, op);
        for (let i = 0; i < W * H; i++) {
          const x = i % W;
          const y = Math.floor(i / W);
          const t = tile.words[((y + 1) % 2) * 3 + ((x + 2) % 3)]!;
          const s = image.hasAlpha ? srcWords[i]! : (srcWords[i]! | 0xff000000) >>> 0;
          expect((solid.words[i]! & keep) >>> 0, `solid op ${op} pixel ${i}`).toBe(
            (applyRop(op, color, dest[i]!) & keep) >>> 0,
          );
          expect((pattern.words[i]! & keep) >>> 0, `pattern op ${op} pixel ${i}`).toBe(
            (applyRop(op, t, dest[i]!) & keep) >>> 0,
          );
          expect((copy.words[i]! & keep) >>> 0, `copy op ${op} pixel ${i}`).toBe(
            (applyRop(op, s, dest[i]!) & keep) >>> 0,
          );
        }
      }
    });
  }
});
