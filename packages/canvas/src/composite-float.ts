/**
 * The operators pixman runs in single-precision floating point (its "wide" pipeline, chosen for
 * operators that divide): SATURATE, the DISJOINT and CONJOINT families, COLOR_DODGE,
 * COLOR_BURN, SOFT_LIGHT and the four HSL modes. Every intermediate value is rounded to float32
 * (Math.fround) in the order C evaluates it, channels are expanded as c × (1/255)f and contracted
 * by truncating f × 256 then subtracting u >> 8, as pixman does.
 */

const f = Math.fround;
const INV_255 = f(1 / 255);
/** FLT_MIN of float.h. */
const FLT_MIN = 1.1754943508222875e-38;
const L_R = f(0.3);
const L_G = f(0.59);
const L_B = f(0.11);

const isZero = (x: number): boolean => -FLT_MIN < x && x < FLT_MIN;
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

const toFloat = (c: number): number => f(c * INV_255);
function toUnorm(x: number): number {
  let v = x;
  if (v > 1) v = 1;
  if (!(v >= 0)) v = 0;
  const u = Math.trunc(f(v * 256));
  return u - (u >> 8);
}

/** combine_factor_t of pixman-combine-float.c. */
const F = {
  Zero: 0,
  One: 1,
  SrcAlpha: 2,
  DestAlpha: 3,
  InvSa: 4,
  InvDa: 5,
  SaOverDa: 6,
  DaOverSa: 7,
  InvSaOverDa: 8,
  InvDaOverSa: 9,
  OneMinusSaOverDa: 10,
  OneMinusDaOverSa: 11,
  OneMinusInvDaOverSa: 12,
  OneMinusInvSaOverDa: 13,
} as const;

function factor(which: number, sa: number, da: number): number {
  switch (which) {
    case F.Zero:
      return 0;
    case F.One:
      return 1;
    case F.SrcAlpha:
      return sa;
    case F.DestAlpha:
      return da;
    case F.InvSa:
      return f(1 - sa);
    case F.InvDa:
      return f(1 - da);
    case F.SaOverDa:
      return isZero(da) ? 1 : clamp01(f(sa / da));
    case F.DaOverSa:
      return isZero(sa) ? 1 : clamp01(f(da / sa));
    case F.InvSaOverDa:
      return isZero(da) ? 1 : clamp01(f(f(1 - sa) / da));
    case F.InvDaOverSa:
      return isZero(sa) ? 1 : clamp01(f(f(1 - da) / sa));
    case F.OneMinusSaOverDa:
      return isZero(da) ? 0 : clamp01(f(1 - f(sa / da)));
    case F.OneMinusDaOverSa:
      return isZero(sa) ? 0 : clamp01(f(1 - f(da / sa)));
    case F.OneMinusInvDaOverSa:
      return isZero(sa) ? 0 : clamp01(f(1 - f(f(1 - da) / sa)));
    default:
      return isZero(da) ? 0 : clamp01(f(1 - f(f(1 - sa) / da)));
  }
}

/** The (source factor, destination factor) of the Porter-Duff ops that pixman runs in float. */
const PD_FACTORS: Record<number, readonly [number, number]> = {
  13: [F.InvDaOverSa, F.One], // SATURATE
  16: [F.Zero, F.Zero],
  17: [F.One, F.Zero],
  18: [F.Zero, F.One],
  19: [F.One, F.InvSaOverDa],
  20: [F.InvDaOverSa, F.One],
  21: [F.OneMinusInvDaOverSa, F.Zero],
  22: [F.Zero, F.OneMinusInvSaOverDa],
  23: [F.InvDaOverSa, F.Zero],
  24: [F.Zero, F.InvSaOverDa],
  25: [F.OneMinusInvDaOverSa, F.InvSaOverDa],
  26: [F.InvDaOverSa, F.OneMinusInvSaOverDa],
  27: [F.InvDaOverSa, F.InvSaOverDa],
  32: [F.Zero, F.Zero],
  33: [F.One, F.Zero],
  34: [F.Zero, F.One],
  35: [F.One, F.OneMinusSaOverDa],
  36: [F.OneMinusDaOverSa, F.One],
  37: [F.DaOverSa, F.Zero],
  38: [F.Zero, F.SaOverDa],
  39: [F.OneMinusDaOverSa, F.Zero],
  40: [F.Zero, F.OneMinusSaOverDa],
  41: [F.DaOverSa, F.OneMinusSaOverDa],
  42: [F.OneMinusDaOverSa, F.SaOverDa],
  43: [F.OneMinusDaOverSa, F.OneMinusSaOverDa],
};

type Blend = (sa: number, s: number, da: number, d: number) => number;

const colorDodge: Blend = (sa, s, da, d) => {
  if (isZero(d)) return 0;
  if (f(d * sa) >= f(f(sa * da) - f(s * da))) return f(sa * da);
  if (isZero(f(sa - s))) return f(sa * da);
  return f(f(f(sa * sa) * d) / f(sa - s));
};
const colorBurn: Blend = (sa, s, da, d) => {
  if (d >= da) return f(sa * da);
  if (f(sa * f(da - d)) >= f(s * da)) return 0;
  if (isZero(s)) return 0;
  return f(sa * f(da - f(f(sa * f(da - d)) / s)));
};
const softLight: Blend = (sa, s, da, d) => {
  if (f(2 * s) <= sa) {
    if (isZero(da)) return f(d * sa);
    return f(f(d * sa) - f(f(f(d * f(da - d)) * f(sa - f(2 * s))) / da));
  }
  if (isZero(da)) return f(d * sa);
  if (f(4 * d) <= da) {
    const t = f(f(f(f(f(f(16 * d) / da) - 12) * d) / da) + 3);
    return f(f(d * sa) + f(f(f(f(2 * s) - sa) * d) * t));
  }
  return f(f(d * sa) + f(f(f(Math.sqrt(f(d * da))) - d) * f(f(2 * s) - sa)));
};

/** Separable PDF modes that divide: COLOR_DODGE, COLOR_BURN, SOFT_LIGHT. */
const SEPARABLE: Record<number, Blend> = { 53: colorDodge, 54: colorBurn, 56: softLight };

const HSL_HUE = 0x3b;
const HSL_SATURATION = 0x3c;
const HSL_COLOR = 0x3d;
const HSL_LUMINOSITY = 0x3e;

/** Whether pixman composites `op` through its float pipeline (operator_needs_division). */
export function isWideCompositeOp(op: number): boolean {
  return op in PD_FACTORS || op in SEPARABLE || (op >= HSL_HUE && op <= HSL_LUMINOSITY);
}

type Rgb = [number, number, number];

const lum = (c: Rgb): number => f(f(f(c[0] * L_R) + f(c[1] * L_G)) + f(c[2] * L_B));
const cmin = (c: Rgb): number => Math.min(c[0], c[1], c[2]);
const cmax = (c: Rgb): number => Math.max(c[0], c[1], c[2]);

function clipColor(c: Rgb, a: number): void {
  const l = lum(c);
  const n = cmin(c);
  const x = cmax(c);
  if (n < 0) {
    const t = f(l - n);
    for (let i = 0; i < 3; i++) c[i] = isZero(t) ? 0 : f(l + f(f(f(c[i]! - l) * l) / t));
  }
  if (x > a) {
    const t = f(x - l);
    for (let i = 0; i < 3; i++) c[i] = isZero(t) ? a : f(l + f(f(f(c[i]! - l) * f(a - l)) / t));
  }
}

function setLum(c: Rgb, sa: number, l: number): void {
  const d = f(l - lum(c));
  for (let i = 0; i < 3; i++) c[i] = f(c[i]! + d);
  clipColor(c, sa);
}

function setSat(c: Rgb, sat: number): void {
  const [r, g, b] = c;
  // The max/mid/min choice of pixman's set_sat, ties included.
  let max: number;
  let mid: number;
  let min: number;
  if (r > g) {
    if (r > b) {
      max = 0;
      [mid, min] = g > b ? [1, 2] : [2, 1];
    } else {
      [max, mid, min] = [2, 0, 1];
    }
  } else if (r > b) {
    [max, mid, min] = [1, 0, 2];
  } else {
    min = 0;
    [max, mid] = g > b ? [1, 2] : [2, 1];
  }
  const t = f(c[max]! - c[min]!);
  if (isZero(t)) {
    c[mid] = 0;
    c[max] = 0;
  } else {
    c[mid] = f(f(f(c[mid]! - c[min]!) * sat) / t);
    c[max] = sat;
  }
  c[min] = 0;
}

const sat = (c: Rgb): number => f(cmax(c) - cmin(c));

function blendHsl(op: number, dc: Rgb, da: number, sc: Rgb, sa: number): Rgb {
  const scale = (c: Rgb, k: number): Rgb => [f(c[0] * k), f(c[1] * k), f(c[2] * k)];
  const both = f(sa * da);
  switch (op) {
    case HSL_HUE: {
      const res = scale(sc, da);
      setSat(res, f(sat(dc) * sa));
      setLum(res, both, f(lum(dc) * sa));
      return res;
    }
    case HSL_SATURATION: {
      const res = scale(dc, sa);
      setSat(res, f(sat(sc) * da));
      setLum(res, both, f(lum(dc) * sa));
      return res;
    }
    case HSL_COLOR: {
      const res = scale(sc, da);
      setLum(res, both, f(lum(dc) * sa));
      return res;
    }
    default: {
      const res = scale(dc, sa);
      setLum(res, both, f(lum(sc) * da));
      return res;
    }
  }
}

/**
 * One pixel of a float-pipeline op. `s`, `m` and `d` are 0xAARRGGBB words as fetched (m is null
 * without a mask); the result is the contracted 0xAARRGGBB word.
 */
export function combineWide(op: number, s: number, m: number | null, componentAlpha: boolean, d: number): number {
  return combineWideFloat(op, unormToFloat(s), m === null ? null : unormToFloat(m), componentAlpha, d);
}

/** A 0xAARRGGBB word as pixman's argb_t floats [a, r, g, b] (unorm_to_float). */
export function unormToFloat(v: number): [number, number, number, number] {
  return [toFloat(v >>> 24), toFloat((v >>> 16) & 0xff), toFloat((v >>> 8) & 0xff), toFloat(v & 0xff)];
}

/**
 * As combineWide, with the source and mask already fetched as floats [a, r, g, b] (pixman's float
 * fetchers: bilinear sampling in the float pipeline gives values between the 8-bit steps).
 */
export function combineWideFloat(
  op: number,
  s: readonly number[],
  m: readonly number[] | null,
  componentAlpha: boolean,
  d: number,
): number {
  let sa = s[0]!;
  const sc: Rgb = [s[1]!, s[2]!, s[3]!];
  const da = toFloat(d >>> 24);
  const dc: Rgb = [toFloat((d >>> 16) & 0xff), toFloat((d >>> 8) & 0xff), toFloat(d & 0xff)];
  if (op >= HSL_HUE && op <= HSL_LUMINOSITY) {
    // pixman has no component-alpha HSL combiner: it leaves the destination.
    if (m !== null && componentAlpha) return d;
    if (m !== null) {
      const ma = m[0]!;
      sa = f(sa * ma);
      sc[0] = f(sc[0] * ma);
      // pixman scales green twice and blue not at all here; the client does the same.
      sc[1] = f(sc[1] * ma);
      sc[1] = f(sc[1] * ma);
    }
    const rc = blendHsl(op, dc, da, sc, sa);
    const a = f(f(sa + da) - f(sa * da));
    const ch = (i: number) => f(f(f(f(1 - sa) * dc[i]!) + f(f(1 - da) * sc[i]!)) + rc[i]!);
    return ((toUnorm(a) << 24) | (toUnorm(ch(0)) << 16) | (toUnorm(ch(1)) << 8) | toUnorm(ch(2))) >>> 0;
  }
  // combine_inner: the per-channel "alpha" each channel is combined with.
  const ma: [number, number, number, number] = [sa, sa, sa, sa];
  if (m !== null) {
    if (componentAlpha) {
      const mc = m;
      for (let i = 0; i < 3; i++) sc[i] = f(sc[i]! * mc[i + 1]!);
      for (let i = 0; i < 4; i++) ma[i] = f(mc[i]! * sa);
      sa = ma[0];
    } else {
      const mA = m[0]!;
      sa = f(sa * mA);
      for (let i = 0; i < 3; i++) sc[i] = f(sc[i]! * mA);
      ma.fill(sa);
    }
  }
  const pd = PD_FACTORS[op];
  let out: number[];
  if (pd) {
    const one = (a: number, sv: number, dv: number) =>
      Math.min(1, f(f(sv * factor(pd[0], a, da)) + f(dv * factor(pd[1], a, da))));
    out = [one(ma[0], sa, da), one(ma[1], sc[0], dc[0]), one(ma[2], sc[1], dc[1]), one(ma[3], sc[2], dc[2])];
  } else {
    const blend = SEPARABLE[op]!;
    const c = (a: number, sv: number, dv: number) => f(f(f(f(1 - a) * dv) + f(f(1 - da) * sv)) + blend(a, sv, da, dv));
    out = [f(f(da + ma[0]) - f(da * ma[0])), c(ma[1], sc[0], dc[0]), c(ma[2], sc[1], dc[1]), c(ma[3], sc[2], dc[2])];
  }
  return ((toUnorm(out[0]!) << 24) | (toUnorm(out[1]!) << 16) | (toUnorm(out[2]!) << 8) | toUnorm(out[3]!)) >>> 0;
}
