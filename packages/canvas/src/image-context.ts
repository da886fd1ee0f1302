import type { GlzDecoderWindow } from '@spice-ts/codecs';
import type { SpiceImage, wire } from '@spice-ts/protocol';
import type { CanvasImage } from './image.js';
import type { CanvasSurface } from './surface.js';

/**
 * An image as a draw message carries it: the hand-written `SpiceImage` of @spice-ts/protocol's
 * display messages, or the generated `wire.Image`, which also models LZ_PLT, ZLIB_GLZ_RGB and
 * JPEG_ALPHA. A `SpiceImage` of kind 'binary' with type ZLIB_GLZ_RGB holds the whole body
 * (glz_data_size, data_size, zlib stream), as `encodeZlibGlz` of @spice-ts/codecs returns it.
 */
export type AnyImage = SpiceImage | wire.Image;

/**
 * The client's pixmap cache (image id → decoded pixels): FROM_CACHE and FROM_CACHE_LOSSLESS read
 * it, images flagged CACHE_ME or CACHE_REPLACE_ME are stored in it. A `Map<bigint, CanvasImage>`
 * will do; eviction (INVAL_LIST, INVAL_ALL_PIXMAPS) is the owner's business.
 */
export interface PixmapCache {
  get(id: bigint): CanvasImage | undefined;
  set(id: bigint, image: CanvasImage): void;
}

/** The client's palette cache (palette unique → xRGB entries), for PAL_FROM_CACHE / PAL_CACHE_ME. */
export interface PaletteCache {
  get(id: bigint): Uint32Array | undefined;
  set(id: bigint, entries: Uint32Array): void;
}

/** The surfaces SURFACE images refer to, by surface id (a `Map<number, CanvasSurface>` will do). */
export interface SurfaceLookup {
  get(id: number): CanvasSurface | undefined;
}

/**
 * What image decoding needs beyond the image itself: the per-client state of spice-gtk's display
 * channel. Each part is optional; an image that needs a missing part throws BadArgumentError.
 */
export interface ImageContext {
  /** GLZ window of the client dictionary the GLZ_RGB and ZLIB_GLZ_RGB images come from. */
  glzWindow?: GlzDecoderWindow;
  /** Surfaces for SURFACE images. */
  surfaces?: SurfaceLookup;
  /** Pixmap cache for FROM_CACHE(_LOSSLESS) and CACHE_ME images. */
  pixmapCache?: PixmapCache;
  /** Palette cache for bitmaps and LZ_PLT images with PAL_FROM_CACHE or PAL_CACHE_ME. */
  paletteCache?: PaletteCache;
  /** Largest decoded image in bytes (width × height × 4) passed to the decoders; their default otherwise. */
  maxImageBytes?: number;
}
