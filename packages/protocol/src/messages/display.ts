import { BrushType } from '../enums.js';
import { BadValueError } from '../errors.js';
import { DisplayMsg } from '../message-types.js';
import { Reader } from '../reader.js';
import { BodyBuilder } from './body-builder.js';
import type { MessageCodec } from './codec.js';
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

export interface Head {
  monitorId: number;
  surfaceId: number;
  width: number;
  height: number;
  x: number;
  y: number;
  flags: number;
}

// Generated from the schema (src/schema/channels.ts): the display messages not written by hand
// above. Their images, brushes and masks use the schema shapes exported as `wire.*`.
export type {
  DisplayInitMessage as DisplayInit,
  DrawAlphaBlendMessage,
  DrawBlacknessMessage,
  DrawBlendMessage,
  DrawCompositeMessage,
  DrawInversMessage,
  DrawOpaqueMessage,
  DrawRop3Message,
  DrawStrokeMessage,
  DrawTextMessage,
  DrawTransparentMessage,
  DrawWhitenessMessage,
  GlDrawDoneMessage,
  GlDrawMessage,
  GlScanoutUnixMessage,
  InvalAllPixmapsMessage,
  InvalListMessage,
  InvalPaletteMessage,
  ModeMessage,
  QualityIndicatorMessage,
  StreamActivateReportMessage,
  StreamClipMessage,
  StreamCreateMessage,
  StreamDataMessage,
  StreamDataSizedMessage,
  StreamDestroyAllMessage,
  StreamDestroyMessage,
  StreamReportMessage,
} from '../generated/display.js';
export {
  displayInit,
  displayReset,
  drawAlphaBlend,
  drawBlackness,
  drawBlend,
  drawComposite,
  drawInvers,
  drawOpaque,
  drawRop3,
  drawStroke,
  drawText,
  drawTransparent,
  drawWhiteness,
  glDraw,
  glDrawDone,
  glScanoutUnix,
  invalAllPalettes,
  invalAllPixmaps,
  invalList,
  invalPalette,
  mark,
  mode,
  monitorsConfig,
  preferredCompression,
  preferredVideoCodecType,
  qualityIndicator,
  streamActivateReport,
  streamClip,
  streamCreate,
  streamData,
  streamDataSized,
  streamDestroy,
  streamDestroyAll,
  streamReport,
  surfaceCreate,
  surfaceDestroy,
} from '../generated/display.js';
export { MAX_MONITOR_HEADS } from '../schema/channels.js';
