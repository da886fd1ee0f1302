import { BrushType, type Clip, type Rect } from '@spice-ts/protocol';
import { brushRow, type CanvasBrush } from './brush.js';
import { int32View, padByte, scratchRow32 } from './fill.js';
import { type CanvasMask, forEachSpan } from './mask.js';
import { type CanvasSource, placeSource, sourceSpan } from './source.js';
import { assertWordSurface, type CanvasSurface } from './surface.js';

/**
 * The ternary ops rop3.c has no handler for: those that depend on at most two of pattern, source
 * and dest (the server sends them as other draws). spice-gtk logs a critical and leaves the
 * destination unchanged for them.
 */
export const ROP3_WITHOUT_HANDLER: ReadonlySet<number> = new Set([
  0x00, 0x03, 0x05, 0x0a, 0x0c, 0x0f, 0x11, 0x22, 0x30, 0x33, 0x3c, 0x3f, 0x44, 0x50, 0x55, 0x5a, 0x5f, 0x66, 0x77,
  0x88, 0x99, 0xa0, 0xa5, 0xaa, 0xaf, 0xbb, 0xc0, 0xc3, 0xcc, 0xcf, 0xdd, 0xee, 0xf0, 0xf3, 0xf5, 0xfa, 0xfc, 0xff,
]);

/**
 * One ternary raster op on 32-bit words: bit i of `rop` is the result where (pattern, source,
 * dest) = (bit 2, bit 1, bit 0 of i), as in the Windows ROP3 codes rop3.c implements
 * (pattern 0xf0, source 0xcc, dest 0xaa give back the code).
 */
export function applyRop3(rop: number, pat: number, src: number, dest: number): number {
  let r = 0;
  const np = ~pat;
  const ns = ~src;
  const nd = ~dest;
  if (rop & 0x01) r |= np & ns & nd;
  if (rop & 0x02) r |= np & ns & dest;
  if (rop & 0x04) r |= np & src & nd;
  if (rop & 0x08) r |= np & src & dest;
  if (rop & 0x10) r |= pat & ns & nd;
  if (rop & 0x20) r |= pat & ns & dest;
  if (rop & 0x40) r |= pat & src & nd;
  if (rop & 0x80) r |= pat & src & dest;
  return r >>> 0;
}

export interface Rop3Options {
  readonly mask?: CanvasMask | null;
  /**
   * true (default): the 38 codes in ROP3_WITHOUT_HANDLER leave the surface unchanged, as in
   * spice-gtk; false: they are computed like the others.
   */
  readonly upstreamGaps?: boolean;
}

/**
 * DRAW_ROP3: each pixel becomes rop3(brush, source, dest) on all 32 bits. The pattern phase is
 * (x - pos.x, y - pos.y) modulo the tile (rop3.c starts from the box; negative remainders, which
 * upstream leaves undefined, are taken Euclidean here).
 */
export function drawRop3(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  source: CanvasSource,
  brush: CanvasBrush,
  rop3: number,
  options: Rop3Options = {},
): void {
  assertWordSurface(surface, 'ROP3');
  const code = rop3 & 0xff;
  if ((options.upstreamGaps ?? true) && ROP3_WITHOUT_HANDLER.has(code)) return;
  const placed = placeSource(box, source, undefined, surface);
  if (!placed) return;
  const w = surface.width;
  const p = padByte(surface) | 0;
  const dst = int32View(surface.words);
  const src = int32View(placed.image.words);
  const solid = brush.type === BrushType.Pattern ? null : brush.type === BrushType.Solid ? brush.color | 0 : 0;
  // Per bit, the code is a function of (s, d) chosen by the pattern bit: f0 (bits 0-3 of the code,
  // pattern 0) or f1 (bits 4-7). Each in normal form k ^ (a & s) ^ (b & d) ^ (c & s & d); with the
  // pattern word the coefficients become masks: k = k0 ^ (p & (k0 ^ k1)), and so on.
  const anf = (f: number): [number, number, number, number] => {
    const f00 = f & 1;
    const f01 = (f >> 1) & 1;
    const f10 = (f >> 2) & 1;
    const f11 = (f >> 3) & 1;
    return [-f00, -(f00 ^ f10), -(f00 ^ f01), -(f00 ^ f01 ^ f10 ^ f11)];
  };
  const [k0, a0, b0, c0] = anf(code & 15);
  const [k1, a1, b1, c1] = anf(code >> 4);
  const dk = k0 ^ k1;
  const da = a0 ^ a1;
  const db = b0 ^ b1;
  const dc = c0 ^ c1;
  if (solid !== null) {
    const k = k0 ^ (solid & dk);
    const sa = a0 ^ (solid & da);
    const sb = b0 ^ (solid & db);
    const sc = c0 ^ (solid & dc);
    forEachSpan(box, clip, surface.width, surface.height, options.mask, (y, x0, x1) => {
      const cut = sourceSpan(placed, y, x0, x1);
      if (!cut) return;
      const [a, b, s0] = cut;
      const o = y * w + a - s0;
      for (let i = s0; i < s0 + b - a; i++) {
        const sv = src[i]!;
        const dv = dst[o + i]!;
        dst[o + i] = (k ^ (sa & sv) ^ (sb & dv) ^ (sc & sv & dv)) | p;
      }
    });
    return;
  }
  forEachSpan(box, clip, surface.width, surface.height, options.mask, (y, x0, x1) => {
    const cut = sourceSpan(placed, y, x0, x1);
    if (!cut) return;
    const [a, b, s0] = cut;
    const o = y * w + a;
    const n = b - a;
    const pat = scratchRow32(n);
    brushRow(brush, y, a, b, pat);
    for (let i = 0; i < n; i++) {
      const pv = pat[i]!;
      const sv = src[s0 + i]!;
      const dv = dst[o + i]!;
      dst[o + i] =
        (k0 ^ (pv & dk) ^ ((a0 ^ (pv & da)) & sv) ^ ((b0 ^ (pv & db)) & dv) ^ ((c0 ^ (pv & dc)) & sv & dv)) | p;
    }
  });
}
