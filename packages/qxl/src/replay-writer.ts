// Writes SPICE_REPLAY 1 recordings as spice-server's red-record-qxl.c does: every command is
// deep-copied from guest memory (through the memslots) in the reference's order and text form, and
// every message the display worker gets is an event line. One event is built in memory at a time,
// then handed to the output stream; nothing else is kept.

import type { Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import {
  isQxlError,
  QxlBadSizeError,
  QxlBadValueError,
  QxlChunkLoopError,
  QxlTooLargeError,
  QxlUnknownTypeError,
  QxlUnsupportedError,
} from './errors.js';
import type { GuestMemory, GuestPtr, QxlRegion } from './guest-memory.js';
import { type QxlLogger, silentLogger } from './logger.js';
import { MAX_CHUNKS, MAX_DATA_CHUNK, MAX_MESSAGE_LENGTH, type QxlParseLimits } from './parser.js';
import {
  QXL_ALPHA_BLEND,
  QXL_BITMAP,
  QXL_BLACKNESS,
  QXL_BRUSH,
  QXL_CLIP,
  QXL_CLIP_RECTS,
  QXL_COMPOSITE,
  QXL_COPY,
  QXL_COPY_BITS,
  QXL_CURSOR,
  QXL_CURSOR_CMD,
  QXL_CURSOR_HEADER,
  QXL_DATA_CHUNK,
  QXL_DRAWABLE,
  QXL_FILL,
  QXL_IMAGE,
  QXL_IMAGE_DESCRIPTOR,
  QXL_LINE_ATTR,
  QXL_MESSAGE,
  QXL_OPAQUE,
  QXL_PALETTE,
  QXL_QMASK,
  QXL_QUIC_DATA,
  QXL_RECT,
  QXL_ROP3,
  QXL_STROKE,
  QXL_SURF_FLAG_KEEP_DATA,
  QXL_SURFACE,
  QXL_SURFACE_CMD,
  QXL_TEXT,
  QXL_TRANSPARENT,
  QXL_UPDATE_CMD,
  QxlBitmapFlag,
  QxlBrushType,
  QxlClipType,
  QxlCmdType,
  QxlCommandFlag,
  QxlCursorCmdType,
  QxlDrawType,
  QxlImageType,
  QxlSurfaceCmdType,
} from './qxl-dev.js';
import { REPLAY_HEADER, SPICE_LINE_FLAGS_STYLED } from './replay-reader.js';
import { ReplayWorkerMessage } from './replay-records.js';
import type { QxlCommandExt } from './ring.js';

/** What the writer needs of a primary surface (the device's QxlPrimarySurface fits). */
export interface ReplayPrimarySource {
  width: number;
  height: number;
  stride: number;
  format: number;
  position: number;
  mouseMode: number;
  flags: number;
  type: number;
  /** QXLPHYSICAL of the surface memory: |stride| * height bytes are recorded from there. */
  mem: bigint;
}

export interface ReplayWriterInit {
  /** Where the recording goes; `close()` ends it. */
  output: Writable;
  /** gzip the output (node:zlib); a number is the compression level. Default false. */
  gzip?: boolean | number;
  /** Event timestamps in ns. Default process.hrtime.bigint (monotonic, as CLOCK_MONOTONIC upstream). */
  clock?: () => bigint;
  /**
   * Bounds on what one command may make the writer copy; defaults as the parser's (MAX_DATA_CHUNK
   * capped at all guest memory, MAX_CHUNKS, MAX_MESSAGE_LENGTH).
   */
  limits?: Partial<QxlParseLimits>;
  logger?: QxlLogger;
}

export interface ReplayWriterStats {
  /** Events written (the next event's counter). */
  events: number;
  commands: number;
  workerMessages: number;
  /** Commands not written because guest memory did not hold a recordable structure. */
  skipped: number;
  /** Bytes handed to the output (before gzip). */
  bytes: number;
}

/** A SPICE_REPLAY 1 writer over guest memory. */
export interface ReplayWriter {
  readonly stats: Readonly<ReplayWriterStats>;
  /** True while the output holds more than its high-water mark (writes still queue). */
  readonly needsDrain: boolean;
  /** The first output error, if any (then nothing more is written). */
  readonly error: Error | null;
  /**
   * Records a command (event what=0) deep-copied from guest memory. Returns false, writing nothing,
   * when the structures cannot be recorded (bad address, loop, unknown type: the QxlError is logged
   * at debug level) or the writer is closed.
   */
  writeCommand(command: QxlCommandExt): boolean;
  /**
   * Records a dispatcher message (event what=1, RED_WORKER_MESSAGE_* `type`). CREATE_PRIMARY(_ASYNC)
   * needs `primary`: its two lines and |stride| * height bytes of surface memory follow the event.
   * Returns false when nothing was written.
   */
  writeWorkerMessage(type: number, primary?: ReplayPrimarySource | null): boolean;
  /** Ends the output (flushing gzip) and resolves once it has finished; rejects on an output error. */
  close(): Promise<void>;
}

/** One event's text and blobs, collected before anything goes out. */
class EventBuffer {
  readonly parts: Uint8Array[] = [];
  private text = '';
  bytes = 0;

  line(s: string): void {
    this.text += s;
    this.text += '\n';
  }

  /** `binary 0 PREFIX SIZE:` + bytes + '\n' (upstream never compresses: WITH_ZLIB is 0). */
  binary(prefix: string, data: Uint8Array): void {
    this.text += `binary 0 ${prefix} ${data.byteLength}:`;
    this.flushText();
    if (data.byteLength > 0) {
      this.parts.push(data);
      this.bytes += data.byteLength;
    }
    this.text = '\n';
  }

  flushText(): void {
    if (this.text.length === 0) return;
    const b = Buffer.from(this.text, 'latin1');
    this.parts.push(b);
    this.bytes += b.byteLength;
    this.text = '';
  }
}

interface Chunks {
  /** Flat triples: region, data offset, size. */
  parts: number[];
  total: number;
}

/** A structure in guest memory: its view and offset. */
interface At {
  p: GuestPtr;
  v: DataView;
  o: number;
}

function isNull(v: DataView, at: number): boolean {
  return v.getUint32(at, true) === 0 && v.getUint32(at + 4, true) === 0;
}

/** Deep-copies one command from guest memory into an EventBuffer, red-record-qxl.c's order. */
class CommandRecorder {
  constructor(
    private readonly mem: GuestMemory,
    private readonly limits: Readonly<QxlParseLimits>,
    private readonly out: EventBuffer,
  ) {}

  private at(v: DataView, ptrAt: number, size: number, field: string): At {
    const p = this.mem.translateWords(v.getUint32(ptrAt, true), v.getUint32(ptrAt + 4, true), size, field);
    return { p, v: this.mem.view(p.region), o: p.offset };
  }

  private atAddr(addr: bigint, size: number, field: string): At {
    const p = this.mem.translate(addr, size, field);
    return { p, v: this.mem.view(p.region), o: p.offset };
  }

  private copy(region: QxlRegion, offset: number, size: number): Uint8Array {
    return this.mem.bytes(region).slice(offset, offset + size);
  }

  private rect(prefix: string, v: DataView, o: number): void {
    this.out.line(
      `rect ${prefix} ${v.getInt32(o + QXL_RECT.top, true)} ${v.getInt32(o + QXL_RECT.left, true)} ${v.getInt32(o + QXL_RECT.bottom, true)} ${v.getInt32(o + QXL_RECT.right, true)}`,
    );
  }

  private point(v: DataView, o: number): void {
    this.out.line(`point ${v.getInt32(o, true)} ${v.getInt32(o + 4, true)}`);
  }

  /** Walks a chunk list from the header at `first` (Brent's cycle check, the parser's limits). */
  private walk(first: GuestPtr, field: string): Chunks {
    const parts: number[] = [];
    let ptr = first;
    let total = 0;
    let count = 0;
    let saved = ptr.offset * 4 + ptr.region;
    let power = 1;
    let steps = 0;
    for (;;) {
      const v = this.mem.view(ptr.region);
      const size = v.getUint32(ptr.offset + QXL_DATA_CHUNK.dataSize, true);
      const data = ptr.offset + QXL_DATA_CHUNK.data;
      this.mem.checkInSlot(ptr, data, size, `${field} data_size`);
      total += size;
      if (total > this.limits.maxDataBytes) {
        throw new QxlTooLargeError(`${field} total data`, total, this.limits.maxDataBytes);
      }
      parts.push(ptr.region, data, size);
      const lo = v.getUint32(ptr.offset + QXL_DATA_CHUNK.nextChunk, true);
      const hi = v.getUint32(ptr.offset + QXL_DATA_CHUNK.nextChunk + 4, true);
      if (lo === 0 && hi === 0) break;
      count++;
      if (count >= this.limits.maxChunks)
        throw new QxlTooLargeError(`${field} chunk count`, count, this.limits.maxChunks);
      ptr = this.mem.translateWords(lo, hi, QXL_DATA_CHUNK.SIZE, `${field} next_chunk`);
      const key = ptr.offset * 4 + ptr.region;
      if (key === saved) throw new QxlChunkLoopError(field, count);
      if (++steps === power) {
        saved = key;
        power *= 2;
        steps = 0;
      }
    }
    return { parts, total };
  }

  /** `data_chunks N_EXTRA TOTAL` and one blob per chunk; returns the total. */
  private chunks(prefix: string, first: GuestPtr, field: string): number {
    const { parts, total } = this.walk(first, field);
    this.out.line(`data_chunks ${parts.length / 3 - 1} ${total}`);
    for (let i = 0; i < parts.length; i += 3) {
      this.out.binary(prefix, this.copy(parts[i] as QxlRegion, parts[i + 1] as number, parts[i + 2] as number));
    }
    return total;
  }

  /** A chunk header embedded at region offset `offset` of the structure `s`. */
  private embedded(s: At, offset: number, field: string): GuestPtr {
    this.mem.checkInSlot(s.p, offset, QXL_DATA_CHUNK.SIZE, field);
    return { region: s.p.region, offset, end: s.p.end, slotId: s.p.slotId };
  }

  image(v: DataView, ptrAt: number, field: string): void {
    if (isNull(v, ptrAt)) {
      this.out.line('image 0');
      return;
    }
    this.out.line('image 1');
    const img = this.at(v, ptrAt, QXL_IMAGE.SIZE, field);
    const iv = img.v;
    const o = img.o;
    const type = iv.getUint8(o + QXL_IMAGE_DESCRIPTOR.type);
    this.out.line(`descriptor.id ${iv.getBigUint64(o + QXL_IMAGE_DESCRIPTOR.id, true)}`);
    this.out.line(`descriptor.type ${type}`);
    this.out.line(`descriptor.flags ${iv.getUint8(o + QXL_IMAGE_DESCRIPTOR.flags)}`);
    this.out.line(`descriptor.width ${iv.getInt32(o + QXL_IMAGE_DESCRIPTOR.width, true)}`);
    this.out.line(`descriptor.height ${iv.getInt32(o + QXL_IMAGE_DESCRIPTOR.height, true)}`);
    switch (type) {
      case QxlImageType.Bitmap: {
        const b = o + QXL_IMAGE.bitmap;
        const flags = iv.getUint8(b + QXL_BITMAP.flags);
        const y = iv.getUint32(b + QXL_BITMAP.y, true);
        const stride = iv.getUint32(b + QXL_BITMAP.stride, true);
        this.out.line(`bitmap.format ${iv.getUint8(b + QXL_BITMAP.format)}`);
        this.out.line(`bitmap.flags ${flags}`);
        this.out.line(`bitmap.x ${iv.getInt32(b + QXL_BITMAP.x, true)}`);
        this.out.line(`bitmap.y ${iv.getInt32(b + QXL_BITMAP.y, true)}`);
        this.out.line(`bitmap.stride ${iv.getInt32(b + QXL_BITMAP.stride, true)}`);
        const hasPalette = !isNull(iv, b + QXL_BITMAP.palette);
        this.out.line(`has_palette ${hasPalette ? 1 : 0}`);
        if (hasPalette) {
          const pal = this.at(iv, b + QXL_BITMAP.palette, QXL_PALETTE.SIZE, `${field} QXLBitmap.palette`);
          const n = pal.v.getUint16(pal.o + QXL_PALETTE.numEnts, true);
          this.out.line(`qp.num_ents ${n}`);
          const ents = pal.o + QXL_PALETTE.ents;
          this.mem.checkInSlot(pal.p, ents, n * 4, 'QXLPalette.ents');
          this.out.line(`unique ${pal.v.getBigUint64(pal.o + QXL_PALETTE.unique, true)}`);
          for (let i = 0; i < n; i++) this.out.line(`ents ${pal.v.getInt32(ents + 4 * i, true)}`);
        }
        const size = y * stride;
        if (size > this.limits.maxDataBytes)
          throw new QxlTooLargeError('QXLBitmap.y * stride', size, this.limits.maxDataBytes);
        if (flags & QxlBitmapFlag.Direct) {
          const flat = this.at(iv, b + QXL_BITMAP.data, size, 'QXLBitmap.data');
          this.out.binary('image_data_flat', this.copy(flat.p.region, flat.o, size));
        } else {
          const first = this.at(iv, b + QXL_BITMAP.data, QXL_DATA_CHUNK.SIZE, 'QXLBitmap.data');
          const total = this.chunks('bitmap.data', first.p, 'QXLBitmap.data');
          // Upstream asserts this: a recording must not hold a bitmap whose data is not y * stride.
          if (total !== size) throw new QxlBadSizeError('QXLBitmap.data', total, `does not match y * stride = ${size}`);
        }
        return;
      }
      case QxlImageType.Surface:
        this.out.line(`surface_image.surface_id ${iv.getInt32(o + QXL_IMAGE.surfaceId, true)}`);
        return;
      case QxlImageType.Quic: {
        const q = o + QXL_IMAGE.quic;
        const dataSize = iv.getUint32(q + QXL_QUIC_DATA.dataSize, true);
        this.out.line(`quic.data_size ${iv.getInt32(q + QXL_QUIC_DATA.dataSize, true)}`);
        const total = this.chunks('quic.data', this.embedded(img, q + QXL_QUIC_DATA.chunk, field), 'QXLQUICData.chunk');
        if (total !== dataSize)
          throw new QxlBadSizeError('QXLQUICData.chunk', total, `does not match data_size ${dataSize}`);
        return;
      }
      default:
        throw new QxlUnknownTypeError(`${field} QXLImageDescriptor.type`, type);
    }
  }

  brush(v: DataView, b: number, field: string): void {
    const type = v.getUint32(b + QXL_BRUSH.type, true);
    this.out.line(`type ${type | 0}`);
    switch (type) {
      case QxlBrushType.None:
        return;
      case QxlBrushType.Solid:
        this.out.line(`u.color ${v.getInt32(b + QXL_BRUSH.color, true)}`);
        return;
      case QxlBrushType.Pattern:
        this.image(v, b + QXL_BRUSH.patternPat, `${field}.u.pattern.pat`);
        this.point(v, b + QXL_BRUSH.patternPos);
        return;
      default:
        // Upstream writes the bare type, which no reader can follow: not recordable.
        throw new QxlUnknownTypeError(`${field}.type`, type);
    }
  }

  qmask(v: DataView, m: number, field: string): void {
    this.out.line(`flags ${v.getUint8(m + QXL_QMASK.flags)}`);
    this.point(v, m + QXL_QMASK.pos);
    this.image(v, m + QXL_QMASK.bitmap, `${field}.bitmap`);
  }

  private clip(v: DataView, c: number): void {
    const type = v.getUint32(c + QXL_CLIP.type, true);
    this.out.line(`type ${type | 0}`);
    if (type === QxlClipType.None) return;
    if (type !== QxlClipType.Rects) throw new QxlUnknownTypeError('QXLClip.type', type);
    const r = this.at(v, c + QXL_CLIP.data, QXL_CLIP_RECTS.SIZE, 'QXLClip.data');
    const numRects = r.v.getUint32(r.o + QXL_CLIP_RECTS.numRects, true);
    this.out.line(`num_rects ${numRects | 0}`);
    const total = this.chunks(
      'clip_rects',
      this.embedded(r, r.o + QXL_CLIP_RECTS.chunk, 'QXLClipRects'),
      'QXLClipRects.chunk',
    );
    if (total !== numRects * QXL_RECT.SIZE) {
      throw new QxlBadSizeError('QXLClipRects.chunk', total, `does not match num_rects ${numRects}`);
    }
  }

  /** A data block that may be null (transforms): `KEY 0|1` then the blob. */
  private optionalBlob(v: DataView, at: number, key: string, prefix: string, size: number, field: string): void {
    if (isNull(v, at)) {
      this.out.line(`${key} 0`);
      return;
    }
    this.out.line(`${key} 1`);
    const t = this.at(v, at, size, field);
    this.out.binary(prefix, this.copy(t.p.region, t.o, size));
  }

  drawable(addr: bigint, flags: number): void {
    if (flags & QxlCommandFlag.Compat) {
      throw new QxlUnsupportedError('QXLCommandExt.flags', flags, 'compat (qxl-1) drawables');
    }
    const d = this.atAddr(addr, QXL_DRAWABLE.SIZE, 'QXLDrawable');
    const { v, o } = d;
    this.out.line('drawable');
    this.rect('bbox', v, o + QXL_DRAWABLE.bbox);
    this.clip(v, o + QXL_DRAWABLE.clip);
    this.out.line(`effect ${v.getUint8(o + QXL_DRAWABLE.effect)}`);
    this.out.line(`mm_time ${v.getInt32(o + QXL_DRAWABLE.mmTime, true)}`);
    this.out.line(`self_bitmap ${v.getUint8(o + QXL_DRAWABLE.selfBitmap)}`);
    this.rect('self_bitmap_area', v, o + QXL_DRAWABLE.selfBitmapArea);
    this.out.line(`surface_id ${v.getInt32(o + QXL_DRAWABLE.surfaceId, true)}`);
    for (let i = 0; i < 3; i++) {
      this.out.line(`surfaces_dest ${v.getInt32(o + QXL_DRAWABLE.surfacesDest + 4 * i, true)}`);
      this.rect('surfaces_rects', v, o + QXL_DRAWABLE.surfacesRects + QXL_RECT.SIZE * i);
    }
    const type = v.getUint8(o + QXL_DRAWABLE.type);
    this.out.line(`type ${type}`);
    this.draw(v, o + QXL_DRAWABLE.u, type);
  }

  private draw(v: DataView, u: number, type: number): void {
    const out = this.out;
    switch (type) {
      case QxlDrawType.Nop:
        return;
      case QxlDrawType.Fill:
        this.brush(v, u + QXL_FILL.brush, 'QXLFill.brush');
        out.line(`rop_descriptor ${v.getUint16(u + QXL_FILL.ropDescriptor, true)}`);
        this.qmask(v, u + QXL_FILL.mask, 'QXLFill.mask');
        return;
      case QxlDrawType.Opaque:
        this.image(v, u + QXL_OPAQUE.srcBitmap, 'QXLOpaque.src_bitmap');
        this.rect('src_area', v, u + QXL_OPAQUE.srcArea);
        this.brush(v, u + QXL_OPAQUE.brush, 'QXLOpaque.brush');
        out.line(`rop_descriptor ${v.getUint16(u + QXL_OPAQUE.ropDescriptor, true)}`);
        out.line(`scale_mode ${v.getUint8(u + QXL_OPAQUE.scaleMode)}`);
        this.qmask(v, u + QXL_OPAQUE.mask, 'QXLOpaque.mask');
        return;
      case QxlDrawType.Copy:
      case QxlDrawType.Blend:
        // QXLBlend has QXLCopy's layout.
        this.image(v, u + QXL_COPY.srcBitmap, 'QXLCopy.src_bitmap');
        this.rect('src_area', v, u + QXL_COPY.srcArea);
        out.line(`rop_descriptor ${v.getUint16(u + QXL_COPY.ropDescriptor, true)}`);
        out.line(`scale_mode ${v.getUint8(u + QXL_COPY.scaleMode)}`);
        this.qmask(v, u + QXL_COPY.mask, 'QXLCopy.mask');
        return;
      case QxlDrawType.CopyBits:
        this.point(v, u + QXL_COPY_BITS.srcPos);
        return;
      case QxlDrawType.Blackness:
      case QxlDrawType.Whiteness:
      case QxlDrawType.Invers:
        this.qmask(v, u + QXL_BLACKNESS.mask, 'QXLBlackness.mask');
        return;
      case QxlDrawType.Rop3:
        this.image(v, u + QXL_ROP3.srcBitmap, 'QXLRop3.src_bitmap');
        this.rect('src_area', v, u + QXL_ROP3.srcArea);
        this.brush(v, u + QXL_ROP3.brush, 'QXLRop3.brush');
        out.line(`rop3 ${v.getUint8(u + QXL_ROP3.rop3)}`);
        out.line(`scale_mode ${v.getUint8(u + QXL_ROP3.scaleMode)}`);
        this.qmask(v, u + QXL_ROP3.mask, 'QXLRop3.mask');
        return;
      case QxlDrawType.Stroke: {
        // QXLPath: data_size, then the embedded first chunk (upstream records the chunks only).
        const path = this.at(v, u + QXL_STROKE.path, 4 + QXL_DATA_CHUNK.SIZE, 'QXLStroke.path');
        this.chunks('path', this.embedded(path, path.o + 4, 'QXLPath'), 'QXLPath.chunk');
        const a = u + QXL_STROKE.attr;
        const flags = v.getUint8(a + QXL_LINE_ATTR.flags);
        out.line(`attr.flags ${flags}`);
        if (flags & SPICE_LINE_FLAGS_STYLED) {
          const nseg = v.getUint8(a + QXL_LINE_ATTR.styleNseg);
          out.line(`attr.style_nseg ${nseg}`);
          if (isNull(v, a + QXL_LINE_ATTR.style)) {
            throw new QxlBadValueError('QXLLineAttr.style', 0, 'is null for a styled line');
          }
          const s = this.at(v, a + QXL_LINE_ATTR.style, nseg * 4, 'QXLLineAttr.style');
          out.binary('style', this.copy(s.p.region, s.o, nseg * 4));
        }
        this.brush(v, u + QXL_STROKE.brush, 'QXLStroke.brush');
        out.line(`fore_mode ${v.getUint16(u + QXL_STROKE.foreMode, true)}`);
        out.line(`back_mode ${v.getUint16(u + QXL_STROKE.backMode, true)}`);
        return;
      }
      case QxlDrawType.Text: {
        // QXLString: data_size u32, length u16, flags u16, then the embedded first chunk.
        const s = this.at(v, u + QXL_TEXT.str, 8 + QXL_DATA_CHUNK.SIZE, 'QXLText.str');
        const dataSize = s.v.getUint32(s.o, true);
        out.line(`data_size ${s.v.getInt32(s.o, true)}`);
        out.line(`length ${s.v.getUint16(s.o + 4, true)}`);
        out.line(`flags ${s.v.getUint16(s.o + 6, true)}`);
        const total = this.chunks('string', this.embedded(s, s.o + 8, 'QXLString'), 'QXLString.chunk');
        if (total !== dataSize)
          throw new QxlBadSizeError('QXLString.chunk', total, `does not match data_size ${dataSize}`);
        this.rect('back_area', v, u + QXL_TEXT.backArea);
        this.brush(v, u + QXL_TEXT.foreBrush, 'QXLText.fore_brush');
        this.brush(v, u + QXL_TEXT.backBrush, 'QXLText.back_brush');
        out.line(`fore_mode ${v.getUint16(u + QXL_TEXT.foreMode, true)}`);
        out.line(`back_mode ${v.getUint16(u + QXL_TEXT.backMode, true)}`);
        return;
      }
      case QxlDrawType.Transparent:
        this.image(v, u + QXL_TRANSPARENT.srcBitmap, 'QXLTransparent.src_bitmap');
        this.rect('src_area', v, u + QXL_TRANSPARENT.srcArea);
        out.line(`src_color ${v.getInt32(u + QXL_TRANSPARENT.srcColor, true)}`);
        out.line(`true_color ${v.getInt32(u + QXL_TRANSPARENT.trueColor, true)}`);
        return;
      case QxlDrawType.AlphaBlend:
        out.line(`alpha_flags ${v.getUint16(u + QXL_ALPHA_BLEND.alphaFlags, true)}`);
        out.line(`alpha ${v.getUint8(u + QXL_ALPHA_BLEND.alpha)}`);
        this.image(v, u + QXL_ALPHA_BLEND.srcBitmap, 'QXLAlphaBlend.src_bitmap');
        this.rect('src_area', v, u + QXL_ALPHA_BLEND.srcArea);
        return;
      case QxlDrawType.Composite: {
        out.line(`flags ${v.getInt32(u + QXL_COMPOSITE.flags, true)}`);
        this.image(v, u + QXL_COMPOSITE.src, 'QXLComposite.src');
        // SpiceTransform: six u32.
        this.optionalBlob(
          v,
          u + QXL_COMPOSITE.srcTransform,
          'src_transform',
          'transform',
          24,
          'QXLComposite.src_transform',
        );
        if (isNull(v, u + QXL_COMPOSITE.mask)) {
          out.line('mask 0');
        } else {
          out.line('mask 1');
          this.image(v, u + QXL_COMPOSITE.mask, 'QXLComposite.mask');
        }
        this.optionalBlob(
          v,
          u + QXL_COMPOSITE.maskTransform,
          'mask_transform',
          'transform',
          24,
          'QXLComposite.mask_transform',
        );
        const so = u + QXL_COMPOSITE.srcOrigin;
        const mo = u + QXL_COMPOSITE.maskOrigin;
        out.line(`src_origin ${v.getInt16(so, true)} ${v.getInt16(so + 2, true)}`);
        out.line(`mask_origin ${v.getInt16(mo, true)} ${v.getInt16(mo + 2, true)}`);
        return;
      }
      default:
        // Upstream aborts here (spice_error).
        throw new QxlUnknownTypeError('QXLDrawable.type', type);
    }
  }

  update(addr: bigint): void {
    const { v, o } = this.atAddr(addr, QXL_UPDATE_CMD.SIZE, 'QXLUpdateCmd');
    this.out.line('update');
    this.rect('area', v, o + QXL_UPDATE_CMD.area);
    this.out.line(`update_id ${v.getInt32(o + QXL_UPDATE_CMD.updateId, true)}`);
    this.out.line(`surface_id ${v.getInt32(o + QXL_UPDATE_CMD.surfaceId, true)}`);
  }

  message(addr: bigint): void {
    // Upstream takes strlen() unbounded; here the text must end inside its slot and the limit.
    const m = this.atAddr(addr, QXL_MESSAGE.SIZE, 'QXLMessage');
    const start = m.o + QXL_MESSAGE.data;
    const len = Math.min(this.mem.slotRemaining(m.p, start), this.limits.maxMessageBytes);
    const bytes = this.mem.bytes(m.p.region).subarray(start, start + len);
    const end = bytes.indexOf(0);
    if (end < 0) throw new QxlBadValueError('QXLMessage.data', len, 'bytes hold no NUL terminator');
    this.out.binary('message', bytes.slice(0, end));
  }

  surface(addr: bigint): void {
    const { v, o } = this.atAddr(addr, QXL_SURFACE_CMD.SIZE, 'QXLSurfaceCmd');
    const type = v.getUint8(o + QXL_SURFACE_CMD.type);
    const flags = v.getUint32(o + QXL_SURFACE_CMD.flags, true);
    if (type !== QxlSurfaceCmdType.Create && type !== QxlSurfaceCmdType.Destroy) {
      throw new QxlUnknownTypeError('QXLSurfaceCmd.type', type);
    }
    this.out.line('surface_cmd');
    this.out.line(`surface_id ${v.getInt32(o + QXL_SURFACE_CMD.surfaceId, true)}`);
    this.out.line(`type ${type}`);
    this.out.line(`flags ${flags | 0}`);
    if (type !== QxlSurfaceCmdType.Create) return;
    const s = o + QXL_SURFACE_CMD.surfaceCreate;
    const height = v.getUint32(s + QXL_SURFACE.height, true);
    const stride = v.getInt32(s + QXL_SURFACE.stride, true);
    this.out.line(`u.surface_create.format ${v.getInt32(s + QXL_SURFACE.format, true)}`);
    this.out.line(`u.surface_create.width ${v.getInt32(s + QXL_SURFACE.width, true)}`);
    this.out.line(`u.surface_create.height ${v.getInt32(s + QXL_SURFACE.height, true)}`);
    this.out.line(`u.surface_create.stride ${stride}`);
    if ((flags & QXL_SURF_FLAG_KEEP_DATA) === 0) return;
    const size = height * Math.abs(stride);
    if (size > this.limits.maxDataBytes) {
      throw new QxlTooLargeError('QXLSurface.height * |stride|', size, this.limits.maxDataBytes);
    }
    const data = this.at(v, s + QXL_SURFACE.data, size, 'QXLSurface.data');
    this.out.binary('data', this.copy(data.p.region, data.o, size));
  }

  cursor(addr: bigint): void {
    const { v, o } = this.atAddr(addr, QXL_CURSOR_CMD.SIZE, 'QXLCursorCmd');
    const type = v.getUint8(o + QXL_CURSOR_CMD.type);
    const out = this.out;
    const point16 = () =>
      out.line(
        `point16 ${v.getInt16(o + QXL_CURSOR_CMD.position, true)} ${v.getInt16(o + QXL_CURSOR_CMD.position + 2, true)}`,
      );
    if (type > QxlCursorCmdType.Trail) throw new QxlUnknownTypeError('QXLCursorCmd.type', type);
    out.line('cursor_cmd');
    out.line(`type ${type}`);
    switch (type) {
      case QxlCursorCmdType.Set: {
        point16();
        out.line(`u.set.visible ${v.getUint8(o + QXL_CURSOR_CMD.setVisible)}`);
        const c = this.at(v, o + QXL_CURSOR_CMD.setShape, QXL_CURSOR.SIZE, 'QXLCursorCmd.u.set.shape');
        const h = c.o + QXL_CURSOR.header;
        out.line(`header.unique ${c.v.getBigUint64(h + QXL_CURSOR_HEADER.unique, true)}`);
        out.line(`header.type ${c.v.getUint16(h + QXL_CURSOR_HEADER.type, true)}`);
        out.line(`header.width ${c.v.getUint16(h + QXL_CURSOR_HEADER.width, true)}`);
        out.line(`header.height ${c.v.getUint16(h + QXL_CURSOR_HEADER.height, true)}`);
        out.line(`header.hot_spot_x ${c.v.getUint16(h + QXL_CURSOR_HEADER.hotSpotX, true)}`);
        out.line(`header.hot_spot_y ${c.v.getUint16(h + QXL_CURSOR_HEADER.hotSpotY, true)}`);
        out.line(`data_size ${c.v.getInt32(c.o + QXL_CURSOR.dataSize, true)}`);
        this.chunks('cursor', this.embedded(c, c.o + QXL_CURSOR.chunk, 'QXLCursor'), 'QXLCursor.chunk');
        return;
      }
      case QxlCursorCmdType.Move:
        point16();
        return;
      case QxlCursorCmdType.Trail:
        out.line(`u.trail.length ${v.getUint16(o + QXL_CURSOR_CMD.trailLength, true)}`);
        out.line(`u.trail.frequency ${v.getUint16(o + QXL_CURSOR_CMD.trailFrequency, true)}`);
        return;
      default:
        return;
    }
  }
}

class ReplayWriterImpl implements ReplayWriter {
  readonly stats: ReplayWriterStats = { events: 0, commands: 0, workerMessages: 0, skipped: 0, bytes: 0 };
  error: Error | null = null;
  private readonly sink: Writable;
  private readonly gzip: Gzip | null;
  private readonly clock: () => bigint;
  private readonly limits: Readonly<QxlParseLimits>;
  private readonly log: QxlLogger;
  private closed = false;
  private finished: Promise<void>;

  constructor(
    private readonly mem: GuestMemory,
    init: ReplayWriterInit,
  ) {
    const output = init.output;
    this.clock = init.clock ?? (() => process.hrtime.bigint());
    this.log = init.logger ?? silentLogger;
    const total = mem.ram.byteLength + mem.vram.byteLength + mem.rom.byteLength;
    this.limits = {
      maxDataBytes: init.limits?.maxDataBytes ?? Math.min(MAX_DATA_CHUNK, total),
      maxChunks: init.limits?.maxChunks ?? MAX_CHUNKS,
      maxMessageBytes: init.limits?.maxMessageBytes ?? MAX_MESSAGE_LENGTH,
    };
    const fail = (err: Error) => {
      if (this.error === null) {
        this.error = err;
        this.log.error({ err }, 'qxl: recording output failed; recording stopped');
      }
    };
    this.finished = new Promise<void>((resolve) => {
      output.once('finish', resolve);
      output.once('close', resolve);
      output.once('error', (err: Error) => {
        fail(err);
        resolve();
      });
    });
    if (init.gzip !== undefined && init.gzip !== false) {
      this.gzip = createGzip(typeof init.gzip === 'number' ? { level: init.gzip } : {});
      this.gzip.on('error', fail);
      this.gzip.pipe(output);
      this.sink = this.gzip;
    } else {
      this.gzip = null;
      this.sink = output;
    }
    const header = Buffer.from(`${REPLAY_HEADER}\n`, 'latin1');
    this.stats.bytes += header.byteLength;
    this.sink.write(header);
  }

  get needsDrain(): boolean {
    return this.sink.writableNeedDrain;
  }

  private event(what: 0 | 1, type: number): EventBuffer {
    const out = new EventBuffer();
    out.line(`event ${this.stats.events} ${what} ${type >>> 0} ${this.clock()}`);
    return out;
  }

  private emit(out: EventBuffer): void {
    out.flushText();
    this.stats.events++;
    this.stats.bytes += out.bytes;
    const sink = this.sink;
    if (out.parts.length === 1) {
      sink.write(out.parts[0] as Uint8Array);
      return;
    }
    sink.cork();
    for (const part of out.parts) sink.write(part);
    process.nextTick(() => sink.uncork());
  }

  private usable(): boolean {
    return !this.closed && this.error === null;
  }

  writeCommand(command: QxlCommandExt): boolean {
    if (!this.usable()) return false;
    const out = this.event(0, command.type);
    const rec = new CommandRecorder(this.mem, this.limits, out);
    try {
      switch (command.type) {
        case QxlCmdType.Draw:
          rec.drawable(command.data, command.flags);
          break;
        case QxlCmdType.Update:
          rec.update(command.data);
          break;
        case QxlCmdType.Message:
          rec.message(command.data);
          break;
        case QxlCmdType.Surface:
          rec.surface(command.data);
          break;
        case QxlCmdType.Cursor:
          rec.cursor(command.data);
          break;
        default:
          throw new QxlUnknownTypeError('QXLCommand.type', command.type);
      }
    } catch (err) {
      // Only a QxlError says the guest memory was bad; anything else is a bug and goes up.
      if (!isQxlError(err)) throw err;
      this.stats.skipped++;
      this.log.debug(
        { err, type: command.type, addr: `0x${command.data.toString(16)}` },
        'qxl: command not recorded (its guest structures are not recordable)',
      );
      return false;
    }
    this.stats.commands++;
    this.emit(out);
    return true;
  }

  writeWorkerMessage(type: number, primary: ReplayPrimarySource | null = null): boolean {
    if (!this.usable()) return false;
    const out = this.event(1, type);
    if (type === ReplayWorkerMessage.CreatePrimarySurface || type === ReplayWorkerMessage.CreatePrimarySurfaceAsync) {
      if (primary === null) throw new QxlBadValueError('writeWorkerMessage primary', 'null', `is required for ${type}`);
      const size = Math.abs(primary.stride) * primary.height;
      let data: Uint8Array;
      try {
        if (size > this.limits.maxDataBytes) {
          throw new QxlTooLargeError('primary |stride| * height', size, this.limits.maxDataBytes);
        }
        const p = this.mem.translate(primary.mem, size, 'QXLSurfaceCreate.mem');
        data = this.mem.bytes(p.region).slice(p.offset, p.offset + size);
      } catch (err) {
        if (!isQxlError(err)) throw err;
        this.log.debug({ err }, 'qxl: primary surface not recorded');
        return false;
      }
      out.line(`${primary.width | 0} ${primary.height | 0} ${primary.stride | 0} ${primary.format | 0}`);
      out.line(`${primary.position | 0} ${primary.mouseMode | 0} ${primary.flags | 0} ${primary.type | 0}`);
      out.binary('data', data);
    }
    this.stats.workerMessages++;
    this.emit(out);
    return true;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.sink.end();
    }
    await this.finished;
    if (this.error !== null) throw this.error;
  }
}

/**
 * A SPICE_REPLAY 1 writer over `memory` (the device's GuestMemory). Writes the header at once;
 * each `writeCommand`/`writeWorkerMessage` builds one event and queues it on the output.
 */
export function createReplayWriter(memory: GuestMemory, init: ReplayWriterInit): ReplayWriter {
  return new ReplayWriterImpl(memory, init);
}
