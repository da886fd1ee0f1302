/**
 * The accurate integer inverse DCT of the IJG library ("islow", the default `JDCT_ISLOW` of
 * libjpeg and libjpeg-turbo, which spice-gtk uses): the Loeffler-Ligtenberg-Moschytz factorisation
 * with 13-bit fixed-point constants and 2 extra bits of precision between the column and the row
 * pass. Rounding and descaling follow that algorithm so decoded samples equal libjpeg's on valid
 * streams. Written from the published algorithm; the arithmetic wraps at 32 bits as C `int` would.
 */

const CONST_BITS = 13;
const PASS1_BITS = 2;

// round(x × 2^13) of the rotation constants.
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

const SHIFT1 = CONST_BITS - PASS1_BITS;
const ROUND1 = 1 << (SHIFT1 - 1);
const SHIFT2 = CONST_BITS + PASS1_BITS + 3;
const ROUND2 = 1 << (SHIFT2 - 1);

const workspace = new Int32Array(64);

/**
 * Inverse-transforms one block of dequantized coefficients (natural order) into 8x8 samples
 * (level-shifted by 128 and clamped to 0..255) at `out[offset + row × stride + col]`.
 */
export function idctIslow(coef: Int32Array, out: Uint8Array, offset: number, stride: number): void {
  const ws = workspace;
  // Pass 1: columns, results scaled up by 2^PASS1_BITS.
  for (let c = 0; c < 8; c++) {
    const d1 = coef[8 + c]!;
    const d2 = coef[16 + c]!;
    const d3 = coef[24 + c]!;
    const d4 = coef[32 + c]!;
    const d5 = coef[40 + c]!;
    const d6 = coef[48 + c]!;
    const d7 = coef[56 + c]!;
    if ((d1 | d2 | d3 | d4 | d5 | d6 | d7) === 0) {
      const dc = coef[c]! << PASS1_BITS;
      for (let r = 0; r < 64; r += 8) ws[r + c] = dc;
      continue;
    }
    const d0 = coef[c]!;
    // Even part.
    let z1 = (d2 + d6) * FIX_0_541196100;
    const e2 = z1 - d6 * FIX_1_847759065;
    const e3 = z1 + d2 * FIX_0_765366865;
    const e0 = (d0 + d4) << CONST_BITS;
    const e1 = (d0 - d4) << CONST_BITS;
    const t10 = e0 + e3;
    const t13 = e0 - e3;
    const t11 = e1 + e2;
    const t12 = e1 - e2;
    // Odd part.
    z1 = d7 + d1;
    let z2 = d5 + d3;
    let z3 = d7 + d3;
    let z4 = d5 + d1;
    const z5 = (z3 + z4) * FIX_1_175875602;
    let o0 = d7 * FIX_0_298631336;
    let o1 = d5 * FIX_2_053119869;
    let o2 = d3 * FIX_3_072711026;
    let o3 = d1 * FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    o0 += z1 + z3;
    o1 += z2 + z4;
    o2 += z2 + z3;
    o3 += z1 + z4;
    ws[c] = (t10 + o3 + ROUND1) >> SHIFT1;
    ws[56 + c] = (t10 - o3 + ROUND1) >> SHIFT1;
    ws[8 + c] = (t11 + o2 + ROUND1) >> SHIFT1;
    ws[48 + c] = (t11 - o2 + ROUND1) >> SHIFT1;
    ws[16 + c] = (t12 + o1 + ROUND1) >> SHIFT1;
    ws[40 + c] = (t12 - o1 + ROUND1) >> SHIFT1;
    ws[24 + c] = (t13 + o0 + ROUND1) >> SHIFT1;
    ws[32 + c] = (t13 - o0 + ROUND1) >> SHIFT1;
  }
  // Pass 2: rows, descaled by 2^(PASS1_BITS + 3) and level-shifted.
  for (let r = 0; r < 64; r += 8) {
    const d0 = ws[r]!;
    const d1 = ws[r + 1]!;
    const d2 = ws[r + 2]!;
    const d3 = ws[r + 3]!;
    const d4 = ws[r + 4]!;
    const d5 = ws[r + 5]!;
    const d6 = ws[r + 6]!;
    const d7 = ws[r + 7]!;
    const o = offset + (r >> 3) * stride;
    if ((d1 | d2 | d3 | d4 | d5 | d6 | d7) === 0) {
      const v = clamp(((d0 + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3)) + 128);
      for (let k = 0; k < 8; k++) out[o + k] = v;
      continue;
    }
    let z1 = (d2 + d6) * FIX_0_541196100;
    const e2 = z1 - d6 * FIX_1_847759065;
    const e3 = z1 + d2 * FIX_0_765366865;
    const e0 = (d0 + d4) << CONST_BITS;
    const e1 = (d0 - d4) << CONST_BITS;
    const t10 = e0 + e3;
    const t13 = e0 - e3;
    const t11 = e1 + e2;
    const t12 = e1 - e2;
    z1 = d7 + d1;
    let z2 = d5 + d3;
    let z3 = d7 + d3;
    let z4 = d5 + d1;
    const z5 = (z3 + z4) * FIX_1_175875602;
    let o0 = d7 * FIX_0_298631336;
    let o1 = d5 * FIX_2_053119869;
    let o2 = d3 * FIX_3_072711026;
    let o3 = d1 * FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    o0 += z1 + z3;
    o1 += z2 + z4;
    o2 += z2 + z3;
    o3 += z1 + z4;
    out[o] = clamp(((t10 + o3 + ROUND2) >> SHIFT2) + 128);
    out[o + 7] = clamp(((t10 - o3 + ROUND2) >> SHIFT2) + 128);
    out[o + 1] = clamp(((t11 + o2 + ROUND2) >> SHIFT2) + 128);
    out[o + 6] = clamp(((t11 - o2 + ROUND2) >> SHIFT2) + 128);
    out[o + 2] = clamp(((t12 + o1 + ROUND2) >> SHIFT2) + 128);
    out[o + 5] = clamp(((t12 - o1 + ROUND2) >> SHIFT2) + 128);
    out[o + 3] = clamp(((t13 + o0 + ROUND2) >> SHIFT2) + 128);
    out[o + 4] = clamp(((t13 - o0 + ROUND2) >> SHIFT2) + 128);
  }
}

function clamp(v: number): number {
  return (v & ~255) === 0 ? v : v < 0 ? 0 : 255;
}
