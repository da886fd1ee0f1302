import { type BitmapSource, bitmapToXrgb } from '@spice-ts/codecs';
import { BitmapFmt, SurfaceFmt } from '@spice-ts/protocol';
import type { SurfaceSampling } from './surface.js';

/**
 * A source image in the canvas format: 32-bit words 0xAARRGGBB, `stride` words a row, top-down.
 * `hasAlpha` says whether the top byte is alpha (premultiplied, as pixman's a8r8g8b8) or padding.
 */
export interface CanvasImage {
  readonly width: number;
  readonly height: number;
  /** Row length in 32-bit words. */
  readonly stride: number;
  readonly words: Uint32Array;
  readonly hasAlpha: boolean;
  /**
   * For a surface seen as an image (imageFromSurface): the surface's sampling state, shared with
   * the surface, which composites update and later reads of the surface obey.
   */
  readonly sampling?: SurfaceSampling;
}

/**
 * A SPICE bitmap as a canvas image. 32-bit and RGBA bitmaps stored top-down with a 4-aligned
 * stride are viewed in place when their offset is 4-aligned too (no copy; the view lives as long
 * as `source.data`), else copied in one piece; every other format is converted through
 * bitmapToXrgb.
 */
export function imageFromBitmap(source: BitmapSource): CanvasImage {
  const hasAlpha = source.format === BitmapFmt.Rgba || source.format === BitmapFmt.Bit8A;
  const { data } = source;
  if (
    (source.format === BitmapFmt.Bit32 || source.format === BitmapFmt.Rgba) &&
    source.topDown &&
    source.stride % 4 === 0 &&
    source.stride >= source.width * 4 &&
    source.width >= 1 &&
    source.height >= 1 &&
    data.byteLength >= source.stride * source.height
  ) {
    const n = (source.stride / 4) * source.height;
    // Rows at an unaligned offset (a view into a larger message) are copied once, whole.
    const words =
      data.byteOffset % 4 === 0
        ? new Uint32Array(data.buffer, data.byteOffset, n)
        : new Uint32Array(data.slice(0, n * 4).buffer);
    return { width: source.width, height: source.height, stride: source.stride / 4, words, hasAlpha };
  }
  const px = bitmapToXrgb(source);
  return {
    width: px.width,
    height: px.height,
    stride: px.width,
    words: new Uint32Array(px.data.buffer, px.data.byteOffset, px.width * px.height),
    hasAlpha,
  };
}

/** A canvas image of `width`×`height` words (a copy is not made; `words` is used as given). */
export function createCanvasImage(width: number, height: number, words?: Uint32Array, hasAlpha = false): CanvasImage {
  return { width, height, stride: width, words: words ?? new Uint32Array(width * height), hasAlpha };
}

/**
 * A surface seen as a source image (for SURFACE image references): the same memory, not a copy,
 * with alpha when the surface is ARGB. An A8 surface is copied into words 0xAA000000, the values
 * pixman fetches from an a8 image.
 */
export function imageFromSurface(surface: {
  readonly width: number;
  readonly height: number;
  readonly format: number;
  readonly words: Uint32Array;
  readonly pixels?: Uint8Array;
  readonly sampling?: SurfaceSampling;
}): CanvasImage {
  const sampling = surface.sampling ? { sampling: surface.sampling } : {};
  if (surface.format === SurfaceFmt.A8) {
    const n = surface.width * surface.height;
    const words = new Uint32Array(n);
    const bytes = surface.pixels ?? new Uint8Array(0);
    for (let i = 0; i < n; i++) words[i] = ((bytes[i] ?? 0) << 24) >>> 0;
    return { width: surface.width, height: surface.height, stride: surface.width, words, hasAlpha: true, ...sampling };
  }
  return {
    width: surface.width,
    height: surface.height,
    stride: surface.width,
    words: surface.words,
    hasAlpha: surface.format === SurfaceFmt.A8r8g8b8,
    ...sampling,
  };
}
