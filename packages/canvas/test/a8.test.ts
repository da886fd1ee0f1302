import {
  BitmapFlags,
  BitmapFmt,
  BrushType,
  ClipType,
  DisplayMsg,
  display,
  ImageType,
  Ropd,
  type SpiceImage,
  SurfaceFmt,
} from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import {
  type CanvasImage,
  CompositeFlags,
  CompositeOp,
  copyBits,
  createCanvasSurface,
  drawAlphaBlend,
  drawBlackness,
  drawCopy,
  drawFill,
  drawInvers,
  drawStroke,
  drawTransparent,
  drawWhiteness,
  imageFromSurface,
  isA8Surface,
  isCanvasError,
  PathFlags,
  readArea,
  renderDrawMessage,
} from '../src/index.js';
import { NO_CLIP, rect } from './helpers.js';

const a8 = (width: number, height: number, bytes: number[]) => {
  const s = createCanvasSurface(width, height, SurfaceFmt.A8);
  s.pixels.set(bytes);
  return s;
};

describe('A8 surfaces', () => {
  it('hold one byte a pixel', () => {
    const s = createCanvasSurface(3, 2, SurfaceFmt.A8);
    expect(isA8Surface(s)).toBe(true);
    expect(s.stride).toBe(3);
    expect(s.pixels.length).toBe(6);
    expect(s.words.length).toBe(0);
  });

  it('fill with the low byte of the brush colour through the rop', () => {
    const s = a8(4, 1, [0x0f, 0x0f, 0x0f, 0x0f]);
    drawFill(s, rect(0, 0, 2, 1), NO_CLIP, { type: BrushType.Solid, color: 0x123456f0 }, Ropd.OpPut);
    drawFill(s, rect(2, 0, 3, 1), NO_CLIP, { type: BrushType.Solid, color: 0xff }, Ropd.OpXor);
    expect([...s.pixels]).toEqual([0xf0, 0xf0, 0xf0, 0x0f]);
  });

  it('take blackness, whiteness and invers', () => {
    const s = a8(3, 1, [0x55, 0x55, 0x55]);
    drawBlackness(s, rect(0, 0, 1, 1), NO_CLIP);
    drawWhiteness(s, rect(1, 0, 2, 1), NO_CLIP);
    drawInvers(s, rect(2, 0, 3, 1), NO_CLIP);
    expect([...s.pixels]).toEqual([0, 0xff, 0xaa]);
  });

  it('refuse pattern brushes', () => {
    const s = a8(1, 1, [0]);
    const pattern: CanvasImage = { width: 1, height: 1, stride: 1, words: new Uint32Array(1), hasAlpha: false };
    expect(() =>
      drawFill(s, rect(0, 0, 1, 1), NO_CLIP, { type: BrushType.Pattern, pattern, pos: { x: 0, y: 0 } }, Ropd.OpPut),
    ).toThrow(expect.objectContaining({ code: 'ERR_CANVAS_UNSUPPORTED' }));
  });

  it('copy from another A8 surface, with a rop', () => {
    const from = a8(2, 1, [0x11, 0x80]);
    const image = imageFromSurface(from);
    expect([...image.words]).toEqual([0x11000000, 0x80000000]);
    const s = a8(3, 1, [0x01, 0x01, 0x01]);
    drawCopy(s, rect(1, 0, 3, 1), NO_CLIP, { image, srcArea: rect(0, 0, 2, 1) }, Ropd.OpPut);
    expect([...s.pixels]).toEqual([0x01, 0x11, 0x80]);
    drawCopy(s, rect(0, 0, 2, 1), NO_CLIP, { image, srcArea: rect(0, 0, 2, 1) }, Ropd.OpOr);
    expect([...s.pixels]).toEqual([0x11, 0x91, 0x80]);
  });

  it('move bytes with COPY_BITS and read areas byte-packed', () => {
    const s = a8(4, 2, [1, 2, 3, 4, 5, 6, 7, 8]);
    copyBits(s, rect(1, 0, 4, 1), NO_CLIP, { x: 0, y: 0 });
    expect([...s.pixels]).toEqual([1, 1, 2, 3, 5, 6, 7, 8]);
    copyBits(
      s,
      rect(0, 0, 2, 2),
      { type: ClipType.Rects, rects: [rect(0, 0, 1, 2), rect(1, 1, 2, 2)] },
      { x: 2, y: 0 },
    );
    expect([...readArea(s, rect(0, 0, 2, 2))]).toEqual([2, 1, 7, 8]);
  });

  it('are refused by the draws that need 32-bit pixels', () => {
    const s = a8(1, 1, [0]);
    const image: CanvasImage = { width: 1, height: 1, stride: 1, words: new Uint32Array(1), hasAlpha: false };
    expect(() => drawTransparent(s, rect(0, 0, 1, 1), NO_CLIP, { image, srcArea: rect(0, 0, 1, 1) }, 0)).toThrow(
      expect.objectContaining({ code: 'ERR_CANVAS_UNSUPPORTED' }),
    );
    expect(() => drawAlphaBlend(s, rect(0, 0, 1, 1), NO_CLIP, { image, srcArea: rect(0, 0, 1, 1) }, 255)).toThrow(
      expect.objectContaining({ code: 'ERR_CANVAS_UNSUPPORTED' }),
    );
  });

  it('take solid strokes', () => {
    const s = a8(4, 1, [0, 0, 0, 0]);
    drawStroke(s, rect(0, 0, 4, 1), NO_CLIP, {
      path: {
        segments: [
          {
            flags: PathFlags.Begin,
            points: [
              { x: 0, y: 0 },
              { x: 48, y: 0 },
            ],
          },
        ],
      },
      attr: { flags: 0 },
      brush: { type: BrushType.Solid, color: 0x7f },
      foreMode: Ropd.OpPut,
      backMode: Ropd.OpPut,
    });
    expect([...s.pixels]).toEqual([0x7f, 0x7f, 0x7f, 0]);
  });

  it('are drawn to by renderDrawMessage for the draws that apply and refuse the others', () => {
    const s = a8(2, 1, [0, 0]);
    const base = { surfaceId: 1, box: rect(0, 0, 2, 1), clip: NO_CLIP };
    renderDrawMessage(s, DisplayMsg.DrawFill, {
      base,
      brush: { type: BrushType.Solid, color: 0x40 },
      ropDescriptor: Ropd.OpPut,
      mask: display.NO_MASK,
    });
    const src: SpiceImage = {
      kind: 'bitmap',
      descriptor: { id: 1n, type: ImageType.Bitmap, flags: 0, width: 1, height: 1 },
      bitmap: {
        format: BitmapFmt.Bit8A,
        flags: BitmapFlags.TopDown,
        x: 1,
        y: 1,
        stride: 1,
        palette: null,
        data: Uint8Array.of(0x20),
      },
    };
    renderDrawMessage(s, DisplayMsg.DrawComposite, {
      base,
      flags: CompositeOp.Add | (1 << CompositeFlags.SrcRepeatShift),
      srcBitmap: src,
      srcOrigin: { x: 0, y: 0 },
      maskOrigin: { x: 0, y: 0 },
    });
    expect([...s.pixels]).toEqual([0x60, 0x60]);
    try {
      renderDrawMessage(s, DisplayMsg.DrawTransparent, {
        base,
        srcBitmap: src,
        srcArea: rect(0, 0, 1, 1),
        srcColor: 0,
        trueColor: 0,
      });
      expect.unreachable();
    } catch (e) {
      expect(isCanvasError(e) && e.code).toBe('ERR_CANVAS_UNSUPPORTED');
    }
  });
});
