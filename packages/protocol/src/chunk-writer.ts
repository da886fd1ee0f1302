/** A reserved u32 pointer slot, patched once its target's offset is known. */
export interface PointerSlot {
  readonly view: DataView;
  readonly at: number;
}

/** Byte runs at least this long are sent by reference as their own chunk instead of being copied. */
export const BY_REFERENCE_BYTES = 256;

/** Size of the shared slabs small writes are packed into (as Node's Buffer pool, but never reused). */
export const SLAB_BYTES = 64 * 1024;

let slab = new Uint8Array(SLAB_BYTES);
let slabView = new DataView(slab.buffer);
let slabUsed = 0;

/**
 * Little-endian writer for message bodies with pointers, used by the generated encoders. Output is
 * a list of chunks: small fields are packed into buffers, large byte runs are passed by reference,
 * and the targets of pointers are written (in the order the pointers were) after the fixed part,
 * each pointer being patched with its target's offset from the body start.
 *
 * Buffers come from a shared slab: each writer claims a region nobody else writes, so allocation
 * is a pointer bump, and the returned chunks stay valid for as long as they are referenced (a slab
 * region is never handed out twice).
 */
export class ChunkWriter {
  private readonly chunks: Uint8Array[] = [];
  private buf = slab;
  private view = slabView;
  private pos = 0;
  private start = 0;
  private end = 0;
  private flushed = 0;
  private readonly deferred: Array<() => void> = [];

  constructor(initialSize = 64) {
    this.claim(Math.max(initialSize, 16));
  }

  /** Takes a fresh region of at least `n` bytes (the current segment must be flushed). */
  private claim(n: number): void {
    if (n > SLAB_BYTES / 4) {
      this.buf = new Uint8Array(n);
      this.view = new DataView(this.buf.buffer);
      this.pos = 0;
      this.end = n;
    } else {
      if (slabUsed + n > SLAB_BYTES) {
        slab = new Uint8Array(SLAB_BYTES);
        slabView = new DataView(slab.buffer);
        slabUsed = 0;
      }
      this.buf = slab;
      this.view = slabView;
      this.pos = slabUsed;
      slabUsed += n;
      this.end = slabUsed;
    }
    this.start = this.pos;
  }

  /** Offset from the body start of the next byte written. */
  get offset(): number {
    return this.flushed + this.pos - this.start;
  }

  private flush(): void {
    if (this.pos > this.start) {
      this.chunks.push(this.buf.subarray(this.start, this.pos));
      this.flushed += this.pos - this.start;
      this.start = this.pos;
    }
  }

  private room(n: number): void {
    if (this.pos + n <= this.end) return;
    this.flush();
    // Earlier chunks keep pointing into the old region, so it is never copied or reused.
    this.claim(Math.max(n, 2 * (this.end - this.start), 64));
  }

  u8(v: number): void {
    this.room(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }

  i8(v: number): void {
    this.room(1);
    this.view.setInt8(this.pos, v);
    this.pos += 1;
  }

  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  i16(v: number): void {
    this.room(2);
    this.view.setInt16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.pos, v | 0, true);
    this.pos += 4;
  }

  u64(v: bigint): void {
    this.room(8);
    // setBigUint64 reduces modulo 2^64 itself.
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  i64(v: bigint): void {
    this.room(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }

  bytes(v: Uint8Array): void {
    if (v.byteLength >= BY_REFERENCE_BYTES) {
      this.flush();
      this.chunks.push(v);
      this.flushed += v.byteLength;
      return;
    }
    this.room(v.byteLength);
    this.buf.set(v, this.pos);
    this.pos += v.byteLength;
  }

  /** Writes a zero u32 to be patched later. */
  slot(): PointerSlot {
    this.room(4);
    const s = { view: this.view, at: this.pos };
    this.view.setUint32(this.pos, 0, true);
    this.pos += 4;
    return s;
  }

  /** Queues the target of a pointer: `emit` runs after the current structure, at the patched offset. */
  defer(slot: PointerSlot, emit: () => void): void {
    this.deferred.push(() => {
      slot.view.setUint32(slot.at, this.offset, true);
      emit();
    });
  }

  /** Writes every queued pointer target (targets may queue more) and returns the chunks. */
  finish(): Uint8Array[] {
    for (let i = 0; i < this.deferred.length; i++) this.deferred[i]!();
    this.deferred.length = 0;
    this.flush();
    // Give back the unused tail of the region if nobody claimed after it.
    if (this.buf === slab && this.end === slabUsed) {
      slabUsed = this.pos;
      this.end = this.pos;
    }
    return this.chunks;
  }
}
