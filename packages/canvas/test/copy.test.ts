import { BitmapFmt, BrushType, ClipType, ImageScaleMode, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { drawBlend, drawCopy, drawCopyBitmap, drawOpaque, imageFromBitmap, scaleImage } from '../src/index.js';
import { image, NO_CLIP, rect, rgb, rgbRows, surfaceWith } from './helpers.js';

describe('COPY', () => {
  const src = image(2, 2, [0x10, 0x20, 0x30, 0x40]);

  it('puts the source area at the box', () => {
    const s = surfaceWith(3, 2, new Array(6).fill(0));
    drawCopy(s, rect(1, 0, 3, 1), NO_CLIP, { image: src, srcArea: rect(0, 1, 2, 2) }, Ropd.OpPut);
    expect(rgbRows(s)).toEqual([
      [0, 0x30, 0x40],
      [0, 0, 0],
    ]);
  });

  it('applies the ROP descriptor with the source as src (OR | INVERS_SRC)', () => {
    const s = surfaceWith(1, 1, [0x000001]);
    drawCopy(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      { image: image(1, 1, [0x00ffff00]), srcArea: rect(0, 0, 1, 1) },
      Ropd.OpOr | Ropd.InversSrc,
    );
    expect(rgb(s, 0, 0)).toBe(0x0000ff); // ~0xffff00 | 0x000001
  });

  it('draws BLEND exactly as COPY', () => {
    const a = surfaceWith(1, 1, [0x00f0f0f0]);
    const b = surfaceWith(1, 1, [0x00f0f0f0]);
    const source = { image: image(1, 1, [0x000ff0ff]), srcArea: rect(0, 0, 1, 1) };
    drawCopy(a, rect(0, 0, 1, 1), NO_CLIP, source, Ropd.OpAnd);
    drawBlend(b, rect(0, 0, 1, 1), NO_CLIP, source, Ropd.OpAnd);
    expect(rgb(a, 0, 0)).toBe(0x00f0f0);
    expect(b.words[0]).toBe(a.words[0]);
  });

  it('writes the words of a source without alpha as they are on an ARGB surface (X byte as alpha) and keeps a source alpha', () => {
    const s = surfaceWith(2, 1, [0, 0], SurfaceFmt.A8r8g8b8);
    drawCopy(s, rect(0, 0, 1, 1), NO_CLIP, { image: image(1, 1, [0x7f123456]), srcArea: rect(0, 0, 1, 1) }, Ropd.OpPut);
    drawCopy(
      s,
      rect(1, 0, 2, 1),
      NO_CLIP,
      { image: image(1, 1, [0x40102030], true), srcArea: rect(0, 0, 1, 1) },
      Ropd.OpPut,
    );
    expect([...s.words]).toEqual([0x7f123456, 0x40102030]);
  });

  it('honours the qmask and the clip together', () => {
    const s = surfaceWith(2, 2, [0, 0, 0, 0]);
    const mask = { width: 2, height: 2, stride: 1, bits: Uint8Array.of(0b01, 0b11), msbFirst: false };
    const clip = { type: ClipType.Rects, rects: [rect(0, 0, 2, 1), rect(1, 1, 2, 2)] } as const;
    drawCopy(s, rect(0, 0, 2, 2), clip, { image: src, srcArea: rect(0, 0, 2, 2) }, Ropd.OpPut, {
      mask: { flags: 0, pos: { x: 0, y: 0 }, mask },
    });
    expect(rgbRows(s)).toEqual([
      [0x10, 0],
      [0, 0x40],
    ]);
  });
});

describe('scaled COPY', () => {
  const two = image(2, 1, [0x000000, 0x0000ff]);

  it('samples nearest at pixel centres as pixman (2 → 4 and 4 → 2)', () => {
    const s = surfaceWith(4, 1, [0, 0, 0, 0]);
    drawCopy(
      s,
      rect(0, 0, 4, 1),
      NO_CLIP,
      { image: two, srcArea: rect(0, 0, 2, 1), scaleMode: ImageScaleMode.Nearest },
      Ropd.OpPut,
    );
    expect(rgbRows(s)).toEqual([[0, 0, 0xff, 0xff]]);
    const down = scaleImage(image(4, 1, [1, 2, 3, 4]), rect(0, 0, 4, 1), 2, 1, ImageScaleMode.Nearest);
    expect([...down.words].map((v) => v & 0xffffff)).toEqual([1, 3]);
  });

  it('interpolates with 7-bit bilinear weights and transparent samples outside the image', () => {
    const s = surfaceWith(4, 1, [0, 0, 0, 0]);
    drawCopy(
      s,
      rect(0, 0, 4, 1),
      NO_CLIP,
      { image: two, srcArea: rect(0, 0, 2, 1), scaleMode: ImageScaleMode.Interpolate },
      Ropd.OpPut,
    );
    // weights (in 128ths) 96/32, 32/96, 96/32, 32/96 around samples -1|0, 0|1, 0|1, 1|2
    expect(rgbRows(s)).toEqual([[0, 0x3f, 0xbf, 0xbf]]);
  });

  it('keeps the alpha interpolated along with the colour', () => {
    const out = scaleImage(two, rect(0, 0, 2, 1), 4, 1, ImageScaleMode.Interpolate);
    expect(out.words[0]! >>> 24).toBe(191);
    expect(out.words[1]! >>> 24).toBe(255);
  });
});

describe('OPAQUE', () => {
  it('puts the source, then applies the brush with the source as dest', () => {
    const s = surfaceWith(2, 1, [0x777777, 0x777777]);
    drawOpaque(
      s,
      rect(0, 0, 2, 1),
      NO_CLIP,
      { image: image(2, 1, [0x00ff00, 0x0000ff]), srcArea: rect(0, 0, 2, 1) },
      { type: BrushType.Solid, color: 0x0000ff },
      Ropd.OpOr,
    );
    expect(rgbRows(s)).toEqual([[0x00ffff, 0x0000ff]]);
  });

  it('reads INVERS_SRC as inverting the put source', () => {
    const s = surfaceWith(1, 1, [0]);
    drawOpaque(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      { image: image(1, 1, [0x0000ff]), srcArea: rect(0, 0, 1, 1) },
      { type: BrushType.Solid, color: 0xffffff },
      Ropd.OpAnd | Ropd.InversSrc,
    );
    expect(rgb(s, 0, 0)).toBe(0xffff00);
  });
});

describe('drawCopyBitmap', () => {
  it('reads 32-bit top-down bitmaps in place', () => {
    const data = new Uint8Array(new Uint32Array([1, 2, 3, 4]).buffer);
    const source = { format: BitmapFmt.Bit32, width: 2, height: 2, stride: 8, topDown: true, data };
    const img = imageFromBitmap(source);
    expect(img.words.buffer).toBe(data.buffer);
    const s = surfaceWith(2, 2, [0, 0, 0, 0]);
    drawCopyBitmap(s, rect(0, 0, 2, 2), NO_CLIP, source, rect(0, 0, 2, 2));
    expect(rgbRows(s)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it('honours a stride wider than the row', () => {
    const data = new Uint8Array(new Uint32Array([1, 2, 99, 3, 4, 99]).buffer);
    const s = surfaceWith(2, 2, [0, 0, 0, 0]);
    drawCopyBitmap(
      s,
      rect(0, 0, 2, 2),
      NO_CLIP,
      { format: BitmapFmt.Bit32, width: 2, height: 2, stride: 12, topDown: true, data },
      rect(0, 0, 2, 2),
    );
    expect(rgbRows(s)).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe('scaled COPY partly off the surface', () => {
  it('gives the same pixels as scaling the whole box', () => {
    const src = image(
      3,
      3,
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => v * 0x10101),
    );
    for (const mode of [ImageScaleMode.Nearest, ImageScaleMode.Interpolate]) {
      const big = surfaceWith(12, 12, new Array(144).fill(0));
      drawCopy(
        big,
        rect(0, 0, 10, 11),
        NO_CLIP,
        { image: src, srcArea: rect(0, 0, 3, 3), scaleMode: mode },
        Ropd.OpPut,
      );
      const small = surfaceWith(4, 5, new Array(20).fill(0));
      // the same draw shifted so that only box pixels (6..9, 6..10) land on the small surface
      drawCopy(
        small,
        rect(-6, -6, 4, 5),
        NO_CLIP,
        { image: src, srcArea: rect(0, 0, 3, 3), scaleMode: mode },
        Ropd.OpPut,
      );
      for (let y = 0; y < 5; y++) for (let x = 0; x < 4; x++) expect(rgb(small, x, y)).toBe(rgb(big, x + 6, y + 6));
    }
  });
});
