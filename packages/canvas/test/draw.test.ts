import { BitmapFmt, ClipType, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { createCanvasSurface, drawCopyBitmap, drawSolidFill, readArea } from '../src/index.js';

const px = (s: { words: Uint32Array; width: number }, x: number, y: number) =>
  (s.words[y * s.width + x]! & 0xffffff) >>> 0;

describe('solid fill', () => {
  it('fills the box and nothing else', () => {
    const s = createCanvasSurface(8, 8);
    drawSolidFill(s, { top: 2, left: 1, bottom: 4, right: 5 }, { type: ClipType.None }, 0x123456);
    expect(px(s, 1, 2)).toBe(0x123456);
    expect(px(s, 4, 3)).toBe(0x123456);
    expect(px(s, 5, 3)).toBe(0);
    expect(px(s, 1, 4)).toBe(0);
  });

  it('honours clip rectangles and the surface bounds', () => {
    const s = createCanvasSurface(8, 8);
    drawSolidFill(
      s,
      { top: -5, left: -5, bottom: 20, right: 20 },
      {
        type: ClipType.Rects,
        rects: [
          { top: 0, left: 0, bottom: 1, right: 2 },
          { top: 7, left: 7, bottom: 9, right: 9 },
        ],
      },
      0xff,
    );
    expect(px(s, 0, 0)).toBe(0xff);
    expect(px(s, 1, 0)).toBe(0xff);
    expect(px(s, 2, 0)).toBe(0);
    expect(px(s, 7, 7)).toBe(0xff);
    expect(px(s, 6, 7)).toBe(0);
  });

  it('applies other ROP descriptors (XOR with the surface)', () => {
    const s = createCanvasSurface(2, 2);
    s.words[0] = 0xff0000f0;
    drawSolidFill(s, { top: 0, left: 0, bottom: 1, right: 1 }, { type: ClipType.None }, 0xff, Ropd.OpXor);
    expect(px(s, 0, 0)).toBe(0x0f);
  });
});

describe('bitmap copy', () => {
  const src = {
    format: BitmapFmt.Bit32,
    width: 3,
    height: 2,
    stride: 12,
    topDown: true,
    data: new Uint8Array(new Uint32Array([1, 2, 3, 4, 5, 6]).buffer),
  };

  it('copies the source area to the box', () => {
    const s = createCanvasSurface(4, 4);
    drawCopyBitmap(s, { top: 1, left: 1, bottom: 3, right: 3 }, { type: ClipType.None }, src, {
      top: 0,
      left: 1,
      bottom: 2,
      right: 3,
    });
    expect([px(s, 1, 1), px(s, 2, 1), px(s, 1, 2), px(s, 2, 2)]).toEqual([2, 3, 5, 6]);
    expect(px(s, 0, 0)).toBe(0);
  });

  it('reads bottom-up bitmaps upside down', () => {
    const s = createCanvasSurface(3, 2);
    drawCopyBitmap(
      s,
      { top: 0, left: 0, bottom: 2, right: 3 },
      { type: ClipType.None },
      { ...src, topDown: false },
      { top: 0, left: 0, bottom: 2, right: 3 },
    );
    expect([px(s, 0, 0), px(s, 0, 1)]).toEqual([4, 1]);
  });

  it('scales nearest-neighbour when the box and the source area differ', () => {
    const s = createCanvasSurface(6, 4);
    drawCopyBitmap(s, { top: 0, left: 0, bottom: 4, right: 6 }, { type: ClipType.None }, src, {
      top: 0,
      left: 0,
      bottom: 2,
      right: 3,
    });
    expect(px(s, 0, 0)).toBe(1);
    expect(px(s, 1, 1)).toBe(1);
    expect(px(s, 5, 3)).toBe(6);
  });

  it('converts 8-bit indexed and 16-bit sources', () => {
    const s = createCanvasSurface(2, 1);
    drawCopyBitmap(
      s,
      { top: 0, left: 0, bottom: 1, right: 2 },
      { type: ClipType.None },
      {
        format: BitmapFmt.Bit8,
        width: 2,
        height: 1,
        stride: 4,
        topDown: true,
        data: Uint8Array.of(1, 0, 0, 0),
        palette: Uint32Array.of(0xaa, 0xbb),
      },
      { top: 0, left: 0, bottom: 1, right: 2 },
    );
    expect([px(s, 0, 0), px(s, 1, 0)]).toEqual([0xbb, 0xaa]);
    drawCopyBitmap(
      s,
      { top: 0, left: 0, bottom: 1, right: 1 },
      { type: ClipType.None },
      { format: BitmapFmt.Bit16, width: 1, height: 1, stride: 2, topDown: true, data: Uint8Array.of(0x00, 0x7c) },
      { top: 0, left: 0, bottom: 1, right: 1 },
    );
    expect(px(s, 0, 0)).toBe(0xff0000);
  });

  it('returns packed areas with readArea', () => {
    const s = createCanvasSurface(4, 4, SurfaceFmt.X8r8g8b8);
    drawSolidFill(s, { top: 1, left: 1, bottom: 2, right: 2 }, { type: ClipType.None }, 0x010203);
    const area = readArea(s, { top: 1, left: 1, bottom: 2, right: 3 });
    expect([...area]).toEqual([3, 2, 1, 0xff, 0, 0, 0, 0]);
  });
});
