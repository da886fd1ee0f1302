import type { XrgbPixels } from './bitmap.js';
import { CorruptStreamError, ImageTooLargeError, UnsupportedFormatError } from './errors.js';
import { idctIslow } from './jpeg-idct.js';
import { upsampleComponent } from './jpeg-upsample.js';

/** Default cap on width × height of a decoded JPEG: 8192 × 8192 (ours, as LZ's default). */
export const JPEG_DEFAULT_MAX_PIXELS = 8192 * 8192;

export interface JpegDecodeOptions {
  /** Largest width × height accepted; checked before anything is allocated. */
  maxPixels?: number;
}

export interface JpegDecoded {
  width: number;
  height: number;
  /** Components in the frame: 1 (grayscale) or 3 (YCbCr, or RGB with an Adobe transform of 0). */
  components: number;
  /** 32-bit B,G,R,X pixels, rows top-down, stride width × 4, the X byte 0 (as spice-gtk writes it). */
  pixels: XrgbPixels;
}

const corrupt = (message: string): CorruptStreamError => new CorruptStreamError('JPEG', message);

/** Position in the zig-zag sequence → position in the 8x8 block (row-major). */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47,
  55, 62, 63,
]);

/** Bits of the direct lookup of short Huffman codes. */
const LOOKUP_BITS = 9;

interface HuffmanTable {
  /** Indexed by the next LOOKUP_BITS bits: (code length << 8) | symbol, 0 for longer codes. */
  lookup: Uint16Array;
  /** Largest code of each length 1..16 (-1 when there is none). */
  maxCode: Int32Array;
  /** Index in `values` of the first code of each length, minus that code. */
  valueOffset: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  quantTable: number;
  /** Samples per row and rows that belong to the image (ceil(W × h / hmax), ceil(H × v / vmax)). */
  width: number;
  height: number;
  /** Plane of decoded samples: whole blocks, every MCU of the frame. */
  planeWidth: number;
  planeHeight: number;
  plane: Uint8Array | null;
  decoded: boolean;
}

interface Frame {
  width: number;
  height: number;
  hMax: number;
  vMax: number;
  mcusX: number;
  mcusY: number;
  components: Component[];
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const lookup = new Uint16Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1]!;
    valueOffset[len] = k - code;
    for (let i = 0; i < n; i++, k++, code++) {
      if (code >= 1 << len) throw corrupt('bad Huffman table (code lengths overflow)');
      if (len <= LOOKUP_BITS) {
        const shift = LOOKUP_BITS - len;
        const entry = (len << 8) | values[k]!;
        const base = code << shift;
        for (let j = 0; j < 1 << shift; j++) lookup[base + j] = entry;
      }
    }
    if (n > 0) maxCode[len] = code - 1;
    code <<= 1;
  }
  return { lookup, maxCode, valueOffset, values };
}

/** Reader of entropy-coded data: stops at a marker and never invents bits past it. */
class BitReader {
  private buf = 0;
  private bits = 0;
  pos: number;
  /** A marker (or the end of the data) has been reached; no more bytes will come. */
  private stopped = false;

  constructor(
    private readonly data: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  private fill(): void {
    const data = this.data;
    while (this.bits <= 24 && !this.stopped) {
      if (this.pos >= data.length) {
        this.stopped = true;
        break;
      }
      let byte = data[this.pos]!;
      if (byte === 0xff) {
        const next = this.pos + 1 < data.length ? data[this.pos + 1]! : -1;
        if (next !== 0) {
          this.stopped = true;
          break;
        }
        this.pos += 2;
        byte = 0xff;
      } else {
        this.pos++;
      }
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  bit(): number {
    if (this.bits === 0) {
      this.fill();
      if (this.bits === 0) throw corrupt('entropy-coded data ends too early');
    }
    this.bits--;
    return (this.buf >>> this.bits) & 1;
  }

  receive(n: number): number {
    if (this.bits < n) {
      this.fill();
      if (this.bits < n) throw corrupt('entropy-coded data ends too early');
    }
    this.bits -= n;
    return (this.buf >>> this.bits) & ((1 << n) - 1);
  }

  decode(table: HuffmanTable): number {
    if (this.bits < LOOKUP_BITS) this.fill();
    if (this.bits >= LOOKUP_BITS) {
      const entry = table.lookup[(this.buf >>> (this.bits - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1)]!;
      if (entry !== 0) {
        this.bits -= entry >> 8;
        return entry & 0xff;
      }
    }
    let code = 0;
    for (let len = 1; len <= 16; len++) {
      code = (code << 1) | this.bit();
      if (code <= table.maxCode[len]!) return table.values[table.valueOffset[len]! + code]!;
    }
    throw corrupt('invalid Huffman code');
  }

  /** Drops the bits left in the current byte run, as at a restart marker. */
  reset(): void {
    this.buf = 0;
    this.bits = 0;
    this.stopped = false;
  }

  /** Position of the byte after the last one consumed (whole bytes only). */
  bytePosition(): number {
    return this.pos;
  }
}

/** The position of the next marker (0xFF not followed by a stuffed 0x00) at or after `at`. */
function skipToMarker(data: Uint8Array, at: number): number {
  while (at < data.length && !(data[at] === 0xff && at + 1 < data.length && data[at + 1] !== 0)) at++;
  return at;
}

const extend = (v: number, s: number): number => (v < 1 << (s - 1) ? v - (1 << s) + 1 : v);

class JpegParser {
  private pos = 2;
  private frame: Frame | null = null;
  private readonly quant: (Int32Array | undefined)[] = [];
  private readonly dcTables: (HuffmanTable | undefined)[] = [];
  private readonly acTables: (HuffmanTable | undefined)[] = [];
  private restartInterval = 0;
  /** Adobe APP14 transform flag, -1 when there is no Adobe marker. */
  private adobeTransform = -1;
  private readonly coef = new Int32Array(64);

  constructor(
    private readonly data: Uint8Array,
    private readonly maxPixels: number,
  ) {}

  private u16(at: number): number {
    if (at + 2 > this.data.length) throw corrupt('truncated marker segment');
    return (this.data[at]! << 8) | this.data[at + 1]!;
  }

  /** Reads the next marker code, skipping fill bytes; throws at the end of the data. */
  private nextMarker(): number {
    const data = this.data;
    if (this.pos >= data.length || data[this.pos] !== 0xff) throw corrupt(`expected a marker at byte ${this.pos}`);
    while (this.pos < data.length && data[this.pos] === 0xff) this.pos++;
    if (this.pos >= data.length) throw corrupt('data ends inside a marker');
    return data[this.pos++]!;
  }

  /** The body of the marker segment at `pos`: [start, end) after its length word. */
  private segment(): [number, number] {
    const length = this.u16(this.pos);
    if (length < 2) throw corrupt(`marker segment length ${length}`);
    const start = this.pos + 2;
    const end = this.pos + length;
    if (end > this.data.length) throw corrupt('marker segment runs past the end of the data');
    this.pos = end;
    return [start, end];
  }

  parse(): JpegDecoded {
    const data = this.data;
    if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) throw corrupt('no SOI marker');
    for (;;) {
      const marker = this.nextMarker();
      switch (marker) {
        case 0xc0:
        case 0xc1:
          this.readFrame(...this.segment());
          break;
        case 0xc2:
        case 0xc6:
        case 0xca:
        case 0xce:
          throw new UnsupportedFormatError('progressive JPEG');
        case 0xc3:
        case 0xc5:
        case 0xc7:
        case 0xc9:
        case 0xcb:
        case 0xcd:
        case 0xcf:
          throw new UnsupportedFormatError(`JPEG process SOF${marker - 0xc0}`);
        case 0xc4:
          this.readHuffmanTables(...this.segment());
          break;
        case 0xdb:
          this.readQuantTables(...this.segment());
          break;
        case 0xdd: {
          const [start, end] = this.segment();
          if (end - start !== 2) throw corrupt('bad DRI length');
          this.restartInterval = this.u16(start);
          break;
        }
        case 0xda:
          this.readScan(...this.segment());
          break;
        case 0xd9:
          return this.finish();
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3:
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
          // A stray restart marker between segments: nothing to do (libjpeg ignores it too).
          break;
        case 0xdc:
          throw new UnsupportedFormatError('JPEG DNL marker');
        case 0xee: {
          const [start, end] = this.segment();
          // "Adobe" + version u16 + flags0 u16 + flags1 u16 + transform u8
          if (end - start >= 12 && String.fromCharCode(...data.subarray(start, start + 5)) === 'Adobe')
            this.adobeTransform = data[start + 11]!;
          break;
        }
        default:
          if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) this.segment();
          else throw corrupt(`unexpected marker 0x${marker.toString(16)}`);
      }
    }
  }

  private readFrame(start: number, end: number): void {
    const data = this.data;
    if (this.frame) throw corrupt('more than one frame header');
    if (end - start < 6) throw corrupt('short frame header');
    const precision = data[start]!;
    if (precision !== 8) throw new UnsupportedFormatError(`${precision}-bit JPEG`);
    const height = this.u16(start + 1);
    const width = this.u16(start + 3);
    const n = data[start + 5]!;
    if (height === 0) throw new UnsupportedFormatError('JPEG with the height in a DNL marker');
    if (width === 0) throw corrupt('zero image width');
    if (n !== 1 && n !== 3) throw new UnsupportedFormatError(`JPEG with ${n} components`);
    if (end - start !== 6 + 3 * n) throw corrupt('bad frame header length');
    if (width * height > this.maxPixels)
      throw new ImageTooLargeError('JPEG pixel count', width * height, this.maxPixels);
    const components: Component[] = [];
    let hMax = 1;
    let vMax = 1;
    for (let i = 0; i < n; i++) {
      const at = start + 6 + 3 * i;
      const id = data[at]!;
      const h = data[at + 1]! >> 4;
      const v = data[at + 1]! & 15;
      const quantTable = data[at + 2]!;
      if (h < 1 || h > 4 || v < 1 || v > 4) throw corrupt(`bad sampling factors ${h}x${v}`);
      if (quantTable > 3) throw corrupt(`bad quantisation table ${quantTable}`);
      if (components.some((c) => c.id === id)) throw corrupt(`duplicate component id ${id}`);
      hMax = Math.max(hMax, h);
      vMax = Math.max(vMax, v);
      components.push({
        id,
        h,
        v,
        quantTable,
        width: 0,
        height: 0,
        planeWidth: 0,
        planeHeight: 0,
        plane: null,
        decoded: false,
      });
    }
    const mcusX = Math.ceil(width / (8 * hMax));
    const mcusY = Math.ceil(height / (8 * vMax));
    for (const c of components) {
      // libjpeg: "Fractional sampling not implemented yet".
      if (hMax % c.h !== 0 || vMax % c.v !== 0) throw new UnsupportedFormatError('JPEG fractional sampling factors');
      c.width = Math.ceil((width * c.h) / hMax);
      c.height = Math.ceil((height * c.v) / vMax);
      c.planeWidth = mcusX * c.h * 8;
      c.planeHeight = mcusY * c.v * 8;
    }
    this.frame = { width, height, hMax, vMax, mcusX, mcusY, components };
  }

  private readHuffmanTables(start: number, end: number): void {
    const data = this.data;
    let at = start;
    while (at < end) {
      const tc = data[at]! >> 4;
      const th = data[at]! & 15;
      if (tc > 1 || th > 3) throw corrupt(`bad Huffman table class/id 0x${data[at]!.toString(16)}`);
      if (at + 17 > end) throw corrupt('truncated Huffman table');
      const counts = data.subarray(at + 1, at + 17);
      let total = 0;
      for (const c of counts) total += c;
      if (total > 256 || at + 17 + total > end) throw corrupt('bad Huffman table size');
      const values = data.slice(at + 17, at + 17 + total);
      (tc === 0 ? this.dcTables : this.acTables)[th] = buildHuffman(counts, values);
      at += 17 + total;
    }
  }

  private readQuantTables(start: number, end: number): void {
    const data = this.data;
    let at = start;
    while (at < end) {
      const pq = data[at]! >> 4;
      const tq = data[at]! & 15;
      if (pq > 1 || tq > 3) throw corrupt(`bad quantisation table 0x${data[at]!.toString(16)}`);
      const size = pq === 0 ? 64 : 128;
      if (at + 1 + size > end) throw corrupt('truncated quantisation table');
      const table = new Int32Array(64);
      for (let k = 0; k < 64; k++)
        table[k] = pq === 0 ? data[at + 1 + k]! : (data[at + 1 + 2 * k]! << 8) | data[at + 2 + 2 * k]!;
      this.quant[tq] = table;
      at += 1 + size;
    }
  }

  private readScan(start: number, end: number): void {
    const data = this.data;
    const frame = this.frame;
    if (!frame) throw corrupt('scan before the frame header');
    const ns = data[start]!;
    if (ns < 1 || ns > 4 || end - start !== 4 + 2 * ns) throw corrupt('bad scan header');
    const scan: { c: Component; dc: HuffmanTable; ac: HuffmanTable; q: Int32Array }[] = [];
    let blocksPerMcu = 0;
    for (let i = 0; i < ns; i++) {
      const id = data[start + 1 + 2 * i]!;
      const tables = data[start + 2 + 2 * i]!;
      const c = frame.components.find((x) => x.id === id);
      if (!c) throw corrupt(`scan names unknown component ${id}`);
      if (c.decoded || scan.some((s) => s.c === c)) throw corrupt(`component ${id} coded twice`);
      const dc = this.dcTables[tables >> 4];
      const ac = this.acTables[tables & 15];
      const q = this.quant[c.quantTable];
      if (!dc || !ac) throw corrupt(`component ${id} uses an undefined Huffman table`);
      if (!q) throw corrupt(`component ${id} uses an undefined quantisation table`);
      scan.push({ c, dc, ac, q });
      blocksPerMcu += c.h * c.v;
    }
    const ss = data[end - 3]!;
    const se = data[end - 2]!;
    const a = data[end - 1]!;
    if (ss !== 0 || se !== 63 || a !== 0) throw new UnsupportedFormatError('JPEG spectral selection (progressive)');
    if (ns > 1 && blocksPerMcu > 10) throw corrupt(`${blocksPerMcu} blocks in an MCU`);

    // Every block takes at least two bits (a DC code and an end-of-block code): check the data can
    // hold the scan before allocating its planes.
    const single = ns === 1 ? scan[0]!.c : null;
    const mcusX = single ? Math.ceil(single.width / 8) : frame.mcusX;
    const mcusY = single ? Math.ceil(single.height / 8) : frame.mcusY;
    const blocks = single ? mcusX * mcusY : mcusX * mcusY * blocksPerMcu;
    if (blocks * 2 > (data.length - end) * 8) throw corrupt(`${blocks} blocks do not fit in the data left`);
    for (const { c } of scan) c.plane ??= new Uint8Array(c.planeWidth * c.planeHeight);

    const reader = new BitReader(data, end);
    const coef = this.coef;
    const pred = new Int32Array(ns);
    const total = mcusX * mcusY;
    let restartsLeft = this.restartInterval;
    let nextRst = 0;
    for (let m = 0; m < total; m++) {
      if (this.restartInterval !== 0) {
        if (restartsLeft === 0) {
          this.expectRestart(reader, nextRst);
          nextRst = (nextRst + 1) & 7;
          restartsLeft = this.restartInterval;
          pred.fill(0);
        }
        restartsLeft--;
      }
      const mx = m % mcusX;
      const my = (m - mx) / mcusX;
      for (let s = 0; s < ns; s++) {
        const { c, dc, ac, q } = scan[s]!;
        const plane = c.plane!;
        const bh = single ? 1 : c.h;
        const bv = single ? 1 : c.v;
        for (let by = 0; by < bv; by++) {
          for (let bx = 0; bx < bh; bx++) {
            coef.fill(0);
            const t = reader.decode(dc);
            if (t > 11) throw corrupt(`DC magnitude category ${t}`);
            const diff = t === 0 ? 0 : extend(reader.receive(t), t);
            pred[s] = pred[s]! + diff;
            coef[0] = pred[s]! * q[0]!;
            for (let k = 1; k < 64; ) {
              const rs = reader.decode(ac);
              const r = rs >> 4;
              const size = rs & 15;
              if (size === 0) {
                if (r !== 15) break;
                k += 16;
                continue;
              }
              k += r;
              if (k > 63) throw corrupt('AC coefficients run past the block');
              coef[ZIGZAG[k]!] = extend(reader.receive(size), size) * q[k]!;
              k++;
            }
            const row = (my * bv + by) * 8;
            const col = (mx * bh + bx) * 8;
            idctIslow(coef, plane, row * c.planeWidth + col, c.planeWidth);
          }
        }
      }
    }
    for (const { c } of scan) c.decoded = true;
    this.pos = skipToMarker(data, reader.bytePosition());
    if (this.pos >= data.length) throw corrupt('data ends after the scan without an EOI marker');
  }

  private expectRestart(reader: BitReader, n: number): void {
    const data = this.data;
    let at = skipToMarker(data, reader.bytePosition());
    while (at < data.length && data[at] === 0xff) at++;
    if (at >= data.length || data[at] !== 0xd0 + n) throw corrupt(`restart marker ${n} missing`);
    reader.pos = at + 1;
    reader.reset();
  }

  private finish(): JpegDecoded {
    const frame = this.frame;
    if (!frame) throw corrupt('EOI before the frame header');
    for (const c of frame.components) if (!c.decoded) throw corrupt(`component ${c.id} has no scan`);
    const { width, height } = frame;
    const out = new Uint8Array(width * height * 4);
    const planes = frame.components.map((c) => upsampleComponent(c, frame.hMax / c.h, frame.vMax / c.v, width, height));
    if (planes.length === 1) {
      const y = planes[0]!;
      for (let i = 0, o = 0; i < width * height; i++, o += 4) {
        const v = y[i]!;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    } else if (this.adobeTransform === 0) {
      const [r, g, b] = planes as [Uint8Array, Uint8Array, Uint8Array];
      for (let i = 0, o = 0; i < width * height; i++, o += 4) {
        out[o] = b[i]!;
        out[o + 1] = g[i]!;
        out[o + 2] = r[i]!;
      }
    } else {
      yccToBgrx(planes[0]!, planes[1]!, planes[2]!, out, width * height);
    }
    return { width, height, components: planes.length, pixels: { width, height, stride: width * 4, data: out } };
  }
}

// YCbCr → RGB as libjpeg's jdcolor.c: 16-bit fixed point tables, rounding folded into them.
const SCALE_BITS = 16;
const ONE_HALF = 1 << (SCALE_BITS - 1);
const fix = (x: number): number => Math.floor(x * (1 << SCALE_BITS) + 0.5);
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALE_BITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALE_BITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

function yccToBgrx(yp: Uint8Array, cbp: Uint8Array, crp: Uint8Array, out: Uint8Array, n: number): void {
  for (let i = 0, o = 0; i < n; i++, o += 4) {
    const y = yp[i]!;
    const cb = cbp[i]!;
    const cr = crp[i]!;
    const r = y + CR_R[cr]!;
    const g = y + ((CB_G[cb]! + CR_G[cr]!) >> SCALE_BITS);
    const b = y + CB_B[cb]!;
    out[o] = (b & ~255) === 0 ? b : b < 0 ? 0 : 255;
    out[o + 1] = (g & ~255) === 0 ? g : g < 0 ? 0 : 255;
    out[o + 2] = (r & ~255) === 0 ? r : r < 0 ? 0 : 255;
  }
}

/**
 * Decodes a baseline JPEG (the `data` of a JPEG image, the first `jpeg_size` bytes of a JPEG_ALPHA
 * one) to 32-bit pixels: sequential Huffman coding (SOF0/SOF1), 8-bit samples, 1 or 3 components
 * with any integral sampling factors, restart markers, one or several scans. Samples come out as
 * libjpeg-turbo's defaults give them (spice-gtk's decoder): the accurate integer IDCT, libjpeg's
 * YCbCr → RGB tables, and "fancy" (triangle-filter) upsampling for 2x1, 2x2 and 1x2 chroma (box
 * replication for other ratios and for chroma rows of 2 samples or fewer).
 *
 * Malformed input gives a CorruptStreamError, progressive, lossless, arithmetic-coded, 12-bit and
 * CMYK streams an UnsupportedFormatError, an image over `maxPixels` an ImageTooLargeError, each
 * before the buffers are allocated. Entropy-coded data that runs out is an error (libjpeg would
 * pad with zeros and warn).
 */
export function decodeJpeg(data: Uint8Array, options: JpegDecodeOptions = {}): JpegDecoded {
  return new JpegParser(data, options.maxPixels ?? JPEG_DEFAULT_MAX_PIXELS).parse();
}
