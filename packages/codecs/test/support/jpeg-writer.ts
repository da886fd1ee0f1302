/**
 * A tiny baseline JPEG writer for tests: every 8x8 block is flat (DC only), all quantisation steps
 * are 1, so a block of level v decodes to exactly v. It writes what sharp cannot be asked for:
 * restart intervals and one scan per component.
 */

/** Standard DC luminance table (ITU T.81 K.3): code counts by length, then symbols. */
const DC_COUNTS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_SYMBOLS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

function dcCodes(): { code: number; length: number }[] {
  const codes: { code: number; length: number }[] = [];
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < DC_COUNTS[len - 1]!; i++) codes[DC_SYMBOLS[k++]!] = { code: code++, length: len };
    code <<= 1;
  }
  return codes;
}

class BitWriter {
  readonly bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
  }
  /** Pads the last byte with 1 bits. */
  align(): void {
    while (this.n !== 0) this.put(1, 1);
  }
  marker(code: number): void {
    this.bytes.push(0xff, code);
  }
}

export interface FlatJpegOptions {
  /** Block levels per component: blocksY rows of blocksX levels (0..255). */
  levels: number[][][];
  width: number;
  height: number;
  restartInterval?: number;
  /** One scan per component instead of one interleaved scan. */
  separateScans?: boolean;
}

export function writeFlatJpeg(options: FlatJpegOptions): Uint8Array {
  const { levels, width, height } = options;
  const nc = levels.length;
  const out: number[] = [0xff, 0xd8];
  const segment = (marker: number, body: number[]) =>
    out.push(0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body);
  segment(0xdb, [0, ...new Array(64).fill(1)]);
  segment(0xc0, [
    8,
    height >> 8,
    height & 255,
    width >> 8,
    width & 255,
    nc,
    ...levels.flatMap((_, i) => [i + 1, 0x11, 0]),
  ]);
  segment(0xc4, [0x00, ...DC_COUNTS, ...DC_SYMBOLS]);
  // AC table with one symbol, end-of-block, coded "0".
  segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0x00]);
  if (options.restartInterval) segment(0xdd, [options.restartInterval >> 8, options.restartInterval & 255]);
  const codes = dcCodes();
  const blocksX = Math.ceil(width / 8);
  const blocksY = Math.ceil(height / 8);
  const scans = options.separateScans ? levels.map((_, i) => [i]) : [levels.map((_, i) => i)];
  for (const scan of scans) {
    segment(0xda, [scan.length, ...scan.flatMap((i) => [i + 1, 0x00]), 0, 63, 0]);
    const w = new BitWriter();
    const pred = new Array(nc).fill(0);
    let mcu = 0;
    let rst = 0;
    for (let by = 0; by < blocksY; by++) {
      for (let bx = 0; bx < blocksX; bx++) {
        if (options.restartInterval && mcu > 0 && mcu % options.restartInterval === 0) {
          w.align();
          w.marker(0xd0 + rst);
          rst = (rst + 1) & 7;
          pred.fill(0);
        }
        mcu++;
        for (const i of scan) {
          const dc = 8 * (levels[i]![by]![bx]! - 128);
          const diff = dc - pred[i];
          pred[i] = dc;
          const magnitude = Math.abs(diff);
          const s = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
          w.put(codes[s]!.code, codes[s]!.length);
          if (s > 0) w.put(diff < 0 ? diff + (1 << s) - 1 : diff, s);
          w.put(0, 1);
        }
      }
    }
    w.align();
    out.push(...w.bytes);
  }
  out.push(0xff, 0xd9);
  return Uint8Array.from(out);
}
