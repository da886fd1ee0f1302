// Builders of raw QXL guest structures for tests (good ones; tests then break them on purpose).
import {
  QXL_BITMAP,
  QXL_BRUSH,
  QXL_COPY,
  QXL_CURSOR,
  QXL_CURSOR_CMD,
  QXL_CURSOR_HEADER,
  QXL_DATA_CHUNK,
  QXL_DRAWABLE,
  QXL_FILL,
  QXL_IMAGE,
  QXL_IMAGE_DESCRIPTOR,
  QXL_PALETTE,
  QXL_SURFACE,
  QXL_SURFACE_CMD,
  QxlBitmapFlag,
  QxlBitmapFmt,
  QxlBrushType,
  QxlCursorCmdType,
  QxlCursorType,
  QxlDrawType,
  QxlEffect,
  QxlImageType,
  QxlRopd,
  QxlSurfaceCmdType,
  QxlSurfaceFmt,
} from '../src/qxl-dev.js';
import type { QxlRect } from '../src/records.js';
import { type GuestWriter, pattern } from './helpers.js';

export interface BitmapSpec {
  width: number;
  height: number;
  stride?: number;
  format?: number;
  flags?: number;
  data?: Uint8Array;
  chunkSplit?: number;
  palette?: number | null;
  descriptorWidth?: number;
  imageFlags?: number;
}

export function writeBitmapImage(w: GuestWriter, spec: BitmapSpec): { image: number; data: Uint8Array } {
  const format = spec.format ?? QxlBitmapFmt.Bit32;
  const stride = spec.stride ?? spec.width * 4;
  const data = spec.data ?? pattern(stride * spec.height, 7);
  const image = w.alloc(QXL_IMAGE.SIZE);
  w.u64(image + QXL_IMAGE_DESCRIPTOR.id, 0x1234_0000_0000n);
  w.u8(image + QXL_IMAGE_DESCRIPTOR.type, QxlImageType.Bitmap);
  w.u8(image + QXL_IMAGE_DESCRIPTOR.flags, spec.imageFlags ?? 0);
  w.u32(image + QXL_IMAGE_DESCRIPTOR.width, spec.descriptorWidth ?? spec.width);
  w.u32(image + QXL_IMAGE_DESCRIPTOR.height, spec.height);
  const b = image + QXL_IMAGE.bitmap;
  w.u8(b + QXL_BITMAP.format, format);
  w.u8(b + QXL_BITMAP.flags, spec.flags ?? QxlBitmapFlag.TopDown);
  w.u32(b + QXL_BITMAP.x, spec.width);
  w.u32(b + QXL_BITMAP.y, spec.height);
  w.u32(b + QXL_BITMAP.stride, stride);
  if (spec.palette !== undefined && spec.palette !== null) w.ptr(b + QXL_BITMAP.palette, spec.palette);
  if ((spec.flags ?? 0) & QxlBitmapFlag.Direct) {
    const flat = w.alloc(data.byteLength);
    w.bytes(flat, data);
    w.ptr(b + QXL_BITMAP.data, flat);
  } else {
    const split = spec.chunkSplit ?? data.byteLength;
    let prev = -1;
    for (let pos = 0; pos < data.byteLength || pos === 0; pos += split) {
      const c = w.chunk(data.subarray(pos, Math.min(pos + split, data.byteLength)));
      if (prev < 0) w.ptr(b + QXL_BITMAP.data, c);
      else w.link(prev, c);
      prev = c;
      if (data.byteLength === 0) break;
    }
  }
  return { image, data };
}

export function writePalette(w: GuestWriter, entries: number[]): number {
  const p = w.alloc(QXL_PALETTE.SIZE + entries.length * 4);
  w.u64(p + QXL_PALETTE.unique, 77n);
  w.u16(p + QXL_PALETTE.numEnts, entries.length);
  entries.forEach((e, i) => {
    w.u32(p + QXL_PALETTE.ents + 4 * i, e);
  });
  return p;
}

export function writeDrawable(
  w: GuestWriter,
  type: number,
  options: { surfaceId?: number; bbox?: QxlRect; releaseId?: bigint } = {},
): number {
  const d = w.alloc(QXL_DRAWABLE.SIZE);
  w.u64(d + QXL_DRAWABLE.releaseInfo, options.releaseId ?? 42n);
  w.u32(d + QXL_DRAWABLE.surfaceId, options.surfaceId ?? 0);
  w.u8(d + QXL_DRAWABLE.effect, QxlEffect.Opaque);
  w.u8(d + QXL_DRAWABLE.type, type);
  w.rect(d + QXL_DRAWABLE.bbox, options.bbox ?? { top: 1, left: 2, bottom: 11, right: 22 });
  w.u32(d + QXL_DRAWABLE.mmTime, 1234);
  for (let i = 0; i < 3; i++) w.i32(d + QXL_DRAWABLE.surfacesDest + 4 * i, -1);
  return d;
}

export function writeCopy(w: GuestWriter, spec: BitmapSpec, srcArea?: QxlRect) {
  const { image, data } = writeBitmapImage(w, spec);
  const d = writeDrawable(w, QxlDrawType.Copy);
  const u = d + QXL_DRAWABLE.u;
  w.ptr(u + QXL_COPY.srcBitmap, image);
  w.rect(u + QXL_COPY.srcArea, srcArea ?? { top: 0, left: 0, bottom: spec.height, right: spec.width });
  w.u16(u + QXL_COPY.ropDescriptor, QxlRopd.OpPut);
  return { d, image, data };
}

export function writeFill(w: GuestWriter, color: number) {
  const d = writeDrawable(w, QxlDrawType.Fill);
  const u = d + QXL_DRAWABLE.u;
  w.u32(u + QXL_FILL.brush + QXL_BRUSH.type, QxlBrushType.Solid);
  w.u32(u + QXL_FILL.brush + QXL_BRUSH.color, color);
  w.u16(u + QXL_FILL.ropDescriptor, QxlRopd.OpPut);
  return d;
}

/** upstream init_qxl_surface: surface 123 (we allow 16 surfaces, so 12), 128x128 xRGB, stride 512. */
export function writeSurfaceCmd(
  w: GuestWriter,
  s: { width?: number; height?: number; stride?: number; format?: number; dataSize?: number } = {},
) {
  const cmd = w.alloc(QXL_SURFACE_CMD.SIZE);
  w.u64(cmd, 9n);
  w.u32(cmd + QXL_SURFACE_CMD.surfaceId, 12);
  w.u8(cmd + QXL_SURFACE_CMD.type, QxlSurfaceCmdType.Create);
  const c = cmd + QXL_SURFACE_CMD.surfaceCreate;
  w.u32(c + QXL_SURFACE.format, s.format ?? QxlSurfaceFmt.X8r8g8b8);
  w.u32(c + QXL_SURFACE.width, s.width ?? 128);
  w.u32(c + QXL_SURFACE.height, s.height ?? 128);
  w.i32(c + QXL_SURFACE.stride, s.stride ?? 512);
  const mem = w.alloc(s.dataSize ?? 0x10000);
  w.ptr(c + QXL_SURFACE.data, mem);
  return { cmd, mem };
}

/** A QXLCursor whose embedded chunk holds `chunkData`. */
export function writeCursorShape(
  w: GuestWriter,
  chunkData: Uint8Array,
  header: { width: number; height: number; dataSize: number; type?: number },
) {
  const shape = w.alloc(QXL_CURSOR.SIZE + chunkData.byteLength);
  w.u64(shape + QXL_CURSOR_HEADER.unique, 1n);
  w.u16(shape + QXL_CURSOR_HEADER.type, header.type ?? QxlCursorType.Alpha);
  w.u16(shape + QXL_CURSOR_HEADER.width, header.width);
  w.u16(shape + QXL_CURSOR_HEADER.height, header.height);
  w.u16(shape + QXL_CURSOR_HEADER.hotSpotX, 3);
  w.u16(shape + QXL_CURSOR_HEADER.hotSpotY, 4);
  w.u32(shape + QXL_CURSOR.dataSize, header.dataSize);
  w.u32(shape + QXL_CURSOR.chunk + QXL_DATA_CHUNK.dataSize, chunkData.byteLength);
  w.bytes(shape + QXL_CURSOR.chunk + QXL_DATA_CHUNK.data, chunkData);
  return shape;
}

export function writeCursorSet(w: GuestWriter, shape: number): number {
  const cmd = w.alloc(QXL_CURSOR_CMD.SIZE);
  w.u64(cmd, 5n);
  w.u8(cmd + QXL_CURSOR_CMD.type, QxlCursorCmdType.Set);
  w.ptr(cmd + QXL_CURSOR_CMD.setShape, shape);
  return cmd;
}
