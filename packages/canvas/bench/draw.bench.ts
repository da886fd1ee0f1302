import { BitmapFmt, ClipType } from '@spice-ts/protocol';
import { bench, describe } from 'vitest';
import { createCanvasSurface, drawCopyBitmap, drawSolidFill } from '../src/index.js';

const surface = createCanvasSurface(1024, 768);
const full = { top: 0, left: 0, bottom: 768, right: 1024 };
const src = {
  format: BitmapFmt.Bit32,
  width: 1024,
  height: 768,
  stride: 4096,
  topDown: true,
  data: new Uint8Array(1024 * 768 * 4),
};
const tile = {
  format: BitmapFmt.Bit32,
  width: 64,
  height: 64,
  stride: 256,
  topDown: true,
  data: new Uint8Array(64 * 64 * 4),
};

describe('canvas, 1024x768 xRGB surface', () => {
  bench('solid fill of the whole surface', () => {
    drawSolidFill(surface, full, { type: ClipType.None }, 0x336699);
  });
  bench('bitmap copy of the whole surface', () => {
    drawCopyBitmap(surface, full, { type: ClipType.None }, src, full);
  });
  bench('bitmap copy of a 64x64 tile', () => {
    drawCopyBitmap(surface, { top: 100, left: 100, bottom: 164, right: 164 }, { type: ClipType.None }, tile, {
      top: 0,
      left: 0,
      bottom: 64,
      right: 64,
    });
  });
});
