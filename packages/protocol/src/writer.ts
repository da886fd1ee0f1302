/**
 * Little-endian writer that grows as needed. Size it up front when the size is known.
 * `finish()` returns a view of the written bytes.
 */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  offset = 0;

  constructor(initialSize = 64) {
    this.buf = new Uint8Array(Math.max(initialSize, 8));
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    const needed = this.offset + n;
    if (needed <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.offset));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.offset++, v);
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.offset, v, true);
    this.offset += 2;
    return this;
  }

  i16(v: number): this {
    this.ensure(2);
    this.view.setInt16(this.offset, v, true);
    this.offset += 2;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.offset, v >>> 0, true);
    this.offset += 4;
    return this;
  }

  i32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.offset, v | 0, true);
    this.offset += 4;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.offset, BigInt.asUintN(64, v), true);
    this.offset += 8;
    return this;
  }

  i64(v: bigint): this {
    this.ensure(8);
    this.view.setBigInt64(this.offset, BigInt.asIntN(64, v), true);
    this.offset += 8;
    return this;
  }

  bytes(v: Uint8Array): this {
    this.ensure(v.byteLength);
    this.buf.set(v, this.offset);
    this.offset += v.byteLength;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.offset, this.offset + n);
    this.offset += n;
    return this;
  }

  /** Overwrite a u32 already written (pointer patching). */
  patchU32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }

  /** The bytes written so far (a view; valid until the next write). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.offset);
  }
}
