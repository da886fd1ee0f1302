import { BadPointerError, TruncatedError } from './errors.js';

/**
 * Bounds-checked little-endian reader over a Uint8Array. Every read checks the bytes present and
 * throws TruncatedError instead of reading past the end. `bytes()` returns subarray views that are
 * valid as long as the underlying buffer is.
 */
export class Reader {
  readonly source: Uint8Array;
  readonly view: DataView;
  offset: number;
  /** source.byteLength, kept in a field: the typed-array getter is slow on the hot path. */
  private readonly end: number;

  /** `view` (optional) must be a view of exactly `bytes`; readers at pointers share their parent's. */
  constructor(bytes: Uint8Array, offset = 0, view?: DataView) {
    this.source = bytes;
    this.view = view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.end = bytes.byteLength;
  }

  get length(): number {
    return this.end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws TruncatedError unless `n` more bytes are present. */
  need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.end) throw new TruncatedError(what, n, this.remaining);
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.view.getUint8(this.offset++);
  }

  i8(what = 'i8'): number {
    this.need(1, what);
    return this.view.getInt8(this.offset++);
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.offset, true);
    this.offset += 2;
    return v;
  }

  i16(what = 'i16'): number {
    this.need(2, what);
    const v = this.view.getInt16(this.offset, true);
    this.offset += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    return v;
  }

  i64(what = 'i64'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v;
  }

  /** A view of the next `n` bytes (no copy). */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const v = this.source.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A view of everything left (no copy). */
  rest(): Uint8Array {
    const v = this.source.subarray(this.offset);
    this.offset = this.end;
    return v;
  }

  /** A reader positioned at a pointer (offset from the start of the message body). */
  at(pointer: number, what: string): Reader {
    if (pointer > this.end) throw new BadPointerError(what, pointer, this.end);
    return new Reader(this.source, pointer, this.view);
  }
}
