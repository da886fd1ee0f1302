import { bitmapToXrgb } from '@spice-ts/codecs';
import { BitmapFmt, BrushType, ClipType, ImageScaleMode, Ropd } from '@spice-ts/protocol';
import { bench, describe } from 'vitest';
import {
  type CanvasSurface,
  createCanvasImage,
  createCanvasSurface,
  drawAlphaBlend,
  drawCopy,
  drawCopyBitmap,
  drawFill,
  drawRop3,
  drawSolidFill,
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
