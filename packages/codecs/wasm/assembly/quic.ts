// QUIC encoder for RGB32 images in WebAssembly, compiled by AssemblyScript (see ../build.mjs).
//
// It writes the same words as encodeQuic(pixels, QuicImageType.Rgb32) in ../../src/quic-encode.ts
// (and spice-common's quic.c): three 8-bit components R, G, B coded with one adaptation state.
// The code tables come from ../../src/quic-model.ts: the JavaScript side copies them to tables()
// once per instance. Pixels are read in place from packed 32-bit B,G,R,X words.

/** Counters per bucket, one per code (quic.c MAXNUMCODES). */
const CODES: i32 = 8;
/** Buckets of the 8-bit family for evolution 3 (1, 2, 4 … 128 contexts). */
const MAX_BUCKETS: i32 = 8;
/** Target wait-mask index and symbols per step towards it (quic.c DEFwmimax, DEFwminext). */
const WMI_MAX: i32 = 6;
const WMI_NEXT: i32 = 2048;
/** Colour bits of two pixels read as one 64-bit word (the X bytes do not count). */
const PAIR_MASK: u64 = ((<u64>0xffffff) << 32) | 0xffffff;
/** MELCODE states (quic.c MELCSTATES). */
const MELC_STATES: i32 = 32;

// Table layout, filled by the JavaScript side (offsets in bytes from tables()).
const T_CODE: usize = 0; // 256 × 8 u32: code | length << 16 of value b under code l at [b * 8 + l]
const T_CODE_LEN: usize = 8192; // 256 × 8 u8
const T_U2L: usize = 10240; // 256 u8
const T_BUCKET: usize = 10496; // 256 u8
const T_TABRAND: usize = 10752; // 256 u32
const T_TRIGGER: usize = 11776; // 11 u32
const T_MELC_J: usize = 11840; // 32 u32
const T_BUCKET_RANGE: usize = 11968; // 8 × (first context u32, contexts u32)
const TABLES_SIZE: i32 = 12288;

const tab: usize = memory.data(TABLES_SIZE, 16);
/** Counters of the three channels: [channel][bucket][code] u32. */
const counters: usize = memory.data(3 * MAX_BUCKETS * CODES * 4, 16);
/** Best code of each bucket: [channel × 16 + bucket] u8. */
const best: usize = memory.data(48, 16);
/** The same per context value, best[bucketOf[context]]: [channel × 256 + context] u8. */
const ctxBest: usize = memory.data(3 * 256, 16);

// Adaptation state (quic.c CommonState).
let waitcnt: i32 = 0;
let tabrandSeed: u32 = 0;
let wmTrigger: u32 = 0;
let wmidx: i32 = 0;
let wmileft: i32 = 0;
let melcState: i32 = 0;
let melcLen: i32 = 0;
let melcOrder: i32 = 0;

// Bit writer: MSB-first bits in 32-bit words stored little-endian (quic.c encode()).
let outPos: usize = 0;
let word: u32 = 0;
let avail: i32 = 32;

// Image being coded.
let src: usize = 0;
let width: i32 = 0;
/** Coded values of the current row per channel at [c × (width + 1) + i + 1]. */
let correlate: usize = 0;

/** Where the JavaScript side writes the code tables. */
export function tables(): usize {
  return tab;
}

/** First free byte of linear memory. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of scratch the encoder needs for a row of `w` pixels. */
export function scratchSize(w: i32): i32 {
  return 3 * (w + 1) + 16;
}

// biome-ignore lint/complexity/noStaticOnlyClass: a decorated static method is how AssemblyScript inlines
class Q {
  @inline static put(value: u32, len: i32): void {
    const delta = avail - len;
    if (delta >= 0) {
      avail = delta;
      word |= value << delta;
      return;
    }
    store<u32>(outPos, word | (value >>> -delta));
    outPos += 4;
    avail = 32 + delta;
    word = value << avail;
  }

  @inline static put32(value: u32): void {
    Q.put(value >>> 16, 16);
    Q.put(value & 0xffff, 16);
  }

  /** Component c (0 R, 1 G, 2 B) of pixel k. */
  @inline static comp(k: i32, c: i32): i32 {
    return <i32>load<u8>(src + ((<usize>k) << 2) + <usize>(2 - c));
  }

  @inline static corr(c: i32, i: i32): i32 {
    return <i32>load<u8>(correlate + <usize>(c * (width + 1) + i));
  }

  @inline static setCorr(c: i32, i: i32, v: i32): void {
    store<u8>(correlate + <usize>(c * (width + 1) + i), <u8>v);
  }

  @inline static tabrand(): u32 {
    tabrandSeed++;
    return load<u32>(tab + T_TABRAND + ((<usize>(tabrandSeed & 0xff)) << 2));
  }

  /** Adds code i's length (byte i of `lens`) to counter i at `base`; returns the new count. */
  @inline static count(base: usize, lens: u64, i: i32): u32 {
    const p = base + ((<usize>i) << 2);
    const len = load<u32>(p) + <u32>((lens >> ((<u64>i) << 3)) & 0xff);
    store<u32>(p, len);
    return len;
  }

  @inline static u2l(d: i32): i32 {
    return <i32>load<u8>(tab + T_U2L + <usize>(d & 0xff));
  }

  /**
   * The 8-bit u2l table as arithmetic: a difference modulo 256 read as a signed byte t maps to
   * 2t for t >= 0 and -2t - 1 below (quic.c xlatU2L for bpc 8).
   */
  @inline static zigzag(d: i32): i32 {
    const t = (d << 24) >> 24;
    return (t << 1) ^ (t >> 31);
  }

  @inline static bucketOf(context: i32): i32 {
    return <i32>load<u8>(tab + T_BUCKET + <usize>(context & 0xff));
  }

  /** Codes `value` of channel c at row position `index` (quic_tmpl.c golomb coding with the bucket's best code). */
  @inline static codeValue(c: i32, index: i32, value: i32): void {
    Q.setCorr(c, index + 1, value);
    const l = <i32>load<u8>(ctxBest + <usize>(c * 256 + Q.corr(c, index)));
    const entry = load<u32>(tab + T_CODE + ((<usize>(value * CODES + l)) << 2));
    Q.put(entry & 0xffff, <i32>(entry >> 16));
  }
}

function melcUp(): void {
  if (melcState < MELC_STATES - 1) {
    melcState++;
    melcLen = load<i32>(tab + T_MELC_J + ((<usize>melcState) << 2));
    melcOrder = 1 << melcLen;
  }
}

function melcDown(): void {
  if (melcState) {
    melcState--;
    melcLen = load<i32>(tab + T_MELC_J + ((<usize>melcState) << 2));
    melcOrder = 1 << melcLen;
  }
}

function encodeRun(length: i32): void {
  let runlen = length;
  let hits = 0;
  while (runlen >= melcOrder) {
    hits++;
    runlen -= melcOrder;
    melcUp();
  }
  for (let count = hits >>> 5; count; count--) Q.put32(0xffffffff);
  const rest = hits & 31;
  if (rest) Q.put((1 << rest) - 1, rest);
  Q.put(<u32>runlen, melcLen + 1);
  melcDown();
}

/** Adds the cost of `value` under each code to the bucket of `context` and picks the cheapest. */
function updateModel(c: i32, context: i32, value: i32): void {
  const bucket = Q.bucketOf(context);
  const base = counters + ((<usize>(c * MAX_BUCKETS + bucket) * CODES) << 2);
  // The 8 code lengths of `value`, one byte each.
  const lens = load<u64>(tab + T_CODE_LEN + <usize>(value * CODES));
  // Codes 7 down to 0; the first of equal lengths (the highest code) stays the best.
  let bestLen = Q.count(base, lens, 7);
  let bestCode = 7;
  let len = Q.count(base, lens, 6);
  bestCode = select(6, bestCode, len < bestLen);
  bestLen = select(len, bestLen, len < bestLen);
  len = Q.count(base, lens, 5);
  bestCode = select(5, bestCode, len < bestLen);
  bestLen = select(len, bestLen, len < bestLen);
  len = Q.count(base, lens, 4);
  bestCode = select(4, bestCode, len < bestLen);
  bestLen = select(len, bestLen, len < bestLen);
  len = Q.count(base, lens, 3);
  bestCode = select(3, bestCode, len < bestLen);
  bestLen = select(len, bestLen, len < bestLen);
  len = Q.count(base, lens, 2);
  bestCode = select(2, bestCode, len < bestLen);
  bestLen = select(len, bestLen, len < bestLen);
  len = Q.count(base, lens, 1);
  bestCode = select(1, bestCode, len < bestLen);
  bestLen = select(len, bestLen, len < bestLen);
  len = Q.count(base, lens, 0);
  bestCode = select(0, bestCode, len < bestLen);
  bestLen = select(len, bestLen, len < bestLen);
  const at = best + <usize>(c * 16 + bucket);
  if (<i32>load<u8>(at) !== bestCode) {
    store<u8>(at, <u8>bestCode);
    const range = tab + T_BUCKET_RANGE + ((<usize>bucket) << 3);
    memory.fill(ctxBest + <usize>(c * 256) + <usize>load<u32>(range), <u8>bestCode, <usize>load<u32>(range, 4));
  }
  if (bestLen > wmTrigger) {
    // Halve the 8 counters, two at a time.
    const half: u64 = ((<u64>0x7fffffff) << 32) | 0x7fffffff;
    store<u64>(base, (load<u64>(base) >> 1) & half);
    store<u64>(base, (load<u64>(base, 8) >> 1) & half, 8);
    store<u64>(base, (load<u64>(base, 16) >> 1) & half, 16);
    store<u64>(base, (load<u64>(base, 24) >> 1) & half, 24);
  }
}

function updateAll(index: i32): void {
  for (let c = 0; c < 3; c++) updateModel(c, Q.corr(c, index), Q.corr(c, index + 1));
}

/** Row 0: each component predicted from the pixel to its left. */
function row0Segment(start: i32, end: i32, waitmask: u32): void {
  let i = start;
  let stop: i32;
  if (i === 0) {
    for (let c = 0; c < 3; c++) Q.codeValue(c, 0, Q.u2l(Q.comp(0, c)));
    if (waitcnt) waitcnt--;
    else {
      waitcnt = <i32>(Q.tabrand() & waitmask);
      updateAll(0);
    }
    stop = ++i + waitcnt;
  } else {
    stop = i + waitcnt;
  }
  while (stop < end) {
    for (; i <= stop; i++) {
      for (let c = 0; c < 3; c++) Q.codeValue(c, i, Q.u2l(Q.comp(i, c) - Q.comp(i - 1, c)));
    }
    updateAll(stop);
    stop = i + <i32>(Q.tabrand() & waitmask);
  }
  for (; i < end; i++) {
    for (let c = 0; c < 3; c++) Q.codeValue(c, i, Q.u2l(Q.comp(i, c) - Q.comp(i - 1, c)));
  }
  waitcnt = stop - end;
}

/** Codes one component value with the bit writer in locals; returns nothing, updates the locals' globals. */
function rowSegment(base: i32, start: i32, end: i32, waitmask: u32): void {
  const prev = base - width;
  let i = start;
  if (i === 0) {
    // The first pixel is predicted from the one above.
    for (let c = 0; c < 3; c++) Q.codeValue(c, 0, Q.u2l(Q.comp(base, c) - Q.comp(prev, c)));
    if (waitcnt) waitcnt--;
    else {
      waitcnt = <i32>(Q.tabrand() & waitmask);
      updateAll(0);
    }
    i = 1;
    if (end === 1) return;
  }
  let stop = i + waitcnt;
  let runIndex = 0;
  const w1 = width + 1;
  const cr = correlate;
  const cg = correlate + <usize>w1;
  const cb = correlate + <usize>(2 * w1);
  const code = tab + T_CODE;
  for (;;) {
    let run = false;
    let ctxR = <i32>load<u8>(cr + <usize>i);
    let ctxG = <i32>load<u8>(cg + <usize>i);
    let ctxB = <i32>load<u8>(cb + <usize>i);
    let w = word;
    let av = avail;
    let op = outPos;
    // Neighbours carried from pixel to pixel: left, the one before it, above and above-left.
    let pa = src + ((<usize>(base + i)) << 2);
    let pq = src + ((<usize>(prev + i)) << 2);
    let left = load<u32>(pa - 4);
    let left2 = i > 1 ? load<u32>(pa - 8) : 0;
    let upLeft = load<u32>(pq - 4);
    while (i < end) {
      const cur = load<u32>(pa);
      const up = load<u32>(pq);
      // Run prediction (quic_tmpl.c RLE_PRED_IMP).
      if (i > 2 && runIndex !== i && ((upLeft ^ up) & 0xffffff) === 0 && ((left ^ left2) & 0xffffff) === 0) {
        run = true;
        break;
      }
      // R
      let v = Q.zigzag(<i32>((cur >> 16) & 0xff) - <i32>((((left >> 16) & 0xff) + ((up >> 16) & 0xff)) >> 1));
      store<u8>(cr + <usize>(i + 1), <u8>v);
      let l = <i32>load<u8>(ctxBest + <usize>ctxR);
      ctxR = v;
      let entry = load<u32>(code + ((<usize>(v * CODES + l)) << 2));
      let delta = av - <i32>(entry >> 16);
      if (delta >= 0) {
        av = delta;
        w |= (entry & 0xffff) << delta;
      } else {
        store<u32>(op, w | ((entry & 0xffff) >>> -delta));
        op += 4;
        av = 32 + delta;
        w = (entry & 0xffff) << av;
      }
      // G
      v = Q.zigzag(<i32>((cur >> 8) & 0xff) - <i32>((((left >> 8) & 0xff) + ((up >> 8) & 0xff)) >> 1));
      store<u8>(cg + <usize>(i + 1), <u8>v);
      l = <i32>load<u8>(ctxBest + 256 + <usize>ctxG);
      ctxG = v;
      entry = load<u32>(code + ((<usize>(v * CODES + l)) << 2));
      delta = av - <i32>(entry >> 16);
      if (delta >= 0) {
        av = delta;
        w |= (entry & 0xffff) << delta;
      } else {
        store<u32>(op, w | ((entry & 0xffff) >>> -delta));
        op += 4;
        av = 32 + delta;
        w = (entry & 0xffff) << av;
      }
      // B
      v = Q.zigzag(<i32>(cur & 0xff) - <i32>(((left & 0xff) + (up & 0xff)) >> 1));
      store<u8>(cb + <usize>(i + 1), <u8>v);
      l = <i32>load<u8>(ctxBest + 512 + <usize>ctxB);
      ctxB = v;
      entry = load<u32>(code + ((<usize>(v * CODES + l)) << 2));
      delta = av - <i32>(entry >> 16);
      if (delta >= 0) {
        av = delta;
        w |= (entry & 0xffff) << delta;
      } else {
        store<u32>(op, w | ((entry & 0xffff) >>> -delta));
        op += 4;
        av = 32 + delta;
        w = (entry & 0xffff) << av;
      }
      left2 = left;
      left = cur;
      upLeft = up;
      pa += 4;
      pq += 4;
      if (i === stop) {
        updateAll(stop);
        stop = i + 1 + <i32>(Q.tabrand() & waitmask);
      }
      i++;
    }
    word = w;
    avail = av;
    outPos = op;
    if (!run) {
      waitcnt = stop - end;
      return;
    }
    runIndex = i;
    waitcnt = stop - i;
    let runSize = 0;
    let ended = false;
    for (;;) {
      const pa = src + ((<usize>(base + i)) << 2);
      // Two run pixels at a time while both equal their left neighbour.
      if (i + 2 <= end && ((load<u64>(pa) ^ load<u64>(pa - 4)) & PAIR_MASK) === 0) {
        runSize += 2;
        i += 2;
        if (i === end) {
          ended = true;
          break;
        }
        continue;
      }
      if (((load<u32>(pa) ^ load<u32>(pa - 4)) & 0xffffff) !== 0) break;
      runSize++;
      if (++i === end) {
        ended = true;
        break;
      }
    }
    encodeRun(runSize);
    if (ended) return;
    stop = i + waitcnt;
  }
}

/** Codes one row, cutting it where the wait mask grows (quic_tmpl.c compress_row). */
function compressRow(row: i32): void {
  const base = row * width;
  for (let c = 0; c < 3; c++) Q.setCorr(c, 0, row === 0 ? 0 : Q.corr(c, 1));
  let left = width;
  let pos = 0;
  while (WMI_MAX > wmidx && wmileft <= left) {
    if (wmileft) {
      const waitmask: u32 = (1 << wmidx) - 1;
      if (row === 0) row0Segment(pos, pos + wmileft, waitmask);
      else rowSegment(base, pos, pos + wmileft, waitmask);
      left -= wmileft;
      pos += wmileft;
    }
    wmidx++;
    wmTrigger = load<u32>(tab + T_TRIGGER + ((<usize>min(wmidx, 10)) << 2));
    wmileft = WMI_NEXT;
  }
  if (left) {
    const waitmask: u32 = (1 << wmidx) - 1;
    if (row === 0) row0Segment(pos, pos + left, waitmask);
    else rowSegment(base, pos, pos + left, waitmask);
    if (WMI_MAX > wmidx) wmileft -= left;
  }
}

/**
 * Starts a QUIC RGB32 stream at `dst` for the `w × h` packed 32-bit pixels at `pixels` (rows
 * top-down, 4-byte aligned), using `scratch` (scratchSize(w) bytes), and writes the header.
 * Then encodeRows codes the rows and finish ends the stream. The output only grows: before each
 * encodeRows the caller makes sure rowsBound(rows) bytes are free after position().
 */
export function begin(pixels: usize, w: i32, h: i32, scratch: usize, dst: usize, type: u32): void {
  src = pixels;
  width = w;
  correlate = scratch;
  memory.fill(scratch, 0, <usize>scratchSize(w));
  memory.fill(counters, 0, 3 * MAX_BUCKETS * CODES * 4);
  memory.fill(best, 7, 48);
  memory.fill(ctxBest, 7, 3 * 256);
  waitcnt = 0;
  tabrandSeed = 0xff;
  wmTrigger = load<u32>(tab + T_TRIGGER);
  wmidx = 0;
  wmileft = WMI_NEXT;
  melcState = 0;
  melcLen = load<i32>(tab + T_MELC_J);
  melcOrder = 1 << melcLen;
  outPos = dst;
  word = 0;
  avail = 32;
  // Header words (quic.c): magic "QUIC", version 0, type, width, height.
  Q.put32(0x43495551);
  Q.put32(0);
  Q.put32(type);
  Q.put32(<u32>w);
  Q.put32(<u32>h);
}

/** Bytes `rows` rows can add at most: 26 bits a component and a run code a pixel, rounded up. */
export function rowsBound(rows: i32): i32 {
  return rows * width * 12 + 64;
}

/** Where the next word goes. */
export function position(): usize {
  return outPos;
}

/** Codes rows `from` to `to` - 1 (in order, after begin). */
export function encodeRows(from: i32, to: i32): void {
  for (let row = from; row < to; row++) compressRow(row);
}

/** Pads the last word and adds the zero word the decoder reads ahead (quic.c flush()); returns the end. */
export function finish(): usize {
  if (avail > 0 && avail !== 32) Q.put(0, avail);
  Q.put32(0);
  Q.put(0, 1);
  return outPos;
}
