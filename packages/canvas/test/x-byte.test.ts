import { BitmapFmt, BrushType, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { drawCopy, drawFill, drawOpaque, imageFromBitmap } from '../src/index.js';
import { image, NO_CLIP, rect, surfaceWith } from './helpers.js';

const words = (s: { words: Uint32Array }) => [...s.words].map((v) => v >>> 0);
const bitmap = (format: number, data: number[], palette: Uint32Array | null = null) =>
  imageFromBitmap({
    format,
    width: 2,
    height: 1,
    stride: data.length,
    topDown: true,
    data: Uint8Array.from(data),
    palette,
  });

describe('bitmaps without alpha into an ARGB surface keep their X byte as alpha (the client blits the words)', () => {
  it('32BIT: the padding byte becomes alpha', () => {
    const s = surfaceWith(2, 1, [0, 0], SurfaceFmt.A8r8g8b8);
    const src = bitmap(BitmapFmt.Bit32, [0x56, 0x34, 0x12, 0x7f, 0x01, 0x02, 0x03, 0x00]);
    drawCopy(s, rect(0, 0, 2, 1), NO_CLIP, { image: src, srcArea: rect(0, 0, 2, 1) }, Ropd.OpPut);
    expect(words(s)).toEqual([0x7f123456, 0x00030201]);
  });

  it("8BIT: the palette entry's top byte becomes alpha", () => {
    const s = surfaceWith(2, 1, [0, 0], SurfaceFmt.A8r8g8b8);
    const src = bitmap(BitmapFmt.Bit8, [1, 0], Uint32Array.of(0x00aabbcc, 0x80112233));
    drawCopy(s, rect(0, 0, 2, 1), NO_CLIP, { image: src, srcArea: rect(0, 0, 2, 1) }, Ropd.OpPut);
    expect(words(s)).toEqual([0x80112233, 0x00aabbcc]);
  });

  it('24BIT: alpha 0', () => {
    const s = surfaceWith(2, 1, [0xffffffff, 0xffffffff], SurfaceFmt.A8r8g8b8);
    const src = bitmap(BitmapFmt.Bit24, [0x56, 0x34, 0x12, 0x01, 0x02, 0x03]);
    drawCopy(s, rect(0, 0, 2, 1), NO_CLIP, { image: src, srcArea: rect(0, 0, 2, 1) }, Ropd.OpPut);
    expect(words(s)).toEqual([0x00123456, 0x00030201]);
  });

  it('ROPs work on the whole 32-bit words', () => {
    const s = surfaceWith(1, 1, [0xf0f0f0f0], SurfaceFmt.A8r8g8b8);
    drawCopy(s, rect(0, 0, 1, 1), NO_CLIP, { image: image(1, 1, [0x0f00ff00]), srcArea: rect(0, 0, 1, 1) }, Ropd.OpXor);
    expect(words(s)).toEqual([0xfff00ff0]);
  });

  it('OPAQUE puts the words as they are before the brush', () => {
    const s = surfaceWith(1, 1, [0], SurfaceFmt.A8r8g8b8);
    drawOpaque(
      s,
      rect(0, 0, 1, 1),
      NO_CLIP,
      { image: image(1, 1, [0x12345678]), srcArea: rect(0, 0, 1, 1) },
      { type: BrushType.Solid, color: 0xffffffff },
      Ropd.OpAnd,
    );
    // The brush ANDed with the source now in the surface: the source words.
    expect(words(s)).toEqual([0x12345678]);
  });

  it('pattern fills write the tile words as they are', () => {
    const s = surfaceWith(2, 1, [0, 0], SurfaceFmt.A8r8g8b8);
    drawFill(
      s,
      rect(0, 0, 2, 1),
      NO_CLIP,
      { type: BrushType.Pattern, pattern: image(1, 1, [0x40abcdef]), pos: { x: 0, y: 0 } },
      Ropd.OpPut,
    );
    expect(words(s)).toEqual([0x40abcdef, 0x40abcdef]);
  });

  it('leaves xRGB surfaces opaque', () => {
    const s = surfaceWith(1, 1, [0]);
    drawCopy(s, rect(0, 0, 1, 1), NO_CLIP, { image: image(1, 1, [0x00123456]), srcArea: rect(0, 0, 1, 1) }, Ropd.OpXor);
    expect(words(s)).toEqual([0xff123456]);
  });
});
