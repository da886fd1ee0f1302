import { BitmapFlags, BitmapFmt, ImageType } from '../enums.js';
import { BadValueError, TooLargeError } from '../errors.js';
import type { Reader } from '../reader.js';
import { Writer } from '../writer.js';

export interface ImageDescriptor {
  id: bigint;
  type: number;
  flags: number;
  width: number;
  height: number;
}

export interface Palette {
  unique: bigint;
  entries: Uint32Array;
}

export interface BitmapData {
  format: number;
  flags: number;
  /** Width in pixels (SpiceBitmap.x). */
  x: number;
  /** Height in pixels (SpiceBitmap.y). */
  y: number;
  stride: number;
  /** Inline palette (sent behind a pointer); null when the format has none or it comes from cache. */
  palette: Palette | null;
  /** Set with BitmapFlags.PalFromCache: the client's cached palette id. */
  paletteId?: bigint;
  /** y × stride bytes of pixel rows. */
  data: Uint8Array;
}

/** An Image as carried in display messages: a descriptor plus a type-specific body. */
export type SpiceImage =
  | { kind: 'bitmap'; descriptor: ImageDescriptor; bitmap: BitmapData }
  /** QUIC, LZ_RGB, GLZ_RGB, JPEG, LZ4: u32 size + encoded bytes. */
  | { kind: 'binary'; descriptor: ImageDescriptor; data: Uint8Array }
  | { kind: 'surface'; descriptor: ImageDescriptor; surfaceId: number }
  /** FROM_CACHE and FROM_CACHE_LOSSLESS: the descriptor alone. */
  | { kind: 'cache'; descriptor: ImageDescriptor };

/** sizeof(SpiceImageDescriptor) on the wire. */
export const IMAGE_DESCRIPTOR_SIZE = 18;
/** Largest image accepted by decoders (SPICE_MAX_IMAGE_SIZE = 512 MiB - 1). */
export const MAX_IMAGE_BYTES = 512 * 1024 * 1024 - 1;
/** Most palette entries (an 8-bit palette). */
export const MAX_PALETTE_ENTRIES = 256;

const BINARY_TYPES: ReadonlySet<number> = new Set([
  ImageType.Quic,
  ImageType.LzRgb,
  ImageType.GlzRgb,
  ImageType.Jpeg,
  ImageType.Lz4,
]);

/** Bits per pixel of a SPICE bitmap format. */
export function bitmapFormatBits(format: number): number {
  switch (format) {
    case BitmapFmt.Bit1Le:
    case BitmapFmt.Bit1Be:
      return 1;
    case BitmapFmt.Bit4Le:
    case BitmapFmt.Bit4Be:
      return 4;
    case BitmapFmt.Bit8:
    case BitmapFmt.Bit8A:
      return 8;
    case BitmapFmt.Bit16:
      return 16;
    case BitmapFmt.Bit24:
      return 24;
    case BitmapFmt.Bit32:
    case BitmapFmt.Rgba:
      return 32;
    default:
      throw new BadValueError('bitmap format', format);
  }
}

function writeDescriptor(w: Writer, d: ImageDescriptor): void {
  w.u64(d.id).u8(d.type).u8(d.flags).u32(d.width).u32(d.height);
}

function encodePalette(p: Palette): Uint8Array {
  const w = new Writer(10 + 4 * p.entries.length);
  w.u64(p.unique).u16(p.entries.length);
  for (const e of p.entries) w.u32(e);
  return w.finish();
}

/**
 * Encodes an Image that starts at body offset `start`: a small header chunk, then the pixel or
 * compressed data by reference, then anything the image points to (a palette).
 */
export function encodeImage(image: SpiceImage, start: number): Uint8Array[] {
  switch (image.kind) {
    case 'bitmap': {
      const b = image.bitmap;
      const fromCache = (b.flags & BitmapFlags.PalFromCache) !== 0;
      const w = new Writer(IMAGE_DESCRIPTOR_SIZE + 26);
      writeDescriptor(w, image.descriptor);
      w.u8(b.format).u8(b.flags).u32(b.x).u32(b.y).u32(b.stride);
      const paletteAt = w.offset;
      if (fromCache) w.u64(b.paletteId ?? 0n);
      else w.u32(0);
      const expected = b.stride * b.y;
      if (b.data.byteLength !== expected)
        throw new BadValueError('bitmap data length', `${b.data.byteLength} != ${expected}`);
      const chunks = [w.finish(), b.data];
      if (!fromCache && b.palette) {
        const paletteOffset = start + w.offset + b.data.byteLength;
        new DataView(chunks[0]!.buffer, chunks[0]!.byteOffset).setUint32(paletteAt, paletteOffset, true);
        chunks.push(encodePalette(b.palette));
      }
      return chunks;
    }
    case 'binary': {
      const w = new Writer(IMAGE_DESCRIPTOR_SIZE + 4);
      writeDescriptor(w, image.descriptor);
      w.u32(image.data.byteLength);
      return [w.finish(), image.data];
    }
    case 'surface': {
      const w = new Writer(IMAGE_DESCRIPTOR_SIZE + 4);
      writeDescriptor(w, image.descriptor);
      w.u32(image.surfaceId);
      return [w.finish()];
    }
    case 'cache': {
      const w = new Writer(IMAGE_DESCRIPTOR_SIZE);
      writeDescriptor(w, image.descriptor);
      return [w.finish()];
    }
  }
}

/** Decodes an Image at the reader's position; data views point into the message body. */
export function readImage(r: Reader): SpiceImage {
  const descriptor: ImageDescriptor = {
    id: r.u64('image id'),
    type: r.u8('image type'),
    flags: r.u8('image flags'),
    width: r.u32('image width'),
    height: r.u32('image height'),
  };
  const t = descriptor.type;
  if (t === ImageType.Bitmap) {
    const format = r.u8('bitmap format');
    const flags = r.u8('bitmap flags');
    const x = r.u32('bitmap width');
    const y = r.u32('bitmap height');
    const stride = r.u32('bitmap stride');
    const bits = bitmapFormatBits(format);
    if (stride < Math.ceil((x * bits) / 8)) throw new BadValueError('bitmap stride', stride);
    const size = stride * y;
    if (size > MAX_IMAGE_BYTES) throw new TooLargeError('bitmap size', size, MAX_IMAGE_BYTES);
    let palette: Palette | null = null;
    let paletteId: bigint | undefined;
    if (flags & BitmapFlags.PalFromCache) {
      paletteId = r.u64('palette id');
    } else {
      const ptr = r.u32('palette pointer');
      if (ptr !== 0) {
        const pr = r.at(ptr, 'palette');
        const unique = pr.u64('palette unique');
        const n = pr.u16('palette entries');
        if (n > MAX_PALETTE_ENTRIES) throw new TooLargeError('palette entries', n, MAX_PALETTE_ENTRIES);
        const entries = new Uint32Array(n);
        for (let i = 0; i < n; i++) entries[i] = pr.u32('palette entry');
        palette = { unique, entries };
      }
    }
    const data = r.bytes(size, 'bitmap data');
    const bitmap: BitmapData = { format, flags, x, y, stride, palette, data };
    if (paletteId !== undefined) bitmap.paletteId = paletteId;
    return { kind: 'bitmap', descriptor, bitmap };
  }
  if (BINARY_TYPES.has(t)) {
    const size = r.u32('image data size');
    if (size > MAX_IMAGE_BYTES) throw new TooLargeError('image data size', size, MAX_IMAGE_BYTES);
    return { kind: 'binary', descriptor, data: r.bytes(size, 'image data') };
  }
  if (t === ImageType.Surface) return { kind: 'surface', descriptor, surfaceId: r.u32('surface id') };
  if (t === ImageType.FromCache || t === ImageType.FromCacheLossless) return { kind: 'cache', descriptor };
  // LZ_PLT, ZLIB_GLZ_RGB, JPEG_ALPHA carry extra fields; they join with their codecs.
  throw new BadValueError('image type', t);
}
