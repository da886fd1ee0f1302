import {
  QxlBadSizeError,
  QxlBadStrideError,
  QxlBadValueError,
  QxlChunkLoopError,
  QxlTooLargeError,
  QxlUnknownTypeError,
  QxlUnsupportedError,
} from './errors.js';
import type { GuestMemory, GuestPtr } from './guest-memory.js';
import {
  isRgbBitmapFormat,
  QXL_ALPHA_BLEND,
  QXL_BITMAP,
  QXL_BITMAP_FMT_BPP,
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
  QXL_HEAD,
  QXL_IMAGE,
  QXL_IMAGE_DESCRIPTOR,
  QXL_LINE_ATTR,
  QXL_MESSAGE,
  QXL_MONITORS_CONFIG,
  QXL_OPAQUE,
  QXL_PALETTE,
  QXL_QMASK,
  QXL_QUIC_DATA,
  QXL_RECT,
  QXL_ROP3,
  QXL_STROKE,
  QXL_SURFACE,
  QXL_SURFACE_CMD,
  QXL_TEXT,
  QXL_TRANSPARENT,
  QXL_UPDATE_CMD,
  QxlBitmapFlag,
  QxlBitmapFmt,
  QxlBrushType,
  QxlClipType,
  QxlCmdType,
  QxlCursorCmdType,
  QxlCursorType,
  QxlDrawType,
  QxlImageType,
  QxlSurfaceCmdType,
  surfaceFormatBpp,
} from './qxl-dev.js';
import type {
  QxlAnyCommandRecord,
  QxlAnyDraw,
  QxlAnyDrawable,
  QxlBrush,
  QxlClip,
  QxlCommandRecord,
  QxlCursorCommand,
  QxlCursorShape,
  QxlDraw,
  QxlDrawable,
  QxlHead,
  QxlImage,
  QxlMonitorsConfig,
  QxlPalette,
  QxlPoint,
  QxlQMask,
  QxlRect,
  QxlSurfaceCommand,
  QxlUpdateCommand,
} from './records.js';
import type { QxlCommandEntry } from './ring.js';

export type {
  QxlAnyCommandRecord,
  QxlAnyDraw,
  QxlAnyDrawable,
  QxlBitmapImage,
  QxlBrush,
  QxlClip,
  QxlCommandRecord,
  QxlCursorCommand,
  QxlCursorShape,
  QxlDraw,
  QxlDrawable,
  QxlExtendedDraw,
  QxlHead,
  QxlImage,
  QxlLineAttr,
  QxlMonitorsConfig,
  QxlPalette,
  QxlPoint,
  QxlQMask,
  QxlQuicImage,
  QxlRect,
  QxlSurfaceCommand,
  QxlSurfaceImage,
  QxlUpdateCommand,
} from './records.js';

/** Largest data field of a QXL command, in bytes (red-parse-qxl.cpp MAX_DATA_CHUNK). */
export const MAX_DATA_CHUNK = 0x7fffffff;
/** Most chunks in one QXLDataChunk list (red-parse-qxl.cpp MAX_CHUNKS = MAX_DATA_CHUNK / 1024). */
export const MAX_CHUNKS = Math.floor(MAX_DATA_CHUNK / 1024);
/** Longest QXLMessage text searched for its NUL (red-parse-qxl.cpp red_get_message). */
export const MAX_MESSAGE_LENGTH = 100_000;

export interface QxlParseLimits {
  /** Most bytes one data field (bitmap, QUIC stream, cursor shape, clip rects) may hold. */
  maxDataBytes: number;
  /** Most chunks one QXLDataChunk list may have. */
  maxChunks: number;
  /** Most bytes searched for the NUL that ends a QXLMessage. */
  maxMessageBytes: number;
}

export interface QxlParserInit {
  memory: GuestMemory;
  /** Surface ids must be below this (QXLRom.n_surfaces). */
  numSurfaces: number;
  /**
   * Limits; `maxDataBytes` defaults to MAX_DATA_CHUNK capped at the size of all guest memory (no
   * honest guest can store more than that, so a bigger total means overlapping chunks).
   */
  limits?: Partial<QxlParseLimits>;
}

/**
 * Validating parser of guest structures: every address goes through the memslots, every length is
 * bounded, every type checked; a bad structure gives a QxlError (never another exception, never a
 * hang). Each field is read from guest memory once and the data needed is copied out.
 */
export interface QxlParser {
  readonly limits: Readonly<QxlParseLimits>;
  /** Parses the command a ring entry points to. Only QXL_CMD_CURSOR is accepted from the cursor ring. */
  parseCommand(entry: QxlCommandEntry, ring?: 'command' | 'cursor'): QxlCommandRecord;
  parseDrawable(addr: bigint): QxlDrawable;
  /** As parseCommand, with drawables of every draw type (OPAQUE ... COMPOSITE, NOP). */
  parseAnyCommand(entry: QxlCommandEntry, ring?: 'command' | 'cursor'): QxlAnyCommandRecord;
  /** As parseDrawable, for every draw type. */
  parseAnyDrawable(addr: bigint): QxlAnyDrawable;
  parseSurfaceCommand(addr: bigint): QxlSurfaceCommand;
  parseCursorCommand(addr: bigint): QxlCursorCommand;
  parseUpdateCommand(addr: bigint): QxlUpdateCommand;
  parseMessage(addr: bigint): { releaseId: bigint; text: Uint8Array };
  /** Parses a QXLImage; `isMask` images (1-bit masks) need no palette. */
  parseImage(addr: bigint, isMask?: boolean): QxlImage;
  parseMonitorsConfig(addr: bigint): QxlMonitorsConfig;
}

const TWO_32 = 0x1_0000_0000;
/** SPICE_LINE_FLAGS_STYLED (spice/enums.h). */
const LINE_FLAGS_STYLED = 1 << 3;

function lo32(addr: bigint): number {
  return Number(BigInt.asUintN(32, addr));
}

function hi32(addr: bigint): number {
  return Number(BigInt.asUintN(64, addr) >> 32n);
}

class QxlParserImpl implements QxlParser {
  readonly limits: Readonly<QxlParseLimits>;
  private readonly mem: GuestMemory;
  private readonly numSurfaces: number;

  constructor(init: QxlParserInit) {
    this.mem = init.memory;
    this.numSurfaces = init.numSurfaces;
    const total = init.memory.ram.byteLength + init.memory.vram.byteLength + init.memory.rom.byteLength;
    this.limits = {
      maxDataBytes: init.limits?.maxDataBytes ?? Math.min(MAX_DATA_CHUNK, total),
      maxChunks: init.limits?.maxChunks ?? MAX_CHUNKS,
      maxMessageBytes: init.limits?.maxMessageBytes ?? MAX_MESSAGE_LENGTH,
    };
  }

  // ---- commands -------------------------------------------------------------------------------

  parseCommand(entry: QxlCommandEntry, ring: 'command' | 'cursor' = 'command'): QxlCommandRecord {
    // With `any` false only FILL and COPY get through, so the drawable is a QxlDrawable.
    return this.command(entry, ring, false) as QxlCommandRecord;
  }

  parseAnyCommand(entry: QxlCommandEntry, ring: 'command' | 'cursor' = 'command'): QxlAnyCommandRecord {
    return this.command(entry, ring, true);
  }

  private command(entry: QxlCommandEntry, ring: 'command' | 'cursor', any: boolean): QxlAnyCommandRecord {
    const lo = lo32(entry.data);
    const hi = hi32(entry.data);
    if (ring === 'cursor') {
      if (entry.type !== QxlCmdType.Cursor) throw new QxlUnknownTypeError('QXLCommand.type (cursor ring)', entry.type);
      return { type: 'cursor', command: this.cursorCommand(lo, hi) };
    }
    switch (entry.type) {
      case QxlCmdType.Draw:
        return { type: 'draw', drawable: this.drawable(lo, hi, any) };
      case QxlCmdType.Surface:
        return { type: 'surface', command: this.surfaceCommand(lo, hi) };
      case QxlCmdType.Update:
        return { type: 'update', command: this.updateCommand(lo, hi) };
      case QxlCmdType.Message: {
        const message = this.message(lo, hi);
        return { type: 'message', releaseId: message.releaseId, text: message.text };
      }
      default:
        throw new QxlUnknownTypeError('QXLCommand.type', entry.type);
    }
  }

  parseDrawable(addr: bigint): QxlDrawable {
    return this.drawable(lo32(addr), hi32(addr), false) as QxlDrawable;
  }

  parseAnyDrawable(addr: bigint): QxlAnyDrawable {
    return this.drawable(lo32(addr), hi32(addr), true);
  }

  parseSurfaceCommand(addr: bigint): QxlSurfaceCommand {
    return this.surfaceCommand(lo32(addr), hi32(addr));
  }

  parseCursorCommand(addr: bigint): QxlCursorCommand {
    return this.cursorCommand(lo32(addr), hi32(addr));
  }

  parseUpdateCommand(addr: bigint): QxlUpdateCommand {
    return this.updateCommand(lo32(addr), hi32(addr));
  }

  parseMessage(addr: bigint): { releaseId: bigint; text: Uint8Array } {
    return this.message(lo32(addr), hi32(addr));
  }

  parseImage(addr: bigint, isMask = false): QxlImage {
    return this.image(lo32(addr), hi32(addr), isMask, 'QXLImage');
  }

  parseMonitorsConfig(addr: bigint): QxlMonitorsConfig {
    const lo = lo32(addr);
    const hi = hi32(addr);
    const field = 'QXLMonitorsConfig';
    const p = this.mem.translateWords(lo, hi, QXL_MONITORS_CONFIG.SIZE + QXL_HEAD.SIZE, field);
    const v = this.mem.view(p.region);
    const count = v.getUint16(p.offset + QXL_MONITORS_CONFIG.count, true);
    const maxAllowed = v.getUint16(p.offset + QXL_MONITORS_CONFIG.maxAllowed, true);
    if (count === 0) throw new QxlBadValueError(`${field}.count`, 0, 'is zero');
    if (count > maxAllowed) throw new QxlBadValueError(`${field}.count`, count, `is above max_allowed ${maxAllowed}`);
    const all = this.mem.translateWords(lo, hi, QXL_MONITORS_CONFIG.SIZE + QXL_HEAD.SIZE * count, field);
    const heads: QxlHead[] = [];
    for (let i = 0; i < count; i++) {
      const h = all.offset + QXL_MONITORS_CONFIG.heads + i * QXL_HEAD.SIZE;
      heads.push({
        id: v.getUint32(h + QXL_HEAD.id, true),
        surfaceId: v.getUint32(h + QXL_HEAD.surfaceId, true),
        width: v.getUint32(h + QXL_HEAD.width, true),
        height: v.getUint32(h + QXL_HEAD.height, true),
        x: v.getUint32(h + QXL_HEAD.x, true),
        y: v.getUint32(h + QXL_HEAD.y, true),
        flags: v.getUint32(h + QXL_HEAD.flags, true),
      });
    }
    return { maxAllowed, heads };
  }

  private drawable(lo: number, hi: number, any: boolean): QxlAnyDrawable {
    const p = this.mem.translateWords(lo, hi, QXL_DRAWABLE.SIZE, 'QXLDrawable');
    const v = this.mem.view(p.region);
    const o = p.offset;
    const releaseId = v.getBigUint64(o + QXL_DRAWABLE.releaseInfo, true);
    const surfaceId = v.getUint32(o + QXL_DRAWABLE.surfaceId, true);
    this.checkSurfaceId('QXLDrawable.surface_id', surfaceId);
    const effect = v.getUint8(o + QXL_DRAWABLE.effect);
    const type = v.getUint8(o + QXL_DRAWABLE.type);
    if (type > QxlDrawType.Composite) throw new QxlUnknownTypeError('QXLDrawable.type', type);
    if (!any && type !== QxlDrawType.Fill && type !== QxlDrawType.Copy) {
      throw new QxlUnsupportedError('QXLDrawable.type', type, 'this draw type');
    }
    let selfBitmap = v.getUint8(o + QXL_DRAWABLE.selfBitmap) !== 0;
    const selfBitmapArea = readRect(v, o + QXL_DRAWABLE.selfBitmapArea);
    const bbox = readRect(v, o + QXL_DRAWABLE.bbox);
    const mmTime = v.getUint32(o + QXL_DRAWABLE.mmTime, true);
    const dest: number[] = [];
    const rects: QxlRect[] = [];
    for (let i = 0; i < 3; i++) {
      const d = v.getInt32(o + QXL_DRAWABLE.surfacesDest + 4 * i, true);
      if (d < -1 || d >= this.numSurfaces) {
        throw new QxlBadValueError(
          `QXLDrawable.surfaces_dest[${i}]`,
          d,
          `is not -1 or a surface id below ${this.numSurfaces}`,
        );
      }
      dest.push(d);
      rects.push(readRect(v, o + QXL_DRAWABLE.surfacesRects + QXL_RECT.SIZE * i));
    }
    const clip = this.clip(v, o + QXL_DRAWABLE.clip);
    const u = o + QXL_DRAWABLE.u;
    let draw: QxlAnyDraw;
    if (type === QxlDrawType.Copy) {
      // Upstream resets self_bitmap for COPY: meaningless there, set by buggy drivers.
      selfBitmap = false;
      draw = this.copy(v, u);
    } else if (type === QxlDrawType.Fill) {
      draw = {
        type: 'fill',
        brush: this.brush(v, u + QXL_FILL.brush, 'QXLFill.brush'),
        ropDescriptor: v.getUint16(u + QXL_FILL.ropDescriptor, true),
        mask: this.qmask(v, u + QXL_FILL.mask, 'QXLFill.mask'),
      };
    } else {
      draw = this.otherDraw(v, u, type);
    }
    return {
      releaseId,
      surfaceId,
      effect,
      bbox,
      clip,
      mmTime,
      selfBitmap,
      selfBitmapArea,
      surfacesDest: [dest[0] as number, dest[1] as number, dest[2] as number],
      surfacesRects: [rects[0] as QxlRect, rects[1] as QxlRect, rects[2] as QxlRect],
      draw,
    };
  }

  private copy(v: DataView, u: number): QxlDraw {
    const srcLo = v.getUint32(u + QXL_COPY.srcBitmap, true);
    const srcHi = v.getUint32(u + QXL_COPY.srcBitmap + 4, true);
    if (srcLo === 0 && srcHi === 0) throw new QxlBadValueError('QXLCopy.src_bitmap', 0, 'is null');
    const srcArea = readRect(v, u + QXL_COPY.srcArea);
    const ropDescriptor = v.getUint16(u + QXL_COPY.ropDescriptor, true);
    const scaleMode = v.getUint8(u + QXL_COPY.scaleMode);
    const src = this.image(srcLo, srcHi, false, 'QXLCopy.src_bitmap');
    if (srcArea.left < 0 || srcArea.left > srcArea.right || srcArea.top < 0 || srcArea.top > srcArea.bottom) {
      throw new QxlBadValueError('QXLCopy.src_area', rectText(srcArea), 'is swapped or negative');
    }
    if (src.kind !== 'surface' && (srcArea.right > src.width || srcArea.bottom > src.height)) {
      throw new QxlBadValueError(
        'QXLCopy.src_area',
        rectText(srcArea),
        `extends outside the ${src.width}x${src.height} image`,
      );
    }
    const mask = this.qmask(v, u + QXL_COPY.mask, 'QXLCopy.mask');
    return { type: 'copy', src, srcArea, ropDescriptor, scaleMode, mask };
  }

  /** A non-null image pointer at `at` (source bitmaps). */
  private srcImage(v: DataView, at: number, field: string): QxlImage {
    const lo = v.getUint32(at, true);
    const hi = v.getUint32(at + 4, true);
    if (lo === 0 && hi === 0) throw new QxlBadValueError(field, 0, 'is null');
    return this.image(lo, hi, false, field);
  }

  /** A data block of `size` bytes at a QXLPHYSICAL that may be null (transforms, styles). */
  private words(v: DataView, at: number, count: number, field: string): Uint32Array | null {
    const lo = v.getUint32(at, true);
    const hi = v.getUint32(at + 4, true);
    if (lo === 0 && hi === 0) return null;
    const p = this.mem.translateWords(lo, hi, Math.max(count * 4, 1), field);
    const pv = this.mem.view(p.region);
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = pv.getUint32(p.offset + 4 * i, true);
    return out;
  }

  /** A structure holding data_size at `sizeAt` and an embedded QXLDataChunk at `chunkAt` (QXLPath, QXLString). */
  private sizedChunks(lo: number, hi: number, headSize: number, chunkAt: number, field: string) {
    const p = this.mem.translateWords(lo, hi, headSize + QXL_DATA_CHUNK.SIZE, field);
    const v = this.mem.view(p.region);
    const dataSize = v.getUint32(p.offset, true);
    if (dataSize > this.limits.maxDataBytes)
      throw new QxlTooLargeError(`${field}.data_size`, dataSize, this.limits.maxDataBytes);
    const chunks = this.walkChunks(embedded(p, p.offset + chunkAt), dataSize, `${field}.chunk`);
    if (chunks.total !== dataSize) {
      throw new QxlBadSizeError(`${field}.chunk`, chunks.total, `does not match data_size ${dataSize}`);
    }
    return { v, offset: p.offset, data: this.copyChunks(chunks, dataSize) };
  }

  private otherDraw(v: DataView, u: number, type: number): QxlAnyDraw {
    switch (type) {
      case QxlDrawType.Nop:
        return { type: 'nop' };
      case QxlDrawType.Opaque:
        return {
          type: 'opaque',
          src: this.srcImage(v, u + QXL_OPAQUE.srcBitmap, 'QXLOpaque.src_bitmap'),
          srcArea: readRect(v, u + QXL_OPAQUE.srcArea),
          brush: this.brush(v, u + QXL_OPAQUE.brush, 'QXLOpaque.brush'),
          ropDescriptor: v.getUint16(u + QXL_OPAQUE.ropDescriptor, true),
          scaleMode: v.getUint8(u + QXL_OPAQUE.scaleMode),
          mask: this.qmask(v, u + QXL_OPAQUE.mask, 'QXLOpaque.mask'),
        };
      case QxlDrawType.Blend:
        // QXLBlend has QXLCopy's layout.
        return {
          type: 'blend',
          src: this.srcImage(v, u + QXL_COPY.srcBitmap, 'QXLBlend.src_bitmap'),
          srcArea: readRect(v, u + QXL_COPY.srcArea),
          ropDescriptor: v.getUint16(u + QXL_COPY.ropDescriptor, true),
          scaleMode: v.getUint8(u + QXL_COPY.scaleMode),
          mask: this.qmask(v, u + QXL_COPY.mask, 'QXLBlend.mask'),
        };
      case QxlDrawType.Blackness:
      case QxlDrawType.Whiteness:
      case QxlDrawType.Invers:
        return {
          type: type === QxlDrawType.Blackness ? 'blackness' : type === QxlDrawType.Whiteness ? 'whiteness' : 'invers',
          mask: this.qmask(v, u + QXL_BLACKNESS.mask, 'QXLBlackness.mask'),
        };
      case QxlDrawType.Rop3:
        return {
          type: 'rop3',
          src: this.srcImage(v, u + QXL_ROP3.srcBitmap, 'QXLRop3.src_bitmap'),
          srcArea: readRect(v, u + QXL_ROP3.srcArea),
          brush: this.brush(v, u + QXL_ROP3.brush, 'QXLRop3.brush'),
          rop3: v.getUint8(u + QXL_ROP3.rop3),
          scaleMode: v.getUint8(u + QXL_ROP3.scaleMode),
          mask: this.qmask(v, u + QXL_ROP3.mask, 'QXLRop3.mask'),
        };
      case QxlDrawType.Stroke: {
        const pathLo = v.getUint32(u + QXL_STROKE.path, true);
        const pathHi = v.getUint32(u + QXL_STROKE.path + 4, true);
        if (pathLo === 0 && pathHi === 0) throw new QxlBadValueError('QXLStroke.path', 0, 'is null');
        const path = this.sizedChunks(pathLo, pathHi, 4, 4, 'QXLPath').data;
        const a = u + QXL_STROKE.attr;
        const flags = v.getUint8(a + QXL_LINE_ATTR.flags);
        const nseg = v.getUint8(a + QXL_LINE_ATTR.styleNseg);
        let style: Uint32Array | null = null;
        if (flags & LINE_FLAGS_STYLED) {
          style = this.words(v, a + QXL_LINE_ATTR.style, nseg, 'QXLLineAttr.style');
          if (style === null) throw new QxlBadValueError('QXLLineAttr.style', 0, 'is null for a styled line');
        }
        return {
          type: 'stroke',
          path,
          attr: {
            flags,
            joinStyle: v.getUint8(a + QXL_LINE_ATTR.joinStyle),
            endStyle: v.getUint8(a + QXL_LINE_ATTR.endStyle),
            width: v.getUint32(a + QXL_LINE_ATTR.width, true),
            miterLimit: v.getUint32(a + QXL_LINE_ATTR.miterLimit, true),
            style,
          },
          brush: this.brush(v, u + QXL_STROKE.brush, 'QXLStroke.brush'),
          foreMode: v.getUint16(u + QXL_STROKE.foreMode, true),
          backMode: v.getUint16(u + QXL_STROKE.backMode, true),
        };
      }
      case QxlDrawType.Text: {
        const strLo = v.getUint32(u + QXL_TEXT.str, true);
        const strHi = v.getUint32(u + QXL_TEXT.str + 4, true);
        if (strLo === 0 && strHi === 0) throw new QxlBadValueError('QXLText.str', 0, 'is null');
        const s = this.sizedChunks(strLo, strHi, 8, 8, 'QXLString');
        return {
          type: 'text',
          string: { length: s.v.getUint16(s.offset + 4, true), flags: s.v.getUint16(s.offset + 6, true), data: s.data },
          backArea: readRect(v, u + QXL_TEXT.backArea),
          foreBrush: this.brush(v, u + QXL_TEXT.foreBrush, 'QXLText.fore_brush'),
          backBrush: this.brush(v, u + QXL_TEXT.backBrush, 'QXLText.back_brush'),
          foreMode: v.getUint16(u + QXL_TEXT.foreMode, true),
          backMode: v.getUint16(u + QXL_TEXT.backMode, true),
        };
      }
      case QxlDrawType.Transparent:
        return {
          type: 'transparent',
          src: this.srcImage(v, u + QXL_TRANSPARENT.srcBitmap, 'QXLTransparent.src_bitmap'),
          srcArea: readRect(v, u + QXL_TRANSPARENT.srcArea),
          srcColor: v.getUint32(u + QXL_TRANSPARENT.srcColor, true),
          trueColor: v.getUint32(u + QXL_TRANSPARENT.trueColor, true),
        };
      case QxlDrawType.AlphaBlend:
        return {
          type: 'alpha-blend',
          alphaFlags: v.getUint16(u + QXL_ALPHA_BLEND.alphaFlags, true),
          alpha: v.getUint8(u + QXL_ALPHA_BLEND.alpha),
          src: this.srcImage(v, u + QXL_ALPHA_BLEND.srcBitmap, 'QXLAlphaBlend.src_bitmap'),
          srcArea: readRect(v, u + QXL_ALPHA_BLEND.srcArea),
        };
      case QxlDrawType.CopyBits:
        return { type: 'copy-bits', srcPos: readPoint(v, u + QXL_COPY_BITS.srcPos) };
      case QxlDrawType.Composite: {
        const maskLo = v.getUint32(u + QXL_COMPOSITE.mask, true);
        const maskHi = v.getUint32(u + QXL_COMPOSITE.mask + 4, true);
        return {
          type: 'composite',
          flags: v.getUint32(u + QXL_COMPOSITE.flags, true),
          src: this.srcImage(v, u + QXL_COMPOSITE.src, 'QXLComposite.src'),
          srcTransform: this.words(v, u + QXL_COMPOSITE.srcTransform, 6, 'QXLComposite.src_transform'),
          mask: maskLo === 0 && maskHi === 0 ? null : this.image(maskLo, maskHi, true, 'QXLComposite.mask'),
          maskTransform: this.words(v, u + QXL_COMPOSITE.maskTransform, 6, 'QXLComposite.mask_transform'),
          srcOrigin: readPoint16(v, u + QXL_COMPOSITE.srcOrigin),
          maskOrigin: readPoint16(v, u + QXL_COMPOSITE.maskOrigin),
        };
      }
      default:
        throw new QxlUnknownTypeError('QXLDrawable.type', type);
    }
  }

  private surfaceCommand(lo: number, hi: number): QxlSurfaceCommand {
    const p = this.mem.translateWords(lo, hi, QXL_SURFACE_CMD.SIZE, 'QXLSurfaceCmd');
    const v = this.mem.view(p.region);
    const o = p.offset;
    const releaseId = v.getBigUint64(o + QXL_SURFACE_CMD.releaseInfo, true);
    const surfaceId = v.getUint32(o + QXL_SURFACE_CMD.surfaceId, true);
    this.checkSurfaceId('QXLSurfaceCmd.surface_id', surfaceId);
    const type = v.getUint8(o + QXL_SURFACE_CMD.type);
    const flags = v.getUint32(o + QXL_SURFACE_CMD.flags, true);
    if (type === QxlSurfaceCmdType.Destroy) {
      return { releaseId, surfaceId, type: 'destroy', flags, format: 0, width: 0, height: 0, stride: 0, data: 0n };
    }
    if (type !== QxlSurfaceCmdType.Create) throw new QxlUnknownTypeError('QXLSurfaceCmd.type', type);
    const s = o + QXL_SURFACE_CMD.surfaceCreate;
    const format = v.getUint32(s + QXL_SURFACE.format, true);
    const width = v.getUint32(s + QXL_SURFACE.width, true);
    const height = v.getUint32(s + QXL_SURFACE.height, true);
    const stride = v.getInt32(s + QXL_SURFACE.stride, true);
    const dataLo = v.getUint32(s + QXL_SURFACE.data, true);
    const dataHi = v.getUint32(s + QXL_SURFACE.data + 4, true);
    const size = validateSurface('QXLSurface', width, height, stride, format);
    this.mem.translateWords(dataLo, dataHi, size, 'QXLSurface.data');
    return {
      releaseId,
      surfaceId,
      type: 'create',
      flags,
      format,
      width,
      height,
      stride,
      data: BigInt(dataHi) * BigInt(TWO_32) + BigInt(dataLo),
    };
  }

  private cursorCommand(lo: number, hi: number): QxlCursorCommand {
    const p = this.mem.translateWords(lo, hi, QXL_CURSOR_CMD.SIZE, 'QXLCursorCmd');
    const v = this.mem.view(p.region);
    const o = p.offset;
    const releaseId = v.getBigUint64(o + QXL_CURSOR_CMD.releaseInfo, true);
    const type = v.getUint8(o + QXL_CURSOR_CMD.type);
    switch (type) {
      case QxlCursorCmdType.Set: {
        const pos = readPoint16(v, o + QXL_CURSOR_CMD.position);
        const visible = v.getUint8(o + QXL_CURSOR_CMD.setVisible) !== 0;
        const shapeLo = v.getUint32(o + QXL_CURSOR_CMD.setShape, true);
        const shapeHi = v.getUint32(o + QXL_CURSOR_CMD.setShape + 4, true);
        const shape = this.cursorShape(shapeLo, shapeHi);
        return { releaseId, type: 'set', pos, visible, shape };
      }
      case QxlCursorCmdType.Move:
        return { releaseId, type: 'move', pos: readPoint16(v, o + QXL_CURSOR_CMD.position) };
      case QxlCursorCmdType.Hide:
        return { releaseId, type: 'hide' };
      case QxlCursorCmdType.Trail:
        return {
          releaseId,
          type: 'trail',
          length: v.getUint16(o + QXL_CURSOR_CMD.trailLength, true),
          frequency: v.getUint16(o + QXL_CURSOR_CMD.trailFrequency, true),
        };
      default:
        throw new QxlUnknownTypeError('QXLCursorCmd.type', type);
    }
  }

  private cursorShape(lo: number, hi: number): QxlCursorShape {
    const p = this.mem.translateWords(lo, hi, QXL_CURSOR.SIZE, 'QXLCursorCmd.u.set.shape');
    const v = this.mem.view(p.region);
    const o = p.offset;
    const h = o + QXL_CURSOR.header;
    const unique = v.getBigUint64(h + QXL_CURSOR_HEADER.unique, true);
    const type = v.getUint16(h + QXL_CURSOR_HEADER.type, true);
    const width = v.getUint16(h + QXL_CURSOR_HEADER.width, true);
    const height = v.getUint16(h + QXL_CURSOR_HEADER.height, true);
    const hotX = v.getUint16(h + QXL_CURSOR_HEADER.hotSpotX, true);
    const hotY = v.getUint16(h + QXL_CURSOR_HEADER.hotSpotY, true);
    const dataSize = v.getUint32(o + QXL_CURSOR.dataSize, true);
    if (type > QxlCursorType.Color32) throw new QxlUnknownTypeError('QXLCursorHeader.type', type);
    // As upstream: the shape is the chunks' data, cut to data_size when that is shorter.
    const chunks = this.walkChunks(embedded(p, o + QXL_CURSOR.chunk), null, 'QXLCursor.chunk');
    const data = this.copyChunks(chunks, Math.min(dataSize, chunks.total));
    const needed = cursorBytes(type, width, height);
    if (data.byteLength < needed) {
      throw new QxlBadSizeError(
        'QXLCursor.data_size',
        data.byteLength,
        `is below the ${needed} bytes a ${width}x${height} cursor of type ${type} needs`,
      );
    }
    return { unique, type, width, height, hotX, hotY, data };
  }

  private updateCommand(lo: number, hi: number): QxlUpdateCommand {
    const p = this.mem.translateWords(lo, hi, QXL_UPDATE_CMD.SIZE, 'QXLUpdateCmd');
    const v = this.mem.view(p.region);
    const o = p.offset;
    const surfaceId = v.getUint32(o + QXL_UPDATE_CMD.surfaceId, true);
    this.checkSurfaceId('QXLUpdateCmd.surface_id', surfaceId);
    return {
      releaseId: v.getBigUint64(o + QXL_UPDATE_CMD.releaseInfo, true),
      area: readRect(v, o + QXL_UPDATE_CMD.area),
      updateId: v.getUint32(o + QXL_UPDATE_CMD.updateId, true),
      surfaceId,
    };
  }

  private message(lo: number, hi: number): { releaseId: bigint; text: Uint8Array } {
    const p = this.mem.translateWords(lo, hi, QXL_MESSAGE.SIZE, 'QXLMessage');
    const releaseId = this.mem.view(p.region).getBigUint64(p.offset + QXL_MESSAGE.releaseInfo, true);
    const start = p.offset + QXL_MESSAGE.data;
    const len = Math.min(this.mem.slotRemaining(p, start), this.limits.maxMessageBytes);
    const bytes = this.mem.bytes(p.region).subarray(start, start + len);
    const end = bytes.indexOf(0);
    if (end < 0) throw new QxlBadValueError('QXLMessage.data', len, 'bytes hold no NUL terminator');
    return { releaseId, text: bytes.slice(0, end) };
  }

  // ---- parts ----------------------------------------------------------------------------------

  private checkSurfaceId(field: string, id: number): void {
    if (id >= this.numSurfaces) throw new QxlBadValueError(field, id, `is not below n_surfaces ${this.numSurfaces}`);
  }

  private clip(v: DataView, c: number): QxlClip {
    const type = v.getUint32(c + QXL_CLIP.type, true);
    if (type === QxlClipType.None) return { type: 'none' };
    if (type !== QxlClipType.Rects) throw new QxlUnknownTypeError('QXLClip.type', type);
    const lo = v.getUint32(c + QXL_CLIP.data, true);
    const hi = v.getUint32(c + QXL_CLIP.data + 4, true);
    const p = this.mem.translateWords(lo, hi, QXL_CLIP_RECTS.SIZE, 'QXLClip.data');
    const numRects = this.mem.view(p.region).getUint32(p.offset + QXL_CLIP_RECTS.numRects, true);
    const size = numRects * QXL_RECT.SIZE;
    if (size > this.limits.maxDataBytes) {
      throw new QxlTooLargeError(
        'QXLClipRects.num_rects',
        numRects,
        Math.floor(this.limits.maxDataBytes / QXL_RECT.SIZE),
      );
    }
    const chunks = this.walkChunks(embedded(p, p.offset + QXL_CLIP_RECTS.chunk), size, 'QXLClipRects.chunk');
    if (chunks.total !== size) {
      throw new QxlBadSizeError(
        'QXLClipRects.chunk',
        chunks.total,
        `does not match num_rects ${numRects} (${size} bytes)`,
      );
    }
    const bytes = this.copyChunks(chunks, size);
    const rv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rects: QxlRect[] = [];
    for (let i = 0; i < numRects; i++) rects.push(readRect(rv, i * QXL_RECT.SIZE));
    return { type: 'rects', rects };
  }

  private brush(v: DataView, b: number, field: string): QxlBrush {
    const type = v.getUint32(b + QXL_BRUSH.type, true);
    switch (type) {
      case QxlBrushType.None:
        return { type: 'none' };
      case QxlBrushType.Solid:
        return { type: 'solid', color: v.getUint32(b + QXL_BRUSH.color, true) };
      case QxlBrushType.Pattern: {
        const lo = v.getUint32(b + QXL_BRUSH.patternPat, true);
        const hi = v.getUint32(b + QXL_BRUSH.patternPat + 4, true);
        if (lo === 0 && hi === 0) throw new QxlBadValueError(`${field}.u.pattern.pat`, 0, 'is null');
        const pos = readPoint(v, b + QXL_BRUSH.patternPos);
        return { type: 'pattern', pattern: this.image(lo, hi, false, `${field}.u.pattern.pat`), pos };
      }
      default:
        throw new QxlUnknownTypeError(`${field}.type`, type);
    }
  }

  private qmask(v: DataView, m: number, field: string): QxlQMask {
    const lo = v.getUint32(m + QXL_QMASK.bitmap, true);
    const hi = v.getUint32(m + QXL_QMASK.bitmap + 4, true);
    if (lo === 0 && hi === 0) return { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };
    const flags = v.getUint8(m + QXL_QMASK.flags);
    const pos = readPoint(v, m + QXL_QMASK.pos);
    return { flags, pos, bitmap: this.image(lo, hi, true, `${field}.bitmap`) };
  }

  private image(lo: number, hi: number, isMask: boolean, field: string): QxlImage {
    const p = this.mem.translateWords(lo, hi, QXL_IMAGE.SIZE, field);
    const v = this.mem.view(p.region);
    const o = p.offset;
    const id = v.getBigUint64(o + QXL_IMAGE_DESCRIPTOR.id, true);
    const type = v.getUint8(o + QXL_IMAGE_DESCRIPTOR.type);
    const flags = v.getUint8(o + QXL_IMAGE_DESCRIPTOR.flags);
    const width = v.getUint32(o + QXL_IMAGE_DESCRIPTOR.width, true);
    const height = v.getUint32(o + QXL_IMAGE_DESCRIPTOR.height, true);
    switch (type) {
      case QxlImageType.Bitmap:
        return this.bitmap(v, o + QXL_IMAGE.bitmap, { id, flags, width, height }, isMask);
      case QxlImageType.Surface: {
        const surfaceId = v.getUint32(o + QXL_IMAGE.surfaceId, true);
        this.checkSurfaceId('QXLSurfaceId.surface_id', surfaceId);
        return { kind: 'surface', id, flags, width, height, surfaceId };
      }
      case QxlImageType.Quic: {
        if (width === 0 || height === 0) {
          throw new QxlBadSizeError('QXLImageDescriptor.width * height', width * height, 'is a zero-area image');
        }
        const dataSize = v.getUint32(o + QXL_IMAGE.quic + QXL_QUIC_DATA.dataSize, true);
        if (dataSize > this.limits.maxDataBytes)
          throw new QxlTooLargeError('QXLQUICData.data_size', dataSize, this.limits.maxDataBytes);
        const chunks = this.walkChunks(
          embedded(p, o + QXL_IMAGE.quic + QXL_QUIC_DATA.chunk),
          dataSize,
          'QXLQUICData.chunk',
        );
        if (chunks.total !== dataSize) {
          throw new QxlBadSizeError('QXLQUICData.chunk', chunks.total, `does not match data_size ${dataSize}`);
        }
        return { kind: 'quic', id, flags, width, height, data: this.copyChunks(chunks, dataSize) };
      }
      default:
        throw new QxlUnknownTypeError(`${field} QXLImageDescriptor.type`, type);
    }
  }

  private bitmap(
    v: DataView,
    b: number,
    d: { id: bigint; flags: number; width: number; height: number },
    isMask: boolean,
  ): QxlImage {
    const format = v.getUint8(b + QXL_BITMAP.format);
    const bitmapFlags = v.getUint8(b + QXL_BITMAP.flags);
    const x = v.getUint32(b + QXL_BITMAP.x, true);
    const y = v.getUint32(b + QXL_BITMAP.y, true);
    const stride = v.getUint32(b + QXL_BITMAP.stride, true);
    const palLo = v.getUint32(b + QXL_BITMAP.palette, true);
    const palHi = v.getUint32(b + QXL_BITMAP.palette + 4, true);
    const dataLo = v.getUint32(b + QXL_BITMAP.data, true);
    const dataHi = v.getUint32(b + QXL_BITMAP.data + 4, true);
    if (format === QxlBitmapFmt.Invalid || format >= QXL_BITMAP_FMT_BPP.length) {
      throw new QxlUnknownTypeError('QXLBitmap.format', format);
    }
    const hasPalette = palLo !== 0 || palHi !== 0;
    if (!isRgbBitmapFormat(format) && !hasPalette && !isMask) {
      throw new QxlBadValueError('QXLBitmap.palette', 0, `is null but format ${format} needs a palette`);
    }
    if (x === 0 || y === 0) throw new QxlBadSizeError('QXLBitmap.x * y', x * y, `(${x}x${y}) is a zero-area bitmap`);
    if (x !== d.width || y !== d.height) {
      throw new QxlBadSizeError(
        'QXLImageDescriptor.width',
        d.width,
        `x ${d.height} does not match the ${x}x${y} bitmap`,
      );
    }
    const bpp = QXL_BITMAP_FMT_BPP[format] as number;
    const minStride = Math.ceil((x * bpp) / 8);
    if (stride < minStride) {
      throw new QxlBadStrideError(
        'QXLBitmap.stride',
        stride,
        `is below ${minStride}, the bytes of ${x} pixels at ${bpp} bpp`,
      );
    }
    const size = y * stride;
    if (size > MAX_DATA_CHUNK) throw new QxlTooLargeError('QXLBitmap.y * stride', size, MAX_DATA_CHUNK);
    if (size > this.limits.maxDataBytes)
      throw new QxlTooLargeError('QXLBitmap.y * stride', size, this.limits.maxDataBytes);
    const palette = hasPalette ? this.palette(palLo, palHi) : null;
    let data: Uint8Array;
    if (bitmapFlags & QxlBitmapFlag.Direct) {
      const flat = this.mem.translateWords(dataLo, dataHi, size, 'QXLBitmap.data');
      data = this.mem.bytes(flat.region).slice(flat.offset, flat.offset + size);
    } else {
      const first = this.mem.translateWords(dataLo, dataHi, QXL_DATA_CHUNK.SIZE, 'QXLBitmap.data');
      const chunks = this.walkChunks(first, size, 'QXLBitmap.data');
      if (chunks.total !== size) {
        throw new QxlBadSizeError(
          'QXLBitmap.data',
          chunks.total,
          `bytes of chunk data do not match y * stride = ${size}`,
        );
      }
      data = this.copyChunks(chunks, size);
    }
    return {
      kind: 'bitmap',
      id: d.id,
      flags: d.flags,
      width: x,
      height: y,
      format,
      bitmapFlags,
      stride,
      palette,
      data,
    };
  }

  private palette(lo: number, hi: number): QxlPalette {
    const p = this.mem.translateWords(lo, hi, QXL_PALETTE.SIZE, 'QXLBitmap.palette');
    const v = this.mem.view(p.region);
    const unique = v.getBigUint64(p.offset + QXL_PALETTE.unique, true);
    const count = v.getUint16(p.offset + QXL_PALETTE.numEnts, true);
    const ents = p.offset + QXL_PALETTE.ents;
    this.mem.checkInSlot(p, ents, count * 4, 'QXLPalette.ents');
    const entries = new Uint32Array(count);
    for (let i = 0; i < count; i++) entries[i] = v.getUint32(ents + 4 * i, true);
    return { unique, entries };
  }

  /**
   * Walks a QXLDataChunk list starting at the chunk header `first` (already known to lie in its
   * slot), checking each chunk's data against its slot. Stops with QxlChunkLoopError on a cycle
   * (Brent's algorithm: constant memory), QxlTooLargeError past maxChunks chunks or maxDataBytes
   * bytes, QxlBadSizeError as soon as the data passes `expected`.
   */
  private walkChunks(first: GuestPtr, expected: number | null, field: string): Chunks {
    const parts: number[] = [];
    const limit = this.limits.maxDataBytes;
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
      if (size > 0) {
        total += size;
        if (total > limit) throw new QxlTooLargeError(`${field} total data`, total, limit);
        if (expected !== null && total > expected) {
          throw new QxlBadSizeError(field, total, `bytes of chunk data exceed the expected ${expected}`);
        }
        parts.push(ptr.region, data, size);
      }
      const nextLo = v.getUint32(ptr.offset + QXL_DATA_CHUNK.nextChunk, true);
      const nextHi = v.getUint32(ptr.offset + QXL_DATA_CHUNK.nextChunk + 4, true);
      if (nextLo === 0 && nextHi === 0) break;
      count++;
      if (count >= this.limits.maxChunks)
        throw new QxlTooLargeError(`${field} chunk count`, count, this.limits.maxChunks);
      ptr = this.mem.translateWords(nextLo, nextHi, QXL_DATA_CHUNK.SIZE, `${field} next_chunk`);
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

  /** Copies the first `length` bytes of a walked chunk list into a fresh buffer. */
  private copyChunks(chunks: Chunks, length: number): Uint8Array {
    const out = new Uint8Array(length);
    const { parts } = chunks;
    let pos = 0;
    for (let i = 0; i < parts.length && pos < length; i += 3) {
      const region = parts[i] as 0 | 1 | 2;
      const offset = parts[i + 1] as number;
      const size = Math.min(parts[i + 2] as number, length - pos);
      out.set(this.mem.bytes(region).subarray(offset, offset + size), pos);
      pos += size;
    }
    return out;
  }
}

interface Chunks {
  /** Flat triples: region, offset of the data, size. */
  parts: number[];
  total: number;
}

function embedded(p: GuestPtr, offset: number): GuestPtr {
  return { region: p.region, offset, end: p.end, slotId: p.slotId };
}

function readRect(v: DataView, o: number): QxlRect {
  return {
    top: v.getInt32(o + QXL_RECT.top, true),
    left: v.getInt32(o + QXL_RECT.left, true),
    bottom: v.getInt32(o + QXL_RECT.bottom, true),
    right: v.getInt32(o + QXL_RECT.right, true),
  };
}

function readPoint(v: DataView, o: number): QxlPoint {
  return { x: v.getInt32(o, true), y: v.getInt32(o + 4, true) };
}

function readPoint16(v: DataView, o: number): QxlPoint {
  return { x: v.getInt16(o, true), y: v.getInt16(o + 2, true) };
}

function rectText(r: QxlRect): string {
  return `(t${r.top} l${r.left} b${r.bottom} r${r.right})`;
}

/** Bytes a cursor shape needs at least; 0 where the layout is not checked (colour cursors). */
function cursorBytes(type: number, width: number, height: number): number {
  switch (type) {
    case QxlCursorType.Alpha:
      return width * height * 4;
    case QxlCursorType.Mono:
      return Math.ceil(width / 8) * height * 2;
    default:
      return 0;
  }
}

/**
 * Checks a surface's geometry as red_validate_surface does and returns its size in bytes
 * (height * |stride|). Throws QxlUnknownTypeError, QxlBadSizeError, QxlBadStrideError or
 * QxlTooLargeError; `field` prefixes the error's field names.
 */
export function validateSurface(field: string, width: number, height: number, stride: number, format: number): number {
  const bpp = surfaceFormatBpp(format);
  if (bpp === 0) throw new QxlUnknownTypeError(`${field}.format`, format);
  if (width === 0 || height === 0) {
    throw new QxlBadSizeError(`${field}.width * height`, width * height, `(${width}x${height}) is a zero-area surface`);
  }
  if (stride === -0x80000000) throw new QxlBadStrideError(`${field}.stride`, stride, 'is INT32_MIN');
  const minStride = Math.ceil((width * bpp) / 8);
  const absStride = Math.abs(stride);
  if (absStride < minStride) {
    throw new QxlBadStrideError(
      `${field}.stride`,
      stride,
      `is below ${minStride}, the bytes of ${width} pixels at ${bpp} bpp`,
    );
  }
  const size = height * absStride;
  if (size > MAX_DATA_CHUNK) throw new QxlTooLargeError(`${field}.height * |stride|`, size, MAX_DATA_CHUNK);
  return size;
}

export function createQxlParser(init: QxlParserInit): QxlParser {
  return new QxlParserImpl(init);
}
