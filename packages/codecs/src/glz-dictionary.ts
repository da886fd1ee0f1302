import { BadImageError } from './errors.js';
import { GLZ_HASH_SIZE, GLZ_MAX_WINDOW_SIZE } from './glz-common.js';

export interface GlzDictionaryInit {
  /** Dictionary id the client sent in DISPLAY_INIT (glz_dictionary_id). */
  id: number;
  /** Window size in pixels the client announced in DISPLAY_INIT (glz_dictionary_window_size). */
  windowSizePixels: number;
}

/** An image held in the dictionary window: its stream-order pixels are retained until it leaves. */
export interface GlzWindowImage {
  /** Dictionary image id (0, 1, 2, … in encoding order), written in the GLZ header. */
  readonly id: number;
  /** LZ image type it was encoded as; matches only refer to images of the same type. */
  readonly type: number;
  /** Pixels of the image. */
  readonly size: number;
  /** Pixels that entered the window before this image (upstream pixels_so_far). */
  readonly pixelsSoFar: number;
  /** Segment index, as upstream allocates them; hash entries name images by it. */
  readonly seg: number;
  /** B,G,R,A words in stream order (a copy of the source rows). */
  readonly words: Uint32Array;
}

/** Segments upstream allocates up front (glz-encoder-priv.h INIT_IMAGE_SEGS_NUM). */
const INIT_SEGS = 1000;

/**
 * The GLZ dictionary shared by all display channels of one client: the window of recent images
 * (whose pixels it retains until they leave the window) and the match finder's hash table. It
 * follows spice server's glz-encoder-dict.c, including the order segment slots are reused in, so
 * the encoder finds the same matches upstream does. One instance per client and dictionary id;
 * encodes are synchronous, so channels may share it freely.
 */
export class GlzDictionary {
  readonly id: number;
  readonly windowSizePixels: number;
  /**
   * @internal The match finder's hash entries as pairs: segment index at 2h (upstream
   * HashEntry.image_seg_idx) and pixel index at 2h + 1 (ref_pix_idx), side by side so that one
   * lookup touches one cache line.
   */
  readonly hash = new Int32Array(2 * GLZ_HASH_SIZE);
  /** @internal The image occupying each segment slot, undefined when the slot is free. */
  readonly segs: (GlzWindowImage | undefined)[] = [];
  /** Images in the window, oldest first. */
  private readonly window: GlzWindowImage[] = [];
  /** Free segment slots; the next one handed out is at the end. */
  private readonly freeSegs: number[] = [];
  private segQuota = 0;
  private nextImageId = 0;
  private pixelsSoFar = 0;

  constructor(init: GlzDictionaryInit) {
    const { id, windowSizePixels } = init;
    if (!Number.isInteger(windowSizePixels) || windowSizePixels < 1 || windowSizePixels > GLZ_MAX_WINDOW_SIZE)
      throw new BadImageError(`GLZ window of ${windowSizePixels} pixels (1..${GLZ_MAX_WINDOW_SIZE})`);
    this.id = id;
    this.windowSizePixels = windowSizePixels;
    this.growSegs(INIT_SEGS);
  }

  /** Whether an image of this many pixels may be GLZ-encoded (upstream refuses x × y ≥ window). */
  fits(width: number, height: number): boolean {
    return width * height < this.windowSizePixels;
  }

  /** Images currently in the window, oldest first. */
  images(): readonly GlzWindowImage[] {
    return this.window;
  }

  /** Pixels the window holds. */
  get usedPixels(): number {
    const first = this.window[0];
    const last = this.window[this.window.length - 1];
    return first && last ? last.pixelsSoFar + last.size - first.pixelsSoFar : 0;
  }

  /** Empties the window and the hash table; image ids restart at 0 (a new client session). */
  reset(): void {
    this.window.length = 0;
    this.segs.length = 0;
    this.freeSegs.length = 0;
    this.segQuota = 0;
    this.growSegs(INIT_SEGS);
    this.hash.fill(0);
    this.nextImageId = 0;
    this.pixelsSoFar = 0;
  }

  /**
   * @internal Adds an image to the window tail after evicting the images it pushes out
   * (upstream glz_dictionary_pre_encode with no other encoder busy). Returns the image and the
   * distance in images from it back to the oldest image still in the window.
   */
  add(type: number, words: Uint32Array): { image: GlzWindowImage; winHeadDist: number } {
    const size = words.length;
    // New head: drop images from the head until the new one fits.
    let head = 0;
    let used = this.usedPixels;
    while (head < this.window.length && used + size > this.windowSizePixels) {
      used -= this.window[head]!.size;
      head++;
    }
    // Each evicted image's segment goes to the front of the free list, oldest first.
    for (let i = 0; i < head; i++) {
      const old = this.window[i]!;
      this.segs[old.seg] = undefined;
      this.freeSegs.push(old.seg);
    }
    const newHead = this.window[head];
    this.window.splice(0, head);
    if (this.freeSegs.length === 0) this.growSegs(this.segQuota * 2);
    const seg = this.freeSegs.pop()!;
    const image: GlzWindowImage = { id: this.nextImageId++, type, size, pixelsSoFar: this.pixelsSoFar, seg, words };
    this.pixelsSoFar += size;
    this.segs[seg] = image;
    this.window.push(image);
    return { image, winHeadDist: newHead ? image.id - newHead.id : 0 };
  }

  private growSegs(quota: number): void {
    for (let i = quota - 1; i >= this.segQuota; i--) this.freeSegs.push(i);
    this.segQuota = quota;
  }
}

/** Creates the GLZ dictionary of one client (see GlzDictionary). */
export function createGlzDictionary(init: GlzDictionaryInit): GlzDictionary {
  return new GlzDictionary(init);
}
