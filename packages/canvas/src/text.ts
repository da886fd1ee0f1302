import { BrushType, type Clip, type Point, type Rect, Ropd } from '@spice-ts/protocol';
import { brushRow, type CanvasBrush } from './brush.js';
import { Repeat } from './composite.js';
import { fillRegion, int32View, scratchRow32 } from './fill.js';
import { forEachSpan } from './mask.js';
import { clipRects, intersectRect, isEmptyRect } from './rect.js';
import { Rop } from './rop.js';
import { assertWordSurface, type CanvasSurface } from './surface.js';

/** SpiceStringFlags (spice-protocol enums.h). */
export const StringFlags = { RasterA1: 1 << 0, RasterA4: 1 << 1, RasterA8: 1 << 2, RasterTopDown: 1 << 3 } as const;

/**
 * One raster glyph (SpiceRasterGlyph): `data` holds `height` rows, the bottom row first (as
 * canvas_base reads them); A1 rows are ceil(width / 8) bytes, most significant bit leftmost; A4
 * rows ceil(width / 2) bytes, high nibble leftmost; A8 rows `width` bytes.
 */
export interface RasterGlyph {
  readonly renderPos: Point;
  readonly glyphOrigin: Point;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface GlyphString {
  /** StringFlags: which raster depth the glyphs have. */
  readonly flags: number;
  readonly glyphs: readonly RasterGlyph[];
}

export interface TextDraw {
  readonly str: GlyphString;
  readonly backArea: Rect;
  readonly foreBrush: CanvasBrush;
  readonly backBrush: CanvasBrush;
  /** ROP descriptor of the glyphs; only PUT is drawn when there is a back area. */
  readonly foreMode: number;
  readonly backMode: number;
}

const glyphBox = (g: RasterGlyph): Rect => {
  const left = g.renderPos.x + g.glyphOrigin.x;
  const top = g.renderPos.y + g.glyphOrigin.y;
  return { left, top, right: left + g.width, bottom: top + g.height };
};

/** The string's coverage as 8-bit alpha over the union of the glyph boxes (canvas_get_str_mask). */
export function glyphStringMask(str: GlyphString): { bounds: Rect; alpha: Uint8Array } | null {
  const depth =
    str.flags & StringFlags.RasterA1
      ? 1
      : str.flags & StringFlags.RasterA4
        ? 4
        : str.flags & StringFlags.RasterA8
          ? 8
          : 0;
  if (depth === 0 || str.glyphs.length === 0) return null;
  const bounds = glyphBox(str.glyphs[0]!);
  for (const g of str.glyphs) {
    const b = glyphBox(g);
    bounds.left = Math.min(bounds.left, b.left);
    bounds.top = Math.min(bounds.top, b.top);
    bounds.right = Math.max(bounds.right, b.right);
    bounds.bottom = Math.max(bounds.bottom, b.bottom);
  }
  const mw = bounds.right - bounds.left;
  const alpha = new Uint8Array(mw * (bounds.bottom - bounds.top));
  for (const g of str.glyphs) {
    const b = glyphBox(g);
    const stride = depth === 1 ? (g.width + 7) >> 3 : depth === 4 ? (g.width + 1) >> 1 : g.width;
    for (let row = 0; row < g.height; row++) {
      // Row 0 of the box is the last row of the data.
      const src = (g.height - 1 - row) * stride;
      const o = (b.top - bounds.top + row) * mw + (b.left - bounds.left);
      for (let x = 0; x < g.width; x++) {
        let v: number;
        if (depth === 1) v = (g.data[src + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0xff : 0;
        else if (depth === 4) {
          const byte = g.data[src + (x >> 1)]!;
          // The client takes the maximum of the second pixel of a byte against (byte << 4) as an
          // int, before it is stored in 8 bits: the high nibble can win the comparison and the
          // low nibble (shifted) is what is stored.
          v = x & 1 ? byte << 4 : byte & 0xf0;
        } else v = g.data[src + x]!;
        // Glyphs overlap by OR for A1 and by maximum for A4/A8: both are the maximum here.
        if (v > alpha[o + x]!) alpha[o + x] = v & 0xff;
      }
    }
  }
  return { bounds, alpha };
}

/**
 * DRAW_TEXT as sw_canvas draws it: the back area (cut by box and clip) is filled with the back
 * brush, then the fore brush goes OVER the surface through the glyph coverage. With a back area
 * and a fore mode other than PUT nothing is drawn (upstream refuses). A pattern fore brush is
 * phased from the string's top-left corner plus the pattern position.
 */
export function drawText(surface: CanvasSurface, box: Rect, clip: Clip, text: TextDraw): void {
  assertWordSurface(surface, 'TEXT');
  if (!isEmptyRect(text.backArea)) {
    if (text.foreMode !== Ropd.OpPut) return;
    const back = intersectRect(text.backArea, box);
    if (!isEmptyRect(back)) fillRegion(surface, back, clip, null, text.backBrush, Rop.Copy);
  }
  const m = glyphStringMask(text.str);
  if (!m || text.foreBrush.type === BrushType.None) return;
  const fore = text.foreBrush;
  if (
    fore.type === BrushType.Pattern &&
    fore.pattern.sampling &&
    clipRects(box, clip, surface.width, surface.height).length > 0
  ) {
    // A surface pattern is read through the surface's own pixman image, which the client leaves
    // translated by -pos and repeating (canvas_get_pixman_brush).
    const { x, y } = fore.pos;
    fore.pattern.sampling.transform = {
      t00: 0x10000,
      t01: 0,
      t02: (-x << 16) | 0,
      t10: 0,
      t11: 0x10000,
      t12: (-y << 16) | 0,
    };
    fore.pattern.sampling.repeat = Repeat.Normal;
  }
  const brush: CanvasBrush =
    text.foreBrush.type === BrushType.Pattern
      ? {
          ...text.foreBrush,
          pos: { x: text.foreBrush.pos.x + m.bounds.left, y: text.foreBrush.pos.y + m.bounds.top },
        }
      : { type: BrushType.Solid, color: (text.foreBrush.color | 0xff000000) >>> 0 };
  // An RGBA pattern keeps its alpha (the client composites the pixman image as it is); every
  // other brush is opaque.
  const opaque = brush.type !== BrushType.Pattern || !brush.pattern.hasAlpha ? 0xff000000 : 0;
  const dst = int32View(surface.words);
  const w = surface.width;
  const mw = m.bounds.right - m.bounds.left;
  const area = intersectRect(box, m.bounds);
  forEachSpan(area, clip, surface.width, surface.height, null, (y, x0, x1) => {
    const row = scratchRow32(x1 - x0);
    brushRow(brush, y, x0, x1, row);
    const mo = (y - m.bounds.top) * mw - m.bounds.left;
    for (let x = x0; x < x1; x++) {
      const a = m.alpha[mo + x]!;
      if (a === 0) continue;
      const s = row[x - x0]! | opaque;
      const sa = s >>> 24;
      if (a === 0xff && sa === 0xff) {
        dst[y * w + x] = s;
        continue;
      }
      // pixman OVER of (brush IN coverage): s' = s·a, d = s' + d·(255 - alpha(s')), MUL_UN8
      // rounding, channels saturated.
      const ta = sa * a + 0x80;
      const ia = 255 - ((ta + (ta >> 8)) >> 8);
      const d = dst[y * w + x]!;
      let out = 0;
      for (let shift = 0; shift < 32; shift += 8) {
        let t = ((s >>> shift) & 0xff) * a + 0x80;
        const sc = (t + (t >> 8)) >> 8;
        t = ((d >>> shift) & 0xff) * ia + 0x80;
        const v = Math.min(255, sc + ((t + (t >> 8)) >> 8));
        out |= v << shift;
      }
      dst[y * w + x] = out;
    }
  });
}
