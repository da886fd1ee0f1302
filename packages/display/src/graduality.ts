import type { XrgbPixels } from '@spice-ts/codecs';

/**
 * How "photographic" an image is, by upstream's sampling measure (spice-server
 * spice-bitmap-utils): pairs of neighbouring pixels score +0.5 when equal, +1 when they contrast
 * (a channel differs by 60 or more) and -0.25 when they differ slightly; the mean over samples
 * taken every 15 pixels decides. Smooth gradients (photos) score below -0.03: QUIC suits them;
 * flat or sharp-edged content (text, UI) scores high: LZ/GLZ suits it.
 */
export type Graduality = 'high' | 'medium' | 'low';

/** Mean score under which an image counts as highly gradual (24/32-bit threshold upstream). */
export const GRADUAL_HIGH_THRESHOLD = -0.03;
/** Mean score under which it counts as medium (upstream's permissive stream threshold). */
export const GRADUAL_MEDIUM_THRESHOLD = 0.002;
/** A channel difference at least this large is a contrast (24/32-bit pixels). */
const CONTRAST = 60;
/** Distance between samples, in pixels (upstream SAMPLE_JUMP). */
const SAMPLE_JUMP = 15;
const PAIR_SCORE = [0.5, 1.0, -0.25] as const;

/** 0: equal, 1: contrasting, 2: different without contrast. Pixels are xRGB words. */
function compare(a: number, b: number): 0 | 1 | 2 {
  if (a === b) return 0;
  const dr = ((a >>> 16) & 0xff) - ((b >>> 16) & 0xff);
  const dg = ((a >>> 8) & 0xff) - ((b >>> 8) & 0xff);
  const db = (a & 0xff) - (b & 0xff);
  if (dr <= -CONTRAST || dr >= CONTRAST || dg <= -CONTRAST || dg >= CONTRAST || db <= -CONTRAST || db >= CONTRAST)
    return 1;
  return dr !== 0 || dg !== 0 || db !== 0 ? 2 : 0;
}

/** The graduality of 32-bit pixels (top-down rows, any stride). */
export function bitmapGraduality(pixels: XrgbPixels): Graduality {
  const { width, height, stride, data } = pixels;
  let score: number;
  let samples: number;
  if (width <= 1 || height <= 1) {
    score = 1;
    samples = 1;
  } else {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const at = (i: number): number => {
      const row = Math.floor(i / width);
      return view.getUint32(row * stride + (i - row * width) * 4, true) & 0xffffff;
    };
    // The sample walk treats the rows as one run of width-pixel lines, as upstream does.
    const jump = SAMPLE_JUMP % width ? SAMPLE_JUMP : SAMPLE_JUMP - 1;
    const lastLine = (height - 1) * width;
    let sum = 0;
    let n = 0;
    for (let cur = width >> 1; cur < lastLine; cur += jump) {
      if ((cur + 1) % width === 0) cur -= 1; // the last pixel of a row has no right neighbour
      const p = at(cur);
      const c1 = compare(p, at(cur + 1));
      const c2 = compare(p, at(cur + width));
      const c3 = compare(p, at(cur + width + 1));
      if (c1 | c2 | c3) sum += PAIR_SCORE[c1] + PAIR_SCORE[c2] + PAIR_SCORE[c3];
      n += 1;
    }
    score = sum;
    samples = n * 3;
  }
  const mean = samples > 0 ? score / samples : 1;
  if (mean < GRADUAL_HIGH_THRESHOLD) return 'high';
  if (mean < GRADUAL_MEDIUM_THRESHOLD) return 'medium';
  return 'low';
}
