import { Ropd } from '@spice-ts/protocol';

/**
 * The sixteen binary raster operations of spice-common (SpiceROP, the X11 GX codes). Bit 3 of the
 * code is the result for (src 0, dest 0), bit 2 for (0, 1), bit 1 for (1, 0), bit 0 for (1, 1).
 */
export const Rop = {
  Clear: 0x0,
  And: 0x1,
  AndReverse: 0x2,
  Copy: 0x3,
  AndInverted: 0x4,
  Noop: 0x5,
  Xor: 0x6,
  Or: 0x7,
  Nor: 0x8,
  Equiv: 0x9,
  Invert: 0xa,
  OrReverse: 0xb,
  CopyInverted: 0xc,
  OrInverted: 0xd,
  Nand: 0xe,
  Set: 0xf,
} as const;
export type Rop = (typeof Rop)[keyof typeof Rop];

/** Which operand of a draw plays "src" and which "dest" when a ROP descriptor is read. */
export const RopInput = { Src: 0, Brush: 1, Dest: 2 } as const;
export type RopInput = (typeof RopInput)[keyof typeof RopInput];

const INVERT_BIT: Record<RopInput, number> = {
  [RopInput.Src]: Ropd.InversSrc,
  [RopInput.Brush]: Ropd.InversBrush,
  [RopInput.Dest]: Ropd.InversDest,
};

/** The binary op of each base operation, indexed by [inverted src][inverted dest][inverted result]. */
function baseOp(op: 'or' | 'and' | 'xor', s: boolean, d: boolean, r: boolean): Rop {
  // Build the truth table of the operation on (possibly inverted) operands, then read it as a code.
  let code = 0;
  for (let si = 0; si < 2; si++) {
    for (let di = 0; di < 2; di++) {
      const a = s ? 1 - si : si;
      const b = d ? 1 - di : di;
      let v = op === 'or' ? a | b : op === 'and' ? a & b : a ^ b;
      if (r) v = 1 - v;
      if (v) code |= 1 << (3 - ((si << 1) | di));
    }
  }
  return code as Rop;
}

/**
 * Reads a SPICE ROP descriptor as canvas_base does: the INVERS bit of the operand that plays
 * `srcInput` inverts the src, that of `destInput` the dest, INVERS_RES the result; PUT, OR, AND,
 * XOR are tried in that order, then BLACKNESS, WHITENESS, INVERS; nothing set means copy.
 */
export function ropdToRop(descriptor: number, srcInput: RopInput, destInput: RopInput): Rop {
  const s = (descriptor & INVERT_BIT[srcInput]) !== 0;
  const d = (descriptor & INVERT_BIT[destInput]) !== 0;
  const r = (descriptor & Ropd.InversRes) !== 0;
  if (descriptor & Ropd.OpPut) return s !== r ? Rop.CopyInverted : Rop.Copy;
  if (descriptor & Ropd.OpOr) return baseOp('or', s, d, r);
  if (descriptor & Ropd.OpAnd) return baseOp('and', s, d, r);
  if (descriptor & Ropd.OpXor) return baseOp('xor', s, d, r);
  if (descriptor & Ropd.OpBlackness) return Rop.Clear;
  if (descriptor & Ropd.OpWhiteness) return Rop.Set;
  if (descriptor & Ropd.OpInvers) return Rop.Invert;
  return Rop.Copy;
}

/** Applies a binary raster op to two 32-bit words. */
export function applyRop(rop: Rop, src: number, dest: number): number {
  const m8 = rop & 8 ? -1 : 0;
  const m4 = rop & 4 ? -1 : 0;
  const m2 = rop & 2 ? -1 : 0;
  const m1 = rop & 1 ? -1 : 0;
  return ((~src & ~dest & m8) | (~src & dest & m4) | (src & ~dest & m2) | (src & dest & m1)) >>> 0;
}

/** The four minterm masks (-1 or 0) of a binary op: (~s&~d), (~s&d), (s&~d), (s&d). */
export function ropMasks(rop: Rop): [number, number, number, number] {
  return [rop & 8 ? -1 : 0, rop & 4 ? -1 : 0, rop & 2 ? -1 : 0, rop & 1 ? -1 : 0];
}

/**
 * A binary op in algebraic normal form: result = k ^ (a & src) ^ (b & dest) ^ (c & src & dest),
 * each coefficient 0 or -1 (fewer operations per pixel than the four-minterm form).
 */
export function ropAnf(rop: Rop): [k: number, a: number, b: number, c: number] {
  const f00 = (rop >> 3) & 1;
  const f01 = (rop >> 2) & 1;
  const f10 = (rop >> 1) & 1;
  const f11 = rop & 1;
  return [-f00, -(f00 ^ f10), -(f00 ^ f01), -(f00 ^ f01 ^ f10 ^ f11)];
}

/**
 * Applies `rop` to `n` words: dst[o + i] = rop(src[s0 + i] | srcFill, dst[o + i]) | pad. The
 * common ops get their own loops; the others go through the normal form.
 */
export function ropRow(
  rop: Rop,
  dst: Int32Array,
  o: number,
  src: Int32Array,
  s0: number,
  n: number,
  srcFill: number,
  pad: number,
): void {
  const e = o + n;
  const d0 = s0 - o;
  switch (rop) {
    case Rop.Copy:
      for (let i = o; i < e; i++) dst[i] = src[i + d0]! | srcFill | pad;
      return;
    case Rop.And:
      for (let i = o; i < e; i++) dst[i] = ((src[i + d0]! | srcFill) & dst[i]!) | pad;
      return;
    case Rop.Or:
      for (let i = o; i < e; i++) dst[i] = src[i + d0]! | srcFill | dst[i]! | pad;
      return;
    case Rop.Xor:
      for (let i = o; i < e; i++) dst[i] = ((src[i + d0]! | srcFill) ^ dst[i]!) | pad;
      return;
    default: {
      const [k, a, b, c] = ropAnf(rop);
      for (let i = o; i < e; i++) {
        const s = src[i + d0]! | srcFill;
        const d = dst[i]!;
        dst[i] = (k ^ (a & s) ^ (b & d) ^ (c & s & d)) | pad;
      }
    }
  }
}

/**
 * `rop` with a fixed src word reduced to dest → (dest & and) ^ xor: per bit the result is 0, 1,
 * dest or ~dest.
 */
export function ropWithSrc(rop: Rop, src: number): [and: number, xor: number] {
  const [m8, m4, m2, m1] = ropMasks(rop);
  const p = (~src & m8) | (src & m2);
  const q = (~src & m4) | (src & m1);
  return [p ^ q, p];
}
