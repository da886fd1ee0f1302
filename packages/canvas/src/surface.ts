import { SurfaceFmt } from '@spice-ts/protocol';
import type { CompositeTransform } from './composite.js';
import { BadArgumentError, UnsupportedOperationError } from './errors.js';

/** Largest surface side accepted (well above any real display; keeps w×h×4 within a Uint8Array). */
export const MAX_SURFACE_SIDE = 16384;

/**
 * A drawing surface, rows top-down: 32-bit B,G,R,X (xRGB) or B,G,R,A (ARGB) per pixel, or one
 * alpha byte per pixel (A8, as pixman's a8 that sw_canvas gives such surfaces).
 */
export interface CanvasSurface {
  readonly width: number;
  readonly height: number;
  /** Row length in bytes (width × 4, or width for A8). */
  readonly stride: number;
  readonly format: number;
  readonly pixels: Uint8Array;
  /** The same memory as 32-bit words (0xAARRGGBB on little-endian hosts); empty for A8 surfaces. */
  readonly words: Uint32Array;
  /**
   * The sampling state the client leaves on the surface's own pixman image (spice-gtk hands that
   * image out for SURFACE images and never resets what COMPOSITE sets on it). Absent: none kept.
   */
  readonly sampling?: SurfaceSampling;
}

/**
 * Transform, filter and repeat of a surface's pixman image in the client: DRAW_COMPOSITE sets
 * them when it reads the surface (transform only with HAS_*_TRANSFORM) and they stay; scaled
 * reads (COPY, ALPHA_BLEND, … with a srcArea of another size) set the filter and reset the
 * transform; an unscaled ALPHA_BLEND reads the surface through them.
 */
export interface SurfaceSampling {
  /** Affine transform (16.16), null for identity. */
  transform: CompositeTransform | null;
  /** pixman_filter_t (Filter). */
  filter: number;
  /** pixman_repeat_t (Repeat). */
  repeat: number;
}

/** The state of a fresh pixman image: identity, FAST (nearest), no repeat. */
export const createSurfaceSampling = (): SurfaceSampling => ({ transform: null, filter: 0, repeat: 0 });

/** Whether the surface holds one alpha byte a pixel (SURFACE_FMT_8_A). */
export const isA8Surface = (surface: { readonly format: number }): boolean => surface.format === SurfaceFmt.A8;

/** Throws UnsupportedOperationError for an A8 surface: `what` draws on 32-bit surfaces only. */
export function assertWordSurface(surface: { readonly format: number }, what: string): void {
  if (surface.format === SurfaceFmt.A8) throw new UnsupportedOperationError(`${what} on an A8 surface`);
}

/** Bytes a pixel of a surface format takes. */
const bytesPerPixel = (format: number): number => (format === SurfaceFmt.A8 ? 1 : 4);

export function createCanvasSurface(
  width: number,
  height: number,
  format: number = SurfaceFmt.X8r8g8b8,
): CanvasSurface {
  if (format !== SurfaceFmt.X8r8g8b8 && format !== SurfaceFmt.A8r8g8b8 && format !== SurfaceFmt.A8) {
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
  const bpp = bytesPerPixel(format);
  const pixels = new Uint8Array(width * height * bpp);
  const words = bpp === 4 ? new Uint32Array(pixels.buffer) : new Uint32Array(0);
  return { width, height, stride: width * bpp, format, pixels, words, sampling: createSurfaceSampling() };
}

/** A packed copy of a rectangle of the surface (stride = width × 4, or width for A8). */
export function readArea(
  surface: CanvasSurface,
  area: { top: number; left: number; bottom: number; right: number },
): Uint8Array {
  const w = area.right - area.left;
  const h = area.bottom - area.top;
  if (w < 0 || h < 0 || area.left < 0 || area.top < 0 || area.right > surface.width || area.bottom > surface.height) {
    throw new BadArgumentError('area outside the surface');
  }
  const bpp = bytesPerPixel(surface.format);
  const out = new Uint8Array(w * h * bpp);
  for (let y = 0; y < h; y++) {
    const from = (area.top + y) * surface.stride + area.left * bpp;
    out.set(surface.pixels.subarray(from, from + w * bpp), y * w * bpp);
  }
  return out;
}
