import { type BitmapSource, bitmapToXrgb } from '@spice-ts/codecs';
import { type Clip, type Rect, Ropd } from '@spice-ts/protocol';
import { UnsupportedOperationError } from './errors.js';
import { clipRects } from './rect.js';
import type { CanvasSurface } from './surface.js';

const XRGB_OPAQUE = 0xff000000;

/** FILL with a solid colour and ROP put. */
export function drawSolidFill(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  color: number,
  ropDescriptor: number = Ropd.OpPut,
): void {
  if (ropDescriptor !== Ropd.OpPut)
    throw new UnsupportedOperationError(`fill rop descriptor 0x${ropDescriptor.toString(16)}`);
  const value = (color | XRGB_OPAQUE) >>> 0;
  const words = surface.words;
  const w = surface.width;
  for (const r of clipRects(box, clip, surface.width, surface.height)) {
    for (let y = r.top; y < r.bottom; y++) words.fill(value, y * w + r.left, y * w + r.right);
  }
}

/**
 * COPY of a bitmap with ROP put: the source area is mapped onto the box (nearest-neighbour when
 * the sizes differ), then cut by the clip. xRGB surfaces get an opaque X byte.
 */
export function drawCopyBitmap(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  source: BitmapSource,
  srcArea: Rect,
  ropDescriptor: number = Ropd.OpPut,
): void {
  if (ropDescriptor !== Ropd.OpPut)
    throw new UnsupportedOperationError(`copy rop descriptor 0x${ropDescriptor.toString(16)}`);
  const src = bitmapToXrgb(source);
  const srcWords = new Uint32Array(src.data.buffer, src.data.byteOffset, src.width * src.height);
  const dst = surface.words;
  const boxW = box.right - box.left;
  const boxH = box.bottom - box.top;
  const areaW = srcArea.right - srcArea.left;
  const areaH = srcArea.bottom - srcArea.top;
  if (boxW <= 0 || boxH <= 0 || areaW <= 0 || areaH <= 0) return;
  const scaled = boxW !== areaW || boxH !== areaH;
  const alpha = surface.format === 96 ? 0 : XRGB_OPAQUE;
  for (const r of clipRects(box, clip, surface.width, surface.height)) {
    if (!scaled) {
      // Same size: whole rows at once (the X byte of an xRGB surface is not significant).
      const sx = srcArea.left + r.left - box.left;
      if (sx < 0 || sx + (r.right - r.left) > src.width) continue;
      for (let y = r.top; y < r.bottom; y++) {
        const sy = srcArea.top + y - box.top;
        if (sy < 0 || sy >= src.height) continue;
        const from = sy * src.width + sx;
        dst.set(srcWords.subarray(from, from + (r.right - r.left)), y * surface.width + r.left);
      }
      continue;
    }
    for (let y = r.top; y < r.bottom; y++) {
      const sy = srcArea.top + (scaled ? Math.floor(((y - box.top) * areaH) / boxH) : y - box.top);
      if (sy < 0 || sy >= src.height) continue;
      const dRow = y * surface.width;
      const sRow = sy * src.width;
      for (let x = r.left; x < r.right; x++) {
        const sx = srcArea.left + (scaled ? Math.floor(((x - box.left) * areaW) / boxW) : x - box.left);
        if (sx < 0 || sx >= src.width) continue;
        dst[dRow + x] = (srcWords[sRow + sx]! | alpha) >>> 0;
      }
    }
  }
}
