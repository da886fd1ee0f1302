import type { OutgoingMessage } from '@spice-ts/channel';
import { bitmapToXrgb, encodeBitmapImage } from '@spice-ts/codecs';
import { BitmapFmt, BrushType, type Clip, ClipType, display, type SpiceImage } from '@spice-ts/protocol';
import { QxlBitmapFlag, type QxlBitmapImage, type QxlClip, type QxlDrawable } from '@spice-ts/qxl';
import { UnsupportedDrawError } from './errors.js';

export function toClip(clip: QxlClip): Clip {
  return clip.type === 'none' ? { type: ClipType.None } : { type: ClipType.Rects, rects: clip.rects };
}

/**
 * The SPICE image for a guest bitmap, uncompressed. 32-bit and RGBA rows go out as the guest wrote
 * them (by reference); other formats are converted to 32-bit first so every client can show them.
 */
export function encodeGuestBitmap(image: QxlBitmapImage, id: bigint): SpiceImage {
  if (image.format === BitmapFmt.Bit32 || image.format === BitmapFmt.Rgba) {
    return {
      kind: 'bitmap',
      descriptor: { id, type: 0, flags: 0, width: image.width, height: image.height },
      bitmap: {
        format: image.format,
        flags: image.bitmapFlags & QxlBitmapFlag.TopDown,
        x: image.width,
        y: image.height,
        stride: image.stride,
        palette: null,
        data: image.data,
      },
    };
  }
  const pixels = bitmapToXrgb({
    format: image.format,
    width: image.width,
    height: image.height,
    stride: image.stride,
    topDown: (image.bitmapFlags & QxlBitmapFlag.TopDown) !== 0,
    data: image.data,
    palette: image.palette?.entries ?? null,
  });
  return encodeBitmapImage(pixels, { id });
}

/** The draw message a client gets for a drawable. */
export function marshalDrawable(drawable: QxlDrawable, imageId: () => bigint): OutgoingMessage {
  const base = { surfaceId: drawable.surfaceId, box: drawable.bbox, clip: toClip(drawable.clip) };
  const draw = drawable.draw;
  switch (draw.type) {
    case 'fill': {
      if (draw.brush.type !== 'solid') throw new UnsupportedDrawError(`fill with a ${draw.brush.type} brush`);
      const message = {
        base,
        brush: { type: BrushType.Solid, color: draw.brush.color } as const,
        ropDescriptor: draw.ropDescriptor,
        mask: display.NO_MASK,
      };
      return { type: display.drawFill.type, body: display.drawFill.encode(message) };
    }
    case 'copy': {
      if (draw.src.kind !== 'bitmap') throw new UnsupportedDrawError(`copy from a ${draw.src.kind} image`);
      const message = {
        base,
        srcBitmap: encodeGuestBitmap(draw.src, imageId()),
        srcArea: draw.srcArea,
        ropDescriptor: draw.ropDescriptor,
        scaleMode: draw.scaleMode,
        mask: display.NO_MASK,
      };
      return { type: display.drawCopy.type, body: display.drawCopy.encode(message) };
    }
  }
}
