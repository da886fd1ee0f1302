import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip, inflateSync } from 'node:zlib';
import { QxlErrorCode, QxlReplayError } from './errors.js';
import { MAX_CHUNKS } from './parser.js';
import { QxlImageType } from './qxl-dev.js';
import type { QxlPoint, QxlRect } from './records.js';
import {
  type ReplayBrush,
  type ReplayClip,
  type ReplayCommand,
  type ReplayCursorCommand,
  type ReplayDraw,
  type ReplayDrawable,
  type ReplayEvent,
  type ReplayImage,
  type ReplayPrimarySurface,
  type ReplayQMask,
  type ReplaySurfaceCommand,
  ReplayWorkerMessage,
} from './replay-records.js';

/** First line of every recording (red-record-qxl.c red_record_new). */
export const REPLAY_HEADER = 'SPICE_REPLAY 1';
/** Longest text line accepted; the longest the writer prints is well under 200 bytes. */
export const REPLAY_MAX_LINE = 4096;
/**
 * Default largest binary blob. The biggest the writer emits is a surface (height * |stride|, the
 * parser's MAX_DATA_CHUNK would allow 2 GiB); 256 MiB covers 8K x 8K x 32 bpp.
 */
export const REPLAY_MAX_BLOB_DEFAULT = 256 * 1024 * 1024;

export interface ReplayReaderOptions {
  /**
   * The recording does not say whether drawables were compat (qxl-1) ones; upstream's replay
   * assumes native. Set true to read every drawable in the compat form.
   */
  compatDrawables?: boolean;
  /** Largest binary blob accepted (bytes). Default REPLAY_MAX_BLOB_DEFAULT. */
  maxBlobBytes?: number;
}

export type ReplayCompression = 'none' | 'gzip' | 'xz';

/** A streaming reader: iterate it for events; `close()` stops the input (and a spawned `xz`). */
export interface ReplayReader extends AsyncIterable<ReplayEvent> {
  /** Compression detected from the magic bytes (known once iteration has started). */
  readonly compression: ReplayCompression | null;
  /** Decompressed bytes consumed so far. */
  readonly offset: number;
  /** Lines consumed so far. */
  readonly line: number;
  close(): void;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** SPICE_LINE_FLAGS_STYLED (spice/enums.h): the stroke has a dash style. */
export const SPICE_LINE_FLAGS_STYLED = 1 << 3;
const NL = 0x0a;
const COLON = 0x3a;
const INT_RE = /^-?\d{1,20}$/;
const UINT_RE = /^\d{1,20}$/;
const TWO_64 = 1n << 64n;

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  if (bytes.byteLength < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** Buffered byte reader over an async chunk iterator, with line/offset bookkeeping. */
class ByteInput {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private done = false;
  /** Absolute offset of buf[0]. */
  private base = 0;
  line = 0;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  get offset(): number {
    return this.base + this.pos;
  }

  position(): { line: number; offset: number } {
    return { line: this.line + 1, offset: this.offset };
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.chunks.next();
    if (next.done === true) {
      this.done = true;
      return false;
    }
    const chunk = next.value;
    if (this.pos >= this.buf.length) {
      this.base += this.buf.length;
      this.buf = chunk;
    } else {
      this.base += this.pos;
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
    return true;
  }

  /** True at the end of the input (nothing buffered, nothing more to come). */
  async atEnd(): Promise<boolean> {
    while (this.pos >= this.buf.length) if (!(await this.fill())) return true;
    return false;
  }

  /** Text up to (not including) `delim`, consumed with it; at most REPLAY_MAX_LINE bytes. */
  async until(delim: number, what: string): Promise<string> {
    for (;;) {
      const idx = this.buf.indexOf(delim, this.pos);
      if (idx >= 0 && idx - this.pos <= REPLAY_MAX_LINE) {
        const text = this.buf.toString('latin1', this.pos, idx);
        this.pos = idx + 1;
        if (delim === NL) this.line++;
        return text;
      }
      if (idx >= 0 || this.buf.length - this.pos > REPLAY_MAX_LINE) {
        throw new QxlReplayError(
          QxlErrorCode.ReplaySyntax,
          what,
          `no ${delim === NL ? 'end of line' : "':'"} within ${REPLAY_MAX_LINE} bytes`,
          this.position(),
        );
      }
      if (!(await this.fill())) {
        throw new QxlReplayError(QxlErrorCode.ReplayTruncated, what, 'the recording ends here', this.position());
      }
    }
  }

  /** Exactly `n` raw bytes, copied into a fresh array. */
  async bytes(n: number, what: string): Promise<Uint8Array> {
    const avail = this.buf.length - this.pos;
    if (avail >= n) {
      // A plain Uint8Array copy (Buffer#slice would give a Buffer sharing the chunk's memory).
      const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.pos, n).slice();
      this.pos += n;
      return out;
    }
    const out = new Uint8Array(n);
    let have = 0;
    for (;;) {
      const take = Math.min(n - have, this.buf.length - this.pos);
      out.set(this.buf.subarray(this.pos, this.pos + take), have);
      have += take;
      this.pos += take;
      if (have === n) return out;
      if (!(await this.fill())) {
        throw new QxlReplayError(
          QxlErrorCode.ReplayTruncated,
          what,
          `the recording ends after ${have} of ${n} bytes`,
          this.position(),
        );
      }
    }
  }

  /** Consumes one '\n' if it is next (the writer puts one after every blob). */
  async optionalNewline(): Promise<void> {
    if (this.pos >= this.buf.length && !(await this.fill())) return;
    if (this.buf[this.pos] === NL) {
      this.pos++;
      this.line++;
    }
  }
}

/** The sequential, key-driven grammar of red-record-qxl.c. */
class ReplayGrammar {
  private readonly maxBlob: number;
  private readonly compat: boolean;

  constructor(
    private readonly input: ByteInput,
    options: ReplayReaderOptions,
  ) {
    this.maxBlob = options.maxBlobBytes ?? REPLAY_MAX_BLOB_DEFAULT;
    this.compat = options.compatDrawables === true;
  }

  private syntax(field: string, reason: string, position = this.input.position()): QxlReplayError {
    return new QxlReplayError(QxlErrorCode.ReplaySyntax, field, reason, position);
  }

  private async tokens(key: string): Promise<string[]> {
    const position = this.input.position();
    const line = await this.input.until(NL, key);
    const parts = line.split(' ');
    if (parts[0] !== key) throw this.syntax(key, `expected '${key}', found '${line.slice(0, 80)}'`, position);
    return parts;
  }

  private int(text: string | undefined, field: string): number {
    if (text === undefined || !INT_RE.test(text)) throw this.syntax(field, `'${text ?? ''}' is not an integer`);
    const n = Number(text);
    if (n < -0x8000_0000 || n > 0xffff_ffff) throw this.syntax(field, `${text} does not fit 32 bits`);
    return n;
  }

  private u64(text: string | undefined, field: string): bigint {
    if (text === undefined || !UINT_RE.test(text))
      throw this.syntax(field, `'${text ?? ''}' is not an unsigned integer`);
    const n = BigInt(text);
    if (n >= TWO_64) throw this.syntax(field, `${text} does not fit 64 bits`);
    return n;
  }

  /** `key N` line. */
  private async num(key: string): Promise<number> {
    const t = await this.tokens(key);
    if (t.length !== 2) throw this.syntax(key, `expected '${key} N'`);
    return this.int(t[1], key);
  }

  private async big(key: string): Promise<bigint> {
    const t = await this.tokens(key);
    if (t.length !== 2) throw this.syntax(key, `expected '${key} N'`);
    return this.u64(t[1], key);
  }

  /** A bare keyword line (`drawable`, `update`...). */
  private async word(key: string): Promise<void> {
    const t = await this.tokens(key);
    if (t.length !== 1) throw this.syntax(key, `expected '${key}' alone on its line`);
  }

  private async rect(prefix: string): Promise<QxlRect> {
    const t = await this.tokens('rect');
    if (t.length !== 6 || t[1] !== prefix) throw this.syntax(`rect ${prefix}`, `expected 'rect ${prefix} T L B R'`);
    const f = `rect ${prefix}`;
    return { top: this.int(t[2], f), left: this.int(t[3], f), bottom: this.int(t[4], f), right: this.int(t[5], f) };
  }

  private async point(key: string): Promise<QxlPoint> {
    const t = await this.tokens(key);
    if (t.length !== 3) throw this.syntax(key, `expected '${key} X Y'`);
    return { x: this.int(t[1], key), y: this.int(t[2], key) };
  }

  /** `binary Z PREFIX SIZE:` + bytes (+ zlib) + '\n'. */
  async binary(prefix: string): Promise<Uint8Array> {
    const field = `binary ${prefix}`;
    const position = this.input.position();
    const head = await this.input.until(COLON, field);
    const t = head.split(' ');
    if (t.length !== 4 || t[0] !== 'binary' || t[2] !== prefix) {
      throw this.syntax(field, `expected 'binary Z ${prefix} SIZE:', found '${head.slice(0, 80)}'`, position);
    }
    const z = t[1];
    const size = this.int(t[3], field);
    if (size < 0) throw this.syntax(field, `size ${size} is negative`, position);
    if (size > this.maxBlob) throw this.syntax(field, `size ${size} is above the limit of ${this.maxBlob}`, position);
    let data: Uint8Array;
    if (z === '0') {
      data = await this.input.bytes(size, field);
    } else if (z === '1') {
      const zsize = this.int(await this.input.until(COLON, `${field} zlib size`), `${field} zlib size`);
      if (zsize < 0 || zsize > this.maxBlob) throw this.syntax(field, `zlib size ${zsize} is out of range`);
      const packed = await this.input.bytes(zsize, field);
      try {
        data = new Uint8Array(inflateSync(packed, { maxOutputLength: Math.max(size, 1) }));
      } catch (err) {
        throw new QxlReplayError(QxlErrorCode.ReplayInput, field, 'zlib data does not inflate', position, {
          cause: err,
        });
      }
      if (data.byteLength !== size) {
        throw this.syntax(field, `zlib data inflates to ${data.byteLength} bytes, not ${size}`, position);
      }
    } else {
      throw this.syntax(field, `compression flag '${z}' is not 0 or 1`, position);
    }
    await this.input.optionalNewline();
    return data;
  }

  /** `data_chunks N_EXTRA TOTAL` + N_EXTRA + 1 blobs. */
  private async chunks(prefix: string): Promise<{ chunks: Uint8Array[]; total: number }> {
    const t = await this.tokens('data_chunks');
    if (t.length !== 3) throw this.syntax('data_chunks', "expected 'data_chunks N SIZE'");
    const extra = this.int(t[1], 'data_chunks count');
    const declared = this.int(t[2], 'data_chunks size');
    if (extra < 0 || extra >= MAX_CHUNKS) throw this.syntax('data_chunks count', `${extra} is out of range`);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i <= extra; i++) {
      const c = await this.binary(prefix);
      total += c.byteLength;
      chunks.push(c);
    }
    if (total !== declared) throw this.syntax(`data_chunks ${prefix}`, `chunks hold ${total} bytes, not ${declared}`);
    return { chunks, total };
  }

  // ---- events ---------------------------------------------------------------------------------

  async header(): Promise<void> {
    const line = await this.input.until(NL, 'header');
    if (line !== REPLAY_HEADER) {
      throw this.syntax('header', `'${line.slice(0, 40)}' is not '${REPLAY_HEADER}'`, { line: 1, offset: 0 });
    }
  }

  async *events(): AsyncGenerator<ReplayEvent> {
    await this.header();
    for (;;) {
      if (await this.input.atEnd()) return;
      const position = this.input.position();
      const t = await this.tokens('event');
      if (t.length !== 5) throw this.syntax('event', "expected 'event COUNTER WHAT TYPE TIMESTAMP'", position);
      const counter = this.int(t[1], 'event counter');
      const what = this.int(t[2], 'event what');
      const type = this.int(t[3], 'event type');
      const timestampNs = this.u64(t[4], 'event timestamp');
      if (what === 0) {
        yield { counter, what: 'command', type, timestampNs, line: position.line, command: await this.command(type) };
      } else if (what === 1) {
        const primary =
          type === ReplayWorkerMessage.CreatePrimarySurface || type === ReplayWorkerMessage.CreatePrimarySurfaceAsync
            ? await this.primary()
            : null;
        yield { counter, what: 'dispatcher', type, timestampNs, line: position.line, primary };
      } else {
        throw this.syntax('event what', `${what} is not 0 (command) or 1 (dispatcher)`, position);
      }
    }
  }

  private async primary(): Promise<ReplayPrimarySurface> {
    const line = async (field: string): Promise<number[]> => {
      const t = (await this.input.until(NL, field)).split(' ');
      if (t.length !== 4) throw this.syntax(field, 'expected four integers');
      return t.map((x) => this.int(x, field));
    };
    const [width, height, stride, format] = (await line('primary width height stride format')) as [
      number,
      number,
      number,
      number,
    ];
    const [position, mouseMode, flags, type] = (await line('primary position mouse_mode flags type')) as [
      number,
      number,
      number,
      number,
    ];
    const data = await this.binary('data');
    return { width, height, stride, format, position, mouseMode, flags, type, data };
  }

  private async command(type: number): Promise<ReplayCommand> {
    switch (type) {
      case 1:
        return { type: 'draw', drawable: await this.drawable() };
      case 2: {
        await this.word('update');
        const area = await this.rect('area');
        const updateId = await this.num('update_id');
        const surfaceId = await this.num('surface_id');
        return { type: 'update', area, updateId, surfaceId };
      }
      case 3:
        return { type: 'cursor', command: await this.cursor() };
      case 4:
        return { type: 'message', text: await this.binary('message') };
      case 5:
        return { type: 'surface', command: await this.surface() };
      default:
        throw this.syntax('event type', `${type} is not a QXL command type (1..5)`);
    }
  }

  private async surface(): Promise<ReplaySurfaceCommand> {
    await this.word('surface_cmd');
    const surfaceId = await this.num('surface_id');
    const type = await this.num('type');
    const flags = await this.num('flags');
    if (type === 1) {
      return { surfaceId, type: 'destroy', flags, format: 0, width: 0, height: 0, stride: 0, data: null };
    }
    if (type !== 0) throw this.syntax('surface_cmd type', `${type} is not CREATE (0) or DESTROY (1)`);
    const format = await this.num('u.surface_create.format');
    const width = await this.num('u.surface_create.width');
    const height = await this.num('u.surface_create.height');
    const stride = await this.num('u.surface_create.stride');
    const data = flags & 1 ? await this.binary('data') : null;
    return { surfaceId, type: 'create', flags, format, width, height, stride, data };
  }

  private async cursor(): Promise<ReplayCursorCommand> {
    await this.word('cursor_cmd');
    const type = await this.num('type');
    switch (type) {
      case 0: {
        const pos = await this.point('point16');
        const visible = await this.num('u.set.visible');
        const unique = await this.big('header.unique');
        const shapeType = await this.num('header.type');
        const width = await this.num('header.width');
        const height = await this.num('header.height');
        const hotX = await this.num('header.hot_spot_x');
        const hotY = await this.num('header.hot_spot_y');
        const dataSize = await this.num('data_size');
        const { chunks } = await this.chunks('cursor');
        return {
          type: 'set',
          pos,
          visible,
          shape: { unique, type: shapeType, width, height, hotX, hotY, dataSize, chunks },
        };
      }
      case 1:
        return { type: 'move', pos: await this.point('point16') };
      case 2:
        return { type: 'hide' };
      case 3: {
        const length = await this.num('u.trail.length');
        const frequency = await this.num('u.trail.frequency');
        return { type: 'trail', length, frequency };
      }
      default:
        throw this.syntax('cursor_cmd type', `${type} is not a QXL_CURSOR_* type`);
    }
  }

  private async drawable(): Promise<ReplayDrawable> {
    await this.word('drawable');
    const bbox = await this.rect('bbox');
    const clip = await this.clip();
    const effect = await this.num('effect');
    const mmTime = await this.num('mm_time');
    if (this.compat) {
      const bitmapOffset = await this.num('bitmap_offset');
      const bitmapArea = await this.rect('bitmap_area');
      const drawType = await this.num('type');
      const draw = await this.draw(drawType, true);
      return { compat: true, bbox, clip, effect, mmTime, bitmapOffset, bitmapArea, drawType, draw };
    }
    const selfBitmap = await this.num('self_bitmap');
    const selfBitmapArea = await this.rect('self_bitmap_area');
    const surfaceId = await this.num('surface_id');
    const dest: number[] = [];
    const rects: QxlRect[] = [];
    for (let i = 0; i < 3; i++) {
      dest.push(await this.num('surfaces_dest'));
      rects.push(await this.rect('surfaces_rects'));
    }
    const drawType = await this.num('type');
    const draw = await this.draw(drawType, false);
    return {
      compat: false,
      bbox,
      clip,
      effect,
      mmTime,
      selfBitmap,
      selfBitmapArea,
      surfaceId,
      surfacesDest: dest as [number, number, number],
      surfacesRects: rects as [QxlRect, QxlRect, QxlRect],
      drawType,
      draw,
    };
  }

  private async clip(): Promise<ReplayClip> {
    const type = await this.num('type');
    if (type === 0) return { type: 'none' };
    if (type !== 1) throw this.syntax('clip type', `${type} is not NONE (0) or RECTS (1)`);
    const numRects = await this.num('num_rects');
    const { chunks, total } = await this.chunks('clip_rects');
    if (numRects < 0 || total !== numRects * 16) {
      throw this.syntax('clip_rects', `${total} bytes do not hold num_rects ${numRects} rects`);
    }
    const all = joinChunks(chunks, total);
    const v = new DataView(all.buffer, all.byteOffset, all.byteLength);
    const rects: QxlRect[] = [];
    for (let i = 0; i < numRects; i++) {
      const o = i * 16;
      rects.push({
        top: v.getInt32(o, true),
        left: v.getInt32(o + 4, true),
        bottom: v.getInt32(o + 8, true),
        right: v.getInt32(o + 12, true),
      });
    }
    return { type: 'rects', rects };
  }

  private async image(): Promise<ReplayImage | null> {
    const present = await this.num('image');
    if (present === 0) return null;
    if (present !== 1) throw this.syntax('image', `${present} is not 0 or 1`);
    const id = await this.big('descriptor.id');
    const type = await this.num('descriptor.type');
    const flags = await this.num('descriptor.flags');
    const width = await this.num('descriptor.width');
    const height = await this.num('descriptor.height');
    switch (type) {
      case QxlImageType.Bitmap: {
        const format = await this.num('bitmap.format');
        const bitmapFlags = await this.num('bitmap.flags');
        const x = await this.num('bitmap.x');
        const y = await this.num('bitmap.y');
        const stride = await this.num('bitmap.stride');
        const hasPalette = await this.num('has_palette');
        let palette: { unique: bigint; entries: Uint32Array } | null = null;
        if (hasPalette !== 0) {
          const count = await this.num('qp.num_ents');
          if (count < 0 || count > 0xffff) throw this.syntax('qp.num_ents', `${count} is not a u16`);
          const unique = await this.big('unique');
          const entries = new Uint32Array(count);
          for (let i = 0; i < count; i++) entries[i] = (await this.num('ents')) >>> 0;
          palette = { unique, entries };
        }
        const chunks =
          bitmapFlags & 1 ? [await this.binary('image_data_flat')] : (await this.chunks('bitmap.data')).chunks;
        return { kind: 'bitmap', id, flags, width, height, format, bitmapFlags, x, y, stride, palette, chunks };
      }
      case QxlImageType.Surface: {
        const surfaceId = await this.num('surface_image.surface_id');
        return { kind: 'surface', id, flags, width, height, surfaceId };
      }
      case QxlImageType.Quic: {
        const dataSize = await this.num('quic.data_size');
        const { chunks, total } = await this.chunks('quic.data');
        if (total !== dataSize) throw this.syntax('quic.data', `chunks hold ${total} bytes, not data_size ${dataSize}`);
        return { kind: 'quic', id, flags, width, height, dataSize, chunks };
      }
      default:
        throw this.syntax('descriptor.type', `${type} is not BITMAP (0), QUIC (1) or SURFACE (104)`);
    }
  }

  private async brush(): Promise<ReplayBrush> {
    const type = await this.num('type');
    switch (type) {
      case 0:
        return { type: 'none' };
      case 1:
        return { type: 'solid', color: (await this.num('u.color')) >>> 0 };
      case 2: {
        const pattern = await this.image();
        const pos = await this.point('point');
        return { type: 'pattern', pattern, pos };
      }
      default:
        throw this.syntax('brush type', `${type} is not NONE, SOLID or PATTERN`);
    }
  }

  private async qmask(): Promise<ReplayQMask> {
    const flags = await this.num('flags');
    const pos = await this.point('point');
    const bitmap = await this.image();
    return { flags, pos, bitmap };
  }

  private async transform(present: number, key: string): Promise<Uint8Array | null> {
    if (present === 0) return null;
    if (present !== 1) throw this.syntax(key, `${present} is not 0 or 1`);
    return this.binary('transform');
  }

  private async draw(type: number, compat: boolean): Promise<ReplayDraw> {
    switch (type) {
      case 0:
        return { type: 'nop' };
      case 1: {
        const brush = await this.brush();
        const ropDescriptor = await this.num('rop_descriptor');
        return { type: 'fill', brush, ropDescriptor, mask: await this.qmask() };
      }
      case 2: {
        const src = await this.image();
        const srcArea = await this.rect('src_area');
        const brush = await this.brush();
        const ropDescriptor = await this.num('rop_descriptor');
        const scaleMode = await this.num('scale_mode');
        return { type: 'opaque', src, srcArea, brush, ropDescriptor, scaleMode, mask: await this.qmask() };
      }
      case 3:
      case 5: {
        const src = await this.image();
        const srcArea = await this.rect('src_area');
        const ropDescriptor = await this.num('rop_descriptor');
        const scaleMode = await this.num('scale_mode');
        const mask = await this.qmask();
        return { type: type === 3 ? 'copy' : 'blend', src, srcArea, ropDescriptor, scaleMode, mask };
      }
      case 4:
        return { type: 'copy-bits', srcPos: await this.point('point') };
      case 6:
      case 7:
      case 8:
        return { type: type === 6 ? 'blackness' : type === 7 ? 'whiteness' : 'invers', mask: await this.qmask() };
      case 9: {
        const src = await this.image();
        const srcArea = await this.rect('src_area');
        const brush = await this.brush();
        const rop3 = await this.num('rop3');
        const scaleMode = await this.num('scale_mode');
        return { type: 'rop3', src, srcArea, brush, rop3, scaleMode, mask: await this.qmask() };
      }
      case 10: {
        const { chunks: path } = await this.chunks('path');
        const attrFlags = await this.num('attr.flags');
        let styleNseg = 0;
        let style: Uint8Array | null = null;
        if (attrFlags & SPICE_LINE_FLAGS_STYLED) {
          styleNseg = await this.num('attr.style_nseg');
          style = await this.binary('style');
          if (style.byteLength !== styleNseg * 4) {
            throw this.syntax('style', `${style.byteLength} bytes do not hold ${styleNseg} segments`);
          }
        }
        const brush = await this.brush();
        const foreMode = await this.num('fore_mode');
        const backMode = await this.num('back_mode');
        return { type: 'stroke', path, attrFlags, styleNseg, style, brush, foreMode, backMode };
      }
      case 11: {
        const dataSize = await this.num('data_size');
        const length = await this.num('length');
        const flags = await this.num('flags');
        const { chunks: string, total } = await this.chunks('string');
        if (total !== dataSize) throw this.syntax('string', `chunks hold ${total} bytes, not data_size ${dataSize}`);
        const backArea = await this.rect('back_area');
        const foreBrush = await this.brush();
        const backBrush = await this.brush();
        const foreMode = await this.num('fore_mode');
        const backMode = await this.num('back_mode');
        return { type: 'text', dataSize, length, flags, string, backArea, foreBrush, backBrush, foreMode, backMode };
      }
      case 12: {
        const src = await this.image();
        const srcArea = await this.rect('src_area');
        const srcColor = (await this.num('src_color')) >>> 0;
        const trueColor = (await this.num('true_color')) >>> 0;
        return { type: 'transparent', src, srcArea, srcColor, trueColor };
      }
      case 13: {
        const alphaFlags = compat ? 0 : await this.num('alpha_flags');
        const alpha = await this.num('alpha');
        const src = await this.image();
        const srcArea = await this.rect('src_area');
        return { type: 'alpha-blend', alphaFlags, alpha, src, srcArea };
      }
      case 14: {
        if (compat) throw this.syntax('type', 'COMPOSITE does not exist in compat drawables');
        const flags = await this.num('flags');
        const src = await this.image();
        const srcTransform = await this.transform(await this.num('src_transform'), 'src_transform');
        const maskPresent = await this.num('mask');
        if (maskPresent !== 0 && maskPresent !== 1) throw this.syntax('mask', `${maskPresent} is not 0 or 1`);
        const mask = maskPresent === 1 ? await this.image() : null;
        const maskTransform = await this.transform(await this.num('mask_transform'), 'mask_transform');
        const srcOrigin = await this.point('src_origin');
        const maskOrigin = await this.point('mask_origin');
        return { type: 'composite', flags, src, srcTransform, mask, maskTransform, srcOrigin, maskOrigin };
      }
      default:
        throw this.syntax('type', `${type} is not a QXL_DRAW_* type`);
    }
  }
}

/** Concatenates chunks into one array (no copy when there is one chunk). */
export function joinChunks(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let size = total ?? 0;
  if (total === undefined) for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  throw new TypeError('replay input must yield bytes');
}

class ReplayReaderImpl implements ReplayReader {
  compression: ReplayCompression | null = null;
  private input: ByteInput | null = null;
  private readonly cleanups: (() => void)[] = [];
  private started = false;

  constructor(
    private readonly source: Readable,
    private readonly options: ReplayReaderOptions,
  ) {}

  get offset(): number {
    return this.input?.offset ?? 0;
  }

  get line(): number {
    return this.input?.line ?? 0;
  }

  close(): void {
    for (const c of this.cleanups.splice(0)) c();
    this.source.destroy();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ReplayEvent> {
    if (this.started)
      throw new QxlReplayError(QxlErrorCode.ReplayInput, 'reader', 'can be iterated once', { line: 0, offset: 0 });
    this.started = true;
    try {
      const chunks = await this.decompressed();
      this.input = new ByteInput(chunks);
      yield* new ReplayGrammar(this.input, this.options).events();
    } finally {
      this.close();
    }
  }

  /** Sniffs the magic bytes and returns the decompressed chunk iterator. */
  private async decompressed(): Promise<AsyncIterator<Buffer>> {
    const raw = this.source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < XZ_MAGIC.length) {
      const n = await raw.next();
      if (n.done === true) {
        ended = true;
        break;
      }
      const b = toBuffer(n.value);
      head.push(b);
      headBytes += b.length;
    }
    const first = Buffer.concat(head);
    async function* whole(): AsyncGenerator<Buffer> {
      if (first.length > 0) yield first;
      if (ended) return;
      for (;;) {
        const n = await raw.next();
        if (n.done === true) return;
        yield toBuffer(n.value);
      }
    }
    if (startsWith(first, GZIP_MAGIC)) {
      this.compression = 'gzip';
      const gunzip = createGunzip();
      const from = Readable.from(whole());
      from.on('error', (err) => gunzip.destroy(err));
      from.pipe(gunzip);
      this.cleanups.push(() => {
        from.destroy();
        gunzip.destroy();
      });
      return wrapErrors(gunzip, 'gzip');
    }
    if (startsWith(first, XZ_MAGIC)) {
      this.compression = 'xz';
      return this.xz(Readable.from(whole()));
    }
    this.compression = 'none';
    return wrapErrors(Readable.from(whole()), 'input');
  }

  private xz(from: Readable): AsyncIterator<Buffer> {
    const child = spawn('xz', ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let failure: QxlReplayError | null = null;
    const out = child.stdout;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 1000) stderr += s;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      failure = new QxlReplayError(
        QxlErrorCode.ReplayInput,
        'xz',
        err.code === 'ENOENT'
          ? 'the recording is xz-compressed and the `xz` binary is not installed (install xz-utils)'
          : `cannot run xz: ${err.message}`,
        { line: 0, offset: 0 },
        { cause: err },
      );
      out.destroy(failure);
    });
    child.stdin.on('error', () => {
      // EPIPE when xz exits early (bad data or close()); the exit code reports it.
    });
    from.on('error', (err) => child.stdin.destroy(err));
    from.pipe(child.stdin);
    let exitCode: number | null = null;
    const exited = new Promise<void>((resolve) => {
      child.on('close', (code) => {
        exitCode = code;
        resolve();
      });
    });
    let closed = false;
    this.cleanups.push(() => {
      closed = true;
      from.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    });
    const it = out[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    return {
      next: async () => {
        try {
          const n = await it.next();
          if (n.done === true) {
            await exited;
            if (failure !== null) throw failure;
            if (exitCode !== 0 && !closed) {
              throw new QxlReplayError(
                QxlErrorCode.ReplayInput,
                'xz',
                `xz exited with ${exitCode}: ${stderr.trim() || 'corrupt or truncated data'}`,
                { line: 0, offset: 0 },
              );
            }
          }
          return n;
        } catch (err) {
          if (failure !== null) throw failure;
          throw err;
        }
      },
    };
  }
}

function wrapErrors(stream: Readable, what: string): AsyncIterator<Buffer> {
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  return {
    next: async () => {
      try {
        const n = await it.next();
        return n.done === true ? { done: true, value: undefined } : { done: false, value: toBuffer(n.value) };
      } catch (err) {
        if (err instanceof QxlReplayError) throw err;
        throw new QxlReplayError(
          QxlErrorCode.ReplayInput,
          what,
          `cannot read the recording: ${(err as Error).message}`,
          { line: 0, offset: 0 },
          { cause: err },
        );
      }
    },
  };
}

/**
 * A streaming reader of a SPICE_REPLAY 1 recording. `source` yields the file's bytes, plain, gzip
 * or xz (detected by magic bytes; xz goes through a spawned `xz -dc`). Only what one event needs
 * is held in memory.
 */
export function createReplayReader(source: Readable, options: ReplayReaderOptions = {}): ReplayReader {
  return new ReplayReaderImpl(source, options);
}

/** `createReplayReader` over a file stream of `path`. */
export function openReplayFile(path: string, options: ReplayReaderOptions = {}): ReplayReader {
  return createReplayReader(createReadStream(path, { highWaterMark: 1 << 20 }), options);
}
