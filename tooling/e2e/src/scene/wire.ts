import { type DrawMessages, StringFlags } from '@spice-ts/canvas';
import type { OutgoingMessage } from '@spice-ts/channel';
import { BrushType, ClipType, DisplayMsg, display, type SpiceImage, type wire } from '@spice-ts/protocol';
import type { SceneDraw } from './scene.js';

/** A scene image in the schema's shape (the generated codecs take wire.Image). */
export function toWireImage(image: SpiceImage): wire.Image {
  switch (image.kind) {
    case 'bitmap': {
      const b = image.bitmap;
      const bitmap: wire.BitmapData = {
        format: b.format,
        flags: b.flags,
        x: b.x,
        y: b.y,
        stride: b.stride,
        palette: b.palette ? { unique: b.palette.unique, ents: [...b.palette.entries] } : null,
        data: b.data,
      };
      if (b.paletteId !== undefined) bitmap.paletteId = b.paletteId;
      return { descriptor: image.descriptor, bitmap };
    }
    case 'surface':
      return { descriptor: image.descriptor, surfaceId: image.surfaceId };
    case 'cache':
      return { descriptor: image.descriptor };
    case 'binary':
      throw new RangeError('scene images are bitmaps, surfaces or cache references');
  }
}

export function toWireBrush(brush: display.Brush): wire.Brush {
  switch (brush.type) {
    case BrushType.None:
      return { type: brush.type };
    case BrushType.Solid:
      return { type: brush.type, color: brush.color };
    case BrushType.Pattern:
      return { type: brush.type, pattern: { pat: toWireImage(brush.pattern), pos: brush.pos } };
  }
}

/** The display base with a mutable clip list (the generated codecs type it so). */
export function toWireBase(b: display.DisplayBase): wire.DisplayBase {
  return {
    surfaceId: b.surfaceId,
    box: b.box,
    clip: b.clip.type === ClipType.Rects ? { type: b.clip.type, rects: [...b.clip.rects] } : { type: b.clip.type },
  };
}

export function toWireMask(mask: display.QMask): wire.QMask {
  return { flags: mask.flags, pos: mask.pos, bitmap: mask.bitmap ? toWireImage(mask.bitmap) : null };
}

const message = (type: number, body: readonly Uint8Array[]): OutgoingMessage => ({ type, body });

/** The display message a client gets for one scene draw, encoded by @spice-ts/protocol. */
export function encodeSceneDraw(draw: SceneDraw): OutgoingMessage {
  switch (draw.type) {
    case DisplayMsg.DrawFill:
      return message(draw.type, display.drawFill.encode(draw.message));
    case DisplayMsg.DrawCopy:
      return message(draw.type, display.drawCopy.encode(draw.message));
    case DisplayMsg.CopyBits:
      return message(draw.type, display.copyBits.encode(draw.message));
    case DisplayMsg.DrawBlend: {
      const m = draw.message;
      return message(
        draw.type,
        display.drawBlend.encode({
          base: toWireBase(m.base),
          srcBitmap: toWireImage(m.srcBitmap),
          srcArea: m.srcArea,
          ropDescriptor: m.ropDescriptor,
          scaleMode: m.scaleMode,
          mask: toWireMask(m.mask),
        }),
      );
    }
    case DisplayMsg.DrawOpaque: {
      const m = draw.message;
      return message(
        draw.type,
        display.drawOpaque.encode({
          base: toWireBase(m.base),
          srcBitmap: toWireImage(m.srcBitmap),
          srcArea: m.srcArea,
          brush: toWireBrush(m.brush),
          ropDescriptor: m.ropDescriptor,
          scaleMode: m.scaleMode,
          mask: toWireMask(m.mask),
        }),
      );
    }
    case DisplayMsg.DrawBlackness:
      return message(draw.type, display.drawBlackness.encode(maskOnly(draw.message)));
    case DisplayMsg.DrawWhiteness:
      return message(draw.type, display.drawWhiteness.encode(maskOnly(draw.message)));
    case DisplayMsg.DrawInvers:
      return message(draw.type, display.drawInvers.encode(maskOnly(draw.message)));
    case DisplayMsg.DrawRop3: {
      const m = draw.message;
      return message(
        draw.type,
        display.drawRop3.encode({
          base: toWireBase(m.base),
          srcBitmap: toWireImage(m.srcBitmap),
          srcArea: m.srcArea,
          brush: toWireBrush(m.brush),
          rop3: m.rop3,
          scaleMode: m.scaleMode,
          mask: toWireMask(m.mask),
        }),
      );
    }
    case DisplayMsg.DrawTransparent: {
      const m = draw.message;
      return message(
        draw.type,
        display.drawTransparent.encode({
          base: toWireBase(m.base),
          srcBitmap: toWireImage(m.srcBitmap),
          srcArea: m.srcArea,
          srcColor: m.srcColor,
          trueColor: m.trueColor,
        }),
      );
    }
    case DisplayMsg.DrawAlphaBlend: {
      const m = draw.message;
      return message(
        draw.type,
        display.drawAlphaBlend.encode({
          base: toWireBase(m.base),
          alphaFlags: m.alphaFlags,
          alpha: m.alpha,
          srcBitmap: toWireImage(m.srcBitmap),
          srcArea: m.srcArea,
        }),
      );
    }
    case DisplayMsg.DrawText:
      return message(draw.type, display.drawText.encode(wireText(draw.message)));
    case DisplayMsg.DrawStroke: {
      const m = draw.message;
      return message(
        draw.type,
        display.drawStroke.encode({
          base: toWireBase(m.base),
          path: m.path,
          attr: m.attr,
          brush: toWireBrush(m.brush),
          foreMode: m.foreMode,
          backMode: m.backMode,
        }),
      );
    }
    case DisplayMsg.DrawComposite: {
      const m = draw.message;
      const out: display.DrawCompositeMessage = {
        base: toWireBase(m.base),
        flags: m.flags,
        srcBitmap: toWireImage(m.srcBitmap),
        srcOrigin: m.srcOrigin,
        maskOrigin: m.maskOrigin,
      };
      if (m.maskBitmap) out.maskBitmap = toWireImage(m.maskBitmap);
      if (m.srcTransform) out.srcTransform = m.srcTransform;
      if (m.maskTransform) out.maskTransform = m.maskTransform;
      return message(draw.type, display.drawComposite.encode(out));
    }
  }
}

function maskOnly(m: DrawMessages[typeof DisplayMsg.DrawBlackness]): display.DrawBlacknessMessage {
  return { base: toWireBase(m.base), mask: toWireMask(m.mask) };
}

function wireText(m: DrawMessages[typeof DisplayMsg.DrawText]): display.DrawTextMessage {
  const glyphs = m.str.glyphs.map((g) => ({
    renderPos: g.renderPos,
    glyphOrigin: g.glyphOrigin,
    width: g.width,
    height: g.height,
    data: g.data,
  }));
  const str: wire.SpiceString = { flags: m.str.flags };
  if (m.str.flags & StringFlags.RasterA1) str.glyphsA1 = glyphs;
  else if (m.str.flags & StringFlags.RasterA4) str.glyphsA4 = glyphs;
  else str.glyphsA8 = glyphs;
  return {
    base: toWireBase(m.base),
    str,
    backArea: m.backArea,
    foreBrush: toWireBrush(m.foreBrush),
    backBrush: toWireBrush(m.backBrush),
    foreMode: m.foreMode,
    backMode: m.backMode,
  };
}
