import { ImageScaleMode, type Rect } from '@spice-ts/protocol';
import { BadArgumentError } from './errors.js';
import type { CanvasImage } from './image.js';
import { MAX_SURFACE_SIDE } from './surface.js';

/** pixman's bilinear weights have 7 bits (BILINEAR_INTERPOLATION_BITS in pixman-private.h). */
const BILINEAR_BITS = 7;
const BILINEAR_ONE = 1 << BILINEAR_BITS;

/** The 16.16 step pixman uses for `src` pixels over `dst` pixels (truncating, as sw_canvas). */
const fixedStep = (src: number, dst: number): number => Math.floor((src * 65536) / dst);

/**
 * Scales `area` of `src` to a new `width`×`height` image as sw_canvas asks pixman to: a 16.16
 * scale transform plus the area's origin, sampling at pixel centres, REPEAT_NONE over the whole
 * source image (samples outside it are 0); NEAREST picks floor(v - ε), INTERPOLATE is pixman's
 * bilinear filter with 7-bit weights. Pixels of an image without alpha read as alpha 0xff.
 * `part` (output coordinates) limits the work to the pixels needed; the result is part-sized.
 */
export function scaleImage(
  src: CanvasImage,
  area: Rect,
  width: number,
  height: number,
  mode: number,
  part: Rect = { left: 0, top: 0, right: width, bottom: height },
): CanvasImage {
  const ow = part.right - part.left;
  const oh = part.bottom - part.top;
  if (ow <= 0 || oh <= 0 || ow > MAX_SURFACE_SIDE || oh > MAX_SURFACE_SIDE) {
    throw new BadArgumentError(`scaled part ${ow}x${oh} outside 1..${MAX_SURFACE_SIDE}`);
  }
  const out = new Uint32Array(ow * oh);
  const fsx = fixedStep(area.right - area.left, width);
  const fsy = fixedStep(area.bottom - area.top, height);
  // transform(x + ½) rounded to 16.16 the way pixman_transform_point_3d rounds it.
  const vx0 = Math.floor((fsx * 32768 + 0x8000) / 65536) + area.left * 65536;
  const vy0 = Math.floor((fsy * 32768 + 0x8000) / 65536) + area.top * 65536;
  const alphaFill = src.hasAlpha ? 0 : 0xff000000 | 0;
  const sw = src.width;
  const sh = src.height;
  const words = new Int32Array(src.words.buffer, src.words.byteOffset, src.words.length);
  const stride = src.stride;
  const out32 = new Int32Array(out.buffer);
  if (mode === ImageScaleMode.Nearest) {
    const xs = new Int32Array(ow);
    for (let x = 0; x < ow; x++) xs[x] = Math.floor((vx0 + (x + part.left) * fsx - 1) / 65536);
    for (let y = 0; y < oh; y++) {
      const sy = Math.floor((vy0 + (y + part.top) * fsy - 1) / 65536);
      const o = y * ow;
      if (sy < 0 || sy >= sh) continue;
      const row = sy * stride;
      for (let x = 0; x < ow; x++) {
        const sx = xs[x]!;
        out32[o + x] = sx < 0 || sx >= sw ? 0 : words[row + sx]! | alphaFill;
      }
    }
  } else {
    // Per column: left sample index and 7-bit weight of the right sample.
    const xs = new Int32Array(ow);
    const wxs = new Int32Array(ow);
    for (let x = 0; x < ow; x++) {
      const fx = vx0 + (x + part.left) * fsx - 0x8000;
      xs[x] = Math.floor(fx / 65536);
      wxs[x] = Math.floor(fx / (1 << (16 - BILINEAR_BITS))) & (BILINEAR_ONE - 1);
    }
    const at = (x: number, y: number): number =>
      x < 0 || y < 0 || x >= sw || y >= sh ? 0 : words[y * stride + x]! | alphaFill;
    for (let y = 0; y < oh; y++) {
      const fy = vy0 + (y + part.top) * fsy - 0x8000;
      const y1 = Math.floor(fy / 65536);
      const wy = Math.floor(fy / (1 << (16 - BILINEAR_BITS))) & (BILINEAR_ONE - 1);
      const iy = BILINEAR_ONE - wy;
      const o = y * ow;
      for (let x = 0; x < ow; x++) {
        const x1 = xs[x]!;
        const wx = wxs[x]!;
        const ix = BILINEAR_ONE - wx;
        const tl = at(x1, y1);
        const tr = at(x1 + 1, y1);
        const bl = at(x1, y1 + 1);
        const br = at(x1 + 1, y1 + 1);
        const wtl = ix * iy;
        const wtr = wx * iy;
        const wbl = ix * wy;
        const wbr = wx * wy;
        const a =
          (((tl >>> 24) * wtl + (tr >>> 24) * wtr + (bl >>> 24) * wbl + (br >>> 24) * wbr) >>> (2 * BILINEAR_BITS)) &
          0xff;
        const r =
          ((((tl >> 16) & 0xff) * wtl +
            ((tr >> 16) & 0xff) * wtr +
            ((bl >> 16) & 0xff) * wbl +
            ((br >> 16) & 0xff) * wbr) >>>
            (2 * BILINEAR_BITS)) &
          0xff;
        const g =
          ((((tl >> 8) & 0xff) * wtl +
            ((tr >> 8) & 0xff) * wtr +
            ((bl >> 8) & 0xff) * wbl +
            ((br >> 8) & 0xff) * wbr) >>>
            (2 * BILINEAR_BITS)) &
          0xff;
        const b =
          (((tl & 0xff) * wtl + (tr & 0xff) * wtr + (bl & 0xff) * wbl + (br & 0xff) * wbr) >>> (2 * BILINEAR_BITS)) &
          0xff;
        out32[o + x] = (a << 24) | (r << 16) | (g << 8) | b;
      }
    }
  }
  return { width: ow, height: oh, stride: ow, words: out, hasAlpha: src.hasAlpha };
}
