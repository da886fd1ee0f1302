import { DemoRangeError } from './errors.js';
import { intersectRects, isEmptyRect, makeRect, type Rect } from './rect.js';

/**
 * A colour as `0xRRGGBB`. It is also the value of a pixel read as a little-endian u32 (the
 * X byte is 0), so it can go straight into a SPICE brush colour for a 32-bit xRGB surface.
 */
export type Color = number;

/** Byte order of one pixel in memory: B, G, R, X (SPICE_BITMAP_FMT_32BIT, little-endian xRGB). */
export const BYTES_PER_PIXEL = 4;

/**
 * The X byte we store. SPICE ignores it for 32-bit xRGB; we keep it 0 so that a pixel read as a
 * u32 equals its `Color` and a FILL with that colour writes the very same bytes as a COPY.
 */
export const PIXEL_X_BYTE = 0;

/** Largest side we allocate: 8192 px matches the biggest primary surfaces clients accept. */
export const MAX_FRAMEBUFFER_SIDE = 8192;

export function rgb(r: number, g: number, b: number): Color {
  return ((r & 0xff) << 16) | ((g & 0xff) << 8) | (b & 0xff);
}

/** Linear mix of two colours; `t` = 0 gives `a`, 1 gives `b`. */
export function mixColors(a: Color, b: Color, t: number): Color {
  const k = Math.min(1, Math.max(0, t));
  const mix = (shift: number): number => {
    const ca = (a >> shift) & 0xff;
    const cb = (b >> shift) & 0xff;
    return Math.round(ca + (cb - ca) * k);
  };
  return rgb(mix(16), mix(8), mix(0));
}

/** Anything `blit` can read from: another framebuffer or a bare 32-bit pixel array. */
export interface PixelSource {
  readonly width: number;
  readonly height: number;
  /** One u32 per pixel, row after row, `width` words per row. */
  readonly words: Uint32Array;
}

/**
 * A 32-bit xRGB picture. Drawing calls take positions and sizes in pixels, accept any values
 * (also negative or partly outside) and only ever touch pixels inside the current clip, which
 * always lies inside the framebuffer.
 */
export interface Framebuffer extends PixelSource {
  readonly width: number;
  readonly height: number;
  /** Bytes per row: always `width * 4`. */
  readonly stride: number;
  /** Bytes B, G, R, X per pixel (see `PIXEL_X_BYTE`). Shares memory with `words`. */
  readonly pixels: Uint8Array;
  /** The same memory as one u32 per pixel, value `0x00RRGGBB` on little-endian hosts. */
  readonly words: Uint32Array;
  /** The whole framebuffer as a rectangle. */
  readonly bounds: Rect;
  /** Where drawing calls may write; the bounds unless narrowed. */
  readonly clip: Rect;

  /** Sets the clip (intersected with the bounds); no argument resets it to the bounds. */
  setClip(rect?: Rect): void;
  /** Runs `draw` with the clip narrowed to `rect` (intersected with the current clip). */
  withClip<T>(rect: Rect, draw: () => T): T;

  fill(color: Color): void;
  fillRect(x: number, y: number, width: number, height: number, color: Color): void;
  setPixel(x: number, y: number, color: Color): void;
  /** The colour at a position, or `undefined` outside the bounds. Ignores the clip. */
  getPixel(x: number, y: number): Color | undefined;
  hLine(x: number, y: number, length: number, color: Color): void;
  vLine(x: number, y: number, length: number, color: Color): void;
  /** A one-pixel outline. */
  strokeRect(x: number, y: number, width: number, height: number, color: Color): void;
  /** A one-pixel line from one end point to the other, both included (Bresenham). */
  line(x0: number, y0: number, x1: number, y1: number, color: Color): void;
  fillCircle(cx: number, cy: number, radius: number, color: Color): void;
  strokeCircle(cx: number, cy: number, radius: number, color: Color): void;
  fillRoundedRect(x: number, y: number, width: number, height: number, radius: number, color: Color): void;
  /** A raised (or, with the colours swapped, sunken) one-pixel 3D frame. */
  bevelRect(x: number, y: number, width: number, height: number, light: Color, dark: Color): void;
  /** Rows blend from `top` at the first row to `bottom` at the last. */
  verticalGradient(x: number, y: number, width: number, height: number, top: Color, bottom: Color): void;
  /** Scales every channel by `factor` in [0, 1] (used for drop shadows). */
  darkenRect(x: number, y: number, width: number, height: number, factor: number): void;
  /**
   * Copies `width`×`height` pixels from `source` at (sx, sy) to (dx, dy) here. The source area is
   * cut to the source's bounds and the destination to the clip; `source` may be this framebuffer
   * (overlapping areas are handled).
   */
  blit(source: PixelSource, sx: number, sy: number, width: number, height: number, dx: number, dy: number): void;

  /**
   * A tightly packed copy (`width * 4` bytes per row, B,G,R,X) of a rectangle that must lie
   * inside the bounds. The copy is the caller's to keep.
   */
  extract(rect: Rect): Uint8Array;
  /** The colour of a non-empty rectangle inside the bounds if all its pixels are equal. */
  isUniform(rect: Rect): Color | undefined;
}

export function createFramebuffer(width: number, height: number): Framebuffer {
  return new SoftwareFramebuffer(width, height);
}

function isLittleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

class SoftwareFramebuffer implements Framebuffer {
  readonly width: number;
  readonly height: number;
  readonly stride: number;
  readonly pixels: Uint8Array;
  readonly words: Uint32Array;
  readonly bounds: Rect;
  #clip: Rect;

  constructor(width: number, height: number) {
    if (
      !Number.isInteger(width) ||
      !Number.isInteger(height) ||
      width < 1 ||
      height < 1 ||
      width > MAX_FRAMEBUFFER_SIDE ||
      height > MAX_FRAMEBUFFER_SIDE
    ) {
      throw new DemoRangeError(`framebuffer size ${width}x${height} must be integers in 1..${MAX_FRAMEBUFFER_SIDE}`);
    }
    if (!isLittleEndianHost()) {
      throw new DemoRangeError('the demo framebuffer needs a little-endian host');
    }
    this.width = width;
    this.height = height;
    this.stride = width * BYTES_PER_PIXEL;
    this.words = new Uint32Array(width * height);
    this.pixels = new Uint8Array(this.words.buffer);
    this.bounds = makeRect(0, 0, width, height);
    this.#clip = this.bounds;
  }

  get clip(): Rect {
    return this.#clip;
  }

  setClip(rect?: Rect): void {
    this.#clip = rect === undefined ? this.bounds : intersectRects(this.bounds, rect);
  }

  withClip<T>(rect: Rect, draw: () => T): T {
    const saved = this.#clip;
    this.#clip = intersectRects(saved, rect);
    try {
      return draw();
    } finally {
      this.#clip = saved;
    }
  }

  fill(color: Color): void {
    this.fillRect(0, 0, this.width, this.height, color);
  }

  fillRect(x: number, y: number, width: number, height: number, color: Color): void {
    const c = this.#clip;
    const left = Math.max(c.left, Math.floor(x));
    const top = Math.max(c.top, Math.floor(y));
    const right = Math.min(c.right, Math.floor(x) + Math.floor(width));
    const bottom = Math.min(c.bottom, Math.floor(y) + Math.floor(height));
    if (right <= left || bottom <= top) return;
    const value = color & 0xffffff;
    const words = this.words;
    const w = this.width;
    for (let row = top; row < bottom; row++) {
      const base = row * w;
      words.fill(value, base + left, base + right);
    }
  }

  setPixel(x: number, y: number, color: Color): void {
    const c = this.#clip;
    if (x < c.left || x >= c.right || y < c.top || y >= c.bottom) return;
    this.words[Math.floor(y) * this.width + Math.floor(x)] = color & 0xffffff;
  }

  getPixel(x: number, y: number): Color | undefined {
    if (!Number.isInteger(x) || !Number.isInteger(y)) return undefined;
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return undefined;
    return (this.words[y * this.width + x] ?? 0) & 0xffffff;
  }

  hLine(x: number, y: number, length: number, color: Color): void {
    this.fillRect(x, y, length, 1, color);
  }

  vLine(x: number, y: number, length: number, color: Color): void {
    this.fillRect(x, y, 1, length, color);
  }

  strokeRect(x: number, y: number, width: number, height: number, color: Color): void {
    if (width <= 0 || height <= 0) return;
    this.hLine(x, y, width, color);
    if (height > 1) this.hLine(x, y + height - 1, width, color);
    if (height > 2) {
      this.vLine(x, y + 1, height - 2, color);
      if (width > 1) this.vLine(x + width - 1, y + 1, height - 2, color);
    }
  }

  line(x0: number, y0: number, x1: number, y1: number, color: Color): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      this.setPixel(x, y, color);
      if (x === xe && y === ye) return;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  fillCircle(cx: number, cy: number, radius: number, color: Color): void {
    const r = Math.floor(radius);
    if (r < 0) return;
    const limit = (r + 0.5) * (r + 0.5);
    for (let dy = -r; dy <= r; dy++) {
      const half = Math.floor(Math.sqrt(limit - dy * dy));
      this.fillRect(cx - half, cy + dy, 2 * half + 1, 1, color);
    }
  }

  strokeCircle(cx: number, cy: number, radius: number, color: Color): void {
    const r = Math.floor(radius);
    if (r < 0) return;
    if (r === 0) {
      this.setPixel(cx, cy, color);
      return;
    }
    // Midpoint circle: walk one octant and mirror it.
    let x = r;
    let y = 0;
    let err = 1 - r;
    while (x >= y) {
      this.setPixel(cx + x, cy + y, color);
      this.setPixel(cx + y, cy + x, color);
      this.setPixel(cx - y, cy + x, color);
      this.setPixel(cx - x, cy + y, color);
      this.setPixel(cx - x, cy - y, color);
      this.setPixel(cx - y, cy - x, color);
      this.setPixel(cx + y, cy - x, color);
      this.setPixel(cx + x, cy - y, color);
      y++;
      if (err < 0) {
        err += 2 * y + 1;
      } else {
        x--;
        err += 2 * (y - x) + 1;
      }
    }
  }

  fillRoundedRect(x: number, y: number, width: number, height: number, radius: number, color: Color): void {
    const r = Math.max(0, Math.min(Math.floor(radius), Math.floor(width / 2), Math.floor(height / 2)));
    if (r === 0) {
      this.fillRect(x, y, width, height, color);
      return;
    }
    for (let i = 0; i < r; i++) {
      // Distance of this row's pixel centres from the corner circles' centre row.
      const d = r - i - 0.5;
      const inset = r - Math.floor(Math.sqrt(r * r - d * d) + 0.5);
      this.fillRect(x + inset, y + i, width - 2 * inset, 1, color);
      this.fillRect(x + inset, y + height - 1 - i, width - 2 * inset, 1, color);
    }
    this.fillRect(x, y + r, width, height - 2 * r, color);
  }

  bevelRect(x: number, y: number, width: number, height: number, light: Color, dark: Color): void {
    if (width <= 0 || height <= 0) return;
    this.hLine(x, y, width - 1, light);
    this.vLine(x, y + 1, height - 2, light);
    this.hLine(x, y + height - 1, width, dark);
    this.vLine(x + width - 1, y, height - 1, dark);
  }

  verticalGradient(x: number, y: number, width: number, height: number, top: Color, bottom: Color): void {
    const c = this.#clip;
    const first = Math.max(c.top, y);
    const last = Math.min(c.bottom, y + height);
    const span = Math.max(1, height - 1);
    for (let row = first; row < last; row++) {
      this.fillRect(x, row, width, 1, mixColors(top, bottom, (row - y) / span));
    }
  }

  darkenRect(x: number, y: number, width: number, height: number, factor: number): void {
    const area = intersectRects(this.#clip, makeRect(x, y, width, height));
    if (isEmptyRect(area)) return;
    const k = Math.round(Math.max(0, Math.min(1, factor)) * 256);
    const words = this.words;
    for (let row = area.top; row < area.bottom; row++) {
      const base = row * this.width;
      for (let i = base + area.left; i < base + area.right; i++) {
        const v = words[i] ?? 0;
        const r = (((v >> 16) & 0xff) * k) >> 8;
        const g = (((v >> 8) & 0xff) * k) >> 8;
        const b = ((v & 0xff) * k) >> 8;
        words[i] = (r << 16) | (g << 8) | b;
      }
    }
  }

  blit(source: PixelSource, sx: number, sy: number, width: number, height: number, dx: number, dy: number): void {
    // Cut the source area to the source, then the destination to the clip, moving both together.
    const src = intersectRects(makeRect(0, 0, source.width, source.height), makeRect(sx, sy, width, height));
    if (isEmptyRect(src)) return;
    const offX = dx - sx;
    const offY = dy - sy;
    const dst = intersectRects(
      this.#clip,
      makeRect(src.left + offX, src.top + offY, src.right - src.left, src.bottom - src.top),
    );
    if (isEmptyRect(dst)) return;
    const rowWords = dst.right - dst.left;
    const rows = dst.bottom - dst.top;
    const srcWords = source.words;
    const sameBuffer = srcWords.buffer === this.words.buffer;
    // Copy bottom-up when moving down inside one buffer so rows are read before overwritten.
    const downward = sameBuffer && offY > 0;
    for (let i = 0; i < rows; i++) {
      const row = downward ? rows - 1 - i : i;
      const dRow = dst.top + row;
      const sRow = dRow - offY;
      const sStart = sRow * source.width + (dst.left - offX);
      const dStart = dRow * this.width + dst.left;
      if (sameBuffer) {
        this.words.copyWithin(dStart, sStart, sStart + rowWords);
      } else {
        this.words.set(srcWords.subarray(sStart, sStart + rowWords), dStart);
      }
    }
  }

  extract(rect: Rect): Uint8Array {
    this.#checkInside(rect);
    const w = rect.right - rect.left;
    const out = new Uint8Array(w * (rect.bottom - rect.top) * BYTES_PER_PIXEL);
    const rowBytes = w * BYTES_PER_PIXEL;
    for (let row = rect.top, o = 0; row < rect.bottom; row++, o += rowBytes) {
      const start = row * this.stride + rect.left * BYTES_PER_PIXEL;
      out.set(this.pixels.subarray(start, start + rowBytes), o);
    }
    return out;
  }

  isUniform(rect: Rect): Color | undefined {
    this.#checkInside(rect);
    const words = this.words;
    const first = words[rect.top * this.width + rect.left] ?? 0;
    for (let row = rect.top; row < rect.bottom; row++) {
      const base = row * this.width;
      for (let i = base + rect.left; i < base + rect.right; i++) {
        if (words[i] !== first) return undefined;
      }
    }
    return first & 0xffffff;
  }

  #checkInside(rect: Rect): void {
    if (
      !Number.isInteger(rect.left) ||
      !Number.isInteger(rect.top) ||
      !Number.isInteger(rect.right) ||
      !Number.isInteger(rect.bottom) ||
      isEmptyRect(rect) ||
      rect.left < 0 ||
      rect.top < 0 ||
      rect.right > this.width ||
      rect.bottom > this.height
    ) {
      throw new DemoRangeError(
        `rect {${rect.left},${rect.top},${rect.right},${rect.bottom}} is empty or outside ${this.width}x${this.height}`,
      );
    }
  }
}
