import {
  BitmapFlags,
  BitmapFmt,
  BrushType,
  ClipType,
  DisplayMsg,
  display,
  ImageType,
  MaskFlags,
  Ropd,
  type SpiceImage,
} from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import { AlphaFlags, bitmapResolver, createCanvasImage, imageFromSurface, renderDrawMessage } from '../src/index.js';
import { NO_CLIP, rect, rgbRows, surfaceWith } from './helpers.js';

const descriptor = { id: 1n, type: ImageType.Bitmap, flags: 0, width: 2, height: 1 };
const bitmap32: SpiceImage = {
  kind: 'bitmap',
  descriptor,
  bitmap: {
    format: BitmapFmt.Bit32,
    flags: BitmapFlags.TopDown,
    x: 2,
    y: 1,
    stride: 8,
    palette: null,
    data: new Uint8Array(new Uint32Array([0x111111, 0x222222]).buffer),
  },
};
const maskImage: SpiceImage = {
  kind: 'bitmap',
  descriptor,
  bitmap: { format: BitmapFmt.Bit1Be, flags: 0, x: 2, y: 1, stride: 1, palette: null, data: Uint8Array.of(0b10000000) },
};

describe('renderDrawMessage', () => {
  it('draws a decoded DRAW_COPY with its bitmap', () => {
    const s = surfaceWith(3, 1, [0, 0, 0]);
    const ok = renderDrawMessage(s, DisplayMsg.DrawCopy, {
      base: { surfaceId: 0, box: rect(1, 0, 3, 1), clip: NO_CLIP },
      srcBitmap: bitmap32,
      srcArea: rect(0, 0, 2, 1),
      ropDescriptor: Ropd.OpPut,
      scaleMode: 1,
      mask: display.NO_MASK,
    });
    expect(ok).toBe(true);
    expect(rgbRows(s)).toEqual([[0, 0x111111, 0x222222]]);
  });

  it('draws a DRAW_FILL through an inverted qmask bitmap', () => {
    const s = surfaceWith(2, 1, [0, 0]);
    renderDrawMessage(s, DisplayMsg.DrawFill, {
      base: { surfaceId: 0, box: rect(0, 0, 2, 1), clip: NO_CLIP },
      brush: { type: BrushType.Solid, color: 0x00ff00 },
      ropDescriptor: Ropd.OpPut,
      mask: { flags: MaskFlags.Invers, pos: { x: 0, y: 0 }, bitmap: maskImage },
    });
    expect(rgbRows(s)).toEqual([[0, 0x00ff00]]);
  });

  it('applies COPY_BITS, WHITENESS and ALPHA_BLEND records', () => {
    const s = surfaceWith(3, 1, [1, 2, 3]);
    renderDrawMessage(s, DisplayMsg.CopyBits, {
      base: { surfaceId: 0, box: rect(1, 0, 3, 1), clip: NO_CLIP },
      srcPos: { x: 0, y: 0 },
    });
    expect(rgbRows(s)).toEqual([[1, 1, 2]]);
    renderDrawMessage(s, DisplayMsg.DrawWhiteness, {
      base: { surfaceId: 0, box: rect(0, 0, 3, 1), clip: { type: ClipType.Rects, rects: [rect(2, 0, 3, 1)] } },
      mask: display.NO_MASK,
    });
    expect(rgbRows(s)).toEqual([[1, 1, 0xffffff]]);
    renderDrawMessage(s, DisplayMsg.DrawAlphaBlend, {
      base: { surfaceId: 0, box: rect(0, 0, 2, 1), clip: NO_CLIP },
      alphaFlags: 0,
      alpha: 255,
      srcBitmap: bitmap32,
      srcArea: rect(0, 0, 2, 1),
    });
    expect(rgbRows(s)).toEqual([[0x111111, 0x222222, 0xffffff]]);
  });

  it('ignores SRC_SURFACE_HAS_ALPHA on a bitmap source: its X byte is not alpha', () => {
    const s = surfaceWith(2, 1, [0x808080, 0x808080]);
    renderDrawMessage(s, DisplayMsg.DrawAlphaBlend, {
      base: { surfaceId: 0, box: rect(0, 0, 2, 1), clip: NO_CLIP },
      alphaFlags: AlphaFlags.SrcSurfaceHasAlpha,
      alpha: 255,
      srcBitmap: bitmap32,
      srcArea: rect(0, 0, 2, 1),
    });
    expect(rgbRows(s)).toEqual([[0x111111, 0x222222]]);
  });

  it('draws a ROP3 with a pattern brush resolved like any image', () => {
    const s = surfaceWith(2, 1, [0, 0]);
    renderDrawMessage(s, DisplayMsg.DrawRop3, {
      base: { surfaceId: 0, box: rect(0, 0, 2, 1), clip: NO_CLIP },
      srcBitmap: bitmap32,
      srcArea: rect(0, 0, 2, 1),
      brush: { type: BrushType.Pattern, pattern: bitmap32, pos: { x: 1, y: 0 } },
      rop3: 0x96,
      scaleMode: 1,
      mask: display.NO_MASK,
    });
    // p ^ s ^ 0 with the pattern shifted by one: 0x222222 ^ 0x111111, 0x111111 ^ 0x222222
    expect(rgbRows(s)).toEqual([[0x333333, 0x333333]]);
  });

  it('skips a draw whose image the resolver cannot give and reports it', () => {
    const s = surfaceWith(1, 1, [5]);
    const cached: SpiceImage = { kind: 'cache', descriptor: { ...descriptor, type: ImageType.FromCache } };
    const ok = renderDrawMessage(s, DisplayMsg.DrawTransparent, {
      base: { surfaceId: 0, box: rect(0, 0, 1, 1), clip: NO_CLIP },
      srcBitmap: cached,
      srcArea: rect(0, 0, 1, 1),
      srcColor: 0,
      trueColor: 0,
    });
    expect(ok).toBe(false);
    expect(rgbRows(s)).toEqual([[5]]);
    const custom = renderDrawMessage(
      s,
      DisplayMsg.DrawTransparent,
      {
        base: { surfaceId: 0, box: rect(0, 0, 1, 1), clip: NO_CLIP },
        srcBitmap: cached,
        srcArea: rect(0, 0, 1, 1),
        srcColor: 0,
        trueColor: 0,
      },
      (img) => (img.kind === 'cache' ? createCanvasImage(1, 1, Uint32Array.of(9)) : bitmapResolver(img)),
    );
    expect(custom).toBe(true);
    expect(rgbRows(s)).toEqual([[9]]);
  });

  it('rejects message types it does not render with ERR_CANVAS_UNSUPPORTED', () => {
    const s = surfaceWith(1, 1, [0]);
    expect(() =>
      renderDrawMessage(
        s,
        DisplayMsg.Mark as never,
        { base: { surfaceId: 0, box: rect(0, 0, 1, 1), clip: NO_CLIP } } as never,
      ),
    ).toThrowError(expect.objectContaining({ code: 'ERR_CANVAS_UNSUPPORTED' }));
  });
});

describe('renderDrawMessage, DRAW_TEXT', () => {
  it('draws a glyph string record with solid brushes', () => {
    const s = surfaceWith(2, 1, [0, 0]);
    renderDrawMessage(s, DisplayMsg.DrawText, {
      base: { surfaceId: 0, box: rect(0, 0, 2, 1), clip: NO_CLIP },
      str: {
        flags: 1,
        glyphs: [
          { renderPos: { x: 0, y: 0 }, glyphOrigin: { x: 0, y: 0 }, width: 2, height: 1, data: Uint8Array.of(0x40) },
        ],
      },
      backArea: rect(0, 0, 2, 1),
      foreBrush: { type: BrushType.Solid, color: 0xffffff },
      backBrush: { type: BrushType.Solid, color: 0x000080 },
      foreMode: Ropd.OpPut,
      backMode: Ropd.OpPut,
    });
    expect(rgbRows(s)).toEqual([[0x000080, 0xffffff]]);
  });
});

describe('renderDrawMessage with surface references', () => {
  it('copies from another surface through a resolver built on imageFromSurface', () => {
    const other = surfaceWith(2, 1, [0x0a0b0c, 0x0d0e0f]);
    const s = surfaceWith(2, 1, [0, 0]);
    const ref: SpiceImage = { kind: 'surface', descriptor: { ...descriptor, type: ImageType.Surface }, surfaceId: 1 };
    renderDrawMessage(
      s,
      DisplayMsg.DrawCopy,
      {
        base: { surfaceId: 0, box: rect(0, 0, 1, 1), clip: NO_CLIP },
        srcBitmap: ref,
        srcArea: rect(1, 0, 2, 1),
        ropDescriptor: Ropd.OpPut,
        scaleMode: 1,
        mask: display.NO_MASK,
      },
      (img) => (img.kind === 'surface' && img.surfaceId === 1 ? imageFromSurface(other) : null),
    );
    expect(rgbRows(s)).toEqual([[0x0d0e0f, 0]]);
  });
});

describe('renderDrawMessage, STROKE and COMPOSITE', () => {
  it('draws a DRAW_STROKE path with its fore mode', () => {
    const s = surfaceWith(4, 2, [0, 0, 0, 0, 0, 0, 0, 0]);
    const ok = renderDrawMessage(s, DisplayMsg.DrawStroke, {
      base: { surfaceId: 0, box: rect(0, 0, 4, 2), clip: NO_CLIP },
      path: {
        segments: [
          {
            flags: 1 | 2,
            points: [
              { x: 0, y: 16 },
              { x: 64, y: 16 },
            ],
          },
        ],
      },
      attr: { flags: 0 },
      brush: { type: BrushType.Solid, color: 0x00ff00 },
      foreMode: Ropd.OpPut,
      backMode: Ropd.OpPut,
    });
    expect(ok).toBe(true);
    expect(rgbRows(s)).toEqual([
      [0, 0, 0, 0],
      [0x00ff00, 0x00ff00, 0x00ff00, 0x00ff00],
    ]);
  });

  it('draws a DRAW_COMPOSITE with a surface source made opaque by SOURCE_OPAQUE', () => {
    const s = surfaceWith(2, 1, [0xffffff, 0xffffff]);
    const other = createCanvasImage(2, 1, Uint32Array.of(0x00112233, 0x00445566), true);
    const surfaceImage: SpiceImage = { kind: 'surface', descriptor, surfaceId: 7 };
    const resolve = (image: SpiceImage) => (image.kind === 'surface' ? other : bitmapResolver(image));
    const message = {
      base: { surfaceId: 0, box: rect(0, 0, 2, 1), clip: NO_CLIP },
      flags: 3,
      srcBitmap: surfaceImage,
      srcOrigin: { x: 0, y: 0 },
      maskOrigin: { x: 0, y: 0 },
    };
    // Alpha 0 sources leave OVER's destination alone...
    renderDrawMessage(s, DisplayMsg.DrawComposite, message, resolve);
    expect(rgbRows(s)).toEqual([[0xffffff, 0xffffff]]);
    // ...unless the surface source is declared opaque.
    renderDrawMessage(s, DisplayMsg.DrawComposite, { ...message, flags: 3 | (1 << 22) }, resolve);
    expect(rgbRows(s)).toEqual([[0x112233, 0x445566]]);
  });
});
