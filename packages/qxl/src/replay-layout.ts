// Lays a recorded command out as real QXL structures (qxl_dev.h, native drawables): a list of byte
// blocks plus the pointers between them, ready for GuestDriver.pushCommand.

import type { QxlRawCommand, QxlRawPointer } from './driver.js';
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
  QXL_SURFACE,
  QXL_SURFACE_CMD,
  QXL_TEXT,
  QXL_TRANSPARENT,
  QXL_UPDATE_CMD,
  QxlCmdType,
  QxlImageType,
} from './qxl-dev.js';
import type { QxlPoint, QxlRect } from './records.js';
import type {
  ReplayBrush,
  ReplayClip,
  ReplayCommand,
  ReplayCursorCommand,
  ReplayDraw,
  ReplayDrawable,
  ReplayImage,
  ReplayQMask,
} from './replay-records.js';

/** Maps recorded surface ids to the ids the replay uses (upstream's replay_id_get). */
export type SurfaceIdLookup = (recorded: number) => number;

interface Block {
  bytes: Uint8Array;
  view: DataView;
}

/** Collects blocks and pointers; block 0 is the command. */
class Layout {
  readonly blocks: Block[] = [];
  readonly pointers: QxlRawPointer[] = [];

  block(size: number): number {
    const bytes = new Uint8Array(size);
    this.blocks.push({ bytes, view: new DataView(bytes.buffer) });
    return this.blocks.length - 1;
  }

  view(block: number): DataView {
    return (this.blocks[block] as Block).view;
  }

  bytes(block: number): Uint8Array {
    return (this.blocks[block] as Block).bytes;
  }

  ptr(block: number, at: number, target: number, offset = 0): void {
    this.pointers.push({ block, at, target, offset });
  }

  command(type: number): QxlRawCommand {
    return { type, blocks: this.blocks.map((b) => b.bytes), pointers: this.pointers };
  }

  /**
   * Writes a chunk list. The first chunk's header lives at `block`+`at` (embedded structures) with
   * its data in a block of its own... which QXL does not allow: chunk data follows its header. So
   * the first chunk is embedded as a header followed by data in the same block: callers size the
   * block with `firstChunkBytes`.
   */
  chunksInto(block: number, at: number, chunks: readonly Uint8Array[]): void {
    const first = chunks[0] ?? new Uint8Array(0);
    const v = this.view(block);
    v.setUint32(at + QXL_DATA_CHUNK.dataSize, first.byteLength, true);
    this.bytes(block).set(first, at + QXL_DATA_CHUNK.data);
    let prev = block;
    let prevAt = at;
    for (let i = 1; i < chunks.length; i++) {
      const c = chunks[i] as Uint8Array;
      const b = this.block(QXL_DATA_CHUNK.SIZE + c.byteLength);
      this.view(b).setUint32(QXL_DATA_CHUNK.dataSize, c.byteLength, true);
      this.bytes(b).set(c, QXL_DATA_CHUNK.data);
      this.ptr(b, QXL_DATA_CHUNK.prevChunk, prev, prevAt);
      this.ptr(prev, prevAt + QXL_DATA_CHUNK.nextChunk, b);
      prev = b;
      prevAt = 0;
    }
  }

  /** A standalone chunk list (bitmap data): returns the block of the first chunk. */
  chunkList(chunks: readonly Uint8Array[]): number {
    const first = chunks[0] ?? new Uint8Array(0);
    const b = this.block(QXL_DATA_CHUNK.SIZE + first.byteLength);
    this.chunksInto(b, 0, chunks);
    return b;
  }
}

function writeRect(v: DataView, o: number, r: QxlRect): void {
  v.setInt32(o + QXL_RECT.top, r.top, true);
  v.setInt32(o + QXL_RECT.left, r.left, true);
  v.setInt32(o + QXL_RECT.bottom, r.bottom, true);
  v.setInt32(o + QXL_RECT.right, r.right, true);
}

function writePoint(v: DataView, o: number, p: QxlPoint): void {
  v.setInt32(o, p.x, true);
  v.setInt32(o + 4, p.y, true);
}

class CommandWriter {
  readonly l = new Layout();
  constructor(private readonly ids: SurfaceIdLookup) {}

  /** Writes an image and points `block`+`at` to it (leaves it null for `null`). */
  image(block: number, at: number, image: ReplayImage | null): void {
    if (image === null) return;
    const l = this.l;
    const quicFirst = image.kind === 'quic' ? (image.chunks[0]?.byteLength ?? 0) : 0;
    // QXLQUICData embeds its first chunk: the image block is followed by that chunk's data.
    const size =
      image.kind === 'quic' ? QXL_IMAGE.quic + QXL_QUIC_DATA.SIZE + QXL_DATA_CHUNK.SIZE + quicFirst : QXL_IMAGE.SIZE;
    const b = l.block(Math.max(size, QXL_IMAGE.SIZE));
    const v = l.view(b);
    v.setBigUint64(QXL_IMAGE_DESCRIPTOR.id, image.id, true);
    v.setUint8(
      QXL_IMAGE_DESCRIPTOR.type,
      image.kind === 'bitmap' ? QxlImageType.Bitmap : image.kind === 'quic' ? QxlImageType.Quic : QxlImageType.Surface,
    );
    v.setUint8(QXL_IMAGE_DESCRIPTOR.flags, image.flags);
    v.setUint32(QXL_IMAGE_DESCRIPTOR.width, image.width >>> 0, true);
    v.setUint32(QXL_IMAGE_DESCRIPTOR.height, image.height >>> 0, true);
    l.ptr(block, at, b);
    switch (image.kind) {
      case 'bitmap': {
        const m = QXL_IMAGE.bitmap;
        v.setUint8(m + QXL_BITMAP.format, image.format);
        v.setUint8(m + QXL_BITMAP.flags, image.bitmapFlags);
        v.setUint32(m + QXL_BITMAP.x, image.x >>> 0, true);
        v.setUint32(m + QXL_BITMAP.y, image.y >>> 0, true);
        v.setUint32(m + QXL_BITMAP.stride, image.stride >>> 0, true);
        if (image.palette !== null) {
          const n = image.palette.entries.length;
          const p = l.block(QXL_PALETTE.SIZE + 4 * n);
          const pv = l.view(p);
          pv.setBigUint64(QXL_PALETTE.unique, image.palette.unique, true);
          pv.setUint16(QXL_PALETTE.numEnts, n, true);
          for (let i = 0; i < n; i++) pv.setUint32(QXL_PALETTE.ents + 4 * i, image.palette.entries[i] as number, true);
          l.ptr(b, m + QXL_BITMAP.palette, p);
        }
        if (image.bitmapFlags & 1) {
          // DIRECT: flat pixel data.
          let total = 0;
          for (const c of image.chunks) total += c.byteLength;
          const d = l.block(total);
          let pos = 0;
          for (const c of image.chunks) {
            l.bytes(d).set(c, pos);
            pos += c.byteLength;
          }
          l.ptr(b, m + QXL_BITMAP.data, d);
        } else {
          l.ptr(b, m + QXL_BITMAP.data, l.chunkList(image.chunks));
        }
        return;
      }
      case 'surface':
        v.setUint32(QXL_IMAGE.surfaceId, this.ids(image.surfaceId) >>> 0, true);
        return;
      case 'quic':
        v.setUint32(QXL_IMAGE.quic + QXL_QUIC_DATA.dataSize, image.dataSize >>> 0, true);
        l.chunksInto(b, QXL_IMAGE.quic + QXL_QUIC_DATA.chunk, image.chunks);
        return;
    }
  }

  brush(block: number, at: number, brush: ReplayBrush): void {
    const v = this.l.view(block);
    switch (brush.type) {
      case 'none':
        v.setUint32(at + QXL_BRUSH.type, 0, true);
        return;
      case 'solid':
        v.setUint32(at + QXL_BRUSH.type, 1, true);
        v.setUint32(at + QXL_BRUSH.color, brush.color >>> 0, true);
        return;
      case 'pattern':
        v.setUint32(at + QXL_BRUSH.type, 2, true);
        writePoint(v, at + QXL_BRUSH.patternPos, brush.pos);
        this.image(block, at + QXL_BRUSH.patternPat, brush.pattern);
        return;
    }
  }

  qmask(block: number, at: number, mask: ReplayQMask): void {
    const v = this.l.view(block);
    v.setUint8(at + QXL_QMASK.flags, mask.flags);
    writePoint(v, at + QXL_QMASK.pos, mask.pos);
    this.image(block, at + QXL_QMASK.bitmap, mask.bitmap);
  }

  clip(block: number, at: number, clip: ReplayClip): void {
    const v = this.l.view(block);
    if (clip.type === 'none') {
      v.setUint32(at + QXL_CLIP.type, 0, true);
      return;
    }
    v.setUint32(at + QXL_CLIP.type, 1, true);
    const size = clip.rects.length * QXL_RECT.SIZE;
    const c = this.l.block(QXL_CLIP_RECTS.SIZE + size);
    const cv = this.l.view(c);
    cv.setUint32(QXL_CLIP_RECTS.numRects, clip.rects.length, true);
    cv.setUint32(QXL_CLIP_RECTS.chunk + QXL_DATA_CHUNK.dataSize, size, true);
    for (let i = 0; i < clip.rects.length; i++) {
      writeRect(cv, QXL_CLIP_RECTS.chunk + QXL_DATA_CHUNK.data + i * QXL_RECT.SIZE, clip.rects[i] as QxlRect);
    }
    this.l.ptr(block, at + QXL_CLIP.data, c);
  }

  drawable(d: ReplayDrawable): QxlRawCommand {
    const l = this.l;
    const b = l.block(QXL_DRAWABLE.SIZE);
    const v = l.view(b);
    v.setUint8(QXL_DRAWABLE.effect, d.effect);
    v.setUint8(QXL_DRAWABLE.type, d.drawType);
    writeRect(v, QXL_DRAWABLE.bbox, d.bbox);
    v.setUint32(QXL_DRAWABLE.mmTime, d.mmTime >>> 0, true);
    if (d.compat) {
      // Written as a native drawable on surface 0 (our device reads native drawables only).
      for (let i = 0; i < 3; i++) v.setInt32(QXL_DRAWABLE.surfacesDest + 4 * i, -1, true);
    } else {
      v.setUint32(QXL_DRAWABLE.surfaceId, this.ids(d.surfaceId) >>> 0, true);
      v.setUint8(QXL_DRAWABLE.selfBitmap, d.selfBitmap);
      writeRect(v, QXL_DRAWABLE.selfBitmapArea, d.selfBitmapArea);
      for (let i = 0; i < 3; i++) {
        v.setInt32(QXL_DRAWABLE.surfacesDest + 4 * i, this.ids(d.surfacesDest[i] as number) | 0, true);
        writeRect(v, QXL_DRAWABLE.surfacesRects + QXL_RECT.SIZE * i, d.surfacesRects[i] as QxlRect);
      }
    }
    this.clip(b, QXL_DRAWABLE.clip, d.clip);
    this.draw(b, QXL_DRAWABLE.u, d.draw);
    return l.command(QxlCmdType.Draw);
  }

  private draw(b: number, u: number, draw: ReplayDraw): void {
    const l = this.l;
    const v = l.view(b);
    switch (draw.type) {
      case 'nop':
        return;
      case 'fill':
        this.brush(b, u + QXL_FILL.brush, draw.brush);
        v.setUint16(u + QXL_FILL.ropDescriptor, draw.ropDescriptor, true);
        this.qmask(b, u + QXL_FILL.mask, draw.mask);
        return;
      case 'opaque':
        this.image(b, u + QXL_OPAQUE.srcBitmap, draw.src);
        writeRect(v, u + QXL_OPAQUE.srcArea, draw.srcArea);
        this.brush(b, u + QXL_OPAQUE.brush, draw.brush);
        v.setUint16(u + QXL_OPAQUE.ropDescriptor, draw.ropDescriptor, true);
        v.setUint8(u + QXL_OPAQUE.scaleMode, draw.scaleMode);
        this.qmask(b, u + QXL_OPAQUE.mask, draw.mask);
        return;
      case 'copy':
      case 'blend':
        // QXLBlend has the layout of QXLCopy.
        this.image(b, u + QXL_COPY.srcBitmap, draw.src);
        writeRect(v, u + QXL_COPY.srcArea, draw.srcArea);
        v.setUint16(u + QXL_COPY.ropDescriptor, draw.ropDescriptor, true);
        v.setUint8(u + QXL_COPY.scaleMode, draw.scaleMode);
        this.qmask(b, u + QXL_COPY.mask, draw.mask);
        return;
      case 'transparent':
        this.image(b, u + QXL_TRANSPARENT.srcBitmap, draw.src);
        writeRect(v, u + QXL_TRANSPARENT.srcArea, draw.srcArea);
        v.setUint32(u + QXL_TRANSPARENT.srcColor, draw.srcColor >>> 0, true);
        v.setUint32(u + QXL_TRANSPARENT.trueColor, draw.trueColor >>> 0, true);
        return;
      case 'alpha-blend':
        v.setUint16(u + QXL_ALPHA_BLEND.alphaFlags, draw.alphaFlags, true);
        v.setUint8(u + QXL_ALPHA_BLEND.alpha, draw.alpha);
        this.image(b, u + QXL_ALPHA_BLEND.srcBitmap, draw.src);
        writeRect(v, u + QXL_ALPHA_BLEND.srcArea, draw.srcArea);
        return;
      case 'rop3':
        this.image(b, u + QXL_ROP3.srcBitmap, draw.src);
        writeRect(v, u + QXL_ROP3.srcArea, draw.srcArea);
        this.brush(b, u + QXL_ROP3.brush, draw.brush);
        v.setUint8(u + QXL_ROP3.rop3, draw.rop3);
        v.setUint8(u + QXL_ROP3.scaleMode, draw.scaleMode);
        this.qmask(b, u + QXL_ROP3.mask, draw.mask);
        return;
      case 'stroke': {
        // QXLPath: data_size then its embedded first chunk.
        let total = 0;
        for (const c of draw.path) total += c.byteLength;
        const p = l.block(4 + QXL_DATA_CHUNK.SIZE + (draw.path[0]?.byteLength ?? 0));
        l.view(p).setUint32(0, total, true);
        l.chunksInto(p, 4, draw.path);
        l.ptr(b, u + QXL_STROKE.path, p);
        const a = u + QXL_STROKE.attr;
        v.setUint8(a + QXL_LINE_ATTR.flags, draw.attrFlags);
        v.setUint8(a + QXL_LINE_ATTR.styleNseg, draw.styleNseg);
        if (draw.style !== null) {
          const s = l.block(draw.style.byteLength);
          l.bytes(s).set(draw.style);
          l.ptr(b, a + QXL_LINE_ATTR.style, s);
        }
        this.brush(b, u + QXL_STROKE.brush, draw.brush);
        v.setUint16(u + QXL_STROKE.foreMode, draw.foreMode, true);
        v.setUint16(u + QXL_STROKE.backMode, draw.backMode, true);
        return;
      }
      case 'text': {
        // QXLString: data_size u32, length u16, flags u16, then the embedded first chunk.
        const s = l.block(8 + QXL_DATA_CHUNK.SIZE + (draw.string[0]?.byteLength ?? 0));
        const sv = l.view(s);
        sv.setUint32(0, draw.dataSize >>> 0, true);
        sv.setUint16(4, draw.length, true);
        sv.setUint16(6, draw.flags, true);
        l.chunksInto(s, 8, draw.string);
        l.ptr(b, u + QXL_TEXT.str, s);
        writeRect(v, u + QXL_TEXT.backArea, draw.backArea);
        this.brush(b, u + QXL_TEXT.foreBrush, draw.foreBrush);
        this.brush(b, u + QXL_TEXT.backBrush, draw.backBrush);
        v.setUint16(u + QXL_TEXT.foreMode, draw.foreMode, true);
        v.setUint16(u + QXL_TEXT.backMode, draw.backMode, true);
        return;
      }
      case 'blackness':
      case 'whiteness':
      case 'invers':
        this.qmask(b, u + QXL_BLACKNESS.mask, draw.mask);
        return;
      case 'copy-bits':
        writePoint(v, u + QXL_COPY_BITS.srcPos, draw.srcPos);
        return;
      case 'composite': {
        v.setUint32(u + QXL_COMPOSITE.flags, draw.flags >>> 0, true);
        this.image(b, u + QXL_COMPOSITE.src, draw.src);
        this.image(b, u + QXL_COMPOSITE.mask, draw.mask);
        for (const [t, at] of [
          [draw.srcTransform, QXL_COMPOSITE.srcTransform],
          [draw.maskTransform, QXL_COMPOSITE.maskTransform],
        ] as const) {
          if (t === null) continue;
          const tb = l.block(t.byteLength);
          l.bytes(tb).set(t);
          l.ptr(b, u + at, tb);
        }
        v.setInt16(u + QXL_COMPOSITE.srcOrigin, draw.srcOrigin.x, true);
        v.setInt16(u + QXL_COMPOSITE.srcOrigin + 2, draw.srcOrigin.y, true);
        v.setInt16(u + QXL_COMPOSITE.maskOrigin, draw.maskOrigin.x, true);
        v.setInt16(u + QXL_COMPOSITE.maskOrigin + 2, draw.maskOrigin.y, true);
        return;
      }
    }
  }

  cursor(c: ReplayCursorCommand): QxlRawCommand {
    const l = this.l;
    const b = l.block(QXL_CURSOR_CMD.SIZE);
    const v = l.view(b);
    const types = { set: 0, move: 1, hide: 2, trail: 3 } as const;
    v.setUint8(QXL_CURSOR_CMD.type, types[c.type]);
    switch (c.type) {
      case 'set': {
        v.setInt16(QXL_CURSOR_CMD.position, c.pos.x, true);
        v.setInt16(QXL_CURSOR_CMD.position + 2, c.pos.y, true);
        v.setUint8(QXL_CURSOR_CMD.setVisible, c.visible);
        const s = c.shape;
        const sb = l.block(QXL_CURSOR.SIZE + (s.chunks[0]?.byteLength ?? 0));
        const sv = l.view(sb);
        const h = QXL_CURSOR.header;
        sv.setBigUint64(h + QXL_CURSOR_HEADER.unique, s.unique, true);
        sv.setUint16(h + QXL_CURSOR_HEADER.type, s.type, true);
        sv.setUint16(h + QXL_CURSOR_HEADER.width, s.width, true);
        sv.setUint16(h + QXL_CURSOR_HEADER.height, s.height, true);
        sv.setUint16(h + QXL_CURSOR_HEADER.hotSpotX, s.hotX, true);
        sv.setUint16(h + QXL_CURSOR_HEADER.hotSpotY, s.hotY, true);
        sv.setUint32(QXL_CURSOR.dataSize, s.dataSize >>> 0, true);
        l.chunksInto(sb, QXL_CURSOR.chunk, s.chunks);
        l.ptr(b, QXL_CURSOR_CMD.setShape, sb);
        break;
      }
      case 'move':
        v.setInt16(QXL_CURSOR_CMD.position, c.pos.x, true);
        v.setInt16(QXL_CURSOR_CMD.position + 2, c.pos.y, true);
        break;
      case 'trail':
        v.setUint16(QXL_CURSOR_CMD.trailLength, c.length, true);
        v.setUint16(QXL_CURSOR_CMD.trailFrequency, c.frequency, true);
        break;
      case 'hide':
        break;
    }
    return l.command(QxlCmdType.Cursor);
  }
}

/**
 * The QXL structures of a recorded draw, update, cursor or message command. Surface commands need
 * id allocation and kept memory: see `layoutSurfaceCommand`.
 */
export function layoutReplayCommand(
  command: Exclude<ReplayCommand, { type: 'surface' }>,
  ids: SurfaceIdLookup,
): QxlRawCommand {
  const w = new CommandWriter(ids);
  switch (command.type) {
    case 'draw':
      return w.drawable(command.drawable);
    case 'cursor':
      return w.cursor(command.command);
    case 'update': {
      const b = w.l.block(QXL_UPDATE_CMD.SIZE);
      const v = w.l.view(b);
      writeRect(v, QXL_UPDATE_CMD.area, command.area);
      v.setUint32(QXL_UPDATE_CMD.updateId, command.updateId >>> 0, true);
      v.setUint32(QXL_UPDATE_CMD.surfaceId, ids(command.surfaceId) >>> 0, true);
      return w.l.command(QxlCmdType.Update);
    }
    case 'message': {
      const b = w.l.block(QXL_MESSAGE.SIZE + command.text.byteLength + 1);
      w.l.bytes(b).set(command.text, QXL_MESSAGE.data);
      return w.l.command(QxlCmdType.Message);
    }
  }
}

/**
 * QXLSurfaceCmd for a recorded surface command with the replay's surface id. A create gets a second
 * block, the surface memory (recorded contents with KEEP_DATA, zeroes otherwise), listed in `keep`.
 */
export function layoutSurfaceCommand(
  c: { type: 'create' | 'destroy'; flags: number; format: number; width: number; height: number; stride: number },
  surfaceId: number,
  data: Uint8Array | null,
): QxlRawCommand {
  const l = new Layout();
  const b = l.block(QXL_SURFACE_CMD.SIZE);
  const v = l.view(b);
  v.setUint32(QXL_SURFACE_CMD.surfaceId, surfaceId >>> 0, true);
  v.setUint8(QXL_SURFACE_CMD.type, c.type === 'create' ? 0 : 1);
  v.setUint32(QXL_SURFACE_CMD.flags, c.flags >>> 0, true);
  if (c.type === 'destroy') return l.command(QxlCmdType.Surface);
  const s = QXL_SURFACE_CMD.surfaceCreate;
  v.setUint32(s + QXL_SURFACE.format, c.format >>> 0, true);
  v.setUint32(s + QXL_SURFACE.width, c.width >>> 0, true);
  v.setUint32(s + QXL_SURFACE.height, c.height >>> 0, true);
  v.setInt32(s + QXL_SURFACE.stride, c.stride | 0, true);
  const size = Math.abs(c.stride) * c.height;
  const mem = l.block(size);
  if (data !== null) l.bytes(mem).set(data.subarray(0, size));
  l.ptr(b, s + QXL_SURFACE.data, mem);
  return { ...l.command(QxlCmdType.Surface), keep: [mem] };
}
