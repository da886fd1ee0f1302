import { createGuestDriver, type GuestDriver, type QxlGuestPort } from './driver.js';
import { QxlBadSizeError, QxlBadValueError } from './errors.js';
import type { QxlLogger } from './logger.js';
import { QxlCursorType } from './qxl-dev.js';
import type { QxlRect } from './records.js';

/**
 * Byte order of pixels handed to a QxlScreen: `rgba` (R, G, B, A: what canvases and image
 * libraries give) or `bgrx` / `bgra` (B, G, R, X/A: the surface's own xRGB32 little-endian order,
 * copied as is).
 */
export type ScreenPixelFormat = 'rgba' | 'bgrx' | 'bgra';

export interface ScreenRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ScreenImage {
  width: number;
  height: number;
  data: Uint8Array;
  /** Default 'rgba'. */
  format?: ScreenPixelFormat;
  /** Bytes per row; default width * 4. */
  stride?: number;
}

export interface ScreenCursor extends ScreenImage {
  /** The pixel of the image that points. */
  hotX: number;
  hotY: number;
}

export interface QxlScreenOptions {
  width: number;
  height: number;
  logger?: QxlLogger;
}

/**
 * A screen for Node programs that want to show something over SPICE without knowing QXL: a
 * primary surface, images, fills, area copies and a pointer. Every call becomes real QXL commands
 * through a GuestDriver (`driver`, for anything this does not cover). Coordinates are clipped to
 * the screen; a call that falls entirely outside it does nothing.
 */
export interface QxlScreen {
  readonly width: number;
  readonly height: number;
  readonly driver: GuestDriver;
  /** Puts an image with its top-left corner at (x, y). */
  putImage(image: ScreenImage, x: number, y: number): Promise<void>;
  /** Fills a rectangle with a colour 0xRRGGBB. */
  fillRect(rect: ScreenRect, color: number): Promise<void>;
  /** Copies an area of the screen to (x, y) (overlap allowed, as a scroll). */
  copyArea(from: ScreenRect, x: number, y: number): Promise<void>;
  /** Sets the pointer image, shown at (x, y) (default: where it was). */
  setCursor(cursor: ScreenCursor, x?: number, y?: number): Promise<void>;
  moveCursor(x: number, y: number): Promise<void>;
  hideCursor(): Promise<void>;
  /** Replaces the screen by a blank one of another size (clients resize). */
  resize(width: number, height: number): Promise<void>;
  /** Stops listening to the device; calls still queued stay queued. */
  close(): void;
}

/** Largest screen side accepted (SPICE surfaces are limited far below 2^16 by memory). */
const MAX_SCREEN_SIDE = 16384;

function checkSize(what: string, width: number, height: number): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_SCREEN_SIDE)
      throw new QxlBadValueError(`${what} ${name}`, v, `is not an integer from 1 to ${MAX_SCREEN_SIDE}`);
  }
}

function checkImage(what: string, image: ScreenImage): number {
  checkSize(what, image.width, image.height);
  const stride = image.stride ?? image.width * 4;
  if (!Number.isInteger(stride) || stride < image.width * 4)
    throw new QxlBadValueError(`${what} stride`, stride, `is below width * 4 = ${image.width * 4}`);
  const need = stride * (image.height - 1) + image.width * 4;
  if (image.data.byteLength < need)
    throw new QxlBadSizeError(
      `${what} data`,
      image.data.byteLength,
      `bytes are fewer than the ${need} the image needs`,
    );
  const format = image.format ?? 'rgba';
  if (format !== 'rgba' && format !== 'bgrx' && format !== 'bgra')
    throw new QxlBadValueError(`${what} format`, 0, `'${String(format)}' is not rgba, bgrx or bgra`);
  return stride;
}

/** The part of (x, y, w, h) inside a width × height screen, or null. */
function clip(x: number, y: number, w: number, h: number, width: number, height: number): QxlRect | null {
  const left = Math.max(0, x);
  const top = Math.max(0, y);
  const right = Math.min(width, x + w);
  const bottom = Math.min(height, y + h);
  return left < right && top < bottom ? { left, top, right, bottom } : null;
}

/** Copies a w × h area at (sx, sy) of an image into tightly packed B, G, R, A/X bytes. */
function toBgr(image: ScreenImage, stride: number, sx: number, sy: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  const src = image.data;
  const swap = (image.format ?? 'rgba') === 'rgba';
  for (let row = 0; row < h; row++) {
    let s = (sy + row) * stride + sx * 4;
    let d = row * w * 4;
    if (!swap) {
      out.set(src.subarray(s, s + w * 4), d);
      continue;
    }
    for (let i = 0; i < w; i++, s += 4, d += 4) {
      out[d] = src[s + 2]!;
      out[d + 1] = src[s + 1]!;
      out[d + 2] = src[s]!;
      out[d + 3] = src[s + 3]!;
    }
  }
  return out;
}

class Screen implements QxlScreen {
  readonly driver: GuestDriver;
  width: number;
  height: number;
  private pointer = { x: 0, y: 0 };

  constructor(driver: GuestDriver, width: number, height: number) {
    this.driver = driver;
    this.width = width;
    this.height = height;
  }

  putImage(image: ScreenImage, x: number, y: number): Promise<void> {
    const stride = checkImage('putImage image', image);
    const area = clip(x, y, image.width, image.height, this.width, this.height);
    if (!area) return Promise.resolve();
    const w = area.right - area.left;
    const h = area.bottom - area.top;
    const pixels = toBgr(image, stride, area.left - x, area.top - y, w, h);
    return this.driver.drawCopy({ bbox: area, pixels, stride: w * 4, width: w, height: h });
  }

  fillRect(rect: ScreenRect, color: number): Promise<void> {
    if (!Number.isInteger(color) || color < 0 || color > 0xffffff)
      throw new QxlBadValueError('fillRect color', color, 'is not 0xRRGGBB');
    const area = clip(rect.x, rect.y, rect.width, rect.height, this.width, this.height);
    if (!area) return Promise.resolve();
    return this.driver.drawFill({ bbox: area, color });
  }

  copyArea(from: ScreenRect, x: number, y: number): Promise<void> {
    // Both the source and the destination must stay on the screen: cut the area to what does.
    const dx = x - from.x;
    const dy = y - from.y;
    const src = clip(from.x, from.y, from.width, from.height, this.width, this.height);
    if (!src) return Promise.resolve();
    const dst = clip(src.left + dx, src.top + dy, src.right - src.left, src.bottom - src.top, this.width, this.height);
    if (!dst) return Promise.resolve();
    return this.driver.drawCopyBits({ bbox: dst, srcPos: { x: dst.left - dx, y: dst.top - dy } });
  }

  setCursor(cursor: ScreenCursor, x = this.pointer.x, y = this.pointer.y): Promise<void> {
    const stride = checkImage('setCursor image', cursor);
    if (cursor.width > 512 || cursor.height > 512)
      throw new QxlBadValueError('setCursor size', Math.max(cursor.width, cursor.height), 'is above 512 pixels');
    if (!Number.isInteger(cursor.hotX) || cursor.hotX < 0 || cursor.hotX >= cursor.width)
      throw new QxlBadValueError('setCursor hotX', cursor.hotX, 'is not inside the image');
    if (!Number.isInteger(cursor.hotY) || cursor.hotY < 0 || cursor.hotY >= cursor.height)
      throw new QxlBadValueError('setCursor hotY', cursor.hotY, 'is not inside the image');
    this.pointer = { x, y };
    return this.driver.cursorSet({
      x,
      y,
      visible: true,
      shape: {
        width: cursor.width,
        height: cursor.height,
        hotX: cursor.hotX,
        hotY: cursor.hotY,
        type: QxlCursorType.Alpha,
        data: toBgr(cursor, stride, 0, 0, cursor.width, cursor.height),
      },
    });
  }

  moveCursor(x: number, y: number): Promise<void> {
    this.pointer = { x, y };
    return this.driver.cursorMove(x, y);
  }

  hideCursor(): Promise<void> {
    return this.driver.cursorHide();
  }

  async resize(width: number, height: number): Promise<void> {
    checkSize('resize', width, height);
    await this.driver.destroyPrimary();
    await this.driver.createPrimary({ width, height });
    this.width = width;
    this.height = height;
  }

  close(): void {
    this.driver.close();
  }
}

/**
 * Creates the screen (the device's primary surface) on a QXL device or a guest port
 * (`joinGuestThread().port` in a guest thread).
 */
export async function createQxlScreen(port: QxlGuestPort, options: QxlScreenOptions): Promise<QxlScreen> {
  checkSize('screen', options.width, options.height);
  const driver = createGuestDriver(port, options.logger ? { logger: options.logger } : {});
  await driver.createPrimary({ width: options.width, height: options.height });
  return new Screen(driver, options.width, options.height);
}
