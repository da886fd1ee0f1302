import { ClipType, ImageScaleMode, SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { AlphaFlags, copyBits, drawAlphaBlend, drawTransparent } from '../src/index.js';
import { image, NO_CLIP, prng, randomWord, rect, rgbRows, surfaceWith } from './helpers.js';

describe('TRANSPARENT', () => {
  it('skips source pixels whose low 24 bits equal the key, whatever their top byte', () => {
    const s = surfaceWith(3, 1, [0x0a, 0x0a, 0x0a]);
    drawTransparent(
      s,
      rect(0, 0, 3, 1),
      NO_CLIP,
      { image: image(3, 1, [0x00ff00ff, 0x11223344, 0x01]), srcArea: rect(0, 0, 3, 1) },
      0xff223344,
    );
    expect(rgbRows(s)).toEqual([[0xff00ff, 0x0a, 0x01]]);
  });

  it('keys a scaled source sampled nearest', () => {
    const s = surfaceWith(4, 1, [7, 7, 7, 7]);
    drawTransparent(
      s,
      rect(0, 0, 4, 1),
      NO_CLIP,
      { image: image(2, 1, [5, 6]), srcArea: rect(0, 0, 2, 1), scaleMode: ImageScaleMode.Interpolate },
      5,
    );
    expect(rgbRows(s)).toEqual([[7, 7, 6, 6]]);
  });
});

describe('ALPHA_BLEND', () => {
  it('composites a premultiplied source OVER the dest with pixman rounding', () => {
    const s = surfaceWith(1, 1, [0x00102030]);
    drawAlphaBlend(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      { image: image(1, 1, [0x80400000], true), srcArea: rect(0, 0, 1, 1) },
      255,
    );
    // 0x40 + 0x10·127/255, 0x20·127/255, 0x30·127/255 (each rounded as MUL_UN8)
    expect(rgbRows(s)).toEqual([[0x481018]]);
  });

  it('scales an opaque source by the global alpha', () => {
    const s = surfaceWith(1, 1, [0x00102030]);
    drawAlphaBlend(s, rect(0, 0, 1, 1), NO_CLIP, { image: image(1, 1, [0x00ff0000]), srcArea: rect(0, 0, 1, 1) }, 0x80);
    expect(rgbRows(s)).toEqual([[0x881018]]);
  });

  it('ignores the top byte of a source without alpha', () => {
    const s = surfaceWith(1, 1, [0x00102030]);
    drawAlphaBlend(s, rect(0, 0, 1, 1), NO_CLIP, { image: image(1, 1, [0x00abcdef]), srcArea: rect(0, 0, 1, 1) }, 255);
    expect(rgbRows(s)).toEqual([[0xabcdef]]);
  });

  it('takes the source alpha when SRC_SURFACE_HAS_ALPHA is set', () => {
    const s = surfaceWith(1, 1, [0x00102030]);
    drawAlphaBlend(s, rect(0, 0, 1, 1), NO_CLIP, { image: image(1, 1, [0x00000000]), srcArea: rect(0, 0, 1, 1) }, 255, {
      alphaFlags: AlphaFlags.SrcSurfaceHasAlpha,
    });
    expect(rgbRows(s)).toEqual([[0x102030]]);
  });

  it('draws nothing at alpha 0', () => {
    const s = surfaceWith(1, 1, [0x00102030]);
    drawAlphaBlend(s, rect(0, 0, 1, 1), NO_CLIP, { image: image(1, 1, [0x00ffffff]), srcArea: rect(0, 0, 1, 1) }, 0);
    expect(rgbRows(s)).toEqual([[0x102030]]);
  });

  it('computes the dest alpha of an ARGB surface (and with DEST_HAS_ALPHA)', () => {
    const s = surfaceWith(1, 1, [0x40000000], SurfaceFmt.A8r8g8b8);
    drawAlphaBlend(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      { image: image(1, 1, [0x80000000], true), srcArea: rect(0, 0, 1, 1) },
      255,
    );
    // 0x80 + 0x40·127/255 = 128 + 32
    expect(s.words[0]! >>> 24).toBe(160);
    const x = surfaceWith(1, 1, [0x40000000]);
    drawAlphaBlend(
      x,
      rect(0, 0, 1, 1),
      NO_CLIP,
      { image: image(1, 1, [0x80000000], true), srcArea: rect(0, 0, 1, 1) },
      255,
      {
        alphaFlags: AlphaFlags.DestHasAlpha,
      },
    );
    expect(x.words[0]! >>> 24).toBe(160);
  });

  it('samples a scaled source nearest whatever the scale mode', () => {
    const s = surfaceWith(4, 1, [0, 0, 0, 0]);
    drawAlphaBlend(
      s,
      rect(0, 0, 4, 1),
      NO_CLIP,
      { image: image(2, 1, [0x000000, 0x0000ff]), srcArea: rect(0, 0, 2, 1) },
      255,
    );
    expect(rgbRows(s)).toEqual([[0, 0, 0xff, 0xff]]);
  });
});

describe('COPY_BITS', () => {
  it('moves right over an overlapping area without smearing', () => {
    const s = surfaceWith(4, 1, [1, 2, 3, 4]);
    copyBits(s, rect(1, 0, 4, 1), NO_CLIP, { x: 0, y: 0 });
    expect(rgbRows(s)).toEqual([[1, 1, 2, 3]]);
  });

  it('moves left and up', () => {
    const s = surfaceWith(4, 1, [1, 2, 3, 4]);
    copyBits(s, rect(0, 0, 3, 1), NO_CLIP, { x: 1, y: 0 });
    expect(rgbRows(s)).toEqual([[2, 3, 4, 4]]);
    const v = surfaceWith(1, 4, [1, 2, 3, 4]);
    copyBits(v, rect(0, 0, 1, 3), NO_CLIP, { x: 0, y: 1 });
    expect(rgbRows(v)).toEqual([[2], [3], [4], [4]]);
  });

  it('moves down', () => {
    const v = surfaceWith(1, 4, [1, 2, 3, 4]);
    copyBits(v, rect(0, 1, 1, 4), NO_CLIP, { x: 0, y: 0 });
    expect(rgbRows(v)).toEqual([[1], [1], [2], [3]]);
  });

  it('leaves pixels whose source is off the surface', () => {
    const s = surfaceWith(4, 1, [1, 2, 3, 4]);
    copyBits(s, rect(0, 0, 2, 1), NO_CLIP, { x: -1, y: 0 });
    expect(rgbRows(s)).toEqual([[1, 1, 3, 4]]);
  });

  it('reads every clip rectangle from the surface as it was before the move', () => {
    const s = surfaceWith(4, 1, [1, 2, 3, 4]);
    const clip = { type: ClipType.Rects, rects: [rect(1, 0, 2, 1), rect(2, 0, 4, 1)] } as const;
    copyBits(s, rect(1, 0, 4, 1), clip, { x: 0, y: 0 });
    expect(rgbRows(s)).toEqual([[1, 1, 2, 3]]);
  });
});

describe('COPY_BITS with several clip rectangles', () => {
  it('matches a move through a full copy of the surface on a 2-D scroll', () => {
    const w = 6;
    const h = 5;
    const start = Array.from({ length: w * h }, (_, i) => i + 1);
    const s = surfaceWith(w, h, start);
    const clip = { type: ClipType.Rects, rects: [rect(0, 1, 3, 3), rect(3, 1, 6, 2), rect(1, 3, 5, 5)] } as const;
    copyBits(s, rect(0, 1, 6, 5), clip, { x: 1, y: 0 });
    const want = start.slice();
    for (const r of clip.rects)
      for (let y = Math.max(r.top, 1); y < r.bottom; y++)
        for (let x = r.left; x < Math.min(r.right, w - 1); x++) want[y * w + x] = start[(y - 1) * w + x + 1]!;
    expect(rgbRows(s).flat()).toEqual(want);
  });
});

describe('ALPHA_BLEND against a per-channel model of pixman OVER', () => {
  /** MUL_UN8 of pixman-combine32.h: x·a/255 rounded. */
  const mul = (x: number, a: number): number => {
    const t = x * a + 0x80;
    return (t + (t >> 8)) >> 8;
  };
  /** One pixel: the source scaled by the global alpha, OVER the dest, each channel saturated. */
  function over(src: number, dst: number, g: number, srcAlpha: boolean, destAlpha: boolean): number {
    const s = srcAlpha ? src : (src | 0xff000000) >>> 0;
    const d = destAlpha ? dst : (dst | 0xff000000) >>> 0;
    const sc = [24, 16, 8, 0].map((sh) => mul((s >>> sh) & 0xff, g));
    const ia = 255 - sc[0]!;
    const out = [24, 16, 8, 0].map((sh, i) => Math.min(255, sc[i]! + mul((d >>> sh) & 0xff, ia)));
    return ((out[0]! << 24) | (out[1]! << 16) | (out[2]! << 8) | out[3]!) >>> 0;
  }

  it('agrees on random pixels, global alphas and flags (ARGB and xRGB surfaces)', () => {
    const r = prng(77);
    const n = 4096;
    for (const g of [255, 254, 128, 1, 77]) {
      for (const [format, flags] of [
        [SurfaceFmt.A8r8g8b8, 0],
        [SurfaceFmt.X8r8g8b8, 0],
        [SurfaceFmt.X8r8g8b8, AlphaFlags.DestHasAlpha],
        [SurfaceFmt.X8r8g8b8, AlphaFlags.SrcSurfaceHasAlpha],
      ] as const) {
        // Pixels with alpha 0, 0xff and random, premultiplied or not (not all sources are).
        const pick = (): number => {
          const k = r();
          const v = randomWord(r);
          return (k < 0.2 ? v & 0xffffff : k < 0.4 ? v | 0xff000000 : k < 0.5 ? 0 : v) >>> 0;
        };
        const src = Array.from({ length: n }, pick);
        const dst = Array.from({ length: n }, pick);
        for (const hasAlpha of [true, false]) {
          const s = surfaceWith(64, 64, dst, format);
          drawAlphaBlend(
            s,
            rect(0, 0, 64, 64),
            NO_CLIP,
            { image: image(64, 64, src, hasAlpha), srcArea: rect(0, 0, 64, 64) },
            g,
            {
              alphaFlags: flags,
            },
          );
          const srcAlpha = hasAlpha || (flags & AlphaFlags.SrcSurfaceHasAlpha) !== 0;
          const destAlpha = format === SurfaceFmt.A8r8g8b8 || (flags & AlphaFlags.DestHasAlpha) !== 0;
          const want = src.map((v, i) => over(v, dst[i]!, g, srcAlpha, destAlpha));
          const got = Array.from(s.words);
          const keep = destAlpha ? 0xffffffff : 0xffffff; // the X byte of xRGB is not significant
          expect(
            got.map((v) => (v & keep) >>> 0),
            `g ${g} format ${format} flags ${flags} alpha ${hasAlpha}`,
          ).toEqual(want.map((v) => (v & keep) >>> 0));
        }
      }
    }
  });
});
