import type { OutgoingMessage } from '@spice-ts/channel';
import {
  bitmapToXrgb,
  encodeBitmapImage,
  encodeLzImage,
  encodeQuicImage,
  LzImageType,
  QuicImageType,
  type XrgbPixels,
} from '@spice-ts/codecs';
import { BitmapFmt, BrushType, type Clip, ClipType, display, type SpiceImage } from '@spice-ts/protocol';
import { type QxlAnyDrawable, QxlBitmapFlag, type QxlBitmapImage, type QxlClip } from '@spice-ts/qxl';
import { UnsupportedDrawError } from './errors.js';

export function toClip(clip: QxlClip): Clip {
  return clip.type === 'none' ? { type: ClipType.None } : { type: ClipType.Rects, rects: clip.rects };
}

/** How images are compressed for clients (the server's image-compression setting). */
export type ImageCompressionMode = 'off' | 'lz' | 'quic';

/** Images smaller than this go uncompressed (upstream MIN_SIZE_TO_COMPRESS, in bytes). */
export const MIN_SIZE_TO_COMPRESS = 54;

/**
 * The SPICE image for 32-bit pixels (top-down rows) under a compression mode: LZ_RGB or QUIC
 * (lossless, decoded by every client), or an uncompressed BITMAP for tiny images and for QUIC
 * below 3x3 (as upstream).
 */
export function encodePixels(pixels: XrgbPixels, id: bigint, mode: ImageCompressionMode, alpha = false): SpiceImage {
  const bytes = pixels.width * pixels.height * 4;
  if (mode === 'lz' && bytes >= MIN_SIZE_TO_COMPRESS) {
    return encodeLzImage(pixels, { id, type: alpha ? LzImageType.Rgba : LzImageType.Rgb32 });
  }
  if (mode === 'quic' && bytes >= MIN_SIZE_TO_COMPRESS && pixels.width >= 3 && pixels.height >= 3) {
    return encodeQuicImage(pixels, { id, type: alpha ? QuicImageType.Rgba : QuicImageType.Rgb32 });
  }
  return encodeBitmapImage(pixels, { id, format: alpha ? BitmapFmt.Rgba : BitmapFmt.Bit32 });
}

/**
 * The SPICE image for a guest bitmap. Uncompressed, 32-bit and RGBA top-down rows go out as the
 * guest wrote them (by reference); everything else is converted to 32-bit top-down first.
 */
export function encodeGuestBitmap(image: QxlBitmapImage, id: bigint, mode: ImageCompressionMode = 'off'): SpiceImage {
  const topDown = (image.bitmapFlags & QxlBitmapFlag.TopDown) !== 0;
  const alpha = image.format === BitmapFmt.Rgba;
  if (mode === 'off' && (image.format === BitmapFmt.Bit32 || alpha)) {
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
  const pixels: XrgbPixels =
    (image.format === BitmapFmt.Bit32 || alpha) && topDown
      ? { width: image.width, height: image.height, stride: image.stride, data: image.data }
      : bitmapToXrgb({
          format: image.format,
          width: image.width,
          height: image.height,
          stride: image.stride,
          topDown,
          data: image.data,
          palette: image.palette?.entries ?? null,
        });
  return encodePixels(pixels, id, mode, alpha);
}

/** The draw message a client gets for a drawable, and the image it carries (if any). */
export function marshalDrawable(
  drawable: QxlAnyDrawable,
  imageId: () => bigint,
  mode: ImageCompressionMode = 'off',
): { message: OutgoingMessage; image: SpiceImage | null } {
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
      return { message: { type: display.drawFill.type, body: display.drawFill.encode(message) }, image: null };
    }
    case 'copy': {
      if (draw.src.kind !== 'bitmap') throw new UnsupportedDrawError(`copy from a ${draw.src.kind} image`);
      const image = encodeGuestBitmap(draw.src, imageId(), mode);
      const message = {
        base,
        srcBitmap: image,
        srcArea: draw.srcArea,
        ropDescriptor: draw.ropDescriptor,
        scaleMode: draw.scaleMode,
        mask: display.NO_MASK,
      };
      return { message: { type: display.drawCopy.type, body: display.drawCopy.encode(message) }, image };
    }
    case 'copy-bits':
      return {
        message: { type: display.copyBits.type, body: display.copyBits.encode({ base, srcPos: draw.srcPos }) },
        image: null,
      };
    default:
      throw new UnsupportedDrawError(`draw type ${draw.type}`);
  }
}
