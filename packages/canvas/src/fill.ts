import { BrushType, type Clip, type Rect, Ropd, SurfaceFmt } from '@spice-ts/protocol';
import { fillRegionA8 } from './a8.js';
import { brushRow, type CanvasBrush } from './brush.js';
import { type CanvasMask, forEachSpan } from './mask.js';
import { Rop, RopInput, ropdToRop, ropRow, ropWithSrc } from './rop.js';
import type { CanvasSurface } from './surface.js';

/** The X byte written on xRGB surfaces (not significant there; ARGB surfaces keep real alpha). */
export const padByte = (surface: CanvasSurface): number => (surface.format === SurfaceFmt.A8r8g8b8 ? 0 : 0xff000000);

/** A signed view of the same words: the hot loops stay in int32 arithmetic. */
export const int32View = (words: Uint32Array | Int32Array): Int32Array =>
  words instanceof Int32Array ? words : new Int32Array(words.buffer, words.byteOffset, words.length);

/** Scratch row shared by the draws (grown on demand), and its signed view. */
let scratch = new Uint32Array(4096);
let scratch32 = new Int32Array(scratch.buffer);
export function scratchRow(n: number): Uint32Array {
  if (scratch.length < n) {
    scratch = new Uint32Array(n);
    scratch32 = new Int32Array(scratch.buffer);
  }
  return scratch;
}
/** The scratch row as int32 words (the same memory as scratchRow). */
export function scratchRow32(n: number): Int32Array {
  scratchRow(n);
  return scratch32;
}

/**
 * Applies `rop` with the brush as src to the spans of the region (draw_brush of canvas_base).
 * Used by FILL and OPAQUE.
 */
export function fillRegion(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  mask: CanvasMask | null | undefined,
  brush: CanvasBrush,
  rop: Rop,
): void {
  if (rop === Rop.Noop) return;
  if (surface.format === SurfaceFmt.A8) {
    fillRegionA8(surface, box, clip, mask, brush, rop);
    return;
  }
  const words = surface.words;
  const w = surface.width;
  const pad = padByte(surface);
  if (brush.type !== BrushType.Pattern && (rop === Rop.Copy || rop === Rop.Clear || rop === Rop.Set)) {
    const color = brush.type === BrushType.Solid ? brush.color : 0;
    const value = (rop === Rop.Copy ? color : rop === Rop.Set ? 0xffffffff : 0) | pad;
    forEachSpan(box, clip, surface.width, surface.height, mask, (y, x0, x1) => {
      words.fill(value >>> 0, y * w + x0, y * w + x1);
    });
    return;
  }
  const dst = int32View(words);
  const p = pad | 0;
  if (brush.type !== BrushType.Pattern) {
    // A fixed src turns the op into dest → (dest & and) ^ xor.
    const [and, xor] = ropWithSrc(rop, brush.type === BrushType.Solid ? brush.color | 0 : 0);
    forEachSpan(box, clip, surface.width, surface.height, mask, (y, x0, x1) => {
      for (let i = y * w + x0, e = y * w + x1; i < e; i++) dst[i] = ((dst[i]! & and) ^ xor) | p;
    });
    return;
  }
  forEachSpan(box, clip, surface.width, surface.height, mask, (y, x0, x1) => {
    const n = x1 - x0;
    const row = scratchRow32(n);
    brushRow(brush, y, x0, x1, row);
    ropRow(rop, dst, y * w + x0, row, 0, n, 0, p);
  });
}

export interface FillOptions {
  readonly mask?: CanvasMask | null;
}

/** DRAW_FILL: the brush through the ROP descriptor (brush is src, the surface dest). */
export function drawFill(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  brush: CanvasBrush,
  ropDescriptor: number,
  options: FillOptions = {},
): void {
  fillRegion(surface, box, clip, options.mask, brush, ropdToRop(ropDescriptor, RopInput.Brush, RopInput.Dest));
}

/** DRAW_BLACKNESS: 0x000000 into the region. */
export function drawBlackness(surface: CanvasSurface, box: Rect, clip: Clip, options: FillOptions = {}): void {
  fillRegion(surface, box, clip, options.mask, { type: BrushType.Solid, color: 0 }, Rop.Copy);
}

/** DRAW_WHITENESS: 0xffffffff into the region. */
export function drawWhiteness(surface: CanvasSurface, box: Rect, clip: Clip, options: FillOptions = {}): void {
  fillRegion(surface, box, clip, options.mask, { type: BrushType.Solid, color: 0xffffffff }, Rop.Copy);
}

/** DRAW_INVERS: every bit of the region inverted. */
export function drawInvers(surface: CanvasSurface, box: Rect, clip: Clip, options: FillOptions = {}): void {
  fillRegion(surface, box, clip, options.mask, { type: BrushType.None }, Rop.Invert);
}

/** FILL with a solid colour (kept for existing callers; the colour is made opaque). */
export function drawSolidFill(
  surface: CanvasSurface,
  box: Rect,
  clip: Clip,
  color: number,
  ropDescriptor: number = Ropd.OpPut,
): void {
  drawFill(surface, box, clip, { type: BrushType.Solid, color: (color | 0xff000000) >>> 0 }, ropDescriptor);
}
