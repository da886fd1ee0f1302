import { type Clip, type Point, type Rect, SurfaceFmt } from '@spice-ts/protocol';
import { combineWide, combineWideFloat, isWideCompositeOp, unormToFloat } from './composite-float.js';
import { UnsupportedOperationError } from './errors.js';
import { int32View } from './fill.js';
import type { CanvasImage } from './image.js';
import { clipRects } from './rect.js';
import type { CanvasSurface, SurfaceSampling } from './surface.js';

/** SpiceCompositeOp: the Render / pixman operators (spice-protocol enums.h, pixman.h). */
export const CompositeOp = {
  Clear: 0x00,
  Src: 0x01,
  Dst: 0x02,
  Over: 0x03,
  OverReverse: 0x04,
  In: 0x05,
  InReverse: 0x06,
  Out: 0x07,
  OutReverse: 0x08,
  Atop: 0x09,
  AtopReverse: 0x0a,
  Xor: 0x0b,
  Add: 0x0c,
  Saturate: 0x0d,
  Multiply: 0x30,
  Screen: 0x31,
  Overlay: 0x32,
  Darken: 0x33,
  Lighten: 0x34,
  ColorDodge: 0x35,
  ColorBurn: 0x36,
  HardLight: 0x37,
  SoftLight: 0x38,
  Difference: 0x39,
  Exclusion: 0x3a,
  HslHue: 0x3b,
  HslSaturation: 0x3c,
  HslColor: 0x3d,
  HslLuminosity: 0x3e,
} as const;
export type CompositeOp = (typeof CompositeOp)[keyof typeof CompositeOp];

/** SpiceCompositeFlags (spice-protocol enums.h): the op and filters/repeats are bit fields. */
export const CompositeFlags = {
  /** Bits 0..7: the CompositeOp. */
  OpMask: 0xff,
  /** Bits 8..10: source filter; 11..13: mask filter. */
  SrcFilterShift: 8,
  MaskFilterShift: 11,
  /** Bits 14..15: source repeat; 16..17: mask repeat. */
  SrcRepeatShift: 14,
  MaskRepeatShift: 16,
  ComponentAlpha: 1 << 18,
  HasMask: 1 << 19,
  HasSrcTransform: 1 << 20,
  HasMaskTransform: 1 << 21,
  SourceOpaque: 1 << 22,
  DestOpaque: 1 << 23,
} as const;

/** pixman_repeat_t. */
export const Repeat = { None: 0, Normal: 1, Pad: 2, Reflect: 3 } as const;
export type Repeat = (typeof Repeat)[keyof typeof Repeat];

/** pixman_filter_t. */
export const Filter = {
  Fast: 0,
  Good: 1,
  Best: 2,
  Nearest: 3,
  Bilinear: 4,
  Convolution: 5,
  SeparableConvolution: 6,
} as const;
export type Filter = (typeof Filter)[keyof typeof Filter];

/** A SpiceTransform: the top two rows of an affine matrix in signed 16.16 (the third is 0 0 1). */
export interface CompositeTransform {
  readonly t00: number;
  readonly t01: number;
  readonly t02: number;
  readonly t10: number;
  readonly t11: number;
  readonly t12: number;
}

export interface CompositeDraw {
  /** CompositeFlags with the op, filters, repeats and component alpha. */
  readonly flags: number;
  readonly src: CanvasImage;
  /** Used when flags has HAS_MASK. */
  readonly mask?: CanvasImage | null;
  /** Used when flags has HAS_SRC_TRANSFORM. */
  readonly srcTransform?: CompositeTransform | null;
  /** Used when flags has HAS_MASK_TRANSFORM. */
  readonly maskTransform?: CompositeTransform | null;
  readonly srcOrigin: Point;
  readonly maskOrigin: Point;
  /**
   * The source is a surface: SOURCE_OPAQUE then makes its alpha 0xff (the client drops the alpha
   * of surface sources only; image sources keep theirs).
   */
  readonly srcIsSurface?: boolean;
}

/** pixman's bilinear weights have 7 bits (BILINEAR_INTERPOLATION_BITS). */
const BILINEAR_BITS = 7;

const FIXED_1 = 0x10000;
const FIXED_HALF = 0x8000;

// Packed 8-bit channel arithmetic, as pixman-combine32.h: x·a/255 rounded, and saturating add.
const mul8 = (x: number, a: number): number => {
  let rb = (x & 0xff00ff) * a + 0x800080;
  rb = ((rb + ((rb >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
  let ag = ((x >>> 8) & 0xff00ff) * a + 0x800080;
  ag = (ag + ((ag >>> 8) & 0xff00ff)) & 0xff00ff00;
  return rb | ag;
};
const mulc = (x: number, a: number): number => {
  let rb = (x & 0xff) * (a & 0xff) + (x & 0xff0000) * ((a >>> 16) & 0xff) + 0x800080;
  rb = ((rb + ((rb >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
  let ag = ((x >>> 8) & 0xff) * ((a >>> 8) & 0xff) + ((x >>> 8) & 0xff0000) * ((a >>> 24) & 0xff) + 0x800080;
  ag = (ag + ((ag >>> 8) & 0xff00ff)) & 0xff00ff00;
  return rb | ag;
};
const add8 = (x: number, y: number): number => {
  let rb = (x & 0xff00ff) + (y & 0xff00ff);
  rb = (rb | (0x1000100 - ((rb >>> 8) & 0xff00ff))) & 0xff00ff;
  let ag = ((x >>> 8) & 0xff00ff) + ((y >>> 8) & 0xff00ff);
  ag = (ag | (0x1000100 - ((ag >>> 8) & 0xff00ff))) & 0xff00ff;
  return rb | (ag << 8);
};

/** DIV_ONE_UN8: x / 255 rounded, for x in 0..255·255. */
const divOne = (x: number): number => (x + 0x80 + ((x + 0x80) >> 8)) >> 8;

type IntBlend = (d: number, ad: number, s: number, as: number) => number;
/** pixman-combine32.c's integer PDF blend terms, by op (all values 0..255, results scaled by 255). */
const INT_BLENDS: Record<number, IntBlend> = {
  [CompositeOp.Screen]: (d, ad, s, as) => s * ad + d * as - s * d,
  [CompositeOp.Overlay]: (d, ad, s, as) => (2 * d < ad ? 2 * s * d : as * ad - 2 * (ad - d) * (as - s)),
  [CompositeOp.Darken]: (d, ad, s, as) => Math.min(ad * s, as * d),
  [CompositeOp.Lighten]: (d, ad, s, as) => Math.max(ad * s, as * d),
  [CompositeOp.HardLight]: (d, ad, s, as) => (2 * s < as ? 2 * s * d : as * ad - 2 * (ad - d) * (as - s)),
  [CompositeOp.Difference]: (d, ad, s, as) => Math.abs(s * ad - d * as),
  [CompositeOp.Exclusion]: (d, ad, s, as) => s * ad + d * as - 2 * d * s,
};

/** Clamps as pixman's CLAMP on a uint32 sum: a negative sum has wrapped to a huge value. */
const clampUn8Sum = (v: number): number => (v < 0 || v > 255 * 255 ? 255 * 255 : v);

/**
 * A separable PDF blend mode on integers (PDF_SEPARABLE_BLEND_MODE): `sc` are the source
 * channels (already masked), `mc` the per-channel source alphas (sa each, or the component mask).
 */
function blendInt(blend: IntBlend, s: number, mRgb: number, d: number): number {
  const sa = s >>> 24;
  const da = d >>> 24;
  const ida = 255 - da;
  const ra = clampUn8Sum(da * 0xff + sa * 0xff - sa * da);
  let out = divOne(ra) << 24;
  for (let sh = 16; sh >= 0; sh -= 8) {
    const sc = (s >>> sh) & 0xff;
    const dc = (d >>> sh) & 0xff;
    const mc = (mRgb >>> sh) & 0xff;
    out |= divOne(clampUn8Sum((255 - mc) * dc + ida * sc + blend(dc, da, sc, mc))) << sh;
  }
  return out;
}

/** One pixel of a Porter-Duff op with a unified (alpha-only) mask already applied to s. */
function combineUnified(op: number, s: number, d: number): number {
  const sa = s >>> 24;
  const da = d >>> 24;
  switch (op) {
    case CompositeOp.Clear:
      return 0;
    case CompositeOp.Src:
      return s;
    case CompositeOp.Dst:
      return d;
    case CompositeOp.Over:
      return add8(mul8(d, 255 - sa), s);
    case CompositeOp.OverReverse:
      return add8(mul8(s, 255 - da), d);
    case CompositeOp.In:
      return mul8(s, da);
    case CompositeOp.InReverse:
      return mul8(d, sa);
    case CompositeOp.Out:
      return mul8(s, 255 - da);
    case CompositeOp.OutReverse:
      return mul8(d, 255 - sa);
    case CompositeOp.Atop:
      return add8(mul8(s, da), mul8(d, 255 - sa));
    case CompositeOp.AtopReverse:
      return add8(mul8(s, 255 - da), mul8(d, sa));
    case CompositeOp.Xor:
      return add8(mul8(s, 255 - da), mul8(d, 255 - sa));
    case CompositeOp.Add:
      return add8(d, s);
    case CompositeOp.Multiply:
      return add8(mulc(d, s), add8(mul8(s, 255 - da), mul8(d, 255 - sa)));
    default:
      return blendInt(INT_BLENDS[op]!, s, sa * 0x010101, d);
  }
}

/**
 * One pixel of a Porter-Duff op with a component-alpha mask m (pixman's combine_*_ca): the
 * source becomes s·m per channel and its "alpha" m·sa per channel.
 */
function combineComponent(op: number, s: number, m: number, d: number): number {
  const da = d >>> 24;
  const sm = mulc(s, m);
  const am = mul8(m, s >>> 24);
  switch (op) {
    case CompositeOp.Clear:
      return 0;
    case CompositeOp.Src:
      return sm;
    case CompositeOp.Dst:
      return d;
    case CompositeOp.Over:
      return add8(mulc(d, ~am), sm);
    case CompositeOp.OverReverse:
      return add8(mul8(sm, 255 - da), d);
    case CompositeOp.In:
      return mul8(sm, da);
    case CompositeOp.InReverse:
      return mulc(d, am);
    case CompositeOp.Out:
      return mul8(sm, 255 - da);
    case CompositeOp.OutReverse:
      return mulc(d, ~am);
    case CompositeOp.Atop:
      return add8(mulc(d, ~am), mul8(sm, da));
    case CompositeOp.AtopReverse:
      return add8(mulc(d, am), mul8(sm, 255 - da));
    case CompositeOp.Xor:
      return add8(mulc(d, ~am), mul8(sm, 255 - da));
    case CompositeOp.Add:
      return add8(d, sm);
    case CompositeOp.Multiply:
      return add8(add8(mulc(d, ~am), mul8(sm, 255 - da)), mulc(d, sm));
    default:
      return blendInt(INT_BLENDS[op]!, sm, am, d);
  }
}

/** Wraps an integer coordinate into 0..size-1 by the repeat mode; -1 when it falls outside (NONE). */
function repeatCoord(c: number, size: number, repeat: number): number {
  switch (repeat) {
    case Repeat.Normal:
      return ((c % size) + size) % size;
    case Repeat.Pad:
      return c < 0 ? 0 : c >= size ? size - 1 : c;
    case Repeat.Reflect: {
      const m = ((c % (2 * size)) + 2 * size) % (2 * size);
      return m >= size ? 2 * size - m - 1 : m;
    }
    default:
      return c < 0 || c >= size ? -1 : c;
  }
}

/** How one image (source or mask) is sampled: pixman's bits image with transform, filter, repeat. */
interface Sampler {
  readonly image: CanvasImage;
  readonly words: Int32Array;
  readonly alphaFill: number;
  readonly repeat: number;
  readonly bilinear: boolean;
  readonly t: CompositeTransform | null;
}

function makeSampler(
  image: CanvasImage,
  filter: number,
  repeat: number,
  t: CompositeTransform | null,
  opaque: boolean,
): Sampler {
  if (filter === Filter.Convolution || filter === Filter.SeparableConvolution) {
    throw new UnsupportedOperationError(`composite filter ${filter}`);
  }
  const transform = t
    ? { t00: t.t00 | 0, t01: t.t01 | 0, t02: t.t02 | 0, t10: t.t10 | 0, t11: t.t11 | 0, t12: t.t12 | 0 }
    : null;
  const identity =
    !transform ||
    (transform.t00 === FIXED_1 &&
      transform.t01 === 0 &&
      transform.t10 === 0 &&
      transform.t11 === FIXED_1 &&
      transform.t02 % FIXED_1 === 0 &&
      transform.t12 % FIXED_1 === 0);
  return {
    image,
    words: int32View(image.words),
    alphaFill: image.hasAlpha && !opaque ? 0 : 0xff000000 | 0,
    repeat,
    // GOOD and BEST are bilinear in pixman; any filter is nearest under an integer translation.
    bilinear: !identity && (filter === Filter.Bilinear || filter === Filter.Good || filter === Filter.Best),
    t: transform,
  };
}

/** The pixel at integer (x, y) of a sampler's image after the repeat (0 outside with NONE). */
function texel(s: Sampler, x: number, y: number): number {
  const img = s.image;
  const rx = repeatCoord(x, img.width, s.repeat);
  const ry = repeatCoord(y, img.height, s.repeat);
  if (rx < 0 || ry < 0) return 0;
  return s.words[ry * img.stride + rx]! | s.alphaFill;
}

/**
 * Fetches `n` samples of row `y` starting at column `x` (composite-space integer coordinates
 * of the image) into `out`: the pixel centre (x + ½, y + ½) is transformed the way
 * pixman_transform_point_3d rounds, then stepped by the first matrix column per pixel, as pixman's
 * affine fetchers do; NEAREST takes the pixel at floor(v - ε), BILINEAR weighs the four around
 * v - ½ with 7-bit weights.
 */
function fetchRow(s: Sampler, x: number, y: number, n: number, out: Int32Array): void {
  const img = s.image;
  const t = s.t;
  if (!t) {
    // No transform: straight pixel addressing (an identity transform samples the same pixels).
    if (s.repeat === Repeat.None) {
      if (y < 0 || y >= img.height) {
        out.fill(0, 0, n);
        return;
      }
      const row = y * img.stride;
      for (let i = 0; i < n; i++) {
        const xx = x + i;
        out[i] = xx < 0 || xx >= img.width ? 0 : s.words[row + xx]! | s.alphaFill;
      }
      return;
    }
    const ry = repeatCoord(y, img.height, s.repeat);
    for (let i = 0; i < n; i++) {
      const rx = repeatCoord(x + i, img.width, s.repeat);
      out[i] = rx < 0 || ry < 0 ? 0 : s.words[ry * img.stride + rx]! | s.alphaFill;
    }
    return;
  }
  // pixman_transform_point_31_16_3d of (x + ½, y + ½, 1): integer parts times the matrix, plus the
  // rounded product of the ½ fractions.
  const vx =
    t.t00 * x + t.t01 * y + t.t02 + Math.floor((t.t00 * FIXED_HALF + t.t01 * FIXED_HALF + FIXED_HALF) / FIXED_1);
  const vy =
    t.t10 * x + t.t11 * y + t.t12 + Math.floor((t.t10 * FIXED_HALF + t.t11 * FIXED_HALF + FIXED_HALF) / FIXED_1);
  if (!s.bilinear) {
    for (let i = 0; i < n; i++) {
      const px = Math.floor((vx + i * t.t00 - 1) / FIXED_1);
      const py = Math.floor((vy + i * t.t10 - 1) / FIXED_1);
      out[i] = texel(s, px, py);
    }
    return;
  }
  const shift = 1 << (16 - BILINEAR_BITS);
  const wmask = (1 << BILINEAR_BITS) - 1;
  for (let i = 0; i < n; i++) {
    const fx = vx + i * t.t00 - FIXED_HALF;
    const fy = vy + i * t.t10 - FIXED_HALF;
    const x1 = Math.floor(fx / FIXED_1);
    const y1 = Math.floor(fy / FIXED_1);
    const wx = Math.floor(fx / shift) & wmask;
    const wy = Math.floor(fy / shift) & wmask;
    const tl = texel(s, x1, y1);
    const tr = texel(s, x1 + 1, y1);
    const bl = texel(s, x1, y1 + 1);
    const br = texel(s, x1 + 1, y1 + 1);
    const ix = (1 << BILINEAR_BITS) - wx;
    const iy = (1 << BILINEAR_BITS) - wy;
    const wtl = ix * iy;
    const wtr = wx * iy;
    const wbl = ix * wy;
    const wbr = wx * wy;
    let v = 0;
    for (let sh = 0; sh < 32; sh += 8) {
      const c =
        (((tl >>> sh) & 0xff) * wtl +
          ((tr >>> sh) & 0xff) * wtr +
          ((bl >>> sh) & 0xff) * wbl +
          ((br >>> sh) & 0xff) * wbr) >>>
        (2 * BILINEAR_BITS);
      v |= (c & 0xff) << sh;
    }
    out[i] = v;
  }
}

const fr = Math.fround;

/**
 * As fetchRow, for the float pipeline: `n` samples as pixman's argb_t floats, four per pixel
 * (a, r, g, b) into `out`. Nearest and untransformed samples are the 8-bit pixels expanded;
 * BILINEAR interpolates the expanded corners in float32 with weights fraction / 65536, summed in
 * pixman's order (bits_image_fetch_pixel_bilinear_float).
 */
function fetchRowFloat(s: Sampler, x: number, y: number, n: number, words: Int32Array, out: Float64Array): void {
  const t = s.t;
  if (!s.bilinear || !t) {
    fetchRow(s, x, y, n, words);
    for (let i = 0; i < n; i++) out.set(unormToFloat(words[i]!), 4 * i);
    return;
  }
  const vx =
    t.t00 * x + t.t01 * y + t.t02 + Math.floor((t.t00 * FIXED_HALF + t.t01 * FIXED_HALF + FIXED_HALF) / FIXED_1);
  const vy =
    t.t10 * x + t.t11 * y + t.t12 + Math.floor((t.t10 * FIXED_HALF + t.t11 * FIXED_HALF + FIXED_HALF) / FIXED_1);
  for (let i = 0; i < n; i++) {
    const fx = vx + i * t.t00 - FIXED_HALF;
    const fy = vy + i * t.t10 - FIXED_HALF;
    const x1 = Math.floor(fx / FIXED_1);
    const y1 = Math.floor(fy / FIXED_1);
    const distx = (fx & 0xffff) / 65536;
    const disty = (fy & 0xffff) / 65536;
    const wxy = fr(distx * disty);
    const wxiy = fr(distx * fr(1 - disty));
    const wixy = fr(fr(1 - distx) * disty);
    const wixiy = fr(fr(1 - distx) * fr(1 - disty));
    const tl = unormToFloat(texel(s, x1, y1));
    const tr = unormToFloat(texel(s, x1 + 1, y1));
    const bl = unormToFloat(texel(s, x1, y1 + 1));
    const br = unormToFloat(texel(s, x1 + 1, y1 + 1));
    for (let c = 0; c < 4; c++) {
      out[4 * i + c] = fr(fr(fr(fr(tl[c]! * wixiy) + fr(tr[c]! * wxiy)) + fr(bl[c]! * wixy)) + fr(br[c]! * wxy));
    }
  }
}

let floatA = new Float64Array(4096);
let floatB = new Float64Array(4096);
function floatRows(n: number): [Float64Array, Float64Array] {
  if (floatA.length < 4 * n) {
    floatA = new Float64Array(4 * n);
    floatB = new Float64Array(4 * n);
  }
  return [floatA, floatB];
}

/**
 * The common case (OVER or SRC, no mask, no transform, 32-bit destination) without the row
 * buffers: the same arithmetic as the general loop, source pixels read in place.
 */
function overOrSrcRows(
  op: number,
  dst: Int32Array,
  w: number,
  pad: number,
  rects: readonly Rect[],
  src: Sampler,
  dx: number,
  dy: number,
): void {
  const img = src.image;
  const words = src.words;
  const fill = src.alphaFill;
  const over = op === CompositeOp.Over;
  for (const r of rects) {
    const [srow] = rows(r.right - r.left);
    for (let y = r.top; y < r.bottom; y++) {
      const o = y * w;
      let x0 = r.left;
      let x1 = r.right;
      let row = 0;
      const direct = src.repeat === Repeat.None;
      if (direct) {
        const sy = y + dy;
        // Outside the source: transparent black (OVER keeps the destination, SRC clears).
        if (sy < 0 || sy >= img.height) x1 = x0;
        else {
          row = sy * img.stride + dx;
          x0 = Math.max(x0, -dx);
          x1 = Math.min(x1, img.width - dx);
          if (!over) {
            for (let x = r.left; x < Math.min(x0, r.right); x++) dst[o + x] = pad;
            for (let x = Math.max(x1, r.left); x < r.right; x++) dst[o + x] = pad;
          }
        }
        if (x1 <= x0) {
          if (!over) for (let x = r.left; x < r.right; x++) dst[o + x] = pad;
          continue;
        }
      } else {
        // Repeating sources: one row of samples, then the same loop.
        fetchRow(src, r.left + dx, y + dy, r.right - r.left, srow);
      }
      for (let x = x0; x < x1; x++) {
        const s = direct ? words[row + x]! | fill : srow[x - r.left]!;
        if (!over) {
          dst[o + x] = s | pad;
          continue;
        }
        const sa = s >>> 24;
        if (sa === 255) {
          dst[o + x] = s | pad;
        } else if (s !== 0) {
          const d = dst[o + x]! | pad;
          const ia = 255 - sa;
          let rb = (d & 0xff00ff) * ia + 0x800080;
          rb = ((rb + ((rb >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
          let ag = ((d >>> 8) & 0xff00ff) * ia + 0x800080;
          ag = ((ag + ((ag >>> 8) & 0xff00ff)) >>> 8) & 0xff00ff;
          rb += s & 0xff00ff;
          ag += (s >>> 8) & 0xff00ff;
          rb = (rb | (0x1000100 - ((rb >>> 8) & 0xff00ff))) & 0xff00ff;
          ag = (ag | (0x1000100 - ((ag >>> 8) & 0xff00ff))) & 0xff00ff;
          dst[o + x] = rb | (ag << 8) | pad;
        }
      }
    }
  }
}

let rowA = new Int32Array(1024);
let rowB = new Int32Array(1024);
function rows(n: number): [Int32Array, Int32Array] {
  if (rowA.length < n) {
    rowA = new Int32Array(n);
    rowB = new Int32Array(n);
  }
  return [rowA, rowB];
}

/** The ops pixman runs with 8-bit integer combiners (the others go through composite-float). */
const isNarrowOp = (op: number): boolean =>
  (op >= CompositeOp.Clear && op <= CompositeOp.Add) || op === CompositeOp.Multiply || op in INT_BLENDS;

/**
 * The operator pixman runs for a requested one, before it picks a pipeline (optimize_operator):
 * DISJOINT_ and CONJOINT_ CLEAR, SRC and DST are plain CLEAR, SRC and DST, so they go through the
 * 8-bit combiners, not the float ones.
 */
export function pixmanOperator(op: number): number {
  const low = op & 0x0f;
  return (op & 0xf0) === 0x10 || (op & 0xf0) === 0x20 ? (low <= CompositeOp.Dst ? low : op) : op;
}

/** Whether drawComposite renders this op: every pixman operator (0x00-0x0d, 0x10-0x1b, 0x20-0x2b, 0x30-0x3e). */
export const isSupportedCompositeOp = (op: number): boolean => isNarrowOp(op) || isWideCompositeOp(op);

/**
 * Sets filter, repeat and (unless `transform` is undefined: no HAS_*_TRANSFORM) the transform on
 * an image's sampling state, as canvas_draw_composite calls pixman_image_set_*; a surface's
 * state (`sampling`) is updated in place and returned, so a transform stays for later reads.
 */
function applySampling(
  sampling: SurfaceSampling | undefined,
  filter: number,
  repeat: number,
  transform: CompositeTransform | null | undefined,
): SurfaceSampling {
  const state = sampling ?? { transform: null, filter, repeat };
  if (transform !== undefined) state.transform = transform;
  state.filter = filter;
  state.repeat = repeat;
  return state;
}

/**
 * A `width`×`height` image of what pixman fetches from `image` through `sampling` for composite
 * coordinates (x..x+width, y..y+height): pixels without alpha read 0xff, pixels outside (REPEAT
 * NONE) transparent black. For reads of a surface whose pixman image carries a transform.
 */
export function sampleImage(
  image: CanvasImage,
  sampling: Readonly<SurfaceSampling>,
  x: number,
  y: number,
  width: number,
  height: number,
): CanvasImage {
  const s = makeSampler(image, sampling.filter, sampling.repeat, sampling.transform, false);
  const words = new Uint32Array(width * height);
  const row = new Int32Array(width);
  for (let j = 0; j < height; j++) {
    fetchRow(s, x, y + j, width, row);
    words.set(new Uint32Array(row.buffer), j * width);
  }
  return { width, height, stride: width, words, hasAlpha: true };
}

/**
 * DRAW_COMPOSITE as canvas_draw_composite: pixman_image_composite32(op, src, mask, dest) over the
 * box, with the source at `srcOrigin` and the mask at `maskOrigin` for the box's top-left, then
 * kept inside box ∩ clip. Filters, repeats, affine transforms (16.16) and component alpha follow
 * pixman. Ops CLEAR…ADD, MULTIPLY, SCREEN, OVERLAY, DARKEN, LIGHTEN, HARD_LIGHT, DIFFERENCE and
 * EXCLUSION use pixman's 8-bit integer combiners; SATURATE, DISJOINT_*, CONJOINT_*, COLOR_DODGE,
 * COLOR_BURN, SOFT_LIGHT and HSL_* its float32 pipeline (composite-float.ts). 32-bit (xRGB reads
 * alpha 0xff) and A8 surfaces are targets; an A8 image is one with words 0xAA000000
 * (imageFromSurface gives that for A8 surfaces). The client ignores DEST_OPAQUE (it reads the
 * destination in the surface format), and so does this. Unknown op codes and the convolution
 * filters throw UnsupportedOperationError.
 */
export function drawComposite(surface: CanvasSurface, box: Rect, clip: Clip, draw: CompositeDraw): void {
  const flags = draw.flags >>> 0;
  const op = pixmanOperator(flags & CompositeFlags.OpMask);
  if (!isSupportedCompositeOp(op)) throw new UnsupportedOperationError(`composite op 0x${op.toString(16)}`);
  const opaqueSrc = (flags & CompositeFlags.SourceOpaque) !== 0 && draw.srcIsSurface === true;
  // The client sets the state on the source's pixman image, then the mask's: a surface's own
  // image keeps it (SOURCE_OPAQUE on a surface with alpha reads a fresh image instead).
  const srcState = applySampling(
    opaqueSrc && draw.src.hasAlpha ? undefined : draw.src.sampling,
    (flags >>> CompositeFlags.SrcFilterShift) & 7,
    (flags >>> CompositeFlags.SrcRepeatShift) & 3,
    flags & CompositeFlags.HasSrcTransform ? (draw.srcTransform ?? null) : undefined,
  );
  const maskImage = flags & CompositeFlags.HasMask ? (draw.mask ?? null) : null;
  const maskState = maskImage
    ? applySampling(
        maskImage.sampling,
        (flags >>> CompositeFlags.MaskFilterShift) & 7,
        (flags >>> CompositeFlags.MaskRepeatShift) & 3,
        flags & CompositeFlags.HasMaskTransform ? (draw.maskTransform ?? null) : undefined,
      )
    : null;
  const rects = clipRects(box, clip, surface.width, surface.height);
  if (rects.length === 0 || op === CompositeOp.Dst) return;
  // One surface as source and mask is one pixman image: it has the state set last.
  const src = makeSampler(draw.src, srcState.filter, srcState.repeat, srcState.transform, opaqueSrc);
  const mask = maskImage
    ? makeSampler(maskImage, maskState!.filter, maskState!.repeat, maskState!.transform, false)
    : null;
  const ca = mask !== null && (flags & CompositeFlags.ComponentAlpha) !== 0;
  const wide = !isNarrowOp(op);
  const a8 = surface.format === SurfaceFmt.A8;
  const dst = a8 ? null : int32View(surface.words);
  const px = surface.pixels;
  const w = surface.width;
  const pad = surface.format === SurfaceFmt.X8r8g8b8 ? 0xff000000 | 0 : 0;
  if (dst && !mask && !src.t && (op === CompositeOp.Over || op === CompositeOp.Src)) {
    overOrSrcRows(op, dst, w, pad, rects, src, draw.srcOrigin.x - box.left, draw.srcOrigin.y - box.top);
    return;
  }
  // The float pipeline samples bilinear in float: those draws fetch float rows.
  const floatFetch = wide && (src.bilinear || mask?.bilinear === true);
  for (const r of rects) {
    const n = r.right - r.left;
    const [srow, mrow] = rows(n);
    const cx = r.left - box.left;
    if (floatFetch) {
      const [sf, mf] = floatRows(n);
      for (let y = r.top; y < r.bottom; y++) {
        const cy = y - box.top;
        fetchRowFloat(src, draw.srcOrigin.x + cx, draw.srcOrigin.y + cy, n, srow, sf);
        if (mask) fetchRowFloat(mask, draw.maskOrigin.x + cx, draw.maskOrigin.y + cy, n, mrow, mf);
        const o = y * w + r.left;
        for (let i = 0; i < n; i++) {
          const d = dst ? dst[o + i]! | pad : px[o + i]! << 24;
          const sv = [sf[4 * i]!, sf[4 * i + 1]!, sf[4 * i + 2]!, sf[4 * i + 3]!];
          const mv = mask ? [mf[4 * i]!, mf[4 * i + 1]!, mf[4 * i + 2]!, mf[4 * i + 3]!] : null;
          const v = combineWideFloat(op, sv, mv, ca, d);
          if (dst) dst[o + i] = v | pad;
          else px[o + i] = v >>> 24;
        }
      }
      continue;
    }
    for (let y = r.top; y < r.bottom; y++) {
      const cy = y - box.top;
      fetchRow(src, draw.srcOrigin.x + cx, draw.srcOrigin.y + cy, n, srow);
      if (mask) fetchRow(mask, draw.maskOrigin.x + cx, draw.maskOrigin.y + cy, n, mrow);
      const o = y * w + r.left;
      for (let i = 0; i < n; i++) {
        // xRGB destinations read as opaque, A8 ones as alpha only.
        const d = dst ? dst[o + i]! | pad : px[o + i]! << 24;
        let v: number;
        if (wide) {
          v = combineWide(op, srow[i]!, mask ? mrow[i]! : null, ca, d);
        } else if (ca) {
          v = combineComponent(op, srow[i]!, mrow[i]!, d);
        } else {
          let s = srow[i]!;
          if (mask) {
            const m = mrow[i]! >>> 24;
            s = m === 0 ? 0 : mul8(s, m);
          }
          if (op === CompositeOp.Over) {
            const sa = s >>> 24;
            v = sa === 255 ? s : s === 0 ? d : add8(mul8(d, 255 - sa), s);
          } else if (op === CompositeOp.Src) {
            v = s;
          } else {
            v = combineUnified(op, s, d);
          }
        }
        if (dst) dst[o + i] = v | pad;
        else px[o + i] = v >>> 24;
      }
    }
  }
}
