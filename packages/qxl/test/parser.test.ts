import { describe, expect, it } from 'vitest';
import { isQxlError, QxlErrorCode } from '../src/errors.js';
import { MAX_CHUNKS, MAX_DATA_CHUNK } from '../src/parser.js';
import {
  QXL_BITMAP,
  QXL_BRUSH,
  QXL_CLIP,
  QXL_CLIP_RECTS,
  QXL_CURSOR,
  QXL_CURSOR_CMD,
  QXL_DATA_CHUNK,
  QXL_DRAWABLE,
  QXL_FILL,
  QXL_HEAD,
  QXL_IMAGE,
  QXL_IMAGE_DESCRIPTOR,
  QXL_MESSAGE,
  QXL_MONITORS_CONFIG,
  QXL_PALETTE,
  QXL_QMASK,
  QXL_QUIC_DATA,
  QXL_SURFACE,
  QXL_SURFACE_CMD,
  QXL_UPDATE_CMD,
  QxlBitmapFlag,
  QxlBitmapFmt,
  QxlBrushType,
  QxlClipType,
  QxlCmdType,
  QxlCursorCmdType,
  QxlCursorType,
  QxlDrawType,
  QxlEffect,
  QxlImageType,
  QxlRopd,
  QxlSurfaceCmdType,
} from '../src/qxl-dev.js';
import {
  writeBitmapImage,
  writeCopy,
  writeCursorSet,
  writeCursorShape,
  writeDrawable,
  writeFill,
  writePalette,
  writeSurfaceCmd,
} from './builders.js';
import { parserSetup, pattern } from './helpers.js';

function errorOf(fn: () => unknown): { code: string; field: string; value: unknown } {
  try {
    fn();
  } catch (err) {
    if (!isQxlError(err)) throw err;
    return { code: err.code, field: err.field, value: err.value };
  }
  throw new Error('expected a QxlError');
}

// ---- upstream server/tests/test-qxl-parsing.c ----------------------------------------------

describe('parser: cases of upstream test-qxl-parsing.c', () => {
  it('rejects an address in a slot the device does not have (memslot-invalid-addresses/slot_id)', () => {
    const { mem } = parserSetup();
    expect(errorOf(() => mem.translate(1n << 63n, 16))).toMatchObject({ code: QxlErrorCode.BadMemslot, value: 1 });
    // There are no memslot groups here: the device has one guest group, so group_id cannot be wrong.
  });

  it('accepts a 128x128 xRGB surface with stride 512 (qxl-parsing-no-issues)', () => {
    const { parser, w } = parserSetup();
    const { cmd } = writeSurfaceCmd(w);
    const surface = parser.parseSurfaceCommand(w.addr(cmd));
    expect(surface).toMatchObject({
      releaseId: 9n,
      surfaceId: 12,
      type: 'create',
      width: 128,
      height: 128,
      stride: 512,
      format: 32,
    });
  });

  it('rejects a stride too small for the width (stride-too-small)', () => {
    const { parser, w } = parserSetup();
    const { cmd } = writeSurfaceCmd(w, { stride: 256 });
    expect(errorOf(() => parser.parseSurfaceCommand(w.addr(cmd)))).toMatchObject({
      code: QxlErrorCode.BadStride,
      value: 256,
    });
  });

  it('rejects a surface whose size overflows 32 bits (too-big-image)', () => {
    const { parser, w } = parserSetup();
    const { cmd } = writeSurfaceCmd(w, { width: 0x08000004, height: 0x40000020, stride: 0x08000004 * 4 });
    expect(errorOf(() => parser.parseSurfaceCommand(w.addr(cmd)))).toMatchObject({ code: QxlErrorCode.TooLarge });
  });

  it('accepts a 128x128 ALPHA cursor (base-cursor-command)', () => {
    const { parser, w } = parserSetup();
    const shape = writeCursorShape(w, new Uint8Array(128 * 128 * 4).fill(0xaa), {
      width: 128,
      height: 128,
      dataSize: 128 * 128 * 4,
    });
    const cmd = parser.parseCursorCommand(w.addr(writeCursorSet(w, shape)));
    expect(cmd.type).toBe('set');
    if (cmd.type !== 'set') return;
    expect(cmd.shape).toMatchObject({
      unique: 1n,
      width: 128,
      height: 128,
      hotX: 3,
      hotY: 4,
      type: QxlCursorType.Alpha,
    });
    expect(cmd.shape.data.byteLength).toBe(128 * 128 * 4);
    expect(cmd.shape.data.every((b) => b === 0xaa)).toBe(true);
  });

  it('stops on a circular list of empty chunks (circular-empty-chunks)', () => {
    const { parser, w } = parserSetup();
    const shape = writeCursorShape(w, new Uint8Array(0), { width: 128, height: 128, dataSize: 128 * 128 * 4 });
    const other = w.chunk(new Uint8Array(0));
    w.link(shape + QXL_CURSOR.chunk, other);
    w.ptr(other + QXL_DATA_CHUNK.nextChunk, shape + QXL_CURSOR.chunk);
    expect(errorOf(() => parser.parseCursorCommand(w.addr(writeCursorSet(w, shape))))).toMatchObject({
      code: QxlErrorCode.ChunkLoop,
    });
  });

  it('stops on a circular list of 1-byte chunks (circular-small-chunks)', () => {
    const { parser, w } = parserSetup();
    const shape = writeCursorShape(w, new Uint8Array([0xaa]), { width: 128, height: 128, dataSize: 128 * 128 * 4 });
    const other = w.chunk(new Uint8Array([0xaa]));
    w.link(shape + QXL_CURSOR.chunk, other);
    w.ptr(other + QXL_DATA_CHUNK.nextChunk, shape + QXL_CURSOR.chunk);
    expect(errorOf(() => parser.parseCursorCommand(w.addr(writeCursorSet(w, shape))))).toMatchObject({
      code: QxlErrorCode.ChunkLoop,
    });
  });
});

// ---- drawables ------------------------------------------------------------------------------

describe('parser: drawables', () => {
  it('parses a COPY with its bitmap, copying the pixels out of guest memory', () => {
    const { parser, w, mem } = parserSetup();
    const { d, data } = writeCopy(w, { width: 5, height: 3, stride: 24 });
    const record = parser.parseCommand({ data: w.addr(d), type: QxlCmdType.Draw });
    expect(record.type).toBe('draw');
    if (record.type !== 'draw') return;
    const drawable = record.drawable;
    expect(drawable).toMatchObject({
      releaseId: 42n,
      surfaceId: 0,
      effect: QxlEffect.Opaque,
      bbox: { top: 1, left: 2, bottom: 11, right: 22 },
      clip: { type: 'none' },
      mmTime: 1234,
      selfBitmap: false,
      surfacesDest: [-1, -1, -1],
    });
    const draw = drawable.draw;
    expect(draw.type).toBe('copy');
    if (draw.type !== 'copy') return;
    expect(draw.srcArea).toEqual({ top: 0, left: 0, bottom: 3, right: 5 });
    expect(draw.ropDescriptor).toBe(QxlRopd.OpPut);
    expect(draw.mask).toEqual({ flags: 0, pos: { x: 0, y: 0 }, bitmap: null });
    expect(draw.src).toMatchObject({
      kind: 'bitmap',
      width: 5,
      height: 3,
      stride: 24,
      format: QxlBitmapFmt.Bit32,
      bitmapFlags: QxlBitmapFlag.TopDown,
      palette: null,
    });
    if (draw.src.kind !== 'bitmap') return;
    expect(draw.src.data).toEqual(data);
    // The record is a copy: scribbling over guest memory afterwards changes nothing.
    const before = draw.src.data.slice();
    mem.ram.fill(0x55);
    expect(draw.src.data).toEqual(before);
    expect(draw.src.data.buffer).not.toBe(mem.ram.buffer);
  });

  it('joins bitmap data split over several chunks', () => {
    const { parser, w } = parserSetup();
    const { d, data } = writeCopy(w, { width: 7, height: 9, chunkSplit: 13 });
    const drawable = parser.parseDrawable(w.addr(d));
    expect(drawable.draw.type === 'copy' && drawable.draw.src.kind === 'bitmap' && drawable.draw.src.data).toEqual(
      data,
    );
  });

  it('reads a DIRECT (flat) bitmap', () => {
    const { parser, w } = parserSetup();
    const { d, data } = writeCopy(w, { width: 4, height: 4, flags: QxlBitmapFlag.Direct });
    const drawable = parser.parseDrawable(w.addr(d));
    expect(drawable.draw.type === 'copy' && drawable.draw.src.kind === 'bitmap' && drawable.draw.src.data).toEqual(
      data,
    );
  });

  it('resets self_bitmap on COPY as upstream does', () => {
    const { parser, w } = parserSetup();
    const { d } = writeCopy(w, { width: 2, height: 2 });
    w.u8(d + QXL_DRAWABLE.selfBitmap, 1);
    expect(parser.parseDrawable(w.addr(d)).selfBitmap).toBe(false);
  });

  it('parses a palette bitmap and requires its palette', () => {
    const { parser, w } = parserSetup();
    const palette = writePalette(w, [0x000000, 0xff0000, 0x00ff00, 0x0000ff]);
    const { d } = writeCopy(w, { width: 8, height: 2, stride: 8, format: QxlBitmapFmt.Bit8, palette });
    const drawable = parser.parseDrawable(w.addr(d));
    const src = drawable.draw.type === 'copy' ? drawable.draw.src : null;
    expect(src?.kind === 'bitmap' && src.palette).toEqual({
      unique: 77n,
      entries: new Uint32Array([0, 0xff0000, 0xff00, 0xff]),
    });
    const missing = writeCopy(w, { width: 8, height: 2, stride: 8, format: QxlBitmapFmt.Bit8, palette: null });
    expect(errorOf(() => parser.parseDrawable(w.addr(missing.d)))).toMatchObject({
      code: QxlErrorCode.BadValue,
      field: 'QXLBitmap.palette',
    });
  });

  it('rejects a palette whose entries leave the slot', () => {
    const { parser, w, mem } = parserSetup();
    const { d, image } = writeCopy(w, { width: 8, height: 2, stride: 8, format: QxlBitmapFmt.Bit8, palette: 0 });
    // A palette header in the last bytes of the slot, claiming two entries: only one fits.
    const end = mem.ram.byteLength - QXL_PALETTE.SIZE - 4;
    w.u16(end + QXL_PALETTE.numEnts, 2);
    w.ptr(image + QXL_IMAGE.bitmap + QXL_BITMAP.palette, end);
    expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({
      code: QxlErrorCode.OutOfSlot,
      field: 'QXLPalette.ents',
    });
  });

  it('parses a FILL with a solid brush', () => {
    const { parser, w } = parserSetup();
    const d = writeFill(w, 0x00ff8800);
    const drawable = parser.parseDrawable(w.addr(d));
    expect(drawable.draw).toEqual({
      type: 'fill',
      brush: { type: 'solid', color: 0x00ff8800 },
      ropDescriptor: QxlRopd.OpPut,
      mask: { flags: 0, pos: { x: 0, y: 0 }, bitmap: null },
    });
  });

  it('parses a FILL with a pattern brush and a 1-bit mask without palette', () => {
    const { parser, w } = parserSetup();
    const pat = writeBitmapImage(w, { width: 8, height: 8 });
    const mask = writeBitmapImage(w, { width: 8, height: 8, stride: 1, format: QxlBitmapFmt.Bit1Be });
    const d = writeDrawable(w, QxlDrawType.Fill);
    const u = d + QXL_DRAWABLE.u;
    w.u32(u + QXL_FILL.brush + QXL_BRUSH.type, QxlBrushType.Pattern);
    w.ptr(u + QXL_FILL.brush + QXL_BRUSH.patternPat, pat.image);
    w.i32(u + QXL_FILL.brush + QXL_BRUSH.patternPos, -3);
    w.i32(u + QXL_FILL.brush + QXL_BRUSH.patternPos + 4, 4);
    w.u8(u + QXL_FILL.mask + QXL_QMASK.flags, 1);
    w.i32(u + QXL_FILL.mask + QXL_QMASK.pos, 2);
    w.ptr(u + QXL_FILL.mask + QXL_QMASK.bitmap, mask.image);
    const draw = parser.parseDrawable(w.addr(d)).draw;
    expect(draw.type).toBe('fill');
    if (draw.type !== 'fill') return;
    expect(draw.brush).toMatchObject({ type: 'pattern', pos: { x: -3, y: 4 }, pattern: { kind: 'bitmap', width: 8 } });
    expect(draw.mask).toMatchObject({
      flags: 1,
      pos: { x: 2, y: 0 },
      bitmap: { kind: 'bitmap', format: QxlBitmapFmt.Bit1Be, palette: null },
    });
  });

  it('parses clip rects', () => {
    const { parser, w } = parserSetup();
    const d = writeFill(w, 1);
    const rects = [
      { top: 0, left: 0, bottom: 5, right: 5 },
      { top: 7, left: 8, bottom: 9, right: 10 },
    ];
    const clip = w.alloc(QXL_CLIP_RECTS.SIZE + 32);
    w.u32(clip + QXL_CLIP_RECTS.numRects, 2);
    w.u32(clip + QXL_CLIP_RECTS.chunk + QXL_DATA_CHUNK.dataSize, 32);
    rects.forEach((r, i) => {
      w.rect(clip + QXL_CLIP_RECTS.chunk + QXL_DATA_CHUNK.data + 16 * i, r);
    });
    w.u32(d + QXL_DRAWABLE.clip + QXL_CLIP.type, QxlClipType.Rects);
    w.ptr(d + QXL_DRAWABLE.clip + QXL_CLIP.data, clip);
    expect(parser.parseDrawable(w.addr(d)).clip).toEqual({ type: 'rects', rects });
    // num_rects that does not match the chunk data.
    w.u32(clip + QXL_CLIP_RECTS.numRects, 3);
    expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({ code: QxlErrorCode.BadSize });
    w.u32(clip + QXL_CLIP_RECTS.numRects, 0x7fff_ffff);
    expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({ code: QxlErrorCode.TooLarge });
  });

  it('parses QUIC and SURFACE images', () => {
    const { parser, w } = parserSetup();
    const quicData = pattern(100, 3);
    const quic = w.alloc(QXL_IMAGE.SIZE + quicData.byteLength);
    w.u8(quic + QXL_IMAGE_DESCRIPTOR.type, QxlImageType.Quic);
    w.u32(quic + QXL_IMAGE_DESCRIPTOR.width, 10);
    w.u32(quic + QXL_IMAGE_DESCRIPTOR.height, 10);
    w.u32(quic + QXL_IMAGE.quic + QXL_QUIC_DATA.dataSize, 100);
    const chunk = quic + QXL_IMAGE.quic + QXL_QUIC_DATA.chunk;
    w.u32(chunk + QXL_DATA_CHUNK.dataSize, 100);
    w.bytes(chunk + QXL_DATA_CHUNK.data, quicData);
    expect(parser.parseImage(w.addr(quic))).toEqual({
      kind: 'quic',
      id: 0n,
      flags: 0,
      width: 10,
      height: 10,
      data: quicData,
    });
    w.u32(quic + QXL_IMAGE.quic + QXL_QUIC_DATA.dataSize, 99);
    expect(errorOf(() => parser.parseImage(w.addr(quic)))).toMatchObject({ code: QxlErrorCode.BadSize });

    const surf = w.alloc(QXL_IMAGE.SIZE);
    w.u8(surf + QXL_IMAGE_DESCRIPTOR.type, QxlImageType.Surface);
    w.u32(surf + QXL_IMAGE.surfaceId, 3);
    expect(parser.parseImage(w.addr(surf))).toMatchObject({ kind: 'surface', surfaceId: 3 });
    w.u32(surf + QXL_IMAGE.surfaceId, 16);
    expect(errorOf(() => parser.parseImage(w.addr(surf)))).toMatchObject({ code: QxlErrorCode.BadValue });
  });
});

describe('parser: rejections', () => {
  it('rejects a bad generation and an address outside the slot', () => {
    const { parser, w, mem } = parserSetup();
    const d = writeFill(w, 1);
    expect(errorOf(() => parser.parseDrawable(mem.physicalAddress(0, 1, d)))).toMatchObject({
      code: QxlErrorCode.BadGeneration,
    });
    const nearEnd = mem.ram.byteLength - QXL_DRAWABLE.SIZE + 1;
    expect(errorOf(() => parser.parseDrawable(w.addr(nearEnd)))).toMatchObject({
      code: QxlErrorCode.OutOfSlot,
      field: 'QXLDrawable',
    });
  });

  it('rejects chunk data that runs past the slot end', () => {
    const { parser, w, mem } = parserSetup();
    const { d, image } = writeCopy(w, { width: 2, height: 2 });
    const last = mem.ram.byteLength - QXL_DATA_CHUNK.SIZE;
    w.u32(last + QXL_DATA_CHUNK.dataSize, 16);
    w.ptr(image + QXL_IMAGE.bitmap + QXL_BITMAP.data, last);
    expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({ code: QxlErrorCode.OutOfSlot });
  });

  it('rejects a chunk list longer than the chunk limit', () => {
    const { parser, w } = parserSetup({ limits: { maxChunks: 10 } });
    const { d } = writeCopy(w, { width: 4, height: 4, chunkSplit: 4 }); // 16 chunks
    expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({ code: QxlErrorCode.TooLarge });
    expect(MAX_CHUNKS).toBe(2097151);
  });

  it('rejects chunks holding more data than the limit (overlapping chunks)', () => {
    const { parser, w } = parserSetup({ limits: { maxDataBytes: 1000 } });
    // A cursor whose chunks keep pointing at fresh headers over the same data: no loop, lots of data.
    const shape = writeCursorShape(w, new Uint8Array(400), { width: 1, height: 1, dataSize: 4 });
    let prev = shape + QXL_CURSOR.chunk;
    for (let i = 0; i < 5; i++) {
      const c = w.chunk(new Uint8Array(400));
      w.link(prev, c);
      prev = c;
    }
    expect(errorOf(() => parser.parseCursorCommand(w.addr(writeCursorSet(w, shape))))).toMatchObject({
      code: QxlErrorCode.TooLarge,
    });
  });

  it('detects a loop that does not return to the first chunk', () => {
    const { parser, w } = parserSetup();
    const { d, image } = writeCopy(w, { width: 2, height: 2 });
    const a = w.chunk(new Uint8Array(0));
    const b = w.chunk(new Uint8Array(0));
    const c = w.chunk(new Uint8Array(0));
    w.link(a, b);
    w.link(b, c);
    w.link(c, b);
    w.ptr(image + QXL_IMAGE.bitmap + QXL_BITMAP.data, a);
    expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({ code: QxlErrorCode.ChunkLoop });
  });

  it('rejects a bitmap stride below width * bpp', () => {
    const { parser, w } = parserSetup();
    const { d } = writeCopy(w, { width: 10, height: 2, stride: 39, data: new Uint8Array(78) });
    expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({
      code: QxlErrorCode.BadStride,
      field: 'QXLBitmap.stride',
      value: 39,
    });
  });

  it('rejects height * stride beyond the chunk data, and chunk data beyond it', () => {
    const { parser, w } = parserSetup();
    const short = writeCopy(w, { width: 4, height: 4, data: new Uint8Array(60) });
    expect(errorOf(() => parser.parseDrawable(w.addr(short.d)))).toMatchObject({ code: QxlErrorCode.BadSize });
    const long = writeCopy(w, { width: 4, height: 4, data: new Uint8Array(80) });
    expect(errorOf(() => parser.parseDrawable(w.addr(long.d)))).toMatchObject({ code: QxlErrorCode.BadSize });
  });

  it('rejects zero and huge bitmap dimensions', () => {
    const { parser, w } = parserSetup();
    const zero = writeCopy(w, { width: 0, height: 4, data: new Uint8Array(0) });
    expect(errorOf(() => parser.parseDrawable(w.addr(zero.d)))).toMatchObject({ code: QxlErrorCode.BadSize });
    const huge = writeCopy(w, { width: 0x1000_0000, height: 0x10, stride: 0x4000_0000, data: new Uint8Array(4) });
    expect(errorOf(() => parser.parseDrawable(w.addr(huge.d)))).toMatchObject({ code: QxlErrorCode.TooLarge });
    const wide = writeCopy(w, { width: 0x4000_0000, height: 1, stride: 16, data: new Uint8Array(16) });
    expect(errorOf(() => parser.parseDrawable(w.addr(wide.d)))).toMatchObject({ code: QxlErrorCode.BadStride });
    const mismatch = writeCopy(w, { width: 4, height: 4, descriptorWidth: 5 });
    expect(errorOf(() => parser.parseDrawable(w.addr(mismatch.d)))).toMatchObject({ code: QxlErrorCode.BadSize });
  });

  it('rejects unknown command, draw, image, brush, clip types and bitmap formats', () => {
    const { parser, w } = parserSetup();
    const fill = writeFill(w, 0);
    expect(errorOf(() => parser.parseCommand({ data: w.addr(fill), type: 9 }))).toMatchObject({
      code: QxlErrorCode.UnknownType,
      value: 9,
    });
    expect(errorOf(() => parser.parseCommand({ data: w.addr(fill), type: QxlCmdType.Nop }))).toMatchObject({
      code: QxlErrorCode.UnknownType,
    });
    expect(errorOf(() => parser.parseCommand({ data: w.addr(fill), type: QxlCmdType.Draw }, 'cursor'))).toMatchObject({
      code: QxlErrorCode.UnknownType,
    });

    const badDraw = writeDrawable(w, 15);
    expect(errorOf(() => parser.parseDrawable(w.addr(badDraw)))).toMatchObject({
      code: QxlErrorCode.UnknownType,
      field: 'QXLDrawable.type',
    });

    const badBrush = writeFill(w, 0);
    w.u32(badBrush + QXL_DRAWABLE.u + QXL_FILL.brush + QXL_BRUSH.type, 3);
    expect(errorOf(() => parser.parseDrawable(w.addr(badBrush)))).toMatchObject({ code: QxlErrorCode.UnknownType });

    const badClip = writeFill(w, 0);
    w.u32(badClip + QXL_DRAWABLE.clip + QXL_CLIP.type, 2);
    expect(errorOf(() => parser.parseDrawable(w.addr(badClip)))).toMatchObject({
      code: QxlErrorCode.UnknownType,
      field: 'QXLClip.type',
    });

    for (const format of [QxlBitmapFmt.Invalid, 11, 255]) {
      const { d } = writeCopy(w, { width: 2, height: 2, format, stride: 8 });
      expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({
        code: QxlErrorCode.UnknownType,
        field: 'QXLBitmap.format',
      });
    }

    for (const type of [QxlImageType.LzRgb, QxlImageType.Jpeg, QxlImageType.FromCache, 2, 200]) {
      const { d, image } = writeCopy(w, { width: 2, height: 2 });
      w.u8(image + QXL_IMAGE_DESCRIPTOR.type, type);
      expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({
        code: QxlErrorCode.UnknownType,
        value: type,
      });
    }
  });

  it('rejects known draw types it does not handle yet as unsupported', () => {
    const { parser, w } = parserSetup();
    for (const type of [
      QxlDrawType.Nop,
      QxlDrawType.Opaque,
      QxlDrawType.Blend,
      QxlDrawType.Text,
      QxlDrawType.Composite,
    ]) {
      const d = writeDrawable(w, type);
      expect(errorOf(() => parser.parseDrawable(w.addr(d)))).toMatchObject({
        code: QxlErrorCode.Unsupported,
        value: type,
      });
    }
  });

  it('rejects a null source, a swapped or outside src_area, and bad surface ids', () => {
    const { parser, w } = parserSetup();
    const nullSrc = writeDrawable(w, QxlDrawType.Copy);
    expect(errorOf(() => parser.parseDrawable(w.addr(nullSrc)))).toMatchObject({
      code: QxlErrorCode.BadValue,
      field: 'QXLCopy.src_bitmap',
    });
    const swapped = writeCopy(w, { width: 4, height: 4 }, { top: 3, left: 0, bottom: 1, right: 4 });
    expect(errorOf(() => parser.parseDrawable(w.addr(swapped.d)))).toMatchObject({
      code: QxlErrorCode.BadValue,
      field: 'QXLCopy.src_area',
    });
    const outside = writeCopy(w, { width: 4, height: 4 }, { top: 0, left: 0, bottom: 4, right: 5 });
    expect(errorOf(() => parser.parseDrawable(w.addr(outside.d)))).toMatchObject({
      code: QxlErrorCode.BadValue,
      field: 'QXLCopy.src_area',
    });
    const badSurface = writeDrawable(w, QxlDrawType.Fill, { surfaceId: 16 });
    expect(errorOf(() => parser.parseDrawable(w.addr(badSurface)))).toMatchObject({
      code: QxlErrorCode.BadValue,
      field: 'QXLDrawable.surface_id',
    });
    const badDest = writeFill(w, 0);
    w.i32(badDest + QXL_DRAWABLE.surfacesDest + 4, -2);
    expect(errorOf(() => parser.parseDrawable(w.addr(badDest)))).toMatchObject({
      code: QxlErrorCode.BadValue,
      field: 'QXLDrawable.surfaces_dest[1]',
    });
  });

  it('validates surface commands: format, zero size, INT32_MIN stride, memory in a slot', () => {
    const { parser, w } = parserSetup();
    expect(errorOf(() => parser.parseSurfaceCommand(w.addr(writeSurfaceCmd(w, { format: 33 }).cmd)))).toMatchObject({
      code: QxlErrorCode.UnknownType,
    });
    expect(errorOf(() => parser.parseSurfaceCommand(w.addr(writeSurfaceCmd(w, { width: 0 }).cmd)))).toMatchObject({
      code: QxlErrorCode.BadSize,
    });
    expect(
      errorOf(() => parser.parseSurfaceCommand(w.addr(writeSurfaceCmd(w, { stride: -0x8000_0000 }).cmd))),
    ).toMatchObject({ code: QxlErrorCode.BadStride });
    expect(errorOf(() => parser.parseSurfaceCommand(w.addr(writeSurfaceCmd(w, { stride: -256 }).cmd)))).toMatchObject({
      code: QxlErrorCode.BadStride,
    });
    const bottomUp = parser.parseSurfaceCommand(w.addr(writeSurfaceCmd(w, { stride: -512 }).cmd));
    expect(bottomUp.stride).toBe(-512);
    // 128 x 512 bytes do not fit in what is left of the slot.
    const { cmd } = writeSurfaceCmd(w, { dataSize: 16 });
    const near = w.mem.ram.byteLength - 100;
    w.ptr(cmd + QXL_SURFACE_CMD.surfaceCreate + QXL_SURFACE.data, near);
    expect(errorOf(() => parser.parseSurfaceCommand(w.addr(cmd)))).toMatchObject({
      code: QxlErrorCode.OutOfSlot,
      field: 'QXLSurface.data',
    });
    w.u8(cmd + QXL_SURFACE_CMD.type, 7);
    expect(errorOf(() => parser.parseSurfaceCommand(w.addr(cmd)))).toMatchObject({ code: QxlErrorCode.UnknownType });
    w.u8(cmd + QXL_SURFACE_CMD.type, QxlSurfaceCmdType.Destroy);
    expect(parser.parseSurfaceCommand(w.addr(cmd))).toMatchObject({ type: 'destroy', surfaceId: 12, data: 0n });
  });

  it('rejects a cursor shape shorter than its size needs, and unknown cursor types', () => {
    const { parser, w } = parserSetup();
    const short = writeCursorShape(w, new Uint8Array(100), { width: 8, height: 8, dataSize: 256 });
    expect(errorOf(() => parser.parseCursorCommand(w.addr(writeCursorSet(w, short))))).toMatchObject({
      code: QxlErrorCode.BadSize,
    });
    const badType = writeCursorShape(w, new Uint8Array(4), { width: 1, height: 1, dataSize: 4, type: 9 });
    expect(errorOf(() => parser.parseCursorCommand(w.addr(writeCursorSet(w, badType))))).toMatchObject({
      code: QxlErrorCode.UnknownType,
    });
    const cmd = w.alloc(QXL_CURSOR_CMD.SIZE);
    w.u8(cmd + QXL_CURSOR_CMD.type, 4);
    expect(errorOf(() => parser.parseCursorCommand(w.addr(cmd)))).toMatchObject({
      code: QxlErrorCode.UnknownType,
      field: 'QXLCursorCmd.type',
    });
  });

  it('cuts cursor data to data_size when the chunks hold more', () => {
    const { parser, w } = parserSetup();
    const shape = writeCursorShape(w, pattern(20, 9), { width: 2, height: 2, dataSize: 16 });
    const cmd = parser.parseCursorCommand(w.addr(writeCursorSet(w, shape)));
    expect(cmd.type === 'set' && cmd.shape.data).toEqual(pattern(20, 9).subarray(0, 16));
  });

  it('parses cursor move, hide and trail', () => {
    const { parser, w } = parserSetup();
    const move = w.alloc(QXL_CURSOR_CMD.SIZE);
    w.u8(move + QXL_CURSOR_CMD.type, QxlCursorCmdType.Move);
    w.i16(move + QXL_CURSOR_CMD.position, -5);
    w.i16(move + QXL_CURSOR_CMD.position + 2, 300);
    expect(parser.parseCursorCommand(w.addr(move))).toEqual({ releaseId: 0n, type: 'move', pos: { x: -5, y: 300 } });
    const hide = w.alloc(QXL_CURSOR_CMD.SIZE);
    w.u8(hide + QXL_CURSOR_CMD.type, QxlCursorCmdType.Hide);
    expect(parser.parseCursorCommand(w.addr(hide))).toEqual({ releaseId: 0n, type: 'hide' });
    const trail = w.alloc(QXL_CURSOR_CMD.SIZE);
    w.u8(trail + QXL_CURSOR_CMD.type, QxlCursorCmdType.Trail);
    w.u16(trail + QXL_CURSOR_CMD.trailLength, 4);
    w.u16(trail + QXL_CURSOR_CMD.trailFrequency, 9);
    expect(parser.parseCursorCommand(w.addr(trail))).toEqual({ releaseId: 0n, type: 'trail', length: 4, frequency: 9 });
  });

  it('parses update commands and checks their surface id', () => {
    const { parser, w } = parserSetup();
    const u = w.alloc(QXL_UPDATE_CMD.SIZE);
    w.u64(u, 3n);
    w.rect(u + QXL_UPDATE_CMD.area, { top: 1, left: 2, bottom: 3, right: 4 });
    w.u32(u + QXL_UPDATE_CMD.updateId, 99);
    w.u32(u + QXL_UPDATE_CMD.surfaceId, 1);
    expect(parser.parseCommand({ data: w.addr(u), type: QxlCmdType.Update })).toEqual({
      type: 'update',
      command: { releaseId: 3n, area: { top: 1, left: 2, bottom: 3, right: 4 }, updateId: 99, surfaceId: 1 },
    });
    w.u32(u + QXL_UPDATE_CMD.surfaceId, 1000);
    expect(errorOf(() => parser.parseUpdateCommand(w.addr(u)))).toMatchObject({ code: QxlErrorCode.BadValue });
  });

  it('reads a message up to its NUL and rejects one without', () => {
    const { parser, w, mem } = parserSetup();
    const m = w.alloc(QXL_MESSAGE.SIZE + 6);
    w.u64(m, 8n);
    w.bytes(m + QXL_MESSAGE.data, new TextEncoder().encode('hello\0'));
    expect(parser.parseCommand({ data: w.addr(m), type: QxlCmdType.Message })).toEqual({
      type: 'message',
      releaseId: 8n,
      text: new TextEncoder().encode('hello'),
    });
    const end = mem.ram.byteLength - QXL_MESSAGE.SIZE - 4;
    mem.ram.fill(0x41, end, mem.ram.byteLength);
    expect(errorOf(() => parser.parseMessage(w.addr(end)))).toMatchObject({
      code: QxlErrorCode.BadValue,
      field: 'QXLMessage.data',
    });
  });

  it('parses a monitors config and rejects empty or over-limit ones', () => {
    const { parser, w } = parserSetup();
    const c = w.alloc(QXL_MONITORS_CONFIG.SIZE + 2 * QXL_HEAD.SIZE);
    w.u16(c + QXL_MONITORS_CONFIG.count, 2);
    w.u16(c + QXL_MONITORS_CONFIG.maxAllowed, 4);
    for (let i = 0; i < 2; i++) {
      const h = c + QXL_MONITORS_CONFIG.heads + i * QXL_HEAD.SIZE;
      w.u32(h + QXL_HEAD.id, i);
      w.u32(h + QXL_HEAD.width, 800);
      w.u32(h + QXL_HEAD.height, 600);
      w.u32(h + QXL_HEAD.x, 800 * i);
    }
    const config = parser.parseMonitorsConfig(w.addr(c));
    expect(config.maxAllowed).toBe(4);
    expect(config.heads[1]).toEqual({ id: 1, surfaceId: 0, width: 800, height: 600, x: 800, y: 0, flags: 0 });
    w.u16(c + QXL_MONITORS_CONFIG.count, 5);
    expect(errorOf(() => parser.parseMonitorsConfig(w.addr(c)))).toMatchObject({ code: QxlErrorCode.BadValue });
    w.u16(c + QXL_MONITORS_CONFIG.count, 0);
    expect(errorOf(() => parser.parseMonitorsConfig(w.addr(c)))).toMatchObject({ code: QxlErrorCode.BadValue });
  });

  it('uses the upstream limits', () => {
    expect(MAX_DATA_CHUNK).toBe(0x7fffffff);
    const { parser, mem } = parserSetup();
    // Capped at the guest memory size by default.
    expect(parser.limits.maxDataBytes).toBe(mem.ram.byteLength + mem.vram.byteLength + mem.rom.byteLength);
  });
});
