import type { Socket } from 'node:net';
import { LinkClosedError, LinkTimeoutError } from './errors.js';

/**
 * Reads fixed-size pieces of the link phase from a socket. The data listener is attached at once
 * (the client speaks first). `release()` detaches it and returns what was read beyond the link
 * phase, so the channel that takes the socket over loses nothing.
 */
export class LinkReader {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private waiter: { n: number; stage: string; resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | null =
    null;
  private ended = false;
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
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  /** Resolves with exactly n bytes; rejects on close or when the link timeout passes. */
  read(n: number, stage: string): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.waiter = { n, stage, resolve, reject };
      if (this.timer === undefined && this.timeoutMs > 0) {
        this.timer = setTimeout(() => {
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
    if (this.buffered >= w.n) {
      this.waiter = null;
      w.resolve(this.take(w.n));
    } else if (this.ended) {
      this.waiter = null;
      w.reject(new LinkClosedError(w.stage));
    }
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
