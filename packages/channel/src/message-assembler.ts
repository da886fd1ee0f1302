import { decodeDataHeader, FULL_HEADER_SIZE, MINI_HEADER_SIZE } from '@spice-ts/protocol';

export interface IncomingMessage {
  type: number;
  serial: bigint;
  /** The body; a view valid until the handler returns (copy what you keep). */
  body: Uint8Array;
  /** Full header only: offset of a sub-message list in the body (absent or 0: none). */
  subList?: number;
}

/**
 * Reassembles data messages from socket chunks with a chunk list: no concatenation per chunk,
 * a copy only when a body spans chunks. Incomplete input waits; an announced size above `limit`
 * is reported before any byte of the body is buffered.
 */
export class MessageAssembler {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private readonly headerSize: number;

  constructor(
    private readonly mini: boolean,
    private readonly limit: (type: number) => number,
  ) {
    this.headerSize = mini ? MINI_HEADER_SIZE : FULL_HEADER_SIZE;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
  }

  /**
   * Returns the next complete message, null if more bytes are needed, or throws the error built by
   * `tooLarge` when a header announces an oversized body.
   */
  next(tooLarge: (type: number, size: number, limit: number) => Error): IncomingMessage | null {
    if (this.buffered < this.headerSize) return null;
    const header = decodeDataHeader(this.peek(this.headerSize), this.mini);
    if (!header) return null;
    const limit = this.limit(header.type);
    if (header.size > limit) throw tooLarge(header.type, header.size, limit);
    if (this.buffered < this.headerSize + header.size) return null;
    this.consume(this.headerSize);
    const body = this.take(header.size);
    return header.subList
      ? { type: header.type, serial: header.serial, body, subList: header.subList }
      : { type: header.type, serial: header.serial, body };
  }

  /** The first n buffered bytes, contiguous (copies only if they span chunks). */
  private peek(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.chunks[0]!;
    if (first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, Math.min(c.byteLength, n - at));
      out.set(part, at);
      at += part.byteLength;
      if (at === n) break;
    }
    return out;
  }

  private take(n: number): Uint8Array {
    const view = this.peek(n);
    this.consume(n);
    return view;
  }

  private consume(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const first = this.chunks[0]!;
      if (first.byteLength <= n) {
        n -= first.byteLength;
        this.chunks.shift();
      } else {
        this.chunks[0] = first.subarray(n);
        n = 0;
      }
    }
  }
}
