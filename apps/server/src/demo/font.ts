import { GLYPH_SHEET } from './font-glyphs.js';
import type { Color, Framebuffer } from './framebuffer.js';

/** Cell size of the demo font in pixels. */
export const GLYPH_WIDTH = 8;
export const GLYPH_HEIGHT = 16;

/** The font covers printable ASCII: space (32) to tilde (126). */
export const FIRST_GLYPH = 32;
export const LAST_GLYPH = 126;

const GLYPH_COUNT = LAST_GLYPH - FIRST_GLYPH + 1;
/** The sheet's rows are the cell rows 1..14 (see font-glyphs.ts). */
const SHEET_FIRST_ROW = 1;

/**
 * 16 bytes per glyph, one per row, bit 7 = leftmost pixel. Index `GLYPH_COUNT` holds the
 * replacement glyph (an outlined box) drawn for characters outside printable ASCII.
 */
const GLYPH_BITS = buildGlyphBits();

function buildGlyphBits(): Uint8Array {
  const bits = new Uint8Array((GLYPH_COUNT + 1) * GLYPH_HEIGHT);
  const seen = new Set<number>();
  for (const band of GLYPH_SHEET) {
    for (let g = 0; g < band.chars.length; g++) {
      const code = band.chars.charCodeAt(g);
      if (code < FIRST_GLYPH || code > LAST_GLYPH || seen.has(code)) {
        throw new Error(`font sheet: bad or repeated character ${code}`);
      }
      seen.add(code);
      band.rows.forEach((row, r) => {
        const art = row.slice(g * (GLYPH_WIDTH + 1), g * (GLYPH_WIDTH + 1) + GLYPH_WIDTH);
        let byte = 0;
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (art[c] === '#') byte |= 0x80 >> c;
        }
        bits[(code - FIRST_GLYPH) * GLYPH_HEIGHT + SHEET_FIRST_ROW + r] = byte;
      });
    }
  }
  // Replacement glyph: a box on the capital rows.
  const box = GLYPH_COUNT * GLYPH_HEIGHT;
  bits[box + 2] = 0xfe;
  for (let r = 3; r < 11; r++) bits[box + r] = 0x82;
  bits[box + 11] = 0xfe;
  return bits;
}

function glyphIndex(code: number): number {
  return code >= FIRST_GLYPH && code <= LAST_GLYPH ? code - FIRST_GLYPH : GLYPH_COUNT;
}

/** True for the characters the font draws itself (printable ASCII). */
export function hasGlyph(char: string): boolean {
  if (char.length !== 1) return false;
  const code = char.charCodeAt(0);
  return code >= FIRST_GLYPH && code <= LAST_GLYPH;
}

/**
 * The 16 row bytes of a character's glyph (bit 7 = leftmost pixel); other characters get the
 * replacement box. The view aliases the font's table: do not modify it.
 */
export function glyphRows(char: string): Uint8Array {
  const start = glyphIndex(char.charCodeAt(0)) * GLYPH_HEIGHT;
  return GLYPH_BITS.subarray(start, start + GLYPH_HEIGHT);
}

/** Size of a single line of text: every character takes one 8x16 cell. */
export function measureText(text: string): { width: number; height: number } {
  return { width: text.length * GLYPH_WIDTH, height: GLYPH_HEIGHT };
}

/**
 * Draws one line of text with its top-left corner at (x, y): `color` for the ink and, when
 * given, `bg` for the rest of each cell (otherwise the background shows through). Characters
 * outside printable ASCII, tabs and newlines included, draw as a box. Respects the clip.
 * Returns the width drawn (`measureText(text).width`).
 */
export function drawText(fb: Framebuffer, x: number, y: number, text: string, color: Color, bg?: Color): number {
  const clip = fb.clip;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const advance = text.length * GLYPH_WIDTH;
  if (y0 >= clip.bottom || y0 + GLYPH_HEIGHT <= clip.top) return advance;
  if (bg !== undefined) fb.fillRect(x0, y0, advance, GLYPH_HEIGHT, bg);
  const rowFirst = Math.max(0, clip.top - y0);
  const rowEnd = Math.min(GLYPH_HEIGHT, clip.bottom - y0);
  const words = fb.words;
  const width = fb.width;
  const ink = color & 0xffffff;
  // Only the characters whose cells reach into the clip.
  const firstChar = Math.max(0, Math.floor((clip.left - x0) / GLYPH_WIDTH));
  const endChar = Math.min(text.length, Math.ceil((clip.right - x0) / GLYPH_WIDTH));
  for (let i = firstChar; i < endChar; i++) {
    const cellX = x0 + i * GLYPH_WIDTH;
    const base = glyphIndex(text.charCodeAt(i)) * GLYPH_HEIGHT;
    const colFirst = Math.max(0, clip.left - cellX);
    const colEnd = Math.min(GLYPH_WIDTH, clip.right - cellX);
    for (let r = rowFirst; r < rowEnd; r++) {
      const bits = GLYPH_BITS[base + r] ?? 0;
      if (bits === 0) continue;
      const rowStart = (y0 + r) * width + cellX;
      for (let c = colFirst; c < colEnd; c++) {
        if (bits & (0x80 >> c)) words[rowStart + c] = ink;
      }
    }
  }
  return advance;
}
