import { BrushType, type Clip, type Rect, SurfaceFmt } from '@spice-ts/protocol';
import { type CanvasBrush, mod } from './brush.js';
import { wideDashPixels } from './dash.js';
import { UnsupportedOperationError } from './errors.js';
import { padByte } from './fill.js';
import { clipRects } from './rect.js';
import { Rop, RopInput, ropdToRop, ropMasks } from './rop.js';
import type { CanvasSurface } from './surface.js';

/** SpicePathFlags (spice-protocol enums.h). */
export const PathFlags = { Begin: 1 << 0, End: 1 << 1, Close: 1 << 3, Bezier: 1 << 4 } as const;
export type PathFlags = (typeof PathFlags)[keyof typeof PathFlags];

/** SpiceLineFlags (spice-protocol enums.h). */
export const LineFlags = { StartWithGap: 1 << 2, Styled: 1 << 3 } as const;
export type LineFlags = (typeof LineFlags)[keyof typeof LineFlags];

/** A point in 28.4 fixed point (SpicePointFix). */
export interface FixPoint {
  readonly x: number;
  readonly y: number;
}

/** One SpicePathSeg: PathFlags and its points (28.4 fixed point). */
export interface StrokePathSegment {
  readonly flags: number;
  readonly points: readonly FixPoint[];
}

export interface StrokeDraw {
  readonly path: { readonly segments: readonly StrokePathSegment[] };
  /** SpiceLineAttr: LineFlags and, with STYLED, the dash lengths (28.4 fixed point). */
  readonly attr: { readonly flags: number; readonly style?: readonly number[] | null };
  readonly brush: CanvasBrush;
  /** ROP descriptor of the line pixels (brush is src, the surface dest). */
  readonly foreMode: number;
  /** ROP descriptor of the gaps; the client draws on-off dashes, so it is never used. */
  readonly backMode: number;
}

/**
 * Bezier subdivision depth cap. canvas_base recurses until the curve is flat; a curve whose four
 * points coincide never gets flat there (the client would overflow its stack), so we stop.
 */
const MAX_BEZIER_DEPTH = 24;

/** canvas_base fix_to_int: 28.4 to integer, a fraction above one half rounds up. */
export function fixToInt(fixed: number): number {
  const rem = fixed & 0x0f;
  const val = fixed >> 4;
  return rem > 8 ? val + 1 : val;
}

/** The zero-line bias of X's mi code (DEFAULTZEROLINEBIAS: octants 2, 3, 4 and 5). */
const ZERO_LINE_BIAS = (1 << 3) | (1 << 7) | (1 << 6) | (1 << 4);
const X_DECREASING = 4;
const Y_DECREASING = 2;
const Y_MAJOR = 1;

/** Called for each pixel of a line, in drawing order. */
export type PixelCallback = (x: number, y: number) => void;

/**
 * The pixels of one thin line from (x1, y1) towards (x2, y2) as miZeroLine draws a segment of a
 * polyline: Bresenham with X's octant bias, the end point left out (CapNotLast, and the next
 * segment starts there). Only pixels inside [0, width) × [0, height) are reported; miZeroClipLine
 * is built to clip without changing which pixels a line has, so this is the same set.
 */
export function zeroLinePixels(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  width: number,
  height: number,
  fn: PixelCallback,
): void {
  let octant = 0;
  let adx = x2 - x1;
  let sdx = 1;
  if (adx < 0) {
    adx = -adx;
    sdx = -1;
    octant |= X_DECREASING;
  }
  let ady = y2 - y1;
  let sdy = 1;
  if (ady < 0) {
    ady = -ady;
    sdy = -1;
    octant |= Y_DECREASING;
  }
  const xMajor = adx > ady;
  if (!xMajor) octant |= Y_MAJOR;
  const major = xMajor ? adx : ady;
  if (major === 0) return;
  const minor = xMajor ? ady : adx;
  // After n steps the error term is e0 + n·2·minor less 2·major for each minor step taken, and it
  // stays in [-2·major, 0): the minor steps after n steps are floor((e0 + n·2·minor) / (2·major)) + 1.
  const e0 = -major - ((ZERO_LINE_BIAS >> octant) & 1);
  const e1 = 2 * minor;
  const twoMajor = 2 * major;
  // Limit the major steps to those inside the surface along the major axis.
  const [mStart, mLimit, sMajor] = xMajor ? [x1, width, sdx] : [y1, height, sdy];
  let lo = 0;
  let hi = major - 1;
  if (sMajor > 0) {
    lo = Math.max(lo, -mStart);
    hi = Math.min(hi, mLimit - 1 - mStart);
  } else {
    lo = Math.max(lo, mStart - (mLimit - 1));
    hi = Math.min(hi, mStart);
  }
  const exact = major < 1 << 24;
  for (let n = lo; n <= hi; n++) {
    // The numerator is never below -2·major, so a negative one means no minor step yet.
    const steps = exact ? Math.floor((e0 + n * e1) / twoMajor) + 1 : bigSteps(e0, n, e1, twoMajor);
    const x = xMajor ? x1 + sdx * n : x1 + sdx * steps;
    const y = xMajor ? y1 + sdy * steps : y1 + sdy * n;
    if (x >= 0 && y >= 0 && x < width && y < height) fn(x, y);
  }
}

/** floor((e0 + n·e1) / twoMajor) + 1 without losing precision on very long lines. */
function bigSteps(e0: number, n: number, e1: number, twoMajor: number): number {
  const num = BigInt(e0) + BigInt(n) * BigInt(e1);
  return num < 0n ? 0 : Number(num / BigInt(twoMajor)) + 1;
}

/** int64 dot products of 28.4 vectors, >> 4, as canvas_base's bezier flatness test. */
const dot = (ax: bigint, ay: bigint, bx: bigint, by: bigint): bigint => (ax * bx + ay * by) >> 4n;

/** Appends the flattened bezier p0..p3 (28.4) to `out` (integer points), as subdivide_bezier. */
function subdivideBezier(out: number[], p0: FixPoint, p1: FixPoint, p2: FixPoint, p3: FixPoint, depth: number): void {
  const a = [BigInt(p1.x - p0.x), BigInt(p1.y - p0.y)] as const;
  const b = [BigInt(p3.x - p0.x), BigInt(p3.y - p0.y)] as const;
  const c = [BigInt(p2.x - p3.x), BigInt(p2.y - p3.y)] as const;
  const a2 = dot(a[0], a[1], a[0], a[1]);
  const b2 = dot(b[0], b[1], b[0], b[1]);
  const c2 = dot(c[0], c[1], c[0], c[1]);
  const ab = dot(a[0], a[1], b[0], b[1]);
  const cb = dot(c[0], c[1], -b[0], -b[1]);
  const h1 = (a2 * b2 - ab * ab) >> 3n;
  const h2 = (c2 * b2 - cb * cb) >> 3n;
  if ((h1 < b2 && h2 < b2) || depth >= MAX_BEZIER_DEPTH) {
    out.push(fixToInt(p3.x), fixToInt(p3.y));
    return;
  }
  // C integer halving truncates towards zero.
  const mid = (u: FixPoint, v: FixPoint): FixPoint => ({
    x: Math.trunc((u.x + v.x) / 2),
    y: Math.trunc((u.y + v.y) / 2),
  });
  const p01 = mid(p0, p1);
  const p12 = mid(p1, p2);
  const p23 = mid(p2, p3);
  const p012 = mid(p01, p12);
  const p123 = mid(p12, p23);
  const p0123 = mid(p012, p123);
  subdivideBezier(out, p0, p01, p012, p0123, depth + 1);
  subdivideBezier(out, p0123, p123, p23, p3, depth + 1);
}

/**
 * The polylines of a path as canvas_draw_stroke builds them: points rounded with fixToInt, a
 * BEGIN segment starts a new polyline, BEZIER segments are flattened (from the last point, as an
 * integer) in threes, END (with CLOSE: back to the polyline's first point) ends it. A bezier
 * segment whose point count is not a multiple of three stops the whole path there (the client
 * returns early). Each polyline is a flat [x0, y0, x1, y1, ...] list.
 */
export function strokePolylines(segments: readonly StrokePathSegment[]): number[][] {
  const out: number[][] = [];
  let line: number[] = [];
  const flush = () => {
    if (line.length > 0) out.push(line);
    line = [];
  };
  for (const seg of segments) {
    const pts = seg.points;
    let i = 0;
    if (seg.flags & PathFlags.Begin) {
      flush();
      const p = pts[0];
      if (p) line.push(fixToInt(p.x), fixToInt(p.y));
      i = 1;
    }
    if (seg.flags & PathFlags.Bezier) {
      if ((pts.length - i) % 3 !== 0) {
        line = [];
        return out;
      }
      for (; i + 2 < pts.length; i += 3) {
        const c1 = pts[i]!;
        // With no point yet the curve has no start (undefined in the client): start at its first control point.
        const start: FixPoint =
          line.length >= 2 ? { x: line[line.length - 2]! << 4, y: line[line.length - 1]! << 4 } : c1;
        subdivideBezier(line, start, c1, pts[i + 1]!, pts[i + 2]!, 0);
      }
    } else {
      for (; i < pts.length; i++) line.push(fixToInt(pts[i]!.x), fixToInt(pts[i]!.y));
    }
    if (seg.flags & PathFlags.End) {
      if (seg.flags & PathFlags.Close && line.length >= 2) line.push(line[0]!, line[1]!);
      flush();
    }
  }
  flush();
  return out;
}

/**
 * The dash pattern of a styled line in whole pixels (the client keeps them in bytes), and the
 * offset into it (gc dash setup). Null for solid lines, and for patterns of no length (which
 * would never advance in the client).
 */
function dashPattern(attr: StrokeDraw['attr']): { dashes: number[]; offset: number } | null {
  if (!(attr.flags & LineFlags.Styled)) return null;
  const style = (attr.style ?? []).map((v) => fixToInt(v) & 0xff);
  if (style.length === 0 || style.reduce((a, b) => a + b, 0) === 0) return null;
  if (attr.flags & LineFlags.StartWithGap) {
    const dashes = [...style.slice(1), style[0]!];
    return { dashes, offset: dashes[0]! };
  }
  return { dashes: style, offset: 0 };
}

/** Paints single pixels with a brush through a binary rop (the stroke's fill_spans). */
function pixelPainter(surface: CanvasSurface, brush: CanvasBrush, rop: Rop): PixelCallback {
  const [m8, m4, m2, m1] = ropMasks(rop);
  const w = surface.width;
  const valueAt = (x: number, y: number): number => {
    if (brush.type === BrushType.Solid) return brush.color | 0;
    if (brush.type === BrushType.None) return 0;
    const t = brush.pattern;
    return t.words[mod(y - brush.pos.y, t.height) * t.stride + mod(x - brush.pos.x, t.width)]! | 0;
  };
  if (surface.format === SurfaceFmt.A8) {
    if (brush.type === BrushType.Pattern) throw new UnsupportedOperationError('pattern brush on an A8 surface');
    const px = surface.pixels;
    const s = valueAt(0, 0) & 0xff;
    return (x, y) => {
      const d = px[y * w + x]!;
      px[y * w + x] = (~s & ~d & m8) | (~s & d & m4) | (s & ~d & m2) | (s & d & m1);
    };
  }
  const words = surface.words;
  const p = padByte(surface);
  return (x, y) => {
    const s = valueAt(x, y);
    const d = words[y * w + x]! | 0;
    words[y * w + x] = ((~s & ~d & m8) | (~s & d & m4) | (s & ~d & m2) | (s & d & m1) | p) >>> 0;
  };
}

/**
 * DRAW_STROKE as canvas_draw_stroke: the path's polylines drawn as thin (zero-width) lines
 * whatever the line width, through the fore ROP descriptor (brush is src), inside box ∩ clip.
 * Solid lines are miZeroLine's pixels exactly. Styled lines are on-off dashes one pixel wide as
 * the client's wide-dash code draws them (wideDashPixels), miter joins included.
 */
export function drawStroke(surface: CanvasSurface, box: Rect, clip: Clip, stroke: StrokeDraw): void {
  const rects = clipRects(box, clip, surface.width, surface.height);
  if (rects.length === 0) return;
  const rop = ropdToRop(stroke.foreMode, RopInput.Brush, RopInput.Dest);
  if (rop === Rop.Noop) return;
  const paint = pixelPainter(surface, stroke.brush, rop);
  const inside =
    rects.length === 1
      ? (() => {
          const r = rects[0]!;
          return (x: number, y: number) => x >= r.left && x < r.right && y >= r.top && y < r.bottom;
        })()
      : (x: number, y: number) => rects.some((r) => x >= r.left && x < r.right && y >= r.top && y < r.bottom);
  const dash = dashPattern(stroke.attr);
  // miSpansCarefulRop: the ROPs for which X merges a dashed polyline's spans before painting.
  const careful = (rop & 0xc) === 0x8 || (rop & 0x3) === 0x2;
  const plot = (x: number, y: number) => {
    if (inside(x, y)) paint(x, y);
  };
  for (const line of strokePolylines(stroke.path.segments)) {
    if (dash) {
      wideDashPixels(line, dash.dashes, dash.offset, surface, plot, careful);
      continue;
    }
    for (let i = 0; i + 3 < line.length; i += 2) {
      zeroLinePixels(line[i]!, line[i + 1]!, line[i + 2]!, line[i + 3]!, surface.width, surface.height, plot);
    }
  }
}
