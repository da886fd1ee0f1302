import { BrushType, type Clip, type Rect } from '@spice-ts/protocol';
import { brushRow, type CanvasBrush } from './brush.js';
import { int32View, padByte, scratchRow } from './fill.js';
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
  // Minterm masks, -1 where the code has the bit: k0 for (~p & ~s & ~d) … k7 for (p & s & d).
  const k = Array.from({ length: 8 }, (_, i) => ((code >> i) & 1 ? -1 : 0));
  const [k0, k1, k2, k3, k4, k5, k6, k7] = k as [number, number, number, number, number, number, number, number];
  forEachSpan(box, clip, surface.width, surface.height, options.mask, (y, x0, x1) => {
    const cut = sourceSpan(placed, y, x0, x1);
    if (!cut) return;
    const [a, b, s0] = cut;
    const o = y * w + a;
    const n = b - a;
    const pat = solid === null ? int32View(scratchRow(n)) : null;
    if (pat) brushRow(brush, y, a, b, pat);
    for (let i = 0; i < n; i++) {
      const pv = pat ? pat[i]! : (solid as number);
      const sv = src[s0 + i]!;
      const dv = dst[o + i]!;
      const np = ~pv;
      const ns = ~sv;
      const nd = ~dv;
      dst[o + i] =
        (np & ns & nd & k0) |
        (np & ns & dv & k1) |
        (np & sv & nd & k2) |
        (np & sv & dv & k3) |
        (pv & ns & nd & k4) |
        (pv & ns & dv & k5) |
        (pv & sv & nd & k6) |
        (pv & sv & dv & k7) |
        p;
    }
  });
}
