import { Writer } from '../writer.js';

/** Emits the bytes a pointer points to, given the body offset where they will start. */
export type PointeeEmitter = (start: number) => Uint8Array[];

/**
 * Builds a message body with pointer fields. SPICE pointers are u32 offsets from the start of the
 * message body; pointed-to data is appended after the fixed part, in the order the pointers were
 * written, and a pointer with nothing behind it stays 0.
 */
export class BodyBuilder {
  readonly head: Writer;
  private readonly pending: Array<{ at: number; emit: PointeeEmitter }> = [];

  constructor(headSize = 64) {
    this.head = new Writer(headSize);
  }

  /** Writes a pointer field; `emit` (if any) produces what it points to. */
  pointer(emit: PointeeEmitter | null): this {
    const at = this.head.offset;
    this.head.u32(0);
    if (emit) this.pending.push({ at, emit });
    return this;
  }

  finish(): Uint8Array[] {
    const headLength = this.head.offset;
    const tail: Uint8Array[] = [];
    let offset = headLength;
    for (const { at, emit } of this.pending) {
      this.head.patchU32(at, offset);
      for (const chunk of emit(offset)) {
        tail.push(chunk);
        offset += chunk.byteLength;
      }
    }
    return [this.head.finish(), ...tail];
  }
}
