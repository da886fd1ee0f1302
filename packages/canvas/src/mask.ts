import type { Clip } from '@spice-ts/protocol';
import { BitmapFlags, BitmapFmt, MaskFlags, type Point, type Rect } from '@spice-ts/protocol';
import { clipRects } from './rect.js';

/**
 * A 1-bit mask as canvas_base reads a qmask bitmap: `bits` rows top-down, `stride` bytes each;
 * `msbFirst` false means pixel x is bit (x & 7) of byte x >> 3 (1BIT_LE), true means bit
 * 7 - (x & 7) (1BIT_BE). A set bit lets the draw through; the palette plays no part.
 */
export interface A1Mask {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly bits: Uint8Array;
  readonly msbFirst: boolean;
}

/**
 * The A1 mask of a 1BIT_LE or 1BIT_BE bitmap (bottom-up rows are reordered into a copy; top-down
 * ones are used in place); null for any other format.
 */
export function a1MaskFromBitmap(b: {
  readonly format: number;
  readonly flags: number;
  readonly x: number;
  readonly y: number;
  readonly stride: number;
  readonly data: Uint8Array;
}): A1Mask | null {
  if (b.format !== BitmapFmt.Bit1Le && b.format !== BitmapFmt.Bit1Be) return null;
  const msbFirst = b.format === BitmapFmt.Bit1Be;
  if (b.flags & BitmapFlags.TopDown) return { width: b.x, height: b.y, stride: b.stride, bits: b.data, msbFirst };
  const bits = new Uint8Array(b.stride * b.y);
  for (let y = 0; y < b.y; y++) bits.set(b.data.subarray((b.y - 1 - y) * b.stride, (b.y - y) * b.stride), y * b.stride);
  return { width: b.x, height: b.y, stride: b.stride, bits, msbFirst };
}

/** A qmask ready to draw with: flags (MaskFlags.Invers), position in the mask, and the bitmap. */
export interface CanvasMask {
  readonly flags: number;
  readonly pos: Point;
  readonly mask: A1Mask | null;
}

/** Called once per horizontal run of pixels [x0, x1) on row y that a draw touches. */
export type SpanCallback = (y: number, x0: number, x1: number) => void;

/**
 * Walks the pixels a draw touches: its box cut by the surface, the clip rectangles and the qmask.
 * The mask pixel for destination (x, y) is (x - box.left + pos.x, y - box.top + pos.y); pixels
 * outside the mask bitmap are never drawn, with or without the invert flag (as canvas_mask_pixman).
 */
export function forEachSpan(
  box: Rect,
  clip: Clip,
  width: number,
  height: number,
  mask: CanvasMask | null | undefined,
  fn: SpanCallback,
): void {
  const rects = clipRects(box, clip, width, height);
  const m = mask?.mask ?? null;
  if (!mask || !m) {
    for (const r of rects) for (let y = r.top; y < r.bottom; y++) fn(y, r.left, r.right);
    return;
  }
  const invert = (mask.flags & MaskFlags.Invers) !== 0;
  const dx = mask.pos.x - box.left;
  const dy = mask.pos.y - box.top;
  for (const r of rects) {
    const x0 = Math.max(r.left, -dx);
    const x1 = Math.min(r.right, m.width - dx);
    if (x0 >= x1) continue;
    for (let y = r.top; y < r.bottom; y++) {
      const my = y + dy;
      if (my < 0 || my >= m.height) continue;
      const row = my * m.stride;
      let start = -1;
      for (let x = x0; x < x1; x++) {
        const mx = x + dx;
        const byte = m.bits[row + (mx >> 3)]!;
        let on = (m.msbFirst ? byte >> (7 - (mx & 7)) : byte >> (mx & 7)) & 1;
        if (invert) on ^= 1;
        if (on) {
          if (start < 0) start = x;
        } else if (start >= 0) {
          fn(y, start, x);
          start = -1;
        }
      }
      if (start >= 0) fn(y, start, x1);
    }
  }
}
