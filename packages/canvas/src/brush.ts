import { BrushType, type Point } from '@spice-ts/protocol';
import type { CanvasImage } from './image.js';

/** A brush with its pattern already decoded: none, a solid 0xAARRGGBB colour, or a tile. */
export type CanvasBrush =
  | { readonly type: typeof BrushType.None }
  | { readonly type: typeof BrushType.Solid; readonly color: number }
  | { readonly type: typeof BrushType.Pattern; readonly pattern: CanvasImage; readonly pos: Point };

/** Euclidean remainder (the tile phase of a negative offset stays in 0..n-1). */
export const mod = (a: number, n: number): number => ((a % n) + n) % n;

/**
 * Writes the brush values of row y, pixels [x0, x1), into `out` (from index 0): the tile pixel at
 * ((x - pos.x) mod w, (y - pos.y) mod h) as spice_pixman_tile_rect, or the solid colour
 * (0 for no brush, as draw_brush passes 0 with BRUSH_TYPE_NONE).
 */
export function brushRow(brush: CanvasBrush, y: number, x0: number, x1: number, out: Uint32Array | Int32Array): void {
  const n = x1 - x0;
  if (brush.type !== BrushType.Pattern) {
    out.fill(brush.type === BrushType.Solid ? brush.color | 0 : 0, 0, n);
    return;
  }
  const tile = brush.pattern;
  const row = mod(y - brush.pos.y, tile.height) * tile.stride;
  let tx = mod(x0 - brush.pos.x, tile.width);
  for (let i = 0; i < n; i++) {
    out[i] = tile.words[row + tx]! | 0;
    if (++tx === tile.width) tx = 0;
  }
}
