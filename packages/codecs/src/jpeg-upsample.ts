/** A decoded component plane: `width` × `height` samples belong to the image, rows `planeWidth` apart. */
export interface ComponentPlane {
  width: number;
  height: number;
  planeWidth: number;
  plane: Uint8Array | null;
}

/**
 * Brings one component to the full image size (`rx` × `ry` times its own), as libjpeg-turbo's
 * default decompression does (jdsample.c with do_fancy_upsampling):
 * - 2x1: each output sample is 3/4 of the nearer input sample plus 1/4 of the next one over,
 *   rounding alternately down and up; the first and last output columns copy the edge sample;
 * - 2x2: the same triangle filter in both directions (3/4 nearer row + 1/4 farther row, then
 *   across), with libjpeg's alternating rounding biases (8 and 7 over 16); rows above the first
 *   and below the last repeat the edge row;
 * - 1x2: the vertical half of that (biases 1 and 2 over 4), as libjpeg-turbo ≥ 2.0;
 * - 2x1 and 2x2 planes of 2 samples or fewer a row, and every other integral ratio: box
 *   replication (libjpeg's int_upsample / h2v1_upsample / h2v2_upsample).
 * Returns `width` × `height` samples, packed.
 */
export function upsampleComponent(
  c: ComponentPlane,
  rx: number,
  ry: number,
  width: number,
  height: number,
): Uint8Array {
  const src = c.plane!;
  const pw = c.planeWidth;
  const out = new Uint8Array(width * height);
  const cw = c.width;
  const ch = c.height;
  if (rx === 1 && ry === 1) {
    for (let y = 0; y < height; y++) out.set(src.subarray(y * pw, y * pw + width), y * width);
    return out;
  }
  if (rx === 2 && ry === 1 && cw > 2) {
    const row = new Uint8Array(cw * 2);
    for (let y = 0; y < height; y++) {
      h2Fancy(src, y * pw, cw, row);
      out.set(row.subarray(0, width), y * width);
    }
    return out;
  }
  if (rx === 2 && ry === 2 && cw > 2) {
    const sums = new Int32Array(cw);
    const row = new Uint8Array(cw * 2);
    for (let y = 0; y < height; y++) {
      const near = y >> 1;
      let far = y & 1 ? near + 1 : near - 1;
      if (far < 0) far = 0;
      if (far > ch - 1) far = ch - 1;
      const n0 = near * pw;
      const f0 = far * pw;
      for (let x = 0; x < cw; x++) sums[x] = src[n0 + x]! * 3 + src[f0 + x]!;
      h2v2Row(sums, cw, row);
      out.set(row.subarray(0, width), y * width);
    }
    return out;
  }
  if (rx === 1 && ry === 2) {
    for (let y = 0; y < height; y++) {
      const near = y >> 1;
      const lower = (y & 1) === 1;
      let far = lower ? near + 1 : near - 1;
      if (far < 0) far = 0;
      if (far > ch - 1) far = ch - 1;
      const bias = lower ? 2 : 1;
      const n0 = near * pw;
      const f0 = far * pw;
      const o = y * width;
      for (let x = 0; x < width; x++) out[o + x] = (src[n0 + x]! * 3 + src[f0 + x]! + bias) >> 2;
    }
    return out;
  }
  for (let y = 0; y < height; y++) {
    const s = Math.floor(y / ry) * pw;
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = src[s + Math.floor(x / rx)]!;
  }
  return out;
}

/** Horizontal 2x triangle filter of `n` (> 2) samples at `src[at]` into `out[0 .. 2n)`. */
function h2Fancy(src: Uint8Array, at: number, n: number, out: Uint8Array): void {
  let v = src[at]!;
  out[0] = v;
  out[1] = (v * 3 + src[at + 1]! + 2) >> 2;
  for (let i = 1; i < n - 1; i++) {
    v = src[at + i]! * 3;
    out[2 * i] = (v + src[at + i - 1]! + 1) >> 2;
    out[2 * i + 1] = (v + src[at + i + 1]! + 2) >> 2;
  }
  v = src[at + n - 1]!;
  out[2 * n - 2] = (v * 3 + src[at + n - 2]! + 1) >> 2;
  out[2 * n - 1] = v;
}

/** Horizontal step of 2x2 fancy upsampling over column sums (3 × near + far) of `n` (> 2) samples. */
function h2v2Row(sums: Int32Array, n: number, out: Uint8Array): void {
  let s = sums[0]!;
  out[0] = (s * 4 + 8) >> 4;
  out[1] = (s * 3 + sums[1]! + 7) >> 4;
  for (let i = 1; i < n - 1; i++) {
    s = sums[i]! * 3;
    out[2 * i] = (s + sums[i - 1]! + 8) >> 4;
    out[2 * i + 1] = (s + sums[i + 1]! + 7) >> 4;
  }
  s = sums[n - 1]!;
  out[2 * n - 2] = (s * 3 + sums[n - 2]! + 8) >> 4;
  out[2 * n - 1] = (s * 4 + 7) >> 4;
}
