import { SurfaceFmt } from '@spice-ts/protocol';
import { BadArgumentError, UnsupportedOperationError } from './errors.js';

/** Largest surface side accepted (well above any real display; keeps w×h×4 within a Uint8Array). */
export const MAX_SURFACE_SIDE = 16384;

/** A 32-bit drawing surface: B,G,R,X (xRGB) or B,G,R,A (ARGB) per pixel, rows top-down. */
export interface CanvasSurface {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly format: number;
  readonly pixels: Uint8Array;
  /** The same memory as 32-bit words (0xAARRGGBB on little-endian hosts). */
  readonly words: Uint32Array;
}

export function createCanvasSurface(
  width: number,
  height: number,
  format: number = SurfaceFmt.X8r8g8b8,
): CanvasSurface {
  if (format !== SurfaceFmt.X8r8g8b8 && format !== SurfaceFmt.A8r8g8b8) {
    throw new UnsupportedOperationError(`surface format ${format}`);
  }
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    width > MAX_SURFACE_SIDE ||
    height > MAX_SURFACE_SIDE
  ) {
    throw new BadArgumentError(`surface size ${width}x${height} outside 1..${MAX_SURFACE_SIDE}`);
  }
  const pixels = new Uint8Array(width * height * 4);
  return { width, height, stride: width * 4, format, pixels, words: new Uint32Array(pixels.buffer) };
}

/** A packed copy of a rectangle of the surface (stride = width × 4). */
export function readArea(
  surface: CanvasSurface,
  area: { top: number; left: number; bottom: number; right: number },
): Uint8Array {
  const w = area.right - area.left;
  const h = area.bottom - area.top;
  if (w < 0 || h < 0 || area.left < 0 || area.top < 0 || area.right > surface.width || area.bottom > surface.height) {
    throw new BadArgumentError('area outside the surface');
  }
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const from = (area.top + y) * surface.stride + area.left * 4;
    out.set(surface.pixels.subarray(from, from + w * 4), y * w * 4);
  }
  return out;
}
