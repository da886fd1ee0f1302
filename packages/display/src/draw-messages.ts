import type { OutgoingMessage } from '@spice-ts/channel';
import {
  bitmapToXrgb,
  type EncoderPool,
  encodeBitmapImage,
  encodeGlzImage,
  encodeLz4Image,
  encodeLzImage,
  encodeQuicImage,
  type GlzDictionary,
  LzImageType,
  QuicImageType,
  type XrgbPixels,
} from '@spice-ts/codecs';
import {
  BitmapFmt,
  BrushType,
  type Clip,
  ClipType,
  display,
  ImageCompression,
  ImageType,
  type SpiceImage,
} from '@spice-ts/protocol';
import { type QxlAnyDrawable, QxlBitmapFlag, type QxlBitmapImage, type QxlClip } from '@spice-ts/qxl';
import { UnsupportedDrawError } from './errors.js';
import { bitmapGraduality } from './graduality.js';

export function toClip(clip: QxlClip): Clip {
  return clip.type === 'none' ? { type: ClipType.None } : { type: ClipType.Rects, rects: clip.rects };
}

/**
 * How images are compressed for clients, as upstream's image-compression setting: `auto_glz` and
 * `auto_lz` pick QUIC for photo-like images and GLZ/LZ for the rest; `glz` needs the client's
 * dictionary (else LZ); `lz4` needs the client's LZ4 capability (else LZ). All are lossless.
 */
export type ImageCompressionMode = 'off' | 'auto_glz' | 'auto_lz' | 'quic' | 'glz' | 'lz' | 'lz4';

export const IMAGE_COMPRESSION_MODES: readonly ImageCompressionMode[] = [
  'off',
  'auto_glz',
  'auto_lz',
  'quic',
  'glz',
  'lz',
  'lz4',
];

/** SPICE_IMAGE_COMPRESSION_* numbers (PREFERRED_COMPRESSION) to modes. */
export const IMAGE_COMPRESSION_BY_NUMBER: Readonly<Record<number, ImageCompressionMode>> = {
  [ImageCompression.Off]: 'off',
  [ImageCompression.AutoGlz]: 'auto_glz',
  [ImageCompression.AutoLz]: 'auto_lz',
  [ImageCompression.Quic]: 'quic',
  [ImageCompression.Glz]: 'glz',
  [ImageCompression.Lz]: 'lz',
  [ImageCompression.Lz4]: 'lz4',
};

/** What one client's images are encoded with: its mode, its GLZ dictionary, its LZ4 capability. */
export interface ClientImageEncoding {
  mode: ImageCompressionMode;
  /** The GLZ dictionary shared by this client's display channels (null: no GLZ for it). */
  glz: GlzDictionary | null;
  /** The client announced SPICE_DISPLAY_CAP_LZ4_COMPRESSION. */
  lz4: boolean;
}

/** Images smaller than this go uncompressed (upstream MIN_SIZE_TO_COMPRESS, in bytes). */
export const MIN_SIZE_TO_COMPRESS = 54;
/** QUIC needs at least this many pixels each way (upstream MIN_DIMENSION_TO_QUIC). */
export const MIN_DIMENSION_TO_QUIC = 3;

/** The codec an image goes out with, by upstream's rules (dcc get_compression_for_bitmap). */
export function chooseCompression(
  pixels: XrgbPixels,
  encoding: ClientImageEncoding,
): 'off' | 'quic' | 'glz' | 'lz' | 'lz4' {
  if (pixels.height * pixels.width * 4 < MIN_SIZE_TO_COMPRESS) return 'off';
  const quicFits = pixels.width >= MIN_DIMENSION_TO_QUIC && pixels.height >= MIN_DIMENSION_TO_QUIC;
  let mode = encoding.mode;
  if (mode === 'off') return 'off';
  if (mode === 'quic') return quicFits ? 'quic' : 'off';
  if (mode === 'auto_glz' || mode === 'auto_lz') {
    if (quicFits && bitmapGraduality(pixels) === 'high') return 'quic';
    mode = mode === 'auto_lz' ? 'lz' : 'glz';
  }
  if (mode === 'glz' && !encoding.glz?.fits(pixels.width, pixels.height)) mode = 'lz';
  if (mode === 'lz4' && !encoding.lz4) mode = 'lz';
  return mode;
}

/**
 * The SPICE image for 32-bit pixels (top-down rows) for one client: QUIC, LZ_RGB, GLZ_RGB or LZ4
 * (all lossless), or an uncompressed BITMAP (tiny images, `off`). A bare mode stands for a client
 * without a GLZ dictionary or LZ4.
 */
export function encodePixels(
  pixels: XrgbPixels,
  id: bigint,
  encoding: ClientImageEncoding | ImageCompressionMode,
  alpha = false,
): SpiceImage {
  const enc = typeof encoding === 'string' ? { mode: encoding, glz: null, lz4: false } : encoding;
  switch (chooseCompression(pixels, enc)) {
    case 'lz':
      return encodeLzImage(pixels, { id, type: alpha ? LzImageType.Rgba : LzImageType.Rgb32 });
    case 'quic':
      return encodeQuicImage(pixels, { id, type: alpha ? QuicImageType.Rgba : QuicImageType.Rgb32 });
    case 'glz':
      return encodeGlzImage(enc.glz!, pixels, { id, type: alpha ? LzImageType.Rgba : LzImageType.Rgb32 });
    case 'lz4':
      return encodeLz4Image(pixels, { id, format: alpha ? BitmapFmt.Rgba : BitmapFmt.Bit32 });
    default:
      return encodeBitmapImage(pixels, { id, format: alpha ? BitmapFmt.Rgba : BitmapFmt.Bit32 });
  }
}

/**
 * The SPICE image for a guest bitmap. Uncompressed, 32-bit and RGBA top-down rows go out as the
 * guest wrote them (by reference); everything else is converted to 32-bit top-down first.
 */
export function encodeGuestBitmap(
  image: QxlBitmapImage,
  id: bigint,
  encoding: ClientImageEncoding | ImageCompressionMode = 'off',
): SpiceImage {
  const alpha = image.format === BitmapFmt.Rgba;
  const mode = typeof encoding === 'string' ? encoding : encoding.mode;
  if (mode === 'off' && (image.format === BitmapFmt.Bit32 || alpha)) {
    return {
      kind: 'bitmap',
      descriptor: { id, type: 0, flags: 0, width: image.width, height: image.height },
      bitmap: {
        format: image.format,
        flags: image.bitmapFlags & QxlBitmapFlag.TopDown,
        x: image.width,
        y: image.height,
        stride: image.stride,
        palette: null,
        data: image.data,
      },
    };
  }
  return encodePixels(guestPixels(image), id, encoding, alpha);
}

/** A guest bitmap as 32-bit top-down pixels (as they are when they already are). */
export function guestPixels(image: QxlBitmapImage): XrgbPixels {
  const topDown = (image.bitmapFlags & QxlBitmapFlag.TopDown) !== 0;
  const direct = image.format === BitmapFmt.Bit32 || image.format === BitmapFmt.Rgba;
  return direct && topDown
    ? { width: image.width, height: image.height, stride: image.stride, data: image.data }
    : bitmapToXrgb({
        format: image.format,
        width: image.width,
        height: image.height,
        stride: image.stride,
        topDown,
        data: image.data,
        palette: image.palette?.entries ?? null,
      });
}

/** Where large encodes may go, and from what size on. */
export interface ImageOffload {
  pool: EncoderPool;
  /** Images of at least this many pixels are encoded in the pool. */
  minPixels: number;
}

/**
 * Starts the encode of a large image in the encoder pool when its codec allows (QUIC, LZ, LZ4:
 * stateless; GLZ stays in order on this thread). Returns null when the image is encoded in place.
 */
export function encodePixelsOffThread(
  pixels: XrgbPixels,
  id: bigint,
  encoding: ClientImageEncoding,
  alpha: boolean,
  offload: ImageOffload | null,
): Promise<SpiceImage> | null {
  if (!offload || pixels.width * pixels.height < offload.minPixels) return null;
  const codec = chooseCompression(pixels, encoding);
  const descriptor = (type: number) => ({ id, type, flags: 0, width: pixels.width, height: pixels.height });
  const wrap =
    (type: number) =>
    (data: Uint8Array): SpiceImage => ({ kind: 'binary', descriptor: descriptor(type), data });
  switch (codec) {
    case 'quic':
      return offload.pool
        .encode({ codec, pixels, type: alpha ? QuicImageType.Rgba : QuicImageType.Rgb32 })
        .then(wrap(ImageType.Quic));
    case 'lz':
      return offload.pool
        .encode({ codec, pixels, type: alpha ? LzImageType.Rgba : LzImageType.Rgb32 })
        .then(wrap(ImageType.LzRgb));
    case 'lz4':
      return offload.pool
        .encode({ codec, pixels, format: alpha ? BitmapFmt.Rgba : BitmapFmt.Bit32 })
        .then(wrap(ImageType.Lz4));
    default:
      return null;
  }
}

/** The draw message a client gets for a drawable, and the image it carries (if any). */
export function marshalDrawable(
  drawable: QxlAnyDrawable,
  imageId: () => bigint,
  encoding: ClientImageEncoding | ImageCompressionMode = 'off',
  prepared: SpiceImage | null = null,
): { message: OutgoingMessage; image: SpiceImage | null } {
  const base = { surfaceId: drawable.surfaceId, box: drawable.bbox, clip: toClip(drawable.clip) };
  const draw = drawable.draw;
  switch (draw.type) {
    case 'fill': {
      if (draw.brush.type !== 'solid') throw new UnsupportedDrawError(`fill with a ${draw.brush.type} brush`);
      const message = {
        base,
        brush: { type: BrushType.Solid, color: draw.brush.color } as const,
        ropDescriptor: draw.ropDescriptor,
        mask: display.NO_MASK,
      };
      return { message: { type: display.drawFill.type, body: display.drawFill.encode(message) }, image: null };
    }
    case 'copy': {
      if (draw.src.kind !== 'bitmap') throw new UnsupportedDrawError(`copy from a ${draw.src.kind} image`);
      const image = prepared ?? encodeGuestBitmap(draw.src, imageId(), encoding);
      const message = {
        base,
        srcBitmap: image,
        srcArea: draw.srcArea,
        ropDescriptor: draw.ropDescriptor,
        scaleMode: draw.scaleMode,
        mask: display.NO_MASK,
      };
      return { message: { type: display.drawCopy.type, body: display.drawCopy.encode(message) }, image };
    }
    case 'copy-bits':
      return {
        message: { type: display.copyBits.type, body: display.copyBits.encode({ base, srcPos: draw.srcPos }) },
        image: null,
      };
    default:
      throw new UnsupportedDrawError(`draw type ${draw.type}`);
  }
}

/**
 * The encodes of one image for all the clients that get it: a stateless codec's bytes (bitmap,
 * QUIC, LZ, LZ4) are made once and shared by every client that uses the same codec; GLZ depends
 * on each client's dictionary and is made per client, in send order.
 */
export class SharedImageEncodes {
  /** Encodes made, and encodes saved by sharing one. */
  static readonly counters = { encodes: 0, shared: 0 };
  private readonly done = new Map<string, SpiceImage>();
  private readonly started = new Map<string, Promise<SpiceImage>>();
  private pixelsCache: XrgbPixels | null = null;
  private readonly alpha: boolean;
  /** Whether the last encodeFor reused an encode made for another client. */
  lastShared = false;

  constructor(
    private readonly src: QxlBitmapImage,
    private readonly nextId: () => bigint,
  ) {
    this.alpha = src.format === BitmapFmt.Rgba;
  }

  private pixels(): XrgbPixels {
    this.pixelsCache ??= guestPixels(this.src);
    return this.pixelsCache;
  }

  private key(encoding: ClientImageEncoding): string {
    if (encoding.mode === 'off') return 'guest';
    return chooseCompression(this.pixels(), encoding);
  }

  /** Starts a large image's encode in the pool (shared by clients with the same codec), or null. */
  start(encoding: ClientImageEncoding, offload: ImageOffload | null): Promise<SpiceImage> | null {
    if (!offload || this.src.width * this.src.height < offload.minPixels) return null;
    const key = this.key(encoding);
    const running = this.started.get(key);
    if (running) {
      SharedImageEncodes.counters.shared += 1;
      return running;
    }
    const job = encodePixelsOffThread(this.pixels(), this.nextId(), encoding, this.alpha, offload);
    if (!job) return null;
    SharedImageEncodes.counters.encodes += 1;
    const kept = job.then((image) => {
      this.done.set(key, image);
      return image;
    });
    this.started.set(key, kept);
    return kept;
  }

  /** The image for a client now (reusing a shared encode when there is one). */
  encodeFor(encoding: ClientImageEncoding): SpiceImage {
    const key = this.key(encoding);
    const ready = key === 'glz' ? undefined : this.done.get(key);
    this.lastShared = ready !== undefined;
    if (ready) {
      SharedImageEncodes.counters.shared += 1;
      return ready;
    }
    SharedImageEncodes.counters.encodes += 1;
    const image =
      key === 'guest'
        ? encodeGuestBitmap(this.src, this.nextId(), 'off')
        : encodePixels(this.pixels(), this.nextId(), encoding, this.alpha);
    if (key !== 'glz') this.done.set(key, image);
    return image;
  }
}
