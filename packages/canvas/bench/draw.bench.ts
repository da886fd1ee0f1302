import { bitmapToXrgb } from '@spice-ts/codecs';
import { BitmapFmt, BrushType, ClipType, ImageScaleMode, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { afterAll, bench, describe } from 'vitest';
import {
  type CanvasSurface,
  type CompositeDraw,
  CompositeFlags,
  CompositeOp,
  createCanvasImage,
  createCanvasSurface,
  drawAlphaBlend,
  drawComposite,
  drawCopy,
  drawCopyBitmap,
  drawFill,
  drawRop3,
  drawSolidFill,
  drawStroke,
  drawText,
  Filter,
  type GlyphString,
  LineFlags,
  PathFlags,
  type RasterGlyph,
  Repeat,
  StringFlags,
  type StrokeDraw,
  type TextDraw,
} from '../src/index.js';

// 1024x768 = 0.786432 Mpixels: Mpixels/s = hz × 0.786432 for the whole-surface benches.
const W = 1024;
const H = 768;
const surface = createCanvasSurface(W, H);
const full = { top: 0, left: 0, bottom: H, right: W };
const none = { type: ClipType.None } as const;
const noise = (n: number) => {
  const a = new Uint32Array(n);
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    a[i] = x;
  }
  return a;
};
const srcWords = noise(W * H);
const src = {
  format: BitmapFmt.Bit32,
  width: W,
  height: H,
  stride: W * 4,
  topDown: true,
  data: new Uint8Array(srcWords.buffer),
};
const tile = {
  format: BitmapFmt.Bit32,
  width: 64,
  height: 64,
  stride: 256,
  topDown: true,
  data: new Uint8Array(64 * 64 * 4),
};
const image = createCanvasImage(W, H, srcWords);
const alphaImage = createCanvasImage(W, H, srcWords, true);
const half = createCanvasImage(W / 2, H / 2, noise((W / 2) * (H / 2)));
const pattern = createCanvasImage(8, 8, noise(64));

/** The copy as it was before the in-place path: every bitmap converted through bitmapToXrgb first. */
function legacyCopyBitmap(target: CanvasSurface): void {
  const px = bitmapToXrgb(src);
  target.words.set(new Uint32Array(px.data.buffer, px.data.byteOffset, W * H));
}

describe('canvas, 1024x768 xRGB surface', () => {
  bench('fill: solid, put', () => {
    drawSolidFill(surface, full, none, 0x336699);
  });
  bench('fill: solid, xor', () => {
    drawFill(surface, full, none, { type: BrushType.Solid, color: 0x336699 }, Ropd.OpXor);
  });
  bench('fill: 8x8 pattern, put', () => {
    drawFill(surface, full, none, { type: BrushType.Pattern, pattern, pos: { x: 3, y: 5 } }, Ropd.OpPut);
  });
  bench('copy: 32-bit bitmap, before (bitmapToXrgb + copy)', () => {
    legacyCopyBitmap(surface);
  });
  bench('copy: 32-bit bitmap, in place (drawCopyBitmap)', () => {
    drawCopyBitmap(surface, full, none, src, full);
  });
  bench('copy: bitmap of a 64x64 tile', () => {
    drawCopyBitmap(surface, { top: 100, left: 100, bottom: 164, right: 164 }, none, tile, {
      top: 0,
      left: 0,
      bottom: 64,
      right: 64,
    });
  });
  bench('copy: and', () => {
    drawCopy(surface, full, none, { image, srcArea: full }, Ropd.OpAnd);
  });
  bench('copy: scaled 2x nearest', () => {
    drawCopy(
      surface,
      full,
      none,
      { image: half, srcArea: { top: 0, left: 0, bottom: H / 2, right: W / 2 }, scaleMode: ImageScaleMode.Nearest },
      Ropd.OpPut,
    );
  });
  bench('copy: scaled 2x interpolated', () => {
    drawCopy(
      surface,
      full,
      none,
      { image: half, srcArea: { top: 0, left: 0, bottom: H / 2, right: W / 2 }, scaleMode: ImageScaleMode.Interpolate },
      Ropd.OpPut,
    );
  });
  bench('alpha blend: source alpha', () => {
    drawAlphaBlend(surface, full, none, { image: alphaImage, srcArea: full }, 255);
  });
  bench('alpha blend: global alpha 128', () => {
    drawAlphaBlend(surface, full, none, { image, srcArea: full }, 128);
  });
  bench('rop3 0x96: solid brush', () => {
    drawRop3(surface, full, none, { image, srcArea: full }, { type: BrushType.Solid, color: 0x123456 }, 0x96);
  });
  bench('rop3 0xb8: 8x8 pattern', () => {
    drawRop3(
      surface,
      full,
      none,
      { image, srcArea: full },
      { type: BrushType.Pattern, pattern, pos: { x: 0, y: 0 } },
      0xb8,
    );
  });
});

// --- STROKE, COMPOSITE, TEXT and A8, and the summary table -------------------------------------

const origin = { x: 0, y: 0 };
const composite = (flags: number, extra: Partial<CompositeDraw> = {}): CompositeDraw => ({
  flags,
  src: alphaImage,
  srcOrigin: origin,
  maskOrigin: origin,
  ...extra,
});
const a8Mask = createCanvasImage(
  W,
  H,
  noise(W * H).map((v) => (v & 0xff000000) >>> 0),
  true,
);
const overDraw = composite(CompositeOp.Over);
const srcDraw = composite(CompositeOp.Src);
const maskedDraw = composite(CompositeOp.Over | CompositeFlags.HasMask, { mask: a8Mask });
const scaledDraw = composite(
  CompositeOp.Over |
    CompositeFlags.HasSrcTransform |
    (Filter.Bilinear << CompositeFlags.SrcFilterShift) |
    (Repeat.Pad << CompositeFlags.SrcRepeatShift),
  { src: half, srcTransform: { t00: 0x8000, t01: 0, t02: 0, t10: 0, t11: 0x8000, t12: 0 } },
);
const a8Surface = createCanvasSurface(W, H, SurfaceFmt.A8);
const a8Draw = composite(CompositeOp.Add, { src: a8Mask });

// 200 lines of 100-400 pixels in every direction, as a polyline path (28.4 points).
const strokePoints = Array.from({ length: 201 }, (_, i) => ({
  x: (((i * 373) % 1000) + 10) * 16,
  y: (((i * 151) % 740) + 10) * 16,
}));
const strokeDraw: StrokeDraw = {
  path: { segments: [{ flags: PathFlags.Begin | PathFlags.End, points: strokePoints }] },
  attr: { flags: 0 },
  brush: { type: BrushType.Solid, color: 0x00ff00 },
  foreMode: Ropd.OpPut,
  backMode: Ropd.OpPut,
};
const dashedDraw: StrokeDraw = { ...strokeDraw, attr: { flags: LineFlags.Styled, style: [6 * 16, 3 * 16] } };
let strokePixels = 0;
for (let i = 0; i + 1 < strokePoints.length; i++) {
  const a = strokePoints[i]!;
  const b = strokePoints[i + 1]!;
  strokePixels += Math.max(Math.abs(b.x - a.x), Math.abs(b.y - a.y)) / 16;
}

// An 80-glyph line of 8x16 A1 glyphs, as a terminal writes it.
const glyphData = new Uint8Array(16).map((_, i) => (i * 37) & 0xff);
const glyphs: RasterGlyph[] = Array.from({ length: 80 }, (_, i) => ({
  renderPos: { x: 8 * i, y: 112 },
  glyphOrigin: { x: 0, y: -12 },
  width: 8,
  height: 16,
  data: glyphData,
}));
const str: GlyphString = { flags: StringFlags.RasterA1, glyphs };
const textDraw: TextDraw = {
  str,
  backArea: { top: 100, left: 0, bottom: 116, right: 640 },
  foreBrush: { type: BrushType.Solid, color: 0xffffff },
  backBrush: { type: BrushType.Solid, color: 0x000000 },
  foreMode: Ropd.OpPut,
  backMode: Ropd.OpPut,
};
const textBox = { top: 100, left: 0, bottom: 116, right: 640 };

describe('canvas, 1024x768: stroke, composite, text', () => {
  bench('composite: OVER, ARGB source', () => {
    drawComposite(surface, full, none, overDraw);
  });
  bench('composite: SRC, ARGB source', () => {
    drawComposite(surface, full, none, srcDraw);
  });
  bench('composite: OVER, a8 mask', () => {
    drawComposite(surface, full, none, maskedDraw);
  });
  bench('composite: OVER, 2x bilinear transform', () => {
    drawComposite(surface, full, none, scaledDraw);
  });
  bench('composite: ADD onto an A8 surface', () => {
    drawComposite(a8Surface, full, none, a8Draw);
  });
  bench('stroke: 200 thin lines', () => {
    drawStroke(surface, full, none, strokeDraw);
  });
  bench('stroke: 200 dashed lines', () => {
    drawStroke(surface, full, none, dashedDraw);
  });
  bench('text: 80-glyph A1 string with back area', () => {
    drawText(surface, textBox, none, textDraw);
  });
});

/** Milliseconds per call, after a warm-up, over about 300 ms. */
const time = (fn: () => void): number => {
  fn();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 300) {
    fn();
    n++;
  }
  return (performance.now() - start) / n;
};
const MPIXELS = (W * H) / 1e6;
const figures: [string, () => string][] = [
  [
    'fill solid put',
    () => `${(MPIXELS / time(() => drawSolidFill(surface, full, none, 0x336699)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'fill 8x8 pattern',
    () =>
      `${(MPIXELS / time(() => drawFill(surface, full, none, { type: BrushType.Pattern, pattern, pos: { x: 3, y: 5 } }, Ropd.OpPut)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'copy 32-bit put',
    () =>
      `${(MPIXELS / time(() => drawCopy(surface, full, none, { image, srcArea: full }, Ropd.OpPut)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'copy and',
    () =>
      `${(MPIXELS / time(() => drawCopy(surface, full, none, { image, srcArea: full }, Ropd.OpAnd)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'alpha blend src alpha',
    () =>
      `${(MPIXELS / time(() => drawAlphaBlend(surface, full, none, { image: alphaImage, srcArea: full }, 255)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'alpha blend global 128',
    () =>
      `${(MPIXELS / time(() => drawAlphaBlend(surface, full, none, { image, srcArea: full }, 128)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'composite OVER',
    () => `${(MPIXELS / time(() => drawComposite(surface, full, none, overDraw)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'composite SRC',
    () => `${(MPIXELS / time(() => drawComposite(surface, full, none, srcDraw)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'composite OVER a8 mask',
    () => `${(MPIXELS / time(() => drawComposite(surface, full, none, maskedDraw)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'composite OVER bilinear 2x',
    () => `${(MPIXELS / time(() => drawComposite(surface, full, none, scaledDraw)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'composite ADD on A8',
    () => `${(MPIXELS / time(() => drawComposite(a8Surface, full, none, a8Draw)) / 1e-3).toFixed(0)} Mpixels/s`,
  ],
  [
    'stroke thin lines',
    () =>
      `${(strokePixels / time(() => drawStroke(surface, full, none, strokeDraw)) / 1e3).toFixed(1)} Mpixels/s of line`,
  ],
  [
    'stroke dashed lines',
    () =>
      `${(strokePixels / time(() => drawStroke(surface, full, none, dashedDraw)) / 1e3).toFixed(1)} Mpixels/s of line`,
  ],
  [
    'text 80 A1 glyphs',
    () => `${(1 / time(() => drawText(surface, textBox, none, textDraw)) / 1e-3).toFixed(0)} glyph strings/s`,
  ],
];

afterAll(() => {
  // Measured after the benches ran, so the code is warm; 1024x768 surfaces.
  const lines = figures.map(([name, figure]) => `${name.padEnd(28)} ${figure()}`);
  process.stdout.write(`\ncanvas figures (1024x768)\n${lines.join('\n')}\n`);
});
