import { BitmapFlags, BitmapFmt, bitmapFormatBits, ImageType, type SpiceImage } from '@spice-ts/protocol';
import type { SceneRandom } from './random.js';

/**
 * Every bitmap format a scene source may have. 1BIT_LE and 4BIT_LE are left out: spice-gtk's
 * spice_bitmap_to_pixman has no converter for them and aborts the client ("Unsupported bitmap
 * format"); they only occur as 1BIT_LE qmasks. 8BIT_A is not a colour format for these draws.
 */
export const SCENE_BITMAP_FORMATS: readonly number[] = [
  BitmapFmt.Bit1Be,
  BitmapFmt.Bit4Be,
  BitmapFmt.Bit8,
  BitmapFmt.Bit16,
  BitmapFmt.Bit24,
  BitmapFmt.Bit32,
  BitmapFmt.Rgba,
];

/** Hands out image ids (QXL group 2, as server-made images) and palette ids, unique in a scene. */
export class ImageIds {
  private next = 0n;
  image(): bigint {
    this.next += 1n;
    return (this.next << 32n) | 2n;
  }
  palette(): bigint {
    this.next += 1n;
    return this.next;
  }
}

export interface BitmapOptions {
  /** Default: top-down or bottom-up at random. */
  readonly topDown?: boolean;
  /** Entries of an 8-bit palette (2..256); default random. */
  readonly paletteSize?: number;
}

/**
 * A random uncompressed BITMAP image of `format` (palettes inline, random row padding, top-down
 * or bottom-up). RGBA pixels are valid premultiplied colours (no channel above alpha), with many
 * fully transparent and fully opaque ones.
 */
export function randomBitmap(
  rng: SceneRandom,
  ids: ImageIds,
  width: number,
  height: number,
  format: number,
  options: BitmapOptions = {},
): SpiceImage {
  const bits = bitmapFormatBits(format);
  const rowBytes = Math.ceil((width * bits) / 8);
  const stride = rowBytes + rng.int(0, 3);
  const data = rng.bytes(stride * height);
  let palette: { unique: bigint; entries: Uint32Array } | null = null;
  if (bits <= 8) {
    const size = bits === 8 ? (options.paletteSize ?? rng.int(2, 256)) : 1 << bits;
    const entries = new Uint32Array(size);
    for (let i = 0; i < size; i++) entries[i] = rng.u32();
    palette = { unique: ids.palette(), entries };
    if (bits === 8) for (let i = 0; i < data.length; i++) data[i] = rng.int(0, size - 1);
  }
  if (format === BitmapFmt.Rgba) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const o = y * stride + x * 4;
        const kind = rng.int(0, 3);
        const a = kind === 0 ? 0 : kind === 1 ? 255 : rng.int(0, 255);
        data[o] = rng.int(0, a);
        data[o + 1] = rng.int(0, a);
        data[o + 2] = rng.int(0, a);
        data[o + 3] = a;
      }
    }
  }
  const topDown = options.topDown ?? rng.chance(0.5);
  return {
    kind: 'bitmap',
    descriptor: { id: ids.image(), type: ImageType.Bitmap, flags: 0, width, height },
    bitmap: {
      format,
      flags: topDown ? BitmapFlags.TopDown : 0,
      x: width,
      y: height,
      stride,
      palette,
      data,
    },
  };
}

/** A random 1-bit bitmap for a qmask (1BIT_LE or 1BIT_BE, no palette). */
export function randomMaskBitmap(rng: SceneRandom, ids: ImageIds, width: number, height: number): SpiceImage {
  const format = rng.pick([BitmapFmt.Bit1Le, BitmapFmt.Bit1Be]);
  const stride = Math.ceil(width / 8) + rng.int(0, 2);
  // Blocks rather than noise, so masked areas are visible in a diff image.
  const data = new Uint8Array(stride * height);
  const cell = rng.int(1, 6);
  const seedBits = rng.u32();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const on = rng.chance(0.1)
        ? rng.chance(0.5)
        : ((Math.floor(x / cell) + Math.floor(y / cell) * 7 + seedBits) & 3) !== 0;
      if (!on) continue;
      const byte = y * stride + (x >> 3);
      const bit = format === BitmapFmt.Bit1Be ? 0x80 >> (x & 7) : 1 << (x & 7);
      data[byte] = (data[byte] as number) | bit;
    }
  }
  const topDown = rng.chance(0.5);
  return {
    kind: 'bitmap',
    descriptor: { id: ids.image(), type: ImageType.Bitmap, flags: 0, width, height },
    bitmap: { format, flags: topDown ? BitmapFlags.TopDown : 0, x: width, y: height, stride, palette: null, data },
  };
}
