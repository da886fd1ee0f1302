import {
  createGlzDictionary,
  decodeJpeg,
  decodeJpegAlpha,
  encodeBitmapImage,
  encodeGlz,
  encodeGlzImage,
  encodeJpegAlphaImage,
  encodeJpegImage,
  encodeLz,
  encodeLz4Image,
  encodeLzImage,
  encodeQuicImage,
  encodeZlibGlz,
  GlzDecoderWindow,
  LzImageType,
  QuicImageType,
  type XrgbPixels,
} from '@spice-ts/codecs';
import {
  BitmapFlags,
  BitmapFmt,
  DisplayMsg,
  display,
  ImageFlags,
  ImageType,
  type SpiceImage,
  SurfaceFmt,
  type wire,
} from '@spice-ts/protocol';
import { describe, expect, it } from 'vitest';
import {
  type AnyImage,
  CanvasErrorCode,
  type CanvasImage,
  type CanvasSurface,
  createCanvasSurface,
  createImageResolver,
  type ImageContext,
  renderDrawMessage,
  resolveImage,
} from '../src/index.js';
import { NO_CLIP, prng, randomWord, rect } from './helpers.js';

const W = 13;
const H = 7;

/** Random xRGB pixels with runs (so the compressors find matches), alpha 0 or random. */
function pixels(seed: number, withAlpha = false, width = W, height = H): XrgbPixels {
  const r = prng(seed);
  const words = new Uint32Array(width * height);
  let v = randomWord(r);
  for (let i = 0; i < words.length; i++) {
    if (r() < 0.4) v = randomWord(r);
    words[i] = withAlpha ? v : v & 0xffffff;
  }
  return { width, height, stride: width * 4, data: new Uint8Array(words.buffer) };
}

const wordsOf = (px: XrgbPixels): Uint32Array =>
  new Uint32Array(px.data.buffer, px.data.byteOffset, px.width * px.height);

/** Renders `image` with DRAW_COPY onto a fresh surface of its size and returns the surface. */
function drawn(image: AnyImage, context: ImageContext = {}, width = W, height = H): CanvasSurface {
  const s = createCanvasSurface(width, height);
  s.words.fill(0x00abcdef);
  const ok = renderDrawMessage(
    s,
    DisplayMsg.DrawCopy,
    {
      base: { surfaceId: 0, box: rect(0, 0, width, height), clip: NO_CLIP },
      srcBitmap: image as SpiceImage,
      srcArea: rect(0, 0, width, height),
      ropDescriptor: 8,
      scaleMode: 1,
      mask: display.NO_MASK,
    },
    createImageResolver(context),
  );
  expect(ok).toBe(true);
  return s;
}

/** The RGB of every pixel (the X byte of an xRGB surface is not significant). */
const rgbOf = (words: Uint32Array): number[] => Array.from(words, (w) => w & 0xffffff);

const descriptor = (type: number, flags = 0, id = 7n, width = W, height = H) => ({ id, type, flags, width, height });

function bitmapImage(format: number, stride: number, data: Uint8Array, options: Partial<wire.BitmapData> = {}) {
  return {
    kind: 'bitmap' as const,
    descriptor: descriptor(ImageType.Bitmap, 0),
    bitmap: {
      format,
      flags: BitmapFlags.TopDown,
      x: W,
      y: H,
      stride,
      palette: null,
      data,
      ...options,
    },
  } as SpiceImage;
}

const PALETTE = Uint32Array.from({ length: 256 }, (_, i) => (i * 0x010305 + 0x203040) & 0xffffff);

/** Indexes of a W×H image, packed `bits` a pixel with LSB-first or MSB-first order. */
function packed(
  bits: number,
  msbFirst: boolean,
  seed: number,
): { indexes: number[]; stride: number; data: Uint8Array } {
  const r = prng(seed);
  const stride = Math.ceil((W * bits) / 8) + 1;
  const data = new Uint8Array(stride * H);
  const indexes: number[] = [];
  const per = 8 / bits;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const v = Math.floor(r() * (1 << bits));
      indexes.push(v);
      const slot = x % per;
      const shift = msbFirst ? 8 - bits * (slot + 1) : bits * slot;
      data[y * stride + Math.floor(x / per)]! |= v << shift;
    }
  return { indexes, stride, data };
}

describe('resolveImage: BITMAP', () => {
  it.each([
    ['1BIT_LE', BitmapFmt.Bit1Le, 1, false],
    ['1BIT_BE', BitmapFmt.Bit1Be, 1, true],
    ['4BIT_LE', BitmapFmt.Bit4Le, 4, false],
    ['4BIT_BE', BitmapFmt.Bit4Be, 4, true],
    ['8BIT', BitmapFmt.Bit8, 8, false],
  ])('draws a %s bitmap through its inline palette', (_name, format, bits, msbFirst) => {
    const { indexes, stride, data } = packed(bits, msbFirst, format);
    const entries = PALETTE.subarray(0, 1 << bits);
    const s = drawn(bitmapImage(format, stride, data, { palette: { unique: 1n, entries } } as never));
    expect(rgbOf(s.words)).toEqual(indexes.map((i) => entries[i]!));
  });

  it('stores a PAL_CACHE_ME palette and reads it back for PAL_FROM_CACHE', () => {
    const paletteCache = new Map<bigint, Uint32Array>();
    const first = packed(8, false, 1);
    drawn(
      bitmapImage(BitmapFmt.Bit8, first.stride, first.data, {
        flags: BitmapFlags.TopDown | BitmapFlags.PalCacheMe,
        palette: { unique: 42n, entries: PALETTE },
      } as never),
      { paletteCache },
    );
    expect(paletteCache.get(42n)).toEqual(PALETTE);
    const second = packed(8, false, 2);
    const s = drawn(
      bitmapImage(BitmapFmt.Bit8, second.stride, second.data, {
        flags: BitmapFlags.TopDown | BitmapFlags.PalFromCache,
        paletteId: 42n,
      } as never),
      { paletteCache },
    );
    expect(rgbOf(s.words)).toEqual(second.indexes.map((i) => PALETTE[i]!));
  });

  it('views an aligned 32-bit bitmap in place and copies an unaligned one once', () => {
    const src = pixels(4);
    const aligned = resolveImage(encodeBitmapImage(src, { id: 1n }))!;
    expect(aligned.words.buffer).toBe(src.data.buffer);
    const backing = new Uint8Array(src.data.byteLength + 3);
    backing.set(src.data, 3);
    const unaligned = resolveImage(encodeBitmapImage({ ...src, data: backing.subarray(3) }, { id: 2n }))!;
    expect(unaligned.words.buffer).not.toBe(backing.buffer);
    expect(Array.from(unaligned.words)).toEqual(Array.from(wordsOf(src)));
  });

  it('refuses PAL_FROM_CACHE with an unknown palette id (ERR_CANVAS_INVALID_IMAGE)', () => {
    const { stride, data } = packed(8, false, 3);
    const image = bitmapImage(BitmapFmt.Bit8, stride, data, {
      flags: BitmapFlags.PalFromCache,
      paletteId: 9n,
    } as never);
    expect(() => resolveImage(image, { paletteCache: new Map() })).toThrow(
      expect.objectContaining({ code: CanvasErrorCode.InvalidImage }),
    );
  });

  it('draws 16BIT (x1r5g5b5), 24BIT, 32BIT, RGBA and 8BIT_A bitmaps, top-down and bottom-up', () => {
    const r = prng(5);
    const src = Array.from({ length: W * H }, () => randomWord(r));
    const expand5 = (v: number) => (v << 3) | (v >> 2);
    const cases: {
      format: number;
      bpp: number;
      put: (d: DataView, at: number, v: number) => void;
      want: (v: number) => number;
    }[] = [
      {
        format: BitmapFmt.Bit16,
        bpp: 2,
        put: (d, at, v) => d.setUint16(at, v & 0x7fff, true),
        want: (v) => (expand5((v >> 10) & 31) << 16) | (expand5((v >> 5) & 31) << 8) | expand5(v & 31),
      },
      {
        format: BitmapFmt.Bit24,
        bpp: 3,
        put: (d, at, v) => {
          d.setUint16(at, v & 0xffff, true);
          d.setUint8(at + 2, (v >> 16) & 0xff);
        },
        want: (v) => v & 0xffffff,
      },
      { format: BitmapFmt.Bit32, bpp: 4, put: (d, at, v) => d.setUint32(at, v, true), want: (v) => v & 0xffffff },
      { format: BitmapFmt.Rgba, bpp: 4, put: (d, at, v) => d.setUint32(at, v, true), want: (v) => v & 0xffffff },
    ];
    for (const c of cases)
      for (const topDown of [true, false]) {
        const stride = W * c.bpp + 2;
        const data = new Uint8Array(stride * H);
        const view = new DataView(data.buffer);
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++) c.put(view, (topDown ? y : H - 1 - y) * stride + x * c.bpp, src[y * W + x]!);
        const image = bitmapImage(c.format, stride, data, { flags: topDown ? BitmapFlags.TopDown : 0 } as never);
        const resolved = resolveImage(image)!;
        expect(resolved.hasAlpha).toBe(c.format === BitmapFmt.Rgba);
        // RGBA keeps its alpha byte; the colour is drawn as sent.
        if (c.format === BitmapFmt.Rgba) expect(resolved.words[resolved.stride + 1]).toBe(src[W + 1]! >>> 0);
        expect(rgbOf(drawn(image).words), `format ${c.format} topDown ${topDown}`).toEqual(src.map(c.want));
      }
    // 8BIT_A: one alpha byte a pixel, as pixman fetches a8 (alpha in the top byte, colour 0).
    const a8 = Uint8Array.from(src.map((v) => v & 0xff));
    const resolved = resolveImage(bitmapImage(BitmapFmt.Bit8A, W, a8))!;
    expect(resolved.hasAlpha).toBe(true);
    expect(Array.from(resolved.words)).toEqual(Array.from(a8, (a) => (a << 24) >>> 0));
  });
});

describe('resolveImage: compressed images', () => {
  it('draws QUIC RGB32 and RGBA images pixel for pixel', () => {
    const rgb = pixels(11);
    const s = drawn(encodeQuicImage(rgb, { id: 1n }));
    expect(rgbOf(s.words)).toEqual(rgbOf(wordsOf(rgb)));
    const rgba = pixels(12, true);
    const image = encodeQuicImage(rgba, { id: 2n, type: QuicImageType.Rgba });
    const resolved = resolveImage(image)!;
    expect(resolved.hasAlpha).toBe(true);
    expect(Array.from(resolved.words)).toEqual(Array.from(wordsOf(rgba)));
    expect(rgbOf(drawn(image).words)).toEqual(rgbOf(wordsOf(rgba)));
  });

  it('draws LZ_RGB images (RGB32 and RGBA, top-down and bottom-up)', () => {
    for (const topDown of [true, false]) {
      const rgb = pixels(21);
      expect(rgbOf(drawn(encodeLzImage(rgb, { id: 1n, topDown })).words)).toEqual(rgbOf(wordsOf(rgb)));
      const rgba = pixels(22, true);
      const resolved = resolveImage(encodeLzImage(rgba, { id: 2n, topDown, type: LzImageType.Rgba }))!;
      expect(resolved.hasAlpha).toBe(true);
      expect(Array.from(resolved.words)).toEqual(Array.from(wordsOf(rgba)));
    }
  });

  it.each([
    ['PLT1_LE', LzImageType.Plt1Le, 1, false],
    ['PLT1_BE', LzImageType.Plt1Be, 1, true],
    ['PLT4_LE', LzImageType.Plt4Le, 4, false],
    ['PLT4_BE', LzImageType.Plt4Be, 4, true],
    ['PLT8', LzImageType.Plt8, 8, false],
  ])('draws an LZ_PLT %s image with its palette, inline and from the palette cache', (_n, type, bits, msbFirst) => {
    const { indexes, stride, data } = packed(bits, msbFirst, 30 + type);
    const lz = encodeLz({ width: W, height: H, stride, data }, type);
    const entries = PALETTE.subarray(0, 1 << bits);
    const want = indexes.map((i) => entries[i]!);
    const paletteCache = new Map<bigint, Uint32Array>();
    const inline: wire.Image = {
      descriptor: descriptor(ImageType.LzPlt),
      lzPlt: { flags: BitmapFlags.PalCacheMe, palette: { unique: 5n, ents: Array.from(entries) }, data: lz },
    };
    expect(rgbOf(drawn(inline, { paletteCache }).words)).toEqual(want);
    const cached: wire.Image = {
      descriptor: descriptor(ImageType.LzPlt),
      lzPlt: { flags: BitmapFlags.PalFromCache, paletteId: 5n, data: lz },
    };
    expect(rgbOf(drawn(cached, { paletteCache }).words)).toEqual(want);
  });

  it('draws GLZ_RGB images through the client window, later ones referring to earlier ones', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 16 });
    const glzWindow = new GlzDecoderWindow();
    const a = pixels(41);
    const b = pixels(41); // the same pixels: the second image is coded as references to the first
    wordsOf(b)[5] = 0x123456;
    const first = encodeGlzImage(dict, a, { id: 1n });
    const second = encodeGlzImage(dict, b, { id: 2n });
    expect(rgbOf(drawn(first, { glzWindow }).words)).toEqual(rgbOf(wordsOf(a)));
    expect(rgbOf(drawn(second, { glzWindow }).words)).toEqual(rgbOf(wordsOf(b)));
    expect(glzWindow.imageIds()).toHaveLength(2);
  });

  it('draws ZLIB_GLZ_RGB images in both protocol forms', () => {
    const dict = createGlzDictionary({ id: 0, windowSizePixels: 1 << 16 });
    const glzWindow = new GlzDecoderWindow();
    const big = pixels(51, false, 64, 32);
    const glz = encodeGlz(dict, big);
    const body = encodeZlibGlz(glz);
    expect(body).toBeDefined();
    const asBinary: SpiceImage = {
      kind: 'binary',
      descriptor: descriptor(ImageType.ZlibGlzRgb, 0, 1n, 64, 32),
      data: body!,
    };
    expect(rgbOf(drawn(asBinary, { glzWindow }, 64, 32).words)).toEqual(rgbOf(wordsOf(big)));

    const next = pixels(52, false, 64, 32);
    const nextBody = encodeZlibGlz(encodeGlz(dict, next))!;
    const view = new DataView(nextBody.buffer, nextBody.byteOffset);
    const asWire: wire.Image = {
      descriptor: descriptor(ImageType.ZlibGlzRgb, 0, 2n, 64, 32),
      zlibGlz: { glzDataSize: view.getUint32(0, true), data: nextBody.subarray(8) },
    };
    expect(rgbOf(drawn(asWire, { glzWindow }, 64, 32).words)).toEqual(rgbOf(wordsOf(next)));
  });

  it('draws LZ4 images of 16, 24, 32-bit and RGBA rows', () => {
    const rgb = pixels(61);
    expect(rgbOf(drawn(encodeLz4Image(rgb, { id: 1n })).words)).toEqual(rgbOf(wordsOf(rgb)));
    expect(rgbOf(drawn(encodeLz4Image(rgb, { id: 1n, topDown: false })).words)).toEqual(rgbOf(wordsOf(rgb)));
    const rgba = pixels(62, true);
    const resolved = resolveImage(encodeLz4Image(rgba, { id: 2n, format: BitmapFmt.Rgba }))!;
    expect(resolved.hasAlpha).toBe(true);
    expect(Array.from(resolved.words)).toEqual(Array.from(wordsOf(rgba)));

    const rows24 = new Uint8Array(W * 3 * H);
    const rows16 = new Uint8Array(W * 2 * H);
    const want24: number[] = [];
    const want16: number[] = [];
    const r = prng(63);
    for (let i = 0; i < W * H; i++) {
      const v = randomWord(r);
      rows24.set([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff], i * 3);
      want24.push(v & 0xffffff);
      const p = v & 0x7fff;
      rows16.set([p & 0xff, p >> 8], i * 2);
      const e = (c: number) => (c << 3) | (c >> 2);
      want16.push((e((p >> 10) & 31) << 16) | (e((p >> 5) & 31) << 8) | e(p & 31));
    }
    const img24 = encodeLz4Image(
      { width: W, height: H, stride: W * 3, data: rows24 },
      { id: 3n, format: BitmapFmt.Bit24 },
    );
    expect(rgbOf(drawn(img24).words)).toEqual(want24);
    const img16 = encodeLz4Image(
      { width: W, height: H, stride: W * 2, data: rows16 },
      { id: 4n, format: BitmapFmt.Bit16 },
    );
    expect(rgbOf(drawn(img16).words)).toEqual(want16);
  });

  it('decodes a JPEG image as the codecs decoder does, exactly', async () => {
    const image = await encodeJpegImage(pixels(81), { id: 8n });
    if (image.kind !== 'binary') throw new Error('a JPEG image has a binary body');
    const want = decodeJpeg(image.data).pixels;
    const resolved = resolveImage(image);
    expect(resolved?.hasAlpha).toBe(false);
    expect(rgbOf(drawn(image).words)).toEqual(rgbOf(wordsOf(want)));
  });

  it('decodes a JPEG_ALPHA image (generated form) to colour with its alpha, exactly', async () => {
    const image = await encodeJpegAlphaImage(pixels(82, true), { id: 9n });
    const body = image.jpegAlpha;
    if (!body) throw new Error('a JPEG_ALPHA image has a jpegAlpha body');
    const want = wordsOf(decodeJpegAlpha(body));
    const resolved = resolveImage(image);
    expect(resolved?.hasAlpha).toBe(true);
    expect(Array.from(resolved?.words ?? [])).toEqual(Array.from(want));
    expect(rgbOf(drawn(image).words)).toEqual(rgbOf(want));
  });

  it('checks a JPEG against its descriptor and the context size limit', async () => {
    const image = await encodeJpegImage(pixels(83), { id: 10n });
    const lying = { ...image, descriptor: { ...image.descriptor, height: H + 1 } } as SpiceImage;
    expect(() => resolveImage(lying)).toThrow(expect.objectContaining({ code: CanvasErrorCode.InvalidImage }));
    const alpha = await encodeJpegAlphaImage(pixels(84, true), { id: 11n });
    const lyingAlpha: wire.Image = { ...alpha, descriptor: { ...alpha.descriptor, width: W - 1 } };
    expect(() => resolveImage(lyingAlpha)).toThrow(expect.objectContaining({ code: CanvasErrorCode.InvalidImage }));
    expect(() => resolveImage(image, { maxImageBytes: W * H * 4 - 4 })).toThrow(/JPEG/);
    expect(resolveImage(image, { maxImageBytes: W * H * 4 })?.width).toBe(W);
  });

  it('refuses an image whose decoded size contradicts its descriptor', () => {
    const image = encodeLzImage(pixels(71), { id: 1n });
    const lying = { ...image, descriptor: { ...image.descriptor, width: W + 1 } } as SpiceImage;
    expect(() => resolveImage(lying)).toThrow(expect.objectContaining({ code: CanvasErrorCode.InvalidImage }));
  });

  it('says what is missing from the context for GLZ, SURFACE and FROM_CACHE images', () => {
    const glz = encodeGlzImage(createGlzDictionary({ id: 0, windowSizePixels: 1 << 16 }), pixels(72), { id: 1n });
    expect(() => resolveImage(glz)).toThrow(expect.objectContaining({ code: CanvasErrorCode.BadArgument }));
    const surface: SpiceImage = { kind: 'surface', descriptor: descriptor(ImageType.Surface), surfaceId: 1 };
    expect(() => resolveImage(surface)).toThrow(expect.objectContaining({ code: CanvasErrorCode.BadArgument }));
    const cache: SpiceImage = { kind: 'cache', descriptor: descriptor(ImageType.FromCache) };
    expect(() => resolveImage(cache)).toThrow(expect.objectContaining({ code: CanvasErrorCode.BadArgument }));
  });
});

describe('resolveImage: references', () => {
  it('draws a SURFACE image from the surface lookup, and skips an unknown surface', () => {
    const other = createCanvasSurface(W, H, SurfaceFmt.X8r8g8b8);
    const src = pixels(81);
    other.words.set(wordsOf(src));
    const surfaces = new Map<number, CanvasSurface>([[3, other]]);
    const image: SpiceImage = { kind: 'surface', descriptor: descriptor(ImageType.Surface), surfaceId: 3 };
    expect(rgbOf(drawn(image, { surfaces }).words)).toEqual(rgbOf(wordsOf(src)));
    const missing: wire.Image = { descriptor: descriptor(ImageType.Surface), surfaceId: 4 };
    const s = createCanvasSurface(W, H);
    const ok = renderDrawMessage(
      s,
      DisplayMsg.DrawCopy,
      {
        base: { surfaceId: 0, box: rect(0, 0, W, H), clip: NO_CLIP },
        srcBitmap: missing as unknown as SpiceImage,
        srcArea: rect(0, 0, W, H),
        ropDescriptor: 8,
        scaleMode: 1,
        mask: display.NO_MASK,
      },
      createImageResolver({ surfaces }),
    );
    expect(ok).toBe(false);
  });

  it('stores CACHE_ME images and draws FROM_CACHE and FROM_CACHE_LOSSLESS from the pixmap cache', () => {
    const pixmapCache = new Map<bigint, CanvasImage>();
    const src = pixels(91);
    const data = src.data.slice();
    const image = encodeBitmapImage({ ...src, data }, { id: 77n, flags: ImageFlags.CacheMe });
    drawn(image, { pixmapCache });
    expect(pixmapCache.has(77n)).toBe(true);
    // The cache holds its own copy: the message buffer may be reused afterwards.
    data.fill(0);
    for (const type of [ImageType.FromCache, ImageType.FromCacheLossless]) {
      const ref: SpiceImage = { kind: 'cache', descriptor: descriptor(type, 0, 77n) };
      expect(rgbOf(drawn(ref, { pixmapCache }).words)).toEqual(rgbOf(wordsOf(src)));
    }
    const compressed = encodeLzImage(pixels(92), { id: 78n, flags: ImageFlags.CacheMe });
    drawn(compressed, { pixmapCache });
    expect(rgbOf(pixmapCache.get(78n)!.words)).toEqual(rgbOf(wordsOf(pixels(92))));
  });

  it('skips a draw whose FROM_CACHE id is not in the cache', () => {
    const s = createCanvasSurface(W, H);
    const ok = renderDrawMessage(
      s,
      DisplayMsg.DrawCopy,
      {
        base: { surfaceId: 0, box: rect(0, 0, W, H), clip: NO_CLIP },
        srcBitmap: { kind: 'cache', descriptor: descriptor(ImageType.FromCache, 0, 5n) },
        srcArea: rect(0, 0, W, H),
        ropDescriptor: 8,
        scaleMode: 1,
        mask: display.NO_MASK,
      },
      createImageResolver({ pixmapCache: new Map() }),
    );
    expect(ok).toBe(false);
  });

  it('sets the padding byte of an xRGB image flagged HIGH_BITS_SET, without touching the message', () => {
    const src = pixels(93);
    const before = src.data.slice();
    const resolved = resolveImage(encodeBitmapImage(src, { id: 1n, flags: ImageFlags.HighBitsSet }))!;
    expect(Array.from(resolved.words)).toEqual(Array.from(wordsOf(src), (w) => (w | 0xff000000) >>> 0));
    expect(src.data).toEqual(before);
  });
});

describe('resolveMask: qmasks through the image context', () => {
  const maskBits = (flags: number, id: bigint): SpiceImage => ({
    kind: 'bitmap',
    descriptor: { id, type: ImageType.Bitmap, flags, width: 4, height: 2 },
    // 1BIT_LE, stored bottom-up: the top row is 0b0101 (pixels 0 and 2), the bottom row 0b0011.
    bitmap: {
      format: BitmapFmt.Bit1Le,
      flags: 0,
      x: 4,
      y: 2,
      stride: 1,
      palette: null,
      data: Uint8Array.of(0b0011, 0b0101),
    },
  });
  const fill = (mask: display.QMask, context: ImageContext): { ok: boolean; rows: number[] } => {
    const s = createCanvasSurface(4, 2);
    const ok = renderDrawMessage(
      s,
      DisplayMsg.DrawFill,
      {
        base: { surfaceId: 0, box: rect(0, 0, 4, 2), clip: NO_CLIP },
        brush: { type: 1, color: 0x00ff00 },
        ropDescriptor: 8,
        mask,
      },
      createImageResolver(context),
    );
    return { ok, rows: Array.from(s.words, (w) => (w & 0xffffff ? 1 : 0)) };
  };

  it('stores a CACHE_ME mask and draws the same through FROM_CACHE, inverted or not', () => {
    const pixmapCache = new Map<bigint, CanvasImage>();
    const pos = { x: 0, y: 0 };
    const direct = fill({ flags: 0, pos, bitmap: maskBits(ImageFlags.CacheMe, 9n) }, { pixmapCache });
    expect(direct).toEqual({ ok: true, rows: [1, 0, 1, 0, 1, 1, 0, 0] });
    expect(pixmapCache.has(9n)).toBe(true);
    const ref: SpiceImage = { kind: 'cache', descriptor: descriptor(ImageType.FromCache, 0, 9n, 4, 2) };
    expect(fill({ flags: 0, pos, bitmap: ref }, { pixmapCache })).toEqual(direct);
    const inverted = fill({ flags: 1, pos, bitmap: ref }, { pixmapCache });
    expect(inverted).toEqual({ ok: true, rows: [0, 1, 0, 1, 0, 0, 1, 1] });
    expect(fill({ flags: 1, pos, bitmap: maskBits(0, 10n) }, { pixmapCache })).toEqual(inverted);
  });

  it('skips a draw whose cached mask is missing and refuses compressed masks', () => {
    const ref: SpiceImage = { kind: 'cache', descriptor: descriptor(ImageType.FromCache, 0, 11n, 4, 2) };
    expect(fill({ flags: 0, pos: { x: 0, y: 0 }, bitmap: ref }, { pixmapCache: new Map() }).ok).toBe(false);
    const quic = encodeQuicImage(pixels(12, false, 4, 2), { id: 12n });
    expect(() => fill({ flags: 0, pos: { x: 0, y: 0 }, bitmap: quic }, {})).toThrow(
      expect.objectContaining({ code: CanvasErrorCode.Unsupported }),
    );
  });
});
