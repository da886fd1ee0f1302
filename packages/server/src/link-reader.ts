import type { Duplex } from 'node:stream';
import { LinkClosedError, LinkTimeoutError, TooLargeError } from './errors.js';

/**
 * Reads the pieces of the link phase (fixed sizes, or an HTTP head up to a delimiter) from a stream. The data listener is attached at once
 * (the client speaks first). `release()` detaches it and returns what was read beyond the link
 * phase, so the channel that takes the socket over loses nothing.
 */
export class LinkReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private waiter: {
    n: number;
    /** Set for readUntil: the delimiter to find, n is then the most bytes allowed. */
    until?: Uint8Array;
    /** Offset up to which the delimiter is known to be absent (a slow drip is not rescanned). */
    scanned?: number;
    stage: string;
    resolve: (b: Uint8Array) => void;
    reject: (e: Error) => void;
  } | null = null;
  private ended = false;
  private timedOut = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onData = (chunk: Uint8Array) => {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    this.pump();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.pump();
  };

  constructor(
    private readonly socket: Duplex,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  /** Resolves with exactly n bytes; rejects on close or when the link timeout passes. */
  read(n: number, stage: string): Promise<Uint8Array> {
    return this.wait({ n, stage });
  }

  /**
   * Resolves with the bytes up to and including `delimiter`; rejects with TooLargeError when it
   * is not found within `max` bytes, on close, or when the link timeout passes.
   */
  readUntil(delimiter: Uint8Array, max: number, stage: string): Promise<Uint8Array> {
    return this.wait({ n: max, until: delimiter, stage });
  }

  private wait(what: { n: number; until?: Uint8Array; stage: string }): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.timedOut) return reject(new LinkTimeoutError(this.timeoutMs, what.stage));
      this.waiter = { ...what, resolve, reject };
      if (this.timer === undefined && this.timeoutMs > 0) {
        this.timer = setTimeout(() => {
          this.timedOut = true;
          const w = this.waiter;
          this.waiter = null;
          w?.reject(new LinkTimeoutError(this.timeoutMs, w.stage));
        }, this.timeoutMs);
        this.timer.unref();
      }
      this.pump();
    });
  }

  private pump(): void {
    const w = this.waiter;
    if (!w) return;
    if (w.until) {
      const at = this.find(w.until, w.n, w.scanned ?? 0);
      w.scanned = Math.max(0, Math.min(this.buffered, w.n) - w.until.byteLength + 1);
      if (at >= 0) {
        this.waiter = null;
        w.resolve(this.take(at + w.until.byteLength));
        return;
      }
      if (this.buffered >= w.n) {
        this.waiter = null;
        w.reject(new TooLargeError(w.stage, w.n));
        return;
      }
    } else if (this.buffered >= w.n) {
      this.waiter = null;
      w.resolve(this.take(w.n));
    } else if (this.ended) {
      this.waiter = null;
      w.reject(new LinkClosedError(w.stage));
    }
  }

  /** Offset of `needle` in the buffered bytes (searching the first `limit` bytes), or -1. */
  private find(needle: Uint8Array, limit: number, from: number): number {
    // The heads searched here are small (a few KiB at most): one flat copy is fine.
    const n = Math.min(this.buffered, limit);
    if (n < needle.byteLength) return -1;
    const flat = this.peek(n);
    outer: for (let i = from; i + needle.byteLength <= n; i++) {
      for (let j = 0; j < needle.byteLength; j++) if (flat[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first && first.byteLength >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      if (at >= n) break;
      const part = Math.min(c.byteLength, n - at);
      out.set(c.subarray(0, part), at);
      at += part;
    }
    return out;
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const first = this.chunks[0]!;
      const part = Math.min(first.byteLength, n - at);
      out.set(first.subarray(0, part), at);
      at += part;
      if (part === first.byteLength) this.chunks.shift();
      else this.chunks[0] = first.subarray(part);
    }
    this.buffered -= n;
    return out;
  }

  /** Stops reading; returns the bytes received after the link phase. */
  release(): Uint8Array {
    this.dispose();
    const rest = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      rest.set(c, at);
      at += c.byteLength;
    }
    this.chunks = [];
    this.buffered = 0;
    return rest;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
  }
}
