import { BrushType, ClipType, ImageScaleMode, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import {
  type CompositeDraw,
  CompositeFlags,
  CompositeOp,
  createCanvasSurface,
  drawAlphaBlend,
  drawComposite,
  drawCopy,
  drawText,
  Filter,
  imageFromSurface,
  Repeat,
  StringFlags,
} from '../src/index.js';
import { NO_CLIP, rect } from './helpers.js';

const RED = 0xffff0000;
const BLUE = 0xff0000ff;
const SHIFT_2 = { t00: 0x10000, t01: 0, t02: 2 << 16, t10: 0, t11: 0x10000, t12: 0 };

/** An ARGB surface of 4×1: two red pixels, then two blue ones. */
function halves() {
  const s = createCanvasSurface(4, 1, SurfaceFmt.A8r8g8b8);
  s.words.set([RED, RED, BLUE, BLUE]);
  return s;
}
const words = (s: { words: Uint32Array }) => [...s.words].map((v) => v >>> 0);
const composite = (src: CompositeDraw['src'], flags: number, transform = false): CompositeDraw => ({
  flags: flags | (transform ? CompositeFlags.HasSrcTransform : 0),
  src,
  srcTransform: transform ? SHIFT_2 : null,
  srcOrigin: { x: 0, y: 0 },
  maskOrigin: { x: 0, y: 0 },
  srcIsSurface: true,
});

describe("a composite's source state stays on the surface (spice-gtk sets it on the surface's pixman image)", () => {
  it('applies the transform of one composite to a later composite without HAS_SRC_TRANSFORM', () => {
    const from = halves();
    const a = createCanvasSurface(4, 1);
    const b = createCanvasSurface(4, 1);
    drawComposite(a, rect(0, 0, 4, 1), NO_CLIP, composite(imageFromSurface(from), CompositeOp.Src, true));
    drawComposite(b, rect(0, 0, 4, 1), NO_CLIP, composite(imageFromSurface(from), CompositeOp.Src));
    // Shifted by 2: blue, blue, then outside the source (transparent, SRC writes 0 | pad).
    expect(words(a)).toEqual([BLUE, BLUE, 0xff000000, 0xff000000]);
    expect(words(b)).toEqual(words(a));
    expect(from.sampling?.transform).toEqual(SHIFT_2);
  });

  it('keeps the last composite filter and repeat on the surface state', () => {
    const from = halves();
    const flags = CompositeOp.Src | (Filter.Bilinear << CompositeFlags.SrcFilterShift);
    drawComposite(
      createCanvasSurface(4, 1),
      rect(0, 0, 4, 1),
      NO_CLIP,
      composite(imageFromSurface(from), flags | (Repeat.Normal << CompositeFlags.SrcRepeatShift)),
    );
    expect(from.sampling).toEqual({ transform: null, filter: Filter.Bilinear, repeat: Repeat.Normal });
  });

  it('keeps a mask transform on a surface used as the mask', () => {
    const maskSurface = createCanvasSurface(4, 1, SurfaceFmt.A8);
    maskSurface.pixels.set([0, 0, 0xff, 0xff]);
    const dst = createCanvasSurface(4, 1);
    const src = imageFromSurface(halves());
    drawComposite(dst, rect(0, 0, 4, 1), NO_CLIP, {
      ...composite(src, CompositeOp.Src | CompositeFlags.HasMask | CompositeFlags.HasMaskTransform),
      mask: imageFromSurface(maskSurface),
      maskTransform: SHIFT_2,
    });
    expect(maskSurface.sampling?.transform).toEqual(SHIFT_2);
    const again = createCanvasSurface(4, 1);
    drawComposite(again, rect(0, 0, 4, 1), NO_CLIP, {
      ...composite(src, CompositeOp.Src | CompositeFlags.HasMask),
      mask: imageFromSurface(maskSurface),
    });
    // The mask, shifted by 2, covers the red half only.
    expect(words(again)).toEqual([RED, RED, 0xff000000, 0xff000000]);
  });

  it('does not touch the state of an ARGB surface read with SOURCE_OPAQUE (the client reads a new image)', () => {
    const from = halves();
    drawComposite(
      createCanvasSurface(4, 1),
      rect(0, 0, 4, 1),
      NO_CLIP,
      composite(imageFromSurface(from), CompositeOp.Src | CompositeFlags.SourceOpaque, true),
    );
    expect(from.sampling?.transform).toBeNull();
  });

  it('reads an unscaled ALPHA_BLEND of the surface through the transform', () => {
    const from = halves();
    drawComposite(createCanvasSurface(4, 1), rect(0, 0, 4, 1), NO_CLIP, composite(imageFromSurface(from), 0, true));
    const dst = createCanvasSurface(4, 1);
    dst.words.fill(0xff00ff00);
    drawAlphaBlend(dst, rect(0, 0, 4, 1), NO_CLIP, { image: imageFromSurface(from), srcArea: rect(0, 0, 4, 1) }, 255);
    // Blue from x + 2, then nothing (transparent) past the surface: the green stays.
    expect(words(dst)).toEqual([BLUE, BLUE, 0xff00ff00, 0xff00ff00]);
  });

  it('resets the transform when a scaled COPY reads the surface, not when the draw region is empty', () => {
    const from = halves();
    drawComposite(createCanvasSurface(4, 1), rect(0, 0, 4, 1), NO_CLIP, composite(imageFromSurface(from), 0, true));
    const dst = createCanvasSurface(8, 1);
    const scaled = { image: imageFromSurface(from), srcArea: rect(0, 0, 4, 1), scaleMode: ImageScaleMode.Nearest };
    const nowhere = { type: ClipType.Rects, rects: [] };
    drawCopy(dst, rect(0, 0, 8, 1), nowhere, scaled, Ropd.OpPut);
    expect(from.sampling?.transform).toEqual(SHIFT_2);
    drawCopy(dst, rect(0, 0, 8, 1), NO_CLIP, scaled, Ropd.OpPut);
    expect(from.sampling).toEqual({ transform: null, filter: Filter.Nearest, repeat: Repeat.None });
  });

  it('leaves a surface read as a text pattern brush translated by -pos and repeating', () => {
    const from = halves();
    const dst = createCanvasSurface(4, 2);
    drawText(dst, rect(0, 0, 4, 2), NO_CLIP, {
      str: {
        flags: StringFlags.RasterA1,
        glyphs: [
          {
            renderPos: { x: 0, y: 1 },
            glyphOrigin: { x: 0, y: -1 },
            width: 1,
            height: 1,
            data: Uint8Array.of(0x80),
          },
        ],
      },
      backArea: rect(0, 0, 0, 0),
      foreBrush: { type: BrushType.Pattern, pattern: imageFromSurface(from), pos: { x: 3, y: 1 } },
      backBrush: { type: BrushType.None },
      foreMode: Ropd.OpPut,
      backMode: Ropd.OpPut,
    });
    expect(from.sampling).toEqual({
      transform: { t00: 0x10000, t01: 0, t02: -3 << 16, t10: 0, t11: 0x10000, t12: -1 << 16 },
      filter: Filter.Fast,
      repeat: Repeat.Normal,
    });
  });
});
