import type { XrgbPixels } from './bitmap.js';
import { BadImageError, UnsupportedFormatError } from './errors.js';
import {
  BPP_MASK,
  bestCode,
  createChannel,
  createState,
  FAMILY_5BPC,
  FAMILY_8BPC,
  melcDown,
  melcUp,
  QUIC_MAGIC,
  QUIC_MAX_PIXELS,
  QUIC_VERSION,
  type QuicChannel,
  type QuicFamily,
  QuicImageType,
  type QuicState,
  setWmTrigger,
  tabrand,
  updateModel,
  WMI_MAX,
  WMI_NEXT,
} from './quic-model.js';
import { wasmQuicEncoder } from './wasm-encoders.js';

// Module-local copies of the imported values used in the hot loops: under vite-node (tests and
// benches) an imported binding is a property read on every access.
const _BPP_MASK = BPP_MASK;
const _bestCode = bestCode;
const _tabrand = tabrand;
const _updateModel = updateModel;
const _melcUp = melcUp;
const _melcDown = melcDown;
const _setWmTrigger = setWmTrigger;
const _WMI_MAX = WMI_MAX;
const _WMI_NEXT = WMI_NEXT;

/**
 * The QUIC types the encoder writes. RGB32 and RGBA read 32-bit B,G,R,X / B,G,R,A pixels; RGB24
 * reads 3-byte B,G,R pixels, RGB16 16-bit little-endian x1r5g5b5 pixels and GRAY one byte a pixel
 * (the SPICE 24BIT, 16BIT and 8-bit layouts).
 */
export type QuicEncodeType =
  | typeof QuicImageType.Rgb32
  | typeof QuicImageType.Rgba
  | typeof QuicImageType.Rgb24
  | typeof QuicImageType.Rgb16
  | typeof QuicImageType.Gray;

const QUIC_BYTES_PER_PIXEL: Readonly<Record<number, number>> = {
  [QuicImageType.Gray]: 1,
  [QuicImageType.Rgb16]: 2,
  [QuicImageType.Rgb24]: 3,
  [QuicImageType.Rgb32]: 4,
  [QuicImageType.Rgba]: 4,
};

/** Bits packed MSB first into 32-bit words that are stored little-endian (quic.c encode()). */
class BitWriter {
  words: Uint32Array;
  count = 0;
  /** Pending bits as an int32 (never boxed); stored into the Uint32Array as is. */
  word = 0;
  avail = 32;

  constructor(capacityWords: number) {
    this.words = new Uint32Array(Math.max(capacityWords, 16));
  }

  grow(): void {
    const bigger = new Uint32Array(this.words.length * 2);
    bigger.set(this.words);
    this.words = bigger;
  }

  private push(word: number): void {
    if (this.count === this.words.length) this.grow();
    this.words[this.count++] = word;
  }

  /** Writes the `len` (1..31) low bits of `value`. */
  put(value: number, len: number): void {
    const delta = this.avail - len;
    if (delta >= 0) {
      this.avail = delta;
      this.word |= value << delta;
      return;
    }
    this.push(this.word | (value >>> -delta));
    this.avail = 32 + delta;
    this.word = value << this.avail;
  }

  put32(value: number): void {
    this.put(value >>> 16, 16);
    this.put(value & 0xffff, 16);
  }

  putOnes(n: number): void {
    for (let count = n >>> 5; count; count--) this.put32(0xffffffff);
    const rest = n & 31;
    if (rest) this.put((1 << rest) - 1, rest);
  }

  /** Pads the last word and appends the zero word the decoder reads ahead (quic.c flush()). */
  finish(): Uint8Array {
    if (this.avail > 0 && this.avail !== 32) this.put(0, this.avail);
    this.put32(0);
    this.put(0, 1);
    const out = new Uint8Array(this.count * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) view.setUint32(i * 4, this.words[i]!, true);
    return out;
  }
}

/** Components coded together with one adaptation state: R,G,B of a colour image, or alpha. */
interface Group {
  planes: Uint8Array[];
  channels: QuicChannel[];
  state: QuicState;
  family: QuicFamily;
}

function encodeRun(out: BitWriter, state: QuicState, length: number): void {
  let runlen = length;
  let hits = 0;
  while (runlen >= state.melcOrder) {
    hits++;
    runlen -= state.melcOrder;
    _melcUp(state);
  }
  out.putOnes(hits);
  out.put(runlen, state.melcLen + 1);
  _melcDown(state);
}

function codeValue(out: BitWriter, g: Group, c: number, index: number, value: number): void {
  const family = g.family;
  const ch = g.channels[c]!;
  ch.correlate[index + 1] = value;
  const l = _bestCode(family, ch, ch.correlate[index]!);
  out.put(family.code[value * 8 + l]!, family.codeLen[value * 8 + l]!);
}

function updateAll(g: Group, index: number): void {
  for (const ch of g.channels) _updateModel(g.family, g.state, ch, ch.correlate[index]!, ch.correlate[index + 1]!);
}

function samePixel(planes: Uint8Array[], a: number, b: number): boolean {
  for (const p of planes) if (p[a] !== p[b]) return false;
  return true;
}

function row0Segment(out: BitWriter, g: Group, base: number, start: number, end: number, waitmask: number): void {
  const { planes, state, family } = g;
  const u2l = family.xlatU2L;
  const mask = family.levels - 1;
  let i = start;
  let stop: number;
  if (i === 0) {
    for (let c = 0; c < planes.length; c++) codeValue(out, g, c, 0, u2l[planes[c]![base]!]!);
    if (state.waitcnt) state.waitcnt--;
    else {
      state.waitcnt = _tabrand(state) & waitmask;
      updateAll(g, 0);
    }
    stop = ++i + state.waitcnt;
  } else {
    stop = i + state.waitcnt;
  }
  while (stop < end) {
    for (; i <= stop; i++) {
      for (let c = 0; c < planes.length; c++) {
        const p = planes[c]!;
        codeValue(out, g, c, i, u2l[(p[base + i]! - p[base + i - 1]!) & mask]!);
      }
    }
    updateAll(g, stop);
    stop = i + (_tabrand(state) & waitmask);
  }
  for (; i < end; i++) {
    for (let c = 0; c < planes.length; c++) {
      const p = planes[c]!;
      codeValue(out, g, c, i, u2l[(p[base + i]! - p[base + i - 1]!) & mask]!);
    }
  }
  state.waitcnt = stop - end;
}

function rowSegment(
  out: BitWriter,
  g: Group,
  base: number,
  width: number,
  start: number,
  end: number,
  waitmask: number,
): void {
  const { planes, state, family } = g;
  const u2l = family.xlatU2L;
  const mask = family.levels - 1;
  const prev = base - width;
  let i = start;
  let stop: number;
  let runIndex = 0;
  if (i === 0) {
    for (let c = 0; c < planes.length; c++) {
      const p = planes[c]!;
      codeValue(out, g, c, 0, u2l[(p[base]! - p[prev]!) & mask]!);
    }
    if (state.waitcnt) state.waitcnt--;
    else {
      state.waitcnt = _tabrand(state) & waitmask;
      updateAll(g, 0);
    }
    stop = ++i + state.waitcnt;
  } else {
    stop = i + state.waitcnt;
  }
  const runAhead = (k: number): boolean =>
    samePixel(planes, prev + k - 1, prev + k) &&
    runIndex !== k &&
    k > 2 &&
    samePixel(planes, base + k - 1, base + k - 2);
  const codePixel = (k: number): void => {
    for (let c = 0; c < planes.length; c++) {
      const p = planes[c]!;
      codeValue(out, g, c, k, u2l[(p[base + k]! - ((p[base + k - 1]! + p[prev + k]!) >> 1)) & mask]!);
    }
  };
  for (;;) {
    let run = false;
    while (stop < end) {
      for (; i <= stop; i++) {
        if (runAhead(i)) {
          run = true;
          break;
        }
        codePixel(i);
      }
      if (run) break;
      updateAll(g, stop);
      stop = i + (_tabrand(state) & waitmask);
    }
    if (!run) {
      for (; i < end; i++) {
        if (runAhead(i)) {
          run = true;
          break;
        }
        codePixel(i);
      }
    }
    if (!run) {
      state.waitcnt = stop - end;
      return;
    }
    runIndex = i;
    state.waitcnt = stop - i;
    let runSize = 0;
    while (samePixel(planes, base + i, base + i - 1)) {
      runSize++;
      if (++i === end) {
        encodeRun(out, state, runSize);
        return;
      }
    }
    encodeRun(out, state, runSize);
    stop = i + state.waitcnt;
  }
}

/**
 * The hot path of rowSegment for three 8-bit components (R,G,B): the same steps with the bit
 * writer, planes and models in local variables.
 */
function rowSegmentRgb(
  out: BitWriter,
  g: Group,
  base: number,
  width: number,
  start: number,
  end: number,
  waitmask: number,
): void {
  const state = g.state;
  const family = g.family;
  const u2l = family.xlatU2L;
  const codes = family.code;
  const lens = family.codeLen;
  const bucketOf = family.bucketOf;
  const pr = g.planes[0]!;
  const pg = g.planes[1]!;
  const pb = g.planes[2]!;
  const cr = g.channels[0]!.correlate;
  const cg = g.channels[1]!.correlate;
  const cb = g.channels[2]!.correlate;
  const br = g.channels[0]!.best;
  const bg = g.channels[1]!.best;
  const bb = g.channels[2]!.best;
  const prev = base - width;
  if (start === 0) {
    rowSegment(out, g, base, width, 0, Math.min(end, 1), waitmask);
    if (end === 1) return;
    // rowSegment left state.waitcnt = stop - 1; carry on from pixel 1 exactly as the loop would.
  }
  let i = start === 0 ? 1 : start;
  let stop = i + state.waitcnt;
  let runIndex = 0;
  let word = out.word;
  let avail = out.avail;
  let words = out.words;
  let count = out.count;
  for (;;) {
    let run = false;
    // Context of the next value: the previous coded value of the same component.
    let ctxR = cr[i]!;
    let ctxG = cg[i]!;
    let ctxB = cb[i]!;
    while (i < end) {
      // Run prediction (quic_tmpl.c RLE_PRED_IMP).
      const a = base + i;
      const q = prev + i;
      if (
        i > 2 &&
        runIndex !== i &&
        pr[q - 1] === pr[q] &&
        pg[q - 1] === pg[q] &&
        pb[q - 1] === pb[q] &&
        pr[a - 1] === pr[a - 2] &&
        pg[a - 1] === pg[a - 2] &&
        pb[a - 1] === pb[a - 2]
      ) {
        run = true;
        break;
      }
      if (count + 3 >= words.length) {
        out.count = count;
        out.grow();
        words = out.words;
      }
      // R
      let v = u2l[(pr[a]! - ((pr[a - 1]! + pr[q]!) >> 1)) & 0xff]!;
      cr[i + 1] = v;
      let l = br[bucketOf[ctxR]!]!;
      ctxR = v;
      let len = lens[v * 8 + l]!;
      let code = codes[v * 8 + l]!;
      let delta = avail - len;
      if (delta >= 0) {
        avail = delta;
        word |= code << delta;
      } else {
        words[count++] = word | (code >>> -delta);
        avail = 32 + delta;
        word = code << avail;
      }
      // G
      v = u2l[(pg[a]! - ((pg[a - 1]! + pg[q]!) >> 1)) & 0xff]!;
      cg[i + 1] = v;
      l = bg[bucketOf[ctxG]!]!;
      ctxG = v;
      len = lens[v * 8 + l]!;
      code = codes[v * 8 + l]!;
      delta = avail - len;
      if (delta >= 0) {
        avail = delta;
        word |= code << delta;
      } else {
        words[count++] = word | (code >>> -delta);
        avail = 32 + delta;
        word = code << avail;
      }
      // B
      v = u2l[(pb[a]! - ((pb[a - 1]! + pb[q]!) >> 1)) & 0xff]!;
      cb[i + 1] = v;
      l = bb[bucketOf[ctxB]!]!;
      ctxB = v;
      len = lens[v * 8 + l]!;
      code = codes[v * 8 + l]!;
      delta = avail - len;
      if (delta >= 0) {
        avail = delta;
        word |= code << delta;
      } else {
        words[count++] = word | (code >>> -delta);
        avail = 32 + delta;
        word = code << avail;
      }
      if (i === stop) {
        updateAll(g, stop);
        stop = i + 1 + (_tabrand(state) & waitmask);
      }
      i++;
    }
    out.word = word;
    out.avail = avail;
    out.count = count;
    if (!run) {
      state.waitcnt = stop - end;
      return;
    }
    runIndex = i;
    state.waitcnt = stop - i;
    let runSize = 0;
    let ended = false;
    for (;;) {
      const a = base + i;
      if (pr[a] !== pr[a - 1] || pg[a] !== pg[a - 1] || pb[a] !== pb[a - 1]) break;
      runSize++;
      if (++i === end) {
        ended = true;
        break;
      }
    }
    encodeRun(out, state, runSize);
    if (ended) return;
    stop = i + state.waitcnt;
    word = out.word;
    avail = out.avail;
    words = out.words;
    count = out.count;
  }
}

/** Codes one row of a group, cutting it where the wait mask grows (quic_tmpl.c compress_row). */
function compressRow(out: BitWriter, g: Group, row: number, width: number): void {
  const state = g.state;
  const base = row * width;
  for (const ch of g.channels) ch.correlate[0] = row === 0 ? 0 : ch.correlate[1]!;
  let left = width;
  let pos = 0;
  const segment = (start: number, end: number) => {
    const waitmask = _BPP_MASK[state.wmidx]!;
    if (row === 0) row0Segment(out, g, base, start, end, waitmask);
    else if (g.planes.length === 3 && g.family === FAMILY_8BPC)
      rowSegmentRgb(out, g, base, width, start, end, waitmask);
    else rowSegment(out, g, base, width, start, end, waitmask);
  };
  while (_WMI_MAX > state.wmidx && state.wmileft <= left) {
    if (state.wmileft) {
      segment(pos, pos + state.wmileft);
      left -= state.wmileft;
      pos += state.wmileft;
    }
    state.wmidx++;
    _setWmTrigger(state);
    state.wmileft = _WMI_NEXT;
  }
  if (left) {
    segment(pos, pos + left);
    if (_WMI_MAX > state.wmidx) state.wmileft -= left;
  }
}

function createGroup(planes: Uint8Array[], width: number, family: QuicFamily = FAMILY_8BPC): Group {
  return {
    planes,
    channels: planes.map(() => createChannel(family, width)),
    state: createState(),
    family,
  };
}

/**
 * Compresses pixels (rows top-down) with QUIC exactly as spice-common's `quic_encode` does: RGB32
 * codes R,G,B of 32-bit pixels; RGBA codes R,G,B and then the alpha of each row; RGB24, RGB16 and
 * GRAY read 3-, 2- and 1-byte pixels (see QuicEncodeType) and code them as upstream does (RGB16 as
 * three 5-bit components). Returns the stream as bytes (little-endian 32-bit words), the `data` of
 * a QUIC image.
 */
export function encodeQuic(pixels: XrgbPixels, type: QuicEncodeType = QuicImageType.Rgb32): Uint8Array {
  const { width, height, stride, data } = pixels;
  const bpp = QUIC_BYTES_PER_PIXEL[type];
  if (bpp === undefined) throw new UnsupportedFormatError(`QUIC encoding of image type ${type as number}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new BadImageError(`empty image ${width}x${height}`);
  if (stride < width * bpp) throw new BadImageError(`stride ${stride} < ${width * bpp} for width ${width}`);
  if (data.byteLength < stride * (height - 1) + width * bpp)
    throw new BadImageError(`${data.byteLength} bytes too few for ${width}x${height} with stride ${stride}`);
  if (width * height > QUIC_MAX_PIXELS) throw new BadImageError(`image ${width}x${height} too large for QUIC`);
  if (type === QuicImageType.Rgb32) {
    const wasm = wasmQuicEncoder();
    if (wasm) return wasm.encodeRgb32(pixels);
  }
  const n = width * height;
  const gray = type === QuicImageType.Gray;
  const r = new Uint8Array(n);
  const gr = gray ? r : new Uint8Array(n);
  const b = gray ? r : new Uint8Array(n);
  const a = type === QuicImageType.Rgba ? new Uint8Array(n) : null;
  for (let y = 0; y < height; y++) {
    let s = y * stride;
    const o = y * width;
    if (bpp === 4) {
      for (let x = 0; x < width; x++, s += 4) {
        b[o + x] = data[s]!;
        gr[o + x] = data[s + 1]!;
        r[o + x] = data[s + 2]!;
        if (a) a[o + x] = data[s + 3]!;
      }
    } else if (bpp === 3) {
      for (let x = 0; x < width; x++, s += 3) {
        b[o + x] = data[s]!;
        gr[o + x] = data[s + 1]!;
        r[o + x] = data[s + 2]!;
      }
    } else if (bpp === 2) {
      for (let x = 0; x < width; x++, s += 2) {
        const v = data[s]! | (data[s + 1]! << 8);
        r[o + x] = (v >>> 10) & 0x1f;
        gr[o + x] = (v >>> 5) & 0x1f;
        b[o + x] = v & 0x1f;
      }
    } else {
      r.set(data.subarray(s, s + width), o);
    }
  }
  const out = new BitWriter((n * (a ? 4 : 3)) / 8 + 64);
  out.put32(QUIC_MAGIC);
  out.put32(QUIC_VERSION);
  out.put32(type);
  out.put32(width);
  out.put32(height);
  const colour = gray
    ? createGroup([r], width)
    : createGroup([r, gr, b], width, type === QuicImageType.Rgb16 ? FAMILY_5BPC : FAMILY_8BPC);
  const alpha = a ? createGroup([a], width) : null;
  for (let y = 0; y < height; y++) {
    compressRow(out, colour, y, width);
    if (alpha) compressRow(out, alpha, y, width);
  }
  return out.finish();
}
