import { SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import {
  type CompositeDraw,
  CompositeFlags,
  CompositeOp,
  createCanvasImage,
  createCanvasSurface,
  drawComposite,
  Filter,
  isCanvasError,
  pixmanOperator,
  Repeat,
} from '../src/index.js';
import { NO_CLIP, prng, randomWord, rect, surfaceWith } from './helpers.js';

const word = (s: { words: Uint32Array; width: number }, x: number, y = 0) => s.words[y * s.width + x]! >>> 0;
const row = (s: { words: Uint32Array; width: number }, y = 0) =>
  Array.from({ length: s.width }, (_, x) => word(s, x, y));
const img = (w: number, h: number, values: number[], hasAlpha = true) =>
  createCanvasImage(w, h, Uint32Array.from(values.map((v) => v >>> 0)), hasAlpha);
const draw = (flags: number, src: CompositeDraw['src'], extra: Partial<CompositeDraw> = {}): CompositeDraw => ({
  flags,
  src,
  srcOrigin: { x: 0, y: 0 },
  maskOrigin: { x: 0, y: 0 },
  ...extra,
});
const srcRepeat = (r: number) => r << CompositeFlags.SrcRepeatShift;
const srcFilter = (f: number) => f << CompositeFlags.SrcFilterShift;

/** Reference per-channel arithmetic written from the Porter-Duff definitions with pixman's rounding. */
const mulUn8 = (c: number, a: number) => {
  const t = c * a + 0x80;
  return ((t >> 8) + t) >> 8;
};
const channels = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const pack = (c: number[]) => ((c[0]! << 24) | (c[1]! << 16) | (c[2]! << 8) | c[3]!) >>> 0;
function reference(op: number, s: number, d: number): number {
  const sa = s >>> 24;
  const da = d >>> 24;
  const [fs, fd] = {
    [CompositeOp.Over]: [255, 255 - sa],
    [CompositeOp.In]: [da, 0],
    [CompositeOp.Out]: [255 - da, 0],
    [CompositeOp.Atop]: [da, 255 - sa],
    [CompositeOp.Xor]: [255 - da, 255 - sa],
    [CompositeOp.Add]: [255, 255],
  }[op]!;
  const sc = channels(s);
  const dc = channels(d);
  return pack(sc.map((c, i) => Math.min(255, mulUn8(c, fs!) + mulUn8(dc[i]!, fd!))));
}

describe('drawComposite', () => {
  it('puts a premultiplied source OVER an xRGB destination', () => {
    const s = surfaceWith(1, 1, [0xff0000ff]);
    drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(CompositeOp.Over, img(1, 1, [0x80400000])));
    expect(word(s, 0)).toBe(0xff40007f);
  });

  it('copies with SRC from the source origin', () => {
    const s = surfaceWith(3, 1, [1, 2, 3]);
    drawComposite(
      s,
      rect(1, 0, 3, 1),
      NO_CLIP,
      draw(CompositeOp.Src, img(3, 1, [0xff111111, 0xff222222, 0xff333333]), { srcOrigin: { x: 1, y: 0 } }),
    );
    expect(row(s).map((v) => v & 0xffffff)).toEqual([1, 0x222222, 0x333333]);
  });

  it('matches the per-channel Porter-Duff formulas on random ARGB pixels', () => {
    const r = prng(3);
    for (const op of [
      CompositeOp.Over,
      CompositeOp.In,
      CompositeOp.Out,
      CompositeOp.Atop,
      CompositeOp.Xor,
      CompositeOp.Add,
    ]) {
      for (let k = 0; k < 50; k++) {
        // Premultiplied source: channels no larger than alpha.
        const a = Math.floor(r() * 256);
        const sc = [a, Math.floor(r() * (a + 1)), Math.floor(r() * (a + 1)), Math.floor(r() * (a + 1))];
        const src = pack(sc);
        const d = randomWord(r);
        const s = surfaceWith(1, 1, [d], SurfaceFmt.A8r8g8b8);
        drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(op, img(1, 1, [src])));
        expect(word(s, 0)).toBe(reference(op, src, d));
      }
    }
  });

  it('scales the source by an a8 mask before OVER', () => {
    const s = surfaceWith(1, 1, [0xffffffff]);
    drawComposite(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      draw(CompositeOp.Over | CompositeFlags.HasMask | srcRepeat(Repeat.Normal), img(1, 1, [0xffff0000]), {
        mask: img(1, 1, [0x80 << 24]),
      }),
    );
    expect(word(s, 0)).toBe(0xffff7f7f);
  });

  it('applies a component-alpha mask per channel', () => {
    const s = surfaceWith(1, 1, [0xff000000]);
    drawComposite(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      draw(CompositeOp.Over | CompositeFlags.HasMask | CompositeFlags.ComponentAlpha, img(1, 1, [0xffffffff]), {
        mask: img(1, 1, [0x00ff8000]),
      }),
    );
    expect(word(s, 0)).toBe(0xffff8000);
  });

  it('wraps source coordinates by each repeat mode', () => {
    const A = 0xff0000aa;
    const B = 0xff0000bb;
    const expected: Record<number, number[]> = {
      [Repeat.None]: [0, 0, A, B, 0, 0],
      [Repeat.Normal]: [A, B, A, B, A, B],
      [Repeat.Pad]: [A, A, A, B, B, B],
      [Repeat.Reflect]: [B, A, A, B, B, A],
    };
    for (const repeat of [Repeat.None, Repeat.Normal, Repeat.Pad, Repeat.Reflect]) {
      const s = surfaceWith(6, 1, [1, 1, 1, 1, 1, 1], SurfaceFmt.A8r8g8b8);
      drawComposite(
        s,
        rect(0, 0, 6, 1),
        NO_CLIP,
        draw(CompositeOp.Src | srcRepeat(repeat), img(2, 1, [A, B]), { srcOrigin: { x: -2, y: 0 } }),
      );
      expect(row(s)).toEqual(expected[repeat]);
    }
  });

  it('samples through a 2x scale transform, nearest and bilinear', () => {
    const src = img(2, 1, [0x000000, 0x0000ff], false);
    const half = { t00: 0x8000, t01: 0, t02: 0, t10: 0, t11: 0x8000, t12: 0 };
    const nearest = surfaceWith(4, 1, [0, 0, 0, 0]);
    drawComposite(
      nearest,
      rect(0, 0, 4, 1),
      NO_CLIP,
      draw(CompositeOp.Src | CompositeFlags.HasSrcTransform | srcFilter(Filter.Nearest), src, { srcTransform: half }),
    );
    expect(row(nearest).map((v) => v & 0xffffff)).toEqual([0, 0, 0xff, 0xff]);
    const bilinear = surfaceWith(4, 1, [0, 0, 0, 0]);
    drawComposite(
      bilinear,
      rect(0, 0, 4, 1),
      NO_CLIP,
      draw(CompositeOp.Src | CompositeFlags.HasSrcTransform | srcFilter(Filter.Bilinear) | srcRepeat(Repeat.Pad), src, {
        srcTransform: half,
      }),
    );
    // Column 1 samples x = 0.25 (7-bit weight 32 of the right pixel), column 2 x = 0.75 (96).
    expect(row(bilinear).map((v) => v & 0xffffff)).toEqual([0, 63, 191, 0xff]);
  });

  it('reads negative 16.16 transform entries as signed (a mirror)', () => {
    const src = img(3, 1, [0xff000001, 0xff000002, 0xff000003]);
    const mirror = { t00: -0x10000 >>> 0, t01: 0, t02: 3 * 0x10000, t10: 0, t11: 0x10000, t12: 0 };
    const s = surfaceWith(3, 1, [0, 0, 0], SurfaceFmt.A8r8g8b8);
    drawComposite(
      s,
      rect(0, 0, 3, 1),
      NO_CLIP,
      draw(CompositeOp.Src | CompositeFlags.HasSrcTransform, src, { srcTransform: mirror }),
    );
    expect(row(s)).toEqual([0xff000003, 0xff000002, 0xff000001]);
  });

  it('composites onto an A8 surface through its alpha', () => {
    const s = createCanvasSurface(2, 1, SurfaceFmt.A8);
    s.pixels.set([0x30, 0x40]);
    drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(CompositeOp.Add, img(1, 1, [0x40 << 24])));
    drawComposite(s, rect(1, 0, 2, 1), NO_CLIP, draw(CompositeOp.Over, img(1, 1, [0x80102030])));
    expect([...s.pixels]).toEqual([0x70, 0xa0]);
  });

  it('keeps to the clip rectangles', () => {
    const s = surfaceWith(3, 1, [0, 0, 0]);
    drawComposite(
      s,
      rect(0, 0, 3, 1),
      { type: 1, rects: [rect(1, 0, 2, 1)] },
      draw(CompositeOp.Src | srcRepeat(Repeat.Normal), img(1, 1, [0xff123456])),
    );
    expect(row(s).map((v) => v & 0xffffff)).toEqual([0, 0x123456, 0]);
  });

  it('gives the same pixels on the direct OVER/SRC path as through an identity transform', () => {
    const r = prng(11);
    const identity = { t00: 0x10000, t01: 0, t02: 0, t10: 0, t11: 0x10000, t12: 0 };
    for (let k = 0; k < 40; k++) {
      const op = k % 2 === 0 ? CompositeOp.Over : CompositeOp.Src;
      const repeat = Math.floor(r() * 4);
      const format = k % 4 < 2 ? SurfaceFmt.X8r8g8b8 : SurfaceFmt.A8r8g8b8;
      const src = img(
        5,
        4,
        Array.from({ length: 20 }, () => randomWord(r)),
        r() < 0.7,
      );
      const start = Array.from({ length: 64 }, () => randomWord(r));
      const a = surfaceWith(8, 8, start, format);
      const b = surfaceWith(8, 8, start, format);
      const box = rect(Math.floor(r() * 3), Math.floor(r() * 3), 5 + Math.floor(r() * 4), 5 + Math.floor(r() * 4));
      const origin = { x: Math.floor(r() * 9) - 4, y: Math.floor(r() * 9) - 4 };
      const flags = op | srcRepeat(repeat);
      drawComposite(a, box, NO_CLIP, draw(flags, src, { srcOrigin: origin }));
      drawComposite(
        b,
        box,
        NO_CLIP,
        draw(flags | CompositeFlags.HasSrcTransform, src, { srcOrigin: origin, srcTransform: identity }),
      );
      // The X byte of xRGB surfaces is not significant.
      const keep = format === SurfaceFmt.X8r8g8b8 ? 0xffffff : 0xffffffff;
      expect(a.words.map((v) => v & keep)).toEqual(b.words.map((v) => v & keep));
    }
  });

  it('runs SATURATE through the float pipeline', () => {
    const s = surfaceWith(1, 1, [0xc0004000], SurfaceFmt.A8r8g8b8);
    drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(CompositeOp.Saturate, img(1, 1, [0x80800000])));
    // Source factor min(1, (1 - da) / sa) = 63/128: red 128·63/128 = 63, alpha 63 + 192 = 255.
    expect(word(s, 0)).toBe(0xff3f4000);
  });

  it('blends with SCREEN on integers', () => {
    const s = surfaceWith(1, 1, [0xff0080ff], SurfaceFmt.A8r8g8b8);
    drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(CompositeOp.Screen, img(1, 1, [0x80800000])));
    // s + d - s·d per premultiplied channel.
    expect(word(s, 0)).toBe(0xff8080ff);
  });

  it('blends with MULTIPLY on integers', () => {
    const s = surfaceWith(1, 1, [0xff8040ff], SurfaceFmt.A8r8g8b8);
    drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(CompositeOp.Multiply, img(1, 1, [0xffff8000])));
    // Both opaque: d·s/255 per channel, rounded.
    expect(word(s, 0)).toBe(0xff802000);
  });

  it('takes the luminosity of the source with HSL_LUMINOSITY', () => {
    const s = surfaceWith(1, 1, [0xffff0000], SurfaceFmt.A8r8g8b8);
    drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(CompositeOp.HslLuminosity, img(1, 1, [0xff808080])));
    // Red lifted to luminosity 128/255 and clipped into range: (1, 0.2885, 0.2885).
    expect(word(s, 0)).toBe(0xffff4949);
  });

  it('leaves the destination for HSL modes with a component-alpha mask, as pixman', () => {
    const s = surfaceWith(1, 1, [0xff123456], SurfaceFmt.A8r8g8b8);
    drawComposite(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      draw(CompositeOp.HslHue | CompositeFlags.HasMask | CompositeFlags.ComponentAlpha, img(1, 1, [0xffff0000]), {
        mask: img(1, 1, [0xffffffff]),
      }),
    );
    expect(word(s, 0)).toBe(0xff123456);
  });

  it('follows the Render spec factors for the disjoint and conjoint ops (within float rounding)', () => {
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    // [op, Fa(αs, αd), Fb(αs, αd)] from the Render extension's operator table.
    const table: [number, (as: number, ad: number) => number, (as: number, ad: number) => number][] = [
      [0x0d, (as, ad) => (as === 0 ? 1 : clamp((1 - ad) / as)), () => 1],
      [0x13, () => 1, (as, ad) => (ad === 0 ? 1 : clamp((1 - as) / ad))],
      [0x15, (as, ad) => (as === 0 ? 0 : clamp(1 - (1 - ad) / as)), () => 0],
      [0x1b, (as, ad) => (as === 0 ? 1 : clamp((1 - ad) / as)), (as, ad) => (ad === 0 ? 1 : clamp((1 - as) / ad))],
      [0x23, () => 1, (as, ad) => (ad === 0 ? 0 : clamp(1 - as / ad))],
      [0x25, (as, ad) => (as === 0 ? 1 : clamp(ad / as)), () => 0],
      [0x2b, (as, ad) => (as === 0 ? 0 : clamp(1 - ad / as)), (as, ad) => (ad === 0 ? 0 : clamp(1 - as / ad))],
    ];
    const r = prng(5);
    const premultiplied = () => {
      const a = Math.floor(r() * 256);
      return [a, Math.floor(r() * (a + 1)), Math.floor(r() * (a + 1)), Math.floor(r() * (a + 1))];
    };
    for (const [op, fa, fb] of table) {
      for (let k = 0; k < 40; k++) {
        const sc = premultiplied();
        const dc = premultiplied();
        const s = surfaceWith(1, 1, [pack(dc)], SurfaceFmt.A8r8g8b8);
        drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(op, img(1, 1, [pack(sc)])));
        const as = sc[0]! / 255;
        const ad = dc[0]! / 255;
        const got = channels(word(s, 0));
        sc.forEach((c, i) => {
          const want = Math.min(1, (c / 255) * fa(as, ad) + (dc[i]! / 255) * fb(as, ad)) * 255;
          expect(Math.abs(got[i]! - want)).toBeLessThanOrEqual(1);
        });
      }
    }
  });

  it('runs DISJOINT/CONJOINT CLEAR, SRC and DST as plain CLEAR, SRC and DST (pixman optimize_operator)', () => {
    expect([0x10, 0x11, 0x12, 0x13, 0x20, 0x21, 0x22, 0x2b, 0x01].map(pixmanOperator)).toEqual([
      0x00, 0x01, 0x02, 0x13, 0x00, 0x01, 0x02, 0x2b, 0x01,
    ]);
    const r = prng(11);
    const n = 64;
    const src = img(
      n,
      1,
      Array.from({ length: n }, () => randomWord(r)),
    );
    const mask = img(
      n,
      1,
      Array.from({ length: n }, () => randomWord(r)),
    );
    const dest = Array.from({ length: n }, () => randomWord(r));
    for (const [alias, plain] of [
      [0x10, CompositeOp.Clear],
      [0x11, CompositeOp.Src],
      [0x12, CompositeOp.Dst],
      [0x20, CompositeOp.Clear],
      [0x21, CompositeOp.Src],
      [0x22, CompositeOp.Dst],
    ] as const) {
      const a = surfaceWith(n, 1, dest, SurfaceFmt.A8r8g8b8);
      const b = surfaceWith(n, 1, dest, SurfaceFmt.A8r8g8b8);
      drawComposite(a, rect(0, 0, n, 1), NO_CLIP, draw(alias | CompositeFlags.HasMask, src, { mask }));
      drawComposite(b, rect(0, 0, n, 1), NO_CLIP, draw(plain | CompositeFlags.HasMask, src, { mask }));
      expect(row(a)).toEqual(row(b));
    }
  });

  it('samples bilinear in float with 16-bit weights for the float-pipeline ops, as pixman', () => {
    // A translation by 1/256 of a pixel: 7-bit weights round it to 0, pixman's float path keeps it.
    const shift = { t00: 0x10000, t01: 0, t02: 0x100, t10: 0, t11: 0x10000, t12: 0 };
    const src = img(2, 1, [0xff000000, 0xffffffff]);
    const flags = CompositeFlags.HasSrcTransform | srcFilter(Filter.Bilinear);
    const wide = surfaceWith(1, 1, [0], SurfaceFmt.A8r8g8b8);
    drawComposite(wide, rect(0, 0, 1, 1), NO_CLIP, draw(0x23 | flags, src, { srcTransform: shift }));
    expect(word(wide, 0)).toBe(0xff010101);
    // OVER (8-bit pipeline) keeps pixman's 7-bit weights.
    const narrow = surfaceWith(1, 1, [0], SurfaceFmt.A8r8g8b8);
    drawComposite(narrow, rect(0, 0, 1, 1), NO_CLIP, draw(CompositeOp.Over | flags, src, { srcTransform: shift }));
    expect(word(narrow, 0)).toBe(0xff000000);
  });

  it('refuses unknown op codes with a stable code', () => {
    const s = surfaceWith(1, 1, [0]);
    try {
      drawComposite(s, rect(0, 0, 1, 1), NO_CLIP, draw(0x0e, img(1, 1, [0])));
      expect.unreachable();
    } catch (e) {
      expect(isCanvasError(e) && e.code).toBe('ERR_CANVAS_UNSUPPORTED');
    }
  });
});
