import type { XrgbPixels } from './bitmap.js';
import { CorruptStreamError, ImageTooLargeError, MissingReferenceError, UnsupportedFormatError } from './errors.js';
import { GLZ_HEADER_SIZE, GLZ_MAX_COPY, GLZ_MAX_WINDOW_SIZE, GLZ_TOP_DOWN_BIT, GLZ_TYPE_MASK } from './glz-common.js';
import { LZ_MAGIC, LZ_VERSION, LzImageType } from './lz-common.js';

const _MAX_COPY = GLZ_MAX_COPY;

/** Default cap on one decoded image: 8192 × 8192 pixels (ours). */
export const GLZ_DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/**
 * Default cap on the pixels a decoder window retains: twice the largest window a server may use
 * (lz_common.h LZ_MAX_WINDOW_SIZE), room for images of two channels arriving out of order.
 */
export const GLZ_DEFAULT_MAX_RETAINED_PIXELS = 2 * GLZ_MAX_WINDOW_SIZE;

export interface GlzDecoderWindowInit {
  /**
   * Most pixels kept for later references; past it the oldest images are dropped even if the
   * stream's win_head_image_dist still covers them (a hostile or broken server). Default
   * GLZ_DEFAULT_MAX_RETAINED_PIXELS.
   */
  maxRetainedPixels?: number;
}

export interface GlzDecodeOptions {
  /** Largest decoded image (width × height × 4) accepted; checked before allocating. */
  maxOutputBytes?: number;
}

export interface GlzDecoded {
  /** Dictionary image id from the header. */
  imageId: number;
  /** win_head_image_dist from the header: images older than imageId - this are released. */
  winHeadDist: number;
  type: LzImageType;
  /** The header's top_down bit; `pixels` rows are top-down either way. */
  topDown: boolean;
  width: number;
  height: number;
  /** 32-bit B,G,R,A pixels, rows top-down, stride width × 4 (alpha 0 unless RGBA), a fresh copy. */
  pixels: XrgbPixels;
}

interface WindowEntry {
  id: number;
  winHeadDist: number;
  /** B,G,R,A words in stream order. */
  words: Uint32Array;
}

const corrupt = (message: string): CorruptStreamError => new CorruptStreamError('GLZ', message);

function word(data: Uint8Array, at: number): number {
  return ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
}

/**
 * The client side of GLZ (spice-gtk decode-glz.c): decodes GLZ_RGB payloads and keeps the decoded
 * images that later images may refer to, releasing them as the encoder's window moves on
 * (win_head_image_dist). One window per client dictionary, shared by all its display channels.
 */
export class GlzDecoderWindow {
  private readonly images = new Map<number, WindowEntry>();
  /** Ids below this have been released. */
  private oldest = 0;
  /** Every id below this has been decoded (upstream tail_gap). */
  private tailGap = 0;
  private retainedPixels = 0;
  private readonly maxRetainedPixels: number;

  constructor(init: GlzDecoderWindowInit = {}) {
    this.maxRetainedPixels = init.maxRetainedPixels ?? GLZ_DEFAULT_MAX_RETAINED_PIXELS;
  }

  /** Pixels of the images the window holds. */
  get heldPixels(): number {
    return this.retainedPixels;
  }

  /** Ids of the images the window holds, in ascending order. */
  imageIds(): number[] {
    return [...this.images.keys()].sort((a, b) => a - b);
  }

  /** Forgets every image (a new dictionary). */
  clear(): void {
    this.images.clear();
    this.retainedPixels = 0;
    this.oldest = 0;
    this.tailGap = 0;
  }

  /**
   * Decodes one GLZ_RGB payload and adds the image to the window. Malformed input throws a
   * CorruptStreamError; a reference to an image the window does not hold throws a
   * MissingReferenceError (decode it again after that image), leaving the window unchanged.
   */
  decode(data: Uint8Array, options: GlzDecodeOptions = {}): GlzDecoded {
    if (data.byteLength < GLZ_HEADER_SIZE) throw corrupt(`${data.byteLength} bytes, shorter than the header`);
    if (word(data, 0) !== LZ_MAGIC) throw corrupt('bad magic');
    if (word(data, 4) !== LZ_VERSION) throw corrupt(`unsupported version 0x${word(data, 4).toString(16)}`);
    const typeByte = data[8]!;
    const type = typeByte & GLZ_TYPE_MASK;
    const topDown = (typeByte & GLZ_TOP_DOWN_BIT) !== 0;
    const width = word(data, 9);
    const height = word(data, 13);
    const stride = word(data, 17);
    const idHigh = word(data, 21);
    const imageId = idHigh * 2 ** 32 + word(data, 25);
    const winHeadDist = word(data, 29);
    if (type !== LzImageType.Rgb32 && type !== LzImageType.Rgba && type !== LzImageType.Rgb24) {
      if (type >= LzImageType.Plt1Le && type <= LzImageType.Rgb16)
        throw new UnsupportedFormatError(`GLZ image type ${type}`);
      throw corrupt(`invalid image type ${type}`);
    }
    if (idHigh >= 1 << 21) throw corrupt(`image id ${imageId} out of range`);
    if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff)
      throw corrupt(`bad size ${width}x${height}`);
    if (stride !== width * (type === LzImageType.Rgb24 ? 3 : 4))
      throw corrupt(`stride ${stride} does not fit width ${width}`);
    const limit = options.maxOutputBytes ?? GLZ_DEFAULT_MAX_OUTPUT_BYTES;
    const outBytes = width * height * 4;
    if (outBytes > limit) throw new ImageTooLargeError('decoded GLZ image', outBytes, limit);
    if (this.images.has(imageId)) throw corrupt(`image ${imageId} decoded twice`);

    const n = width * height;
    const words = new Uint32Array(n);
    let pos = this.decodePass(data, GLZ_HEADER_SIZE, words, imageId, false);
    if (type === LzImageType.Rgba) pos = this.decodePass(data, pos, words, imageId, true);
    if (pos !== data.byteLength) throw corrupt(`${data.byteLength - pos} bytes left after the image`);

    this.add({ id: imageId, winHeadDist, words });
    const out = new Uint8Array(outBytes);
    if (topDown) {
      out.set(new Uint8Array(words.buffer));
    } else {
      const bytes = new Uint8Array(words.buffer);
      const row = width * 4;
      for (let y = 0; y < height; y++) out.set(bytes.subarray(y * row, y * row + row), (height - 1 - y) * row);
    }
    return {
      imageId,
      winHeadDist,
      type: type as LzImageType,
      topDown,
      width,
      height,
      pixels: { width, height, stride: width * 4, data: out },
    };
  }

  private add(entry: WindowEntry): void {
    this.images.set(entry.id, entry);
    this.retainedPixels += entry.words.length;
    while (this.images.has(this.tailGap) && this.tailGap <= entry.id) this.tailGap++;
    const last = this.tailGap > 0 ? this.images.get(this.tailGap - 1) : undefined;
    if (last) this.releaseBelow(last.id - last.winHeadDist);
    if (this.retainedPixels > this.maxRetainedPixels) {
      // Over the hard cap: drop the oldest images (never the one just decoded).
      const ids = this.imageIds();
      for (const id of ids) {
        if (this.retainedPixels <= this.maxRetainedPixels || id === entry.id) break;
        this.drop(id);
      }
    }
  }

  private drop(id: number): void {
    const image = this.images.get(id);
    if (!image) return;
    this.images.delete(id);
    this.retainedPixels -= image.words.length;
  }

  /** Releases every image with an id below `oldest` (upstream glz_decoder_window_release). */
  private releaseBelow(oldest: number): void {
    if (oldest <= this.oldest) return;
    if (oldest - this.oldest > this.images.size) {
      for (const id of [...this.images.keys()]) if (id < oldest) this.drop(id);
    } else {
      for (let id = this.oldest; id < oldest; id++) this.drop(id);
    }
    this.oldest = oldest;
  }

  /** One pass (colour, or alpha for RGBA) of decode-glz-tmpl.c decode; returns the input position after it. */
  private decodePass(data: Uint8Array, start: number, out: Uint32Array, imageId: number, alpha: boolean): number {
    const end = data.byteLength;
    const n = out.length;
    const rgbBytes = 3;
    let ip = start;
    let op = 0;
    while (op < n) {
      if (ip >= end) throw corrupt('truncated stream');
      const ctrl = data[ip++]!;
      if (ctrl >= _MAX_COPY) {
        let len = ctrl >>> 5;
        let pixelFlag = (ctrl >>> 4) & 1;
        let pixelOfs = ctrl & 0x0f;
        let code: number;
        if (len === 7) {
          do {
            if (ip >= end) throw corrupt('truncated stream');
            code = data[ip++]!;
            len += code;
          } while (code === 255);
        }
        if (ip + 2 > end) throw corrupt('truncated stream');
        pixelOfs += data[ip++]! << 4;
        code = data[ip++]!;
        const imageFlag = (code >>> 6) & 3;
        let imageDist: number;
        if (!pixelFlag) {
          imageDist = code & 0x3f;
          if (ip + imageFlag > end) throw corrupt('truncated stream');
          for (let i = 0; i < imageFlag; i++) imageDist += data[ip++]! * 2 ** (6 + 8 * i);
        } else {
          pixelFlag = (code >>> 5) & 1;
          pixelOfs += (code & 0x1f) << 12;
          imageDist = 0;
          if (ip + imageFlag + pixelFlag > end) throw corrupt('truncated stream');
          for (let i = 0; i < imageFlag; i++) imageDist += data[ip++]! << (8 * i);
          if (pixelFlag) pixelOfs += data[ip++]! << 17;
        }
        if (alpha) len += 2;
        if (op + len > n) throw corrupt('match runs past the image end');
        if (imageDist === 0) {
          pixelOfs += 1;
          let ref = op - pixelOfs;
          if (ref < 0) throw corrupt(`match distance ${pixelOfs} before the image start`);
          const stop = op + len;
          if (alpha) {
            while (op < stop) {
              out[op] = (out[op]! & 0xffffff) | (out[ref++]! & 0xff000000);
              op++;
            }
          } else {
            while (op < stop) out[op++] = out[ref++]!;
          }
        } else {
          const refId = imageId - imageDist;
          const refImage = refId >= 0 ? this.images.get(refId) : undefined;
          if (!refImage) throw new MissingReferenceError('GLZ', refId);
          const rp = refImage.words;
          if (pixelOfs + len > rp.length) throw corrupt(`reference past the end of image ${refId}`);
          let ref = pixelOfs;
          const stop = op + len;
          if (alpha) {
            while (op < stop) {
              out[op] = (out[op]! & 0xffffff) | (rp[ref++]! & 0xff000000);
              op++;
            }
          } else {
            while (op < stop) out[op++] = rp[ref++]! & 0xffffff;
          }
        }
      } else {
        const count = ctrl + 1;
        if (op + count > n) throw corrupt('literal run past the image end');
        const stop = op + count;
        if (alpha) {
          if (ip + count > end) throw corrupt('truncated stream');
          while (op < stop) {
            out[op] = (out[op]! & 0xffffff) | (data[ip++]! << 24);
            op++;
          }
        } else {
          if (ip + count * rgbBytes > end) throw corrupt('truncated stream');
          while (op < stop) {
            out[op++] = data[ip]! | (data[ip + 1]! << 8) | (data[ip + 2]! << 16);
            ip += 3;
          }
        }
      }
    }
    return ip;
  }
}
