import {
  decodeJpeg,
  decodeJpegAlpha,
  decodeLz,
  decodeLz4,
  decodeQuic,
  decodeZlibGlz,
  LzImageType,
  QuicImageType,
  type XrgbPixels,
  ZLIB_GLZ_HEADER_SIZE,
} from '@spice-ts/codecs';
import { BitmapFlags, BitmapFmt, ImageFlags, ImageType, type SpiceImage } from '@spice-ts/protocol';
import { BadArgumentError, InvalidImageError, UnsupportedOperationError } from './errors.js';
import { type CanvasImage, imageFromBitmap, imageFromSurface } from './image.js';
import type { AnyImage, ImageContext, PaletteCache } from './image-context.js';
import { type A1Mask, a1MaskFromBitmap } from './mask.js';

/** An inline palette in either protocol form (hand-written `entries`, generated `ents`). */
type AnyPalette = { unique: bigint; entries: Uint32Array } | { unique: bigint; ents: number[] };

/** The body of an image, whichever form carried it. */
type ImageBody =
  | {
      kind: 'bitmap';
      bitmap: { format: number; flags: number; x: number; y: number; stride: number; data: Uint8Array };
      palette: AnyPalette | null;
      paletteId: bigint | undefined;
    }
  | { kind: 'binary'; data: Uint8Array }
  | { kind: 'lz-plt'; flags: number; palette: AnyPalette | null; paletteId: bigint | undefined; data: Uint8Array }
  | { kind: 'zlib-glz'; body: Uint8Array }
  | { kind: 'jpeg-alpha'; flags: number; jpegSize: number; data: Uint8Array }
  | { kind: 'surface'; surfaceId: number }
  | { kind: 'cache' }
  | { kind: 'none' };

const isSpiceImage = (image: AnyImage): image is SpiceImage => 'kind' in image;

/** The ZLIB_GLZ_RGB body decodeZlibGlz reads (glz_data_size, data_size, stream) from the generated form. */
function zlibGlzBody(glzDataSize: number, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(ZLIB_GLZ_HEADER_SIZE + data.byteLength);
  const view = new DataView(body.buffer);
  view.setUint32(0, glzDataSize, true);
  view.setUint32(4, data.byteLength, true);
  body.set(data, ZLIB_GLZ_HEADER_SIZE);
  return body;
}

function bodyOf(image: AnyImage): ImageBody {
  if (isSpiceImage(image)) {
    switch (image.kind) {
      case 'bitmap': {
        const b = image.bitmap;
        return { kind: 'bitmap', bitmap: b, palette: b.palette, paletteId: b.paletteId };
      }
      case 'binary':
        return image.descriptor.type === ImageType.ZlibGlzRgb
          ? { kind: 'zlib-glz', body: image.data }
          : { kind: 'binary', data: image.data };
      case 'surface':
        return { kind: 'surface', surfaceId: image.surfaceId };
      case 'cache':
        return { kind: 'cache' };
    }
  }
  const w = image;
  if (w.bitmap)
    return { kind: 'bitmap', bitmap: w.bitmap, palette: w.bitmap.palette ?? null, paletteId: w.bitmap.paletteId };
  const binary = w.quic ?? w.lzRgb ?? w.jpeg ?? w.lz4;
  if (binary) return { kind: 'binary', data: binary.data };
  if (w.lzPlt)
    return {
      kind: 'lz-plt',
      flags: w.lzPlt.flags,
      palette: w.lzPlt.palette ?? null,
      paletteId: w.lzPlt.paletteId,
      data: w.lzPlt.data,
    };
  if (w.jpegAlpha)
    return { kind: 'jpeg-alpha', flags: w.jpegAlpha.flags, jpegSize: w.jpegAlpha.jpegSize, data: w.jpegAlpha.data };
  if (w.zlibGlz) return { kind: 'zlib-glz', body: zlibGlzBody(w.zlibGlz.glzDataSize, w.zlibGlz.data) };
  if (w.surfaceId !== undefined) return { kind: 'surface', surfaceId: w.surfaceId };
  const t = w.descriptor.type;
  if (t === ImageType.FromCache || t === ImageType.FromCacheLossless) return { kind: 'cache' };
  return { kind: 'none' };
}

const paletteEntries = (p: AnyPalette): Uint32Array => ('entries' in p ? p.entries : Uint32Array.from(p.ents));

/**
 * The palette of a bitmap or LZ_PLT image, as canvas_get_palette finds it: from the palette cache
 * with PAL_FROM_CACHE, else inline (and stored with PAL_CACHE_ME).
 */
function paletteOf(
  flags: number,
  inline: AnyPalette | null,
  paletteId: bigint | undefined,
  cache: PaletteCache | undefined,
): Uint32Array | null {
  if (flags & BitmapFlags.PalFromCache) {
    if (!cache) throw new BadArgumentError('a PAL_FROM_CACHE image needs a paletteCache in the image context');
    const cached = cache.get(paletteId ?? 0n);
    if (!cached) throw new InvalidImageError(`palette ${paletteId ?? 0n} is not in the palette cache`);
    return cached;
  }
  if (!inline) return null;
  const entries = paletteEntries(inline);
  if (flags & BitmapFlags.PalCacheMe && cache) cache.set(inline.unique, entries);
  return entries;
}

const fromPixels = (px: XrgbPixels, hasAlpha: boolean): CanvasImage => ({
  width: px.width,
  height: px.height,
  stride: px.stride / 4,
  words: new Uint32Array(px.data.buffer, px.data.byteOffset, (px.stride / 4) * px.height),
  hasAlpha,
});

function checkSize(what: string, image: AnyImage, width: number, height: number): void {
  const d = image.descriptor;
  if (d.width !== width || d.height !== height)
    throw new InvalidImageError(`${what} of ${width}x${height} in an image descriptor of ${d.width}x${d.height}`);
}

/** The JPEG decoders' pixel limit for the context's byte limit (4 bytes a decoded pixel). */
const jpegLimit = (context: ImageContext): { maxPixels?: number } =>
  context.maxImageBytes === undefined ? {} : { maxPixels: Math.floor(context.maxImageBytes / 4) };

function decodeGlz(image: AnyImage, glz: Uint8Array, context: ImageContext): CanvasImage {
  const win = context.glzWindow;
  if (!win) throw new BadArgumentError('a GLZ image needs a glzWindow in the image context');
  const decoded = win.decode(glz, context.maxImageBytes === undefined ? {} : { maxOutputBytes: context.maxImageBytes });
  checkSize('GLZ image', image, decoded.width, decoded.height);
  return fromPixels(decoded.pixels, decoded.type === LzImageType.Rgba);
}

function decodeLzImage(
  image: AnyImage,
  data: Uint8Array,
  palette: Uint32Array | null,
  context: ImageContext,
): CanvasImage {
  const options: { maxOutputBytes?: number; palette?: Uint32Array } = {};
  if (context.maxImageBytes !== undefined) options.maxOutputBytes = context.maxImageBytes;
  if (palette) options.palette = palette;
  const decoded = decodeLz(data, options);
  checkSize('LZ image', image, decoded.width, decoded.height);
  const t = decoded.type;
  if (t === LzImageType.Xxxa) throw new InvalidImageError('an LZ XXXA stream outside JPEG_ALPHA');
  return fromPixels(decoded.pixels, t === LzImageType.Rgba || t === LzImageType.A8);
}

/** Decodes an image body that is not a reference (no cache, no surface). */
function decodeBody(image: AnyImage, body: ImageBody, context: ImageContext): CanvasImage {
  const type = image.descriptor.type;
  const max = context.maxImageBytes === undefined ? {} : { maxOutputBytes: context.maxImageBytes };
  switch (body.kind) {
    case 'bitmap': {
      const b = body.bitmap;
      return imageFromBitmap({
        format: b.format,
        width: b.x,
        height: b.y,
        stride: b.stride,
        topDown: (b.flags & BitmapFlags.TopDown) !== 0,
        data: b.data,
        palette: paletteOf(b.flags, body.palette, body.paletteId, context.paletteCache),
      });
    }
    case 'lz-plt':
      return decodeLzImage(
        image,
        body.data,
        paletteOf(body.flags, body.palette, body.paletteId, context.paletteCache),
        context,
      );
    case 'zlib-glz':
      return decodeGlz(image, decodeZlibGlz(body.body), context);
    case 'jpeg-alpha': {
      const pixels = decodeJpegAlpha(body, jpegLimit(context));
      checkSize('JPEG_ALPHA image', image, pixels.width, pixels.height);
      return fromPixels(pixels, true);
    }
    case 'binary':
      switch (type) {
        case ImageType.Quic: {
          const decoded = decodeQuic(body.data, max);
          if (decoded.type === QuicImageType.Gray) throw new UnsupportedOperationError('a QUIC GRAY image');
          checkSize('QUIC image', image, decoded.width, decoded.height);
          return fromPixels(decoded.pixels, decoded.type === QuicImageType.Rgba);
        }
        case ImageType.LzRgb:
          return decodeLzImage(image, body.data, null, context);
        case ImageType.GlzRgb:
          return decodeGlz(image, body.data, context);
        case ImageType.Lz4: {
          const { width, height } = image.descriptor;
          const decoded = decodeLz4(body.data, { width, height, ...max });
          return fromPixels(decoded.pixels, decoded.format === BitmapFmt.Rgba);
        }
        case ImageType.Jpeg: {
          const decoded = decodeJpeg(body.data, jpegLimit(context));
          checkSize('JPEG image', image, decoded.width, decoded.height);
          return fromPixels(decoded.pixels, false);
        }
        default:
          throw new InvalidImageError(`image type ${type} with a binary body`);
      }
    default:
      throw new InvalidImageError(`image type ${type} without a body`);
  }
}

/** A copy that owns its words (for the cache: a view into a message must not outlive it). */
function owned(image: CanvasImage, body: ImageBody): CanvasImage {
  if (body.kind !== 'bitmap' || image.words.buffer !== body.bitmap.data.buffer) return image;
  const words = new Uint32Array(image.width * image.height);
  for (let y = 0; y < image.height; y++)
    words.set(image.words.subarray(y * image.stride, y * image.stride + image.width), y * image.width);
  return { width: image.width, height: image.height, stride: image.width, words, hasAlpha: image.hasAlpha };
}

/** HIGH_BITS_SET on an xRGB image: the padding byte becomes 0xff, as canvas_get_image_internal does. */
function setHighBits(image: CanvasImage, body: ImageBody): CanvasImage {
  const out = owned(image, body);
  const { words } = out;
  for (let i = 0; i < words.length; i++) words[i] = (words[i]! | 0xff000000) >>> 0;
  return out;
}

/**
 * Turns any image of a draw message into canvas pixels, as spice-common's canvas does for
 * spice-gtk: BITMAP (every format, palettes inline or cached), QUIC, LZ_RGB, LZ_PLT, GLZ_RGB and
 * ZLIB_GLZ_RGB (through `context.glzWindow`), LZ4, JPEG (xRGB) and JPEG_ALPHA (the generated form's
 * `jpegAlpha` body; colour with the alpha of its LZ stream), SURFACE (`context.surfaces`, the surface's own
 * memory, not a copy) and FROM_CACHE / FROM_CACHE_LOSSLESS (`context.pixmapCache`). Images flagged
 * CACHE_ME or CACHE_REPLACE_ME are stored in the pixmap cache when the context has one (an owned
 * copy when the pixels were a view of the message).
 *
 * Returns null when a reference cannot be followed (an id missing from the pixmap cache, an
 * unknown surface): the draw is then skipped, as the client skips it. Codec errors (CodecError of
 * @spice-ts/codecs, e.g. MissingReferenceError for GLZ) propagate; so does InvalidImageError for
 * an image whose decoded size contradicts its descriptor.
 */
export function resolveImage(image: AnyImage, context: ImageContext = {}): CanvasImage | null {
  const body = bodyOf(image);
  const { flags, id } = image.descriptor;
  if (body.kind === 'surface') {
    if (!context.surfaces) throw new BadArgumentError('a SURFACE image needs surfaces in the image context');
    const surface = context.surfaces.get(body.surfaceId);
    return surface ? imageFromSurface(surface) : null;
  }
  if (body.kind === 'cache') {
    if (!context.pixmapCache) throw new BadArgumentError('a FROM_CACHE image needs a pixmapCache in the image context');
    return context.pixmapCache.get(id) ?? null;
  }
  let decoded = decodeBody(image, body, context);
  if (flags & ImageFlags.HighBitsSet && !decoded.hasAlpha) decoded = setHighBits(decoded, body);
  if (flags & (ImageFlags.CacheMe | ImageFlags.CacheReplaceMe) && context.pixmapCache) {
    decoded = owned(decoded, body);
    context.pixmapCache.set(id, decoded);
  }
  return decoded;
}

/** A cached 1-bit mask as a canvas image: a set bit is 0xff000000 (pixman's a1 read as alpha). */
function imageFromA1(m: A1Mask): CanvasImage {
  const words = new Uint32Array(m.width * m.height);
  for (let y = 0; y < m.height; y++)
    for (let x = 0; x < m.width; x++) {
      const byte = m.bits[y * m.stride + (x >> 3)]!;
      const bit = m.msbFirst ? (byte >> (7 - (x & 7))) & 1 : (byte >> (x & 7)) & 1;
      if (bit) words[y * m.width + x] = 0xff000000;
    }
  return { width: m.width, height: m.height, stride: m.width, words, hasAlpha: true };
}

/** The 1-bit mask of a cached image: a pixel is set where its alpha (or, without alpha, any bit) is. */
function a1FromImage(image: CanvasImage): A1Mask {
  const stride = (image.width + 7) >> 3;
  const bits = new Uint8Array(stride * image.height);
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      const w = image.words[y * image.stride + x]!;
      if (image.hasAlpha ? w >>> 24 : w) bits[y * stride + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  return { width: image.width, height: image.height, stride, bits, msbFirst: true };
}

/**
 * The A1 mask of a qmask image, as canvas_get_mask reads it: a 1BIT_LE/1BIT_BE BITMAP (stored in
 * the pixmap cache when flagged CACHE_ME), or FROM_CACHE / FROM_CACHE_LOSSLESS. The mask is
 * returned as sent; the invert flag of the qmask is applied when drawing. Null on a cache miss;
 * other image kinds throw UnsupportedOperationError (the client takes no others).
 */
export function resolveMask(image: AnyImage, context: ImageContext = {}): A1Mask | null {
  const body = bodyOf(image);
  const { flags, id, type } = image.descriptor;
  if (body.kind === 'cache') {
    if (!context.pixmapCache) throw new BadArgumentError('a FROM_CACHE mask needs a pixmapCache in the image context');
    const cached = context.pixmapCache.get(id);
    return cached ? a1FromImage(cached) : null;
  }
  const mask = body.kind === 'bitmap' ? a1MaskFromBitmap(body.bitmap) : null;
  if (!mask)
    throw new UnsupportedOperationError(
      `a qmask image of type ${type}${body.kind === 'bitmap' ? ` format ${body.bitmap.format}` : ''}`,
    );
  if (flags & ImageFlags.CacheMe && context.pixmapCache) context.pixmapCache.set(id, imageFromA1(mask));
  return mask;
}

/** An ImageResolver that also reads qmasks (renderDrawMessage uses `mask` when it is there). */
export interface ContextImageResolver {
  (image: AnyImage): CanvasImage | null;
  readonly mask: (image: AnyImage) => A1Mask | null;
}

/**
 * An ImageResolver for renderDrawMessage over `context` (the render context of one client: its
 * GLZ window, caches and surfaces); its `mask` reads qmasks through the same context.
 */
export function createImageResolver(context: ImageContext = {}): ContextImageResolver {
  const resolve = (image: AnyImage): CanvasImage | null => resolveImage(image, context);
  return Object.assign(resolve, { mask: (image: AnyImage): A1Mask | null => resolveMask(image, context) });
}
