import type { XrgbPixels } from './bitmap.js';
import { CorruptStreamError, ImageTooLargeError } from './errors.js';
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

/** Default cap on the decoded 32-bit image: 8192 × 8192 pixels (ours; upstream allows 2 GiB). */
export const QUIC_DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

export interface QuicDecodeOptions {
  /** Largest decoded image (width × height × 4) accepted; checked before allocating. */
  maxOutputBytes?: number;
}

export interface QuicDecoded {
  width: number;
  height: number;
  type: QuicImageType;
  /**
   * 32-bit B,G,R,A pixels, rows top-down, stride width × 4. The fourth byte is the alpha for RGBA
   * and 0 otherwise; RGB16 components are widened to 8 bits as upstream does; GRAY sets B = G = R.
   */
  pixels: XrgbPixels;
}

const corrupt = (message: string): CorruptStreamError => new CorruptStreamError('QUIC', message);

/** A 32-bit look-ahead window over little-endian words, consumed MSB first (quic.c decode_eatbits). */
class BitReader {
  /** The next 32 bits of the stream as an int32 (never boxed). */
  word: number;
  private next: number;
  private avail = 0;
  private pos = 1;
  private readonly view: DataView;
  private readonly words: number;

  constructor(data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.words = data.byteLength >>> 2;
    if (this.words === 0) throw corrupt('empty stream');
    this.word = this.view.getInt32(0, true);
    this.next = this.word;
  }

  eat(len: number): void {
    const delta = this.avail - len;
    if (delta >= 0) {
      this.avail = delta;
      this.word = (this.word << len) | (this.next >>> delta);
      return;
    }
    const word = (this.word << len) | (this.next << -delta);
    if (this.pos >= this.words) throw corrupt('truncated stream');
    this.next = this.view.getInt32(this.pos++ * 4, true);
    this.avail = 32 + delta;
    this.word = word | (this.next >>> this.avail);
  }

  eat32(): void {
    this.eat(16);
    this.eat(16);
  }

  read32(): number {
    const value = this.word >>> 0;
    this.eat32();
    return value;
  }
}

interface Group {
  planes: Uint8Array[];
  channels: QuicChannel[];
  state: QuicState;
  family: QuicFamily;
}

function decodeValue(r: BitReader, family: QuicFamily, l: number): number {
  const bits = r.word >>> 0;
  let value: number;
  let len: number;
  if (bits > family.notGrPrefixMask[l]!) {
    const zeros = Math.clz32(bits);
    len = zeros + 1 + l;
    value = (zeros << l) | ((bits >>> (32 - len)) & _BPP_MASK[l]!);
  } else {
    len = family.notGrCodeLen[l]!;
    value = family.nGrCodewords[l]! + ((bits >>> (32 - len)) & _BPP_MASK[family.notGrSuffixLen[l]!]!);
  }
  r.eat(len);
  return value & 0xff;
}

function decodeRun(r: BitReader, state: QuicState): number {
  let runlen = 0;
  for (;;) {
    const ones = Math.min(Math.clz32(~r.word), 8);
    for (let hit = 1; hit <= ones; hit++) {
      runlen += state.melcOrder;
      _melcUp(state);
    }
    if (ones !== 8) {
      r.eat(ones + 1);
      break;
    }
    r.eat(8);
  }
  if (state.melcLen) {
    runlen += r.word >>> (32 - state.melcLen);
    r.eat(state.melcLen);
  }
  _melcDown(state);
  return runlen;
}

function decodeInto(r: BitReader, g: Group, c: number, index: number): number {
  const ch = g.channels[c]!;
  const value = decodeValue(r, g.family, _bestCode(g.family, ch, ch.correlate[index]!));
  ch.correlate[index + 1] = value;
  return g.family.xlatL2U[value]!;
}

function updateAll(g: Group, index: number): void {
  for (const ch of g.channels) _updateModel(g.family, g.state, ch, ch.correlate[index]!, ch.correlate[index + 1]!);
}

function samePixel(planes: Uint8Array[], a: number, b: number): boolean {
  for (const p of planes) if (p[a] !== p[b]) return false;
  return true;
}

function row0Segment(r: BitReader, g: Group, base: number, start: number, end: number, waitmask: number): void {
  const { planes, state } = g;
  const mask = g.family.levels - 1;
  let i = start;
  let stop: number;
  if (i === 0) {
    for (let c = 0; c < planes.length; c++) planes[c]![base] = decodeInto(r, g, c, 0);
    if (state.waitcnt) state.waitcnt--;
    else {
      state.waitcnt = _tabrand(state) & waitmask;
      updateAll(g, 0);
    }
    stop = ++i + state.waitcnt;
  } else {
    stop = i + state.waitcnt;
  }
  const pixel = (k: number): void => {
    for (let c = 0; c < planes.length; c++) {
      const p = planes[c]!;
      p[base + k] = (decodeInto(r, g, c, k) + p[base + k - 1]!) & mask;
    }
  };
  while (stop < end) {
    for (; i <= stop; i++) pixel(i);
    updateAll(g, stop);
    stop = i + (_tabrand(state) & waitmask);
  }
  for (; i < end; i++) pixel(i);
  state.waitcnt = stop - end;
}

function rowSegment(
  r: BitReader,
  g: Group,
  base: number,
  width: number,
  start: number,
  end: number,
  waitmask: number,
): void {
  const { planes, state } = g;
  const mask = g.family.levels - 1;
  const prev = base - width;
  let i = start;
  let stop: number;
  let runIndex = 0;
  if (i === 0) {
    for (let c = 0; c < planes.length; c++) {
      const p = planes[c]!;
      p[base] = (decodeInto(r, g, c, 0) + p[prev]!) & mask;
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
  const pixel = (k: number): void => {
    for (let c = 0; c < planes.length; c++) {
      const p = planes[c]!;
      p[base + k] = (decodeInto(r, g, c, k) + ((p[base + k - 1]! + p[prev + k]!) >> 1)) & mask;
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
        pixel(i);
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
        pixel(i);
      }
    }
    if (!run) {
      state.waitcnt = stop - end;
      return;
    }
    state.waitcnt = stop - i;
    runIndex = i;
    const length = decodeRun(r, state);
    if (length > end - i) throw corrupt(`run of ${length} pixels past the row end`);
    const runEnd = i + length;
    for (; i < runEnd; i++) for (const p of planes) p[base + i] = p[base + i - 1]!;
    if (i === end) return;
    stop = i + state.waitcnt;
  }
}

/** rowSegment for three 8-bit components (R,G,B) with the per-component steps written out. */
function rowSegmentRgb(
  r: BitReader,
  g: Group,
  base: number,
  width: number,
  start: number,
  end: number,
  waitmask: number,
): void {
  const state = g.state;
  const family = g.family;
  const l2u = family.xlatL2U;
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
    // The first pixel of the row has its own predictor; the generic code handles it.
    rowSegment(r, g, base, width, 0, 1, waitmask);
    if (end === 1) return;
  }
  let i = start === 0 ? 1 : start;
  let stop = i + state.waitcnt;
  let runIndex = 0;
  for (;;) {
    let run = false;
    while (i < end) {
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
      let v = decodeValue(r, family, br[bucketOf[cr[i]!]!]!);
      cr[i + 1] = v;
      pr[a] = l2u[v]! + ((pr[a - 1]! + pr[q]!) >> 1);
      v = decodeValue(r, family, bg[bucketOf[cg[i]!]!]!);
      cg[i + 1] = v;
      pg[a] = l2u[v]! + ((pg[a - 1]! + pg[q]!) >> 1);
      v = decodeValue(r, family, bb[bucketOf[cb[i]!]!]!);
      cb[i + 1] = v;
      pb[a] = l2u[v]! + ((pb[a - 1]! + pb[q]!) >> 1);
      if (i === stop) {
        updateAll(g, stop);
        stop = i + 1 + (_tabrand(state) & waitmask);
      }
      i++;
    }
    if (!run) {
      state.waitcnt = stop - end;
      return;
    }
    state.waitcnt = stop - i;
    runIndex = i;
    const length = decodeRun(r, state);
    if (length > end - i) throw corrupt(`run of ${length} pixels past the row end`);
    const runEnd = i + length;
    for (; i < runEnd; i++) {
      const a = base + i;
      pr[a] = pr[a - 1]!;
      pg[a] = pg[a - 1]!;
      pb[a] = pb[a - 1]!;
    }
    if (i === end) return;
    stop = i + state.waitcnt;
  }
}

function decompressRow(r: BitReader, g: Group, row: number, width: number): void {
  const state = g.state;
  const base = row * width;
  for (const ch of g.channels) ch.correlate[0] = row === 0 ? 0 : ch.correlate[1]!;
  let left = width;
  let pos = 0;
  const segment = (start: number, end: number) => {
    const waitmask = _BPP_MASK[state.wmidx]!;
    if (row === 0) row0Segment(r, g, base, start, end, waitmask);
    else if (g.planes.length === 3 && g.family.bpc === 8) rowSegmentRgb(r, g, base, width, start, end, waitmask);
    else rowSegment(r, g, base, width, start, end, waitmask);
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

function createGroup(planes: Uint8Array[], family: QuicFamily, width: number): Group {
  return { planes, channels: planes.map(() => createChannel(family, width)), state: createState(), family };
}

/**
 * Decodes a QUIC stream (the `data` of a QUIC image) written by spice-common's `quic_encode` or by
 * `encodeQuic`: types RGB32, RGB24, RGBA, RGB16 and GRAY. Malformed input gives a
 * CorruptStreamError; an oversized header an ImageTooLargeError before anything is allocated.
 */
export function decodeQuic(data: Uint8Array, options: QuicDecodeOptions = {}): QuicDecoded {
  if (data.byteLength < 20) throw corrupt(`${data.byteLength} bytes, shorter than the header`);
  const r = new BitReader(data);
  if (r.read32() !== QUIC_MAGIC) throw corrupt('bad magic');
  const version = r.read32();
  if (version !== QUIC_VERSION) throw corrupt(`unsupported version 0x${version.toString(16)}`);
  const type = r.read32();
  const width = r.read32();
  const height = r.read32();
  if (type <= QuicImageType.Invalid || type > QuicImageType.Rgba) throw corrupt(`invalid image type ${type}`);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff)
    throw corrupt(`bad size ${width}x${height}`);
  const n = width * height;
  if (n > QUIC_MAX_PIXELS) throw new ImageTooLargeError('QUIC image pixels', n, QUIC_MAX_PIXELS);
  const limit = options.maxOutputBytes ?? QUIC_DEFAULT_MAX_OUTPUT_BYTES;
  if (n * 4 > limit) throw new ImageTooLargeError('decoded QUIC image', n * 4, limit);

  const family = type === QuicImageType.Rgb16 ? FAMILY_5BPC : FAMILY_8BPC;
  const colourPlanes = type === QuicImageType.Gray ? 1 : 3;
  const planes = Array.from({ length: colourPlanes }, () => new Uint8Array(n));
  const colour = createGroup(planes, family, width);
  const alphaPlane = type === QuicImageType.Rgba ? new Uint8Array(n) : null;
  const alpha = alphaPlane ? createGroup([alphaPlane], FAMILY_8BPC, width) : null;
  for (let y = 0; y < height; y++) {
    decompressRow(r, colour, y, width);
    if (alpha) decompressRow(r, alpha, y, width);
  }

  const out = new Uint8Array(n * 4);
  if (type === QuicImageType.Gray) {
    const v = planes[0]!;
    for (let i = 0; i < n; i++) {
      out[i * 4] = v[i]!;
      out[i * 4 + 1] = v[i]!;
      out[i * 4 + 2] = v[i]!;
    }
  } else {
    const [red, green, blue] = planes as [Uint8Array, Uint8Array, Uint8Array];
    const widen = type === QuicImageType.Rgb16;
    for (let i = 0; i < n; i++) {
      if (widen) {
        out[i * 4] = (blue[i]! << 3) | (blue[i]! >> 2);
        out[i * 4 + 1] = (green[i]! << 3) | (green[i]! >> 2);
        out[i * 4 + 2] = (red[i]! << 3) | (red[i]! >> 2);
      } else {
        out[i * 4] = blue[i]!;
        out[i * 4 + 1] = green[i]!;
        out[i * 4 + 2] = red[i]!;
      }
      if (alphaPlane) out[i * 4 + 3] = alphaPlane[i]!;
    }
  }
  return { width, height, type: type as QuicImageType, pixels: { width, height, stride: width * 4, data: out } };
}
