import { BrushType } from '../enums.js';
import { BadValueError, TooLargeError } from '../errors.js';
import { DisplayMsg, DisplayMsgc } from '../message-types.js';
import { Reader } from '../reader.js';
import { BodyBuilder } from './body-builder.js';
import { emptyCodec, type MessageCodec, single } from './codec.js';
import { encodeImage, readImage, type SpiceImage } from './image.js';
import {
  type Clip,
  clipSize,
  type Point,
  type Rect,
  readClip,
  readPoint,
  readRect,
  writeClip,
  writePoint,
  writeRect,
} from './types.js';

export interface DisplayBase {
  surfaceId: number;
  box: Rect;
  clip: Clip;
}

export interface QMask {
  flags: number;
  pos: Point;
  bitmap: SpiceImage | null;
}

export const NO_MASK: QMask = { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };

export type Brush =
  | { type: typeof BrushType.None }
  | { type: typeof BrushType.Solid; color: number }
  | { type: typeof BrushType.Pattern; pattern: SpiceImage; pos: Point };

function writeBase(b: BodyBuilder, base: DisplayBase): void {
  b.head.u32(base.surfaceId);
  writeRect(b.head, base.box);
  writeClip(b.head, base.clip);
}

function readBase(r: Reader): DisplayBase {
  return { surfaceId: r.u32('surface id'), box: readRect(r), clip: readClip(r) };
}

function imagePointer(b: BodyBuilder, image: SpiceImage | null): void {
  b.pointer(image ? (start) => encodeImage(image, start) : null);
}

function readImagePointer(r: Reader, what: string): SpiceImage | null {
  const ptr = r.u32(`${what} pointer`);
  return ptr === 0 ? null : readImage(r.at(ptr, what));
}

function writeMask(b: BodyBuilder, mask: QMask): void {
  b.head.u8(mask.flags);
  writePoint(b.head, mask.pos);
  imagePointer(b, mask.bitmap);
}

function readMask(r: Reader): QMask {
  return { flags: r.u8('mask flags'), pos: readPoint(r), bitmap: readImagePointer(r, 'mask bitmap') };
}

function writeBrush(b: BodyBuilder, brush: Brush): void {
  b.head.u8(brush.type);
  if (brush.type === BrushType.Solid) b.head.u32(brush.color);
  else if (brush.type === BrushType.Pattern) {
    imagePointer(b, brush.pattern);
    writePoint(b.head, brush.pos);
  }
}

function readBrush(r: Reader): Brush {
  const type = r.u8('brush type');
  switch (type) {
    case BrushType.None:
      return { type };
    case BrushType.Solid:
      return { type, color: r.u32('brush color') };
    case BrushType.Pattern: {
      const pattern = readImagePointer(r, 'brush pattern');
      if (!pattern) throw new BadValueError('brush pattern pointer', 0);
      return { type, pattern, pos: readPoint(r) };
    }
    default:
      throw new BadValueError('brush type', type);
  }
}

export interface DrawCopy {
  base: DisplayBase;
  srcBitmap: SpiceImage;
  srcArea: Rect;
  ropDescriptor: number;
  scaleMode: number;
  mask: QMask;
}

/** DRAW_COPY: DisplayBase (21 B unclipped) + Copy (36 B) + the image behind the pointer. */
export const drawCopy: MessageCodec<DrawCopy> = {
  name: 'DISPLAY_DRAW_COPY',
  type: DisplayMsg.DrawCopy,
  encode(m) {
    const b = new BodyBuilder(4 + 16 + clipSize(m.base.clip) + 36);
    writeBase(b, m.base);
    imagePointer(b, m.srcBitmap);
    writeRect(b.head, m.srcArea);
    b.head.u16(m.ropDescriptor).u8(m.scaleMode);
    writeMask(b, m.mask);
    return b.finish();
  },
  decode(body) {
    const r = new Reader(body);
    const base = readBase(r);
    const srcBitmap = readImagePointer(r, 'source bitmap');
    if (!srcBitmap) throw new BadValueError('source bitmap pointer', 0);
    return {
      base,
      srcBitmap,
      srcArea: readRect(r),
      ropDescriptor: r.u16('rop descriptor'),
      scaleMode: r.u8('scale mode'),
      mask: readMask(r),
    };
  },
};

export interface DrawFill {
  base: DisplayBase;
  brush: Brush;
  ropDescriptor: number;
  mask: QMask;
}

export const drawFill: MessageCodec<DrawFill> = {
  name: 'DISPLAY_DRAW_FILL',
  type: DisplayMsg.DrawFill,
  encode(m) {
    const b = new BodyBuilder(4 + 16 + clipSize(m.base.clip) + 32);
    writeBase(b, m.base);
    writeBrush(b, m.brush);
    b.head.u16(m.ropDescriptor);
    writeMask(b, m.mask);
    return b.finish();
  },
  decode(body) {
    const r = new Reader(body);
    return { base: readBase(r), brush: readBrush(r), ropDescriptor: r.u16('rop descriptor'), mask: readMask(r) };
  },
};

export interface CopyBits {
  base: DisplayBase;
  srcPos: Point;
}

export const copyBits: MessageCodec<CopyBits> = {
  name: 'DISPLAY_COPY_BITS',
  type: DisplayMsg.CopyBits,
  encode(m) {
    const b = new BodyBuilder(4 + 16 + clipSize(m.base.clip) + 8);
    writeBase(b, m.base);
    writePoint(b.head, m.srcPos);
    return b.finish();
  },
  decode(body) {
    const r = new Reader(body);
    return { base: readBase(r), srcPos: readPoint(r) };
  },
};

export interface SurfaceCreate {
  surfaceId: number;
  width: number;
  height: number;
  format: number;
  flags: number;
}

export const surfaceCreate: MessageCodec<SurfaceCreate> = {
  name: 'DISPLAY_SURFACE_CREATE',
  type: DisplayMsg.SurfaceCreate,
  encode: (m) => single(20, (w) => w.u32(m.surfaceId).u32(m.width).u32(m.height).u32(m.format).u32(m.flags)),
  decode(body) {
    const r = new Reader(body);
    return { surfaceId: r.u32(), width: r.u32(), height: r.u32(), format: r.u32(), flags: r.u32() };
  },
};

export const surfaceDestroy: MessageCodec<{ surfaceId: number }> = {
  name: 'DISPLAY_SURFACE_DESTROY',
  type: DisplayMsg.SurfaceDestroy,
  encode: (m) => single(4, (w) => w.u32(m.surfaceId)),
  decode: (body) => ({ surfaceId: new Reader(body).u32() }),
};

export interface Head {
  monitorId: number;
  surfaceId: number;
  width: number;
  height: number;
  x: number;
  y: number;
  flags: number;
}

/** Most monitor heads in one MONITORS_CONFIG (the agent limit is 256). */
export const MAX_MONITOR_HEADS = 256;

export const monitorsConfig: MessageCodec<{ maxAllowed: number; heads: Head[] }> = {
  name: 'DISPLAY_MONITORS_CONFIG',
  type: DisplayMsg.MonitorsConfig,
  encode: (m) =>
    single(4 + 28 * m.heads.length, (w) => {
      w.u16(m.heads.length).u16(m.maxAllowed);
      for (const h of m.heads)
        w.u32(h.monitorId).u32(h.surfaceId).u32(h.width).u32(h.height).u32(h.x).u32(h.y).u32(h.flags);
    }),
  decode(body) {
    const r = new Reader(body);
    const count = r.u16('head count');
    const maxAllowed = r.u16();
    if (count > MAX_MONITOR_HEADS) throw new TooLargeError('monitor heads', count, MAX_MONITOR_HEADS);
    r.need(28 * count, 'monitor heads');
    const heads: Head[] = [];
    for (let i = 0; i < count; i++) {
      heads.push({
        monitorId: r.u32(),
        surfaceId: r.u32(),
        width: r.u32(),
        height: r.u32(),
        x: r.u32(),
        y: r.u32(),
        flags: r.u32(),
      });
    }
    return { maxAllowed, heads };
  },
};

export const mark = emptyCodec('DISPLAY_MARK', DisplayMsg.Mark);
export const displayReset = emptyCodec('DISPLAY_RESET', DisplayMsg.Reset);
export const invalAllPalettes = emptyCodec('DISPLAY_INVAL_ALL_PALETTES', DisplayMsg.InvalAllPalettes);

// client → server

export interface DisplayInit {
  pixmapCacheId: number;
  /** Pixmap cache size in pixels. */
  pixmapCacheSize: bigint;
  glzDictionaryId: number;
  /** GLZ dictionary window in pixels (0: the client takes no GLZ, as spice-html5). */
  glzDictionaryWindowSize: number;
}

export const displayInit: MessageCodec<DisplayInit> = {
  name: 'DISPLAYC_INIT',
  type: DisplayMsgc.Init,
  encode: (m) =>
    single(14, (w) =>
      w.u8(m.pixmapCacheId).i64(m.pixmapCacheSize).u8(m.glzDictionaryId).i32(m.glzDictionaryWindowSize),
    ),
  decode(body) {
    const r = new Reader(body);
    return {
      pixmapCacheId: r.u8(),
      pixmapCacheSize: r.i64(),
      glzDictionaryId: r.u8(),
      glzDictionaryWindowSize: r.i32(),
    };
  },
};

export const preferredCompression: MessageCodec<{ compression: number }> = {
  name: 'DISPLAYC_PREFERRED_COMPRESSION',
  type: DisplayMsgc.PreferredCompression,
  encode: (m) => single(1, (w) => w.u8(m.compression)),
  decode: (body) => ({ compression: new Reader(body).u8() }),
};

export const preferredVideoCodecType: MessageCodec<{ codecs: number[] }> = {
  name: 'DISPLAYC_PREFERRED_VIDEO_CODEC_TYPE',
  type: DisplayMsgc.PreferredVideoCodecType,
  encode: (m) =>
    single(1 + m.codecs.length, (w) => {
      w.u8(m.codecs.length);
      for (const c of m.codecs) w.u8(c);
    }),
  decode(body) {
    const r = new Reader(body);
    const n = r.u8('codec count');
    return { codecs: [...r.bytes(n, 'codecs')] };
  },
};
