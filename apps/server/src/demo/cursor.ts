/**
 * The demo guest's mouse pointer as a SPICE ALPHA cursor (SPICE_CURSOR_TYPE_ALPHA = 0).
 *
 * Pixel format: one little-endian u32 0xAARRGGBB per pixel, i.e. bytes B, G, R, A, rows top to
 * bottom, no padding, and straight (not premultiplied) alpha: spice-gtk's cursor channel copies
 * ALPHA data as is, swaps B and R, and hands it to a GdkPixbuf (RGBA, not premultiplied); the
 * pointer drawn here is either opaque or black, so premultiplication would not change it anyway.
 */

export interface CursorShape {
  /** Always 'alpha' (SPICE_CURSOR_TYPE_ALPHA). */
  readonly type: 'alpha';
  readonly width: number;
  readonly height: number;
  /** The pixel that points, relative to the image's top-left corner. */
  readonly hotX: number;
  readonly hotY: number;
  /** `width * height * 4` bytes B, G, R, A (straight alpha). */
  readonly data: Uint8Array;
}

/** Size of the cursor image: 32x32 is what every SPICE client accepts without scaling. */
export const CURSOR_SIZE = 32;

/**
 * The arrow, drawn for spice-ts: 'X' black outline, 'o' white fill, '.' transparent.
 * Its tip is the hot spot (0, 0).
 */
const ARROW: readonly string[] = [
  'X...........',
  'XX..........',
  'XoX.........',
  'XooX........',
  'XoooX.......',
  'XooooX......',
  'XoooooX.....',
  'XooooooX....',
  'XoooooooX...',
  'XooooooooX..',
  'XoooooooooX.',
  'XooooooXXXXX',
  'XoooXooX....',
  'XooXXooX....',
  'XoX..XooX...',
  'XX...XooX...',
  'X.....XooX..',
  '......XooX..',
  '.......XX...',
];

/** Alpha of the soft shadow one pixel down and right of the arrow. */
const SHADOW_ALPHA = 0x50;

/** Builds the arrow pointer; every call returns a fresh copy of the same image. */
export function createArrowCursor(): CursorShape {
  const size = CURSOR_SIZE;
  const data = new Uint8Array(size * size * 4);
  const at = (x: number, y: number): string => ARROW[y]?.[x] ?? '.';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      const cell = at(x, y);
      if (cell === 'X') {
        data[o + 3] = 0xff; // black: B, G, R stay 0
      } else if (cell === 'o') {
        data.fill(0xff, o, o + 4);
      } else if (at(x - 1, y - 1) !== '.') {
        data[o + 3] = SHADOW_ALPHA;
      }
    }
  }
  return { type: 'alpha', width: size, height: size, hotX: 0, hotY: 0, data };
}
