import {
  BitmapFlags,
  BrushType,
  DisplayMsg,
  type display,
  type Point,
  type Rect,
  type SpiceImage,
  type wire,
} from '@spice-ts/protocol';
import { AlphaFlags, drawAlphaBlend } from './alpha-blend.js';
import type { CanvasBrush } from './brush.js';
import { drawComposite } from './composite.js';
import { drawCopy, drawOpaque } from './copy.js';
import { copyBits } from './copy-bits.js';
import { UnsupportedOperationError } from './errors.js';
import { drawBlackness, drawFill, drawInvers, drawWhiteness } from './fill.js';
import { type CanvasImage, imageFromBitmap } from './image.js';
import { type A1Mask, a1MaskFromBitmap, type CanvasMask } from './mask.js';
import type { ContextImageResolver } from './resolve-image.js';
import { drawRop3 } from './rop3.js';
import { drawStroke } from './stroke.js';
import { type CanvasSurface, isA8Surface } from './surface.js';
import { drawText, type GlyphString } from './text.js';
import { drawTransparent } from './transparent.js';

/**
 * Turns an image of a draw message into canvas pixels: decode compressed kinds, look up cache and
 * surface references. Return null when the image cannot be had (the draw is then skipped).
 */
export type ImageResolver = (image: SpiceImage) => CanvasImage | null;

/** Decodes uncompressed BITMAP images (every bitmap format) and nothing else. */
export const bitmapResolver: ImageResolver = (image) => {
  if (image.kind !== 'bitmap') return null;
  const b = image.bitmap;
  return imageFromBitmap({
    format: b.format,
    width: b.x,
    height: b.y,
    stride: b.stride,
    topDown: (b.flags & BitmapFlags.TopDown) !== 0,
    data: b.data,
    palette: b.palette?.entries ?? null,
  });
};

/** A1 mask bitmap of a qmask (1BIT_LE or 1BIT_BE; bottom-up rows are reordered). */
export function maskFromImage(image: SpiceImage): A1Mask | null {
  return image.kind === 'bitmap' ? a1MaskFromBitmap(image.bitmap) : null;
}

/** The display records of the draws whose codecs @spice-ts/protocol does not carry yet. */
export interface DrawOpaqueMessage {
  base: display.DisplayBase;
  srcBitmap: SpiceImage;
  srcArea: Rect;
  brush: display.Brush;
  ropDescriptor: number;
  scaleMode: number;
  mask: display.QMask;
}
export interface DrawMaskOnlyMessage {
  base: display.DisplayBase;
  mask: display.QMask;
}
export interface DrawRop3Message {
  base: display.DisplayBase;
  srcBitmap: SpiceImage;
  srcArea: Rect;
  brush: display.Brush;
  rop3: number;
  scaleMode: number;
  mask: display.QMask;
}
export interface DrawTransparentMessage {
  base: display.DisplayBase;
  srcBitmap: SpiceImage;
  srcArea: Rect;
  srcColor: number;
  trueColor: number;
}
export interface DrawAlphaBlendMessage {
  base: display.DisplayBase;
  alphaFlags: number;
  alpha: number;
  srcBitmap: SpiceImage;
  srcArea: Rect;
}

export interface DrawTextMessage {
  base: display.DisplayBase;
  str: GlyphString;
  backArea: Rect;
  foreBrush: display.Brush;
  backBrush: display.Brush;
  foreMode: number;
  backMode: number;
}

export interface DrawStrokeMessage {
  base: display.DisplayBase;
  path: wire.Path;
  attr: wire.LineAttr;
  brush: display.Brush;
  foreMode: number;
  backMode: number;
}

export interface DrawCompositeMessage {
  base: display.DisplayBase;
  /** CompositeFlags. */
  flags: number;
  srcBitmap: SpiceImage;
  maskBitmap?: SpiceImage | null;
  srcTransform?: wire.Transform | null;
  maskTransform?: wire.Transform | null;
  srcOrigin: Point;
  maskOrigin: Point;
}

/** Every record renderDrawMessage takes, by message type. */
export interface DrawMessages {
  [DisplayMsg.DrawFill]: display.DrawFill;
  [DisplayMsg.DrawOpaque]: DrawOpaqueMessage;
  [DisplayMsg.DrawCopy]: display.DrawCopy;
  [DisplayMsg.DrawBlend]: display.DrawCopy;
  [DisplayMsg.DrawBlackness]: DrawMaskOnlyMessage;
  [DisplayMsg.DrawWhiteness]: DrawMaskOnlyMessage;
  [DisplayMsg.DrawInvers]: DrawMaskOnlyMessage;
  [DisplayMsg.DrawRop3]: DrawRop3Message;
  [DisplayMsg.DrawTransparent]: DrawTransparentMessage;
  [DisplayMsg.DrawAlphaBlend]: DrawAlphaBlendMessage;
  [DisplayMsg.DrawText]: DrawTextMessage;
  [DisplayMsg.DrawStroke]: DrawStrokeMessage;
  [DisplayMsg.DrawComposite]: DrawCompositeMessage;
  [DisplayMsg.CopyBits]: display.CopyBits;
}
export type DrawMessageType = keyof DrawMessages;

/**
 * The qmask of a draw: null without a mask bitmap, false when the resolver could not have it (a
 * cache miss: the draw is skipped). A resolver with a `mask` method (createImageResolver) reads
 * every mask kind; without one only uncompressed 1-bit bitmaps are read.
 */
function toMask(mask: display.QMask, resolve: ImageResolver): CanvasMask | null | false {
  if (!mask.bitmap) return null;
  const read = (resolve as Partial<Pick<ContextImageResolver, 'mask'>>).mask;
  const bits = read ? read(mask.bitmap) : maskFromImage(mask.bitmap);
  if (!bits) {
    if (read) return false;
    throw new UnsupportedOperationError(`qmask image of kind ${mask.bitmap.kind}`);
  }
  return { flags: mask.flags, pos: mask.pos, mask: bits };
}

function toBrush(brush: display.Brush, resolve: ImageResolver): CanvasBrush | null {
  if (brush.type !== BrushType.Pattern) return brush;
  const pattern = resolve(brush.pattern);
  return pattern ? { type: BrushType.Pattern, pattern, pos: brush.pos as Point } : null;
}

/** The draws an A8 surface takes (those whose client code works on 8-bit images). */
const A8_DRAWS: ReadonlySet<number> = new Set([
  DisplayMsg.DrawFill,
  DisplayMsg.DrawOpaque,
  DisplayMsg.DrawCopy,
  DisplayMsg.DrawBlend,
  DisplayMsg.DrawBlackness,
  DisplayMsg.DrawWhiteness,
  DisplayMsg.DrawInvers,
  DisplayMsg.DrawStroke,
  DisplayMsg.DrawComposite,
  DisplayMsg.CopyBits,
]);

/**
 * Applies one decoded DRAW_* (or COPY_BITS) message to a surface, as spice-gtk's canvas would.
 * On A8 surfaces FILL, OPAQUE, COPY, BLEND, BLACKNESS, WHITENESS, INVERS, STROKE (solid brushes),
 * COMPOSITE and COPY_BITS are drawn; the others throw UnsupportedOperationError.
 * Images go through `resolve` (default: uncompressed bitmaps only). Returns false when an image
 * could not be resolved and the draw was skipped.
 */
export function renderDrawMessage<T extends DrawMessageType>(
  surface: CanvasSurface,
  type: T,
  message: DrawMessages[T],
  resolve: ImageResolver = bitmapResolver,
): boolean {
  const m = message as DrawMessages[DrawMessageType];
  const { box, clip } = m.base;
  if (isA8Surface(surface) && !A8_DRAWS.has(type)) {
    throw new UnsupportedOperationError(`display message ${type} on an A8 surface`);
  }
  switch (type) {
    case DisplayMsg.DrawFill: {
      const f = m as display.DrawFill;
      const brush = toBrush(f.brush, resolve);
      const mask = toMask(f.mask, resolve);
      if (!brush || mask === false) return false;
      drawFill(surface, box, clip, brush, f.ropDescriptor, { mask });
      return true;
    }
    case DisplayMsg.DrawCopy:
    case DisplayMsg.DrawBlend: {
      const c = m as display.DrawCopy;
      const image = resolve(c.srcBitmap);
      const mask = toMask(c.mask, resolve);
      if (!image || mask === false) return false;
      drawCopy(surface, box, clip, { image, srcArea: c.srcArea, scaleMode: c.scaleMode }, c.ropDescriptor, { mask });
      return true;
    }
    case DisplayMsg.DrawOpaque: {
      const o = m as DrawOpaqueMessage;
      const image = resolve(o.srcBitmap);
      const brush = toBrush(o.brush, resolve);
      const mask = toMask(o.mask, resolve);
      if (!image || !brush || mask === false) return false;
      drawOpaque(surface, box, clip, { image, srcArea: o.srcArea, scaleMode: o.scaleMode }, brush, o.ropDescriptor, {
        mask,
      });
      return true;
    }
    case DisplayMsg.DrawBlackness:
    case DisplayMsg.DrawWhiteness:
    case DisplayMsg.DrawInvers: {
      const mask = toMask((m as DrawMaskOnlyMessage).mask, resolve);
      if (mask === false) return false;
      const draw =
        type === DisplayMsg.DrawBlackness
          ? drawBlackness
          : type === DisplayMsg.DrawWhiteness
            ? drawWhiteness
            : drawInvers;
      draw(surface, box, clip, { mask });
      return true;
    }
    case DisplayMsg.DrawRop3: {
      const r = m as DrawRop3Message;
      const image = resolve(r.srcBitmap);
      const brush = toBrush(r.brush, resolve);
      const mask = toMask(r.mask, resolve);
      if (!image || !brush || mask === false) return false;
      drawRop3(surface, box, clip, { image, srcArea: r.srcArea, scaleMode: r.scaleMode }, brush, r.rop3, { mask });
      return true;
    }
    case DisplayMsg.DrawTransparent: {
      const t = m as DrawTransparentMessage;
      const image = resolve(t.srcBitmap);
      if (!image) return false;
      drawTransparent(surface, box, clip, { image, srcArea: t.srcArea }, t.trueColor);
      return true;
    }
    case DisplayMsg.DrawAlphaBlend: {
      const a = m as DrawAlphaBlendMessage;
      const image = resolve(a.srcBitmap);
      if (!image) return false;
      // The client reads SRC_SURFACE_HAS_ALPHA for surface sources only; a bitmap's X byte stays
      // padding (an RGBA bitmap has its alpha anyway).
      const alphaFlags = a.srcBitmap.kind === 'surface' ? a.alphaFlags : a.alphaFlags & ~AlphaFlags.SrcSurfaceHasAlpha;
      drawAlphaBlend(surface, box, clip, { image, srcArea: a.srcArea }, a.alpha, { alphaFlags });
      return true;
    }
    case DisplayMsg.DrawText: {
      const t = m as DrawTextMessage;
      const foreBrush = toBrush(t.foreBrush, resolve);
      const backBrush = toBrush(t.backBrush, resolve);
      if (!foreBrush || !backBrush) return false;
      drawText(surface, box, clip, {
        str: t.str,
        backArea: t.backArea,
        foreBrush,
        backBrush,
        foreMode: t.foreMode,
        backMode: t.backMode,
      });
      return true;
    }
    case DisplayMsg.DrawStroke: {
      const st = m as DrawStrokeMessage;
      const brush = toBrush(st.brush, resolve);
      if (!brush) return false;
      drawStroke(surface, box, clip, {
        path: st.path,
        attr: st.attr,
        brush,
        foreMode: st.foreMode,
        backMode: st.backMode,
      });
      return true;
    }
    case DisplayMsg.DrawComposite: {
      const c = m as DrawCompositeMessage;
      const src = resolve(c.srcBitmap);
      const mask = c.maskBitmap ? resolve(c.maskBitmap) : null;
      if (!src || (c.maskBitmap && !mask)) return false;
      drawComposite(surface, box, clip, {
        flags: c.flags,
        src,
        mask,
        srcTransform: c.srcTransform ?? null,
        maskTransform: c.maskTransform ?? null,
        srcOrigin: c.srcOrigin,
        maskOrigin: c.maskOrigin,
        srcIsSurface: c.srcBitmap.kind === 'surface',
      });
      return true;
    }
    case DisplayMsg.CopyBits:
      copyBits(surface, box, clip, (m as display.CopyBits).srcPos);
      return true;
    default:
      throw new UnsupportedOperationError(`display message ${type}`);
  }
}
