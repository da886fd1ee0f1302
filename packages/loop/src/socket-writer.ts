import type { Duplex } from 'node:stream';
import { InvalidArgumentError } from './errors.js';
import type { LoopStats } from './loop-stats.js';

/** Default back-pressure threshold of a writer (our choice: a few large display messages). */
export const DEFAULT_WRITER_HIGH_WATER_MARK = 256 * 1024;

export interface SocketWriterInit {
  /** Bytes queued (not yet accepted by the kernel) at which `write()` returns false. Default 256 KiB. */
  highWaterMark?: number;
  /** Counts drain notifications as wake-ups with reason `socket:drain`. */
  stats?: LoopStats;
  /** For diagnostics. */
  name?: string;
}

/**
 * Writes framed output to a socket (`net.Socket`, `tls.TLSSocket`, or any `stream.Duplex`) with
 * back-pressure measured in bytes and a drain signal driven only by write completions.
 */
export interface SocketWriter {
  /**
   * Queues chunks (e.g. a header then a large payload) without concatenating them; when several
   * chunks are given they go out in one `writev` if the socket supports it. Returns false when the
   * queued byte count is at/over `highWaterMark`: the caller should stop producing until `onDrain`.
   * On a closed writer the chunks are dropped and false is returned. The chunks must not be
   * modified until they are flushed (the writer keeps references, not copies).
   */
  write(chunks: readonly Uint8Array[]): boolean;
  /** Bytes handed to the socket and not yet flushed to the kernel (the socket's `writableLength`). */
  readonly queuedBytes: number;
  /** `queuedBytes < highWaterMark && !closed`. */
  readonly writable: boolean;
  /** True after `end()`, `destroy()`, or once the socket closed or errored. */
  readonly closed: boolean;
  readonly highWaterMark: number;
  /** Holds back writes until the matching `uncork()`, then sends them in one batch. Nests. */
  cork(): void;
  uncork(): void;
  /**
   * Registers a listener called each time the queue goes back below `highWaterMark` after a
   * `write()` returned false. Returns an unsubscribe function.
   */
  onDrain(listener: () => void): () => void;
  /** Flushes what is queued, then half-closes the socket. Further writes are dropped. */
  end(): void;
  /** Drops what is queued and destroys the socket (with `error`, which the socket then emits). */
  destroy(error?: Error): void;
}

export function createSocketWriter(socket: Duplex, init: SocketWriterInit = {}): SocketWriter {
  const highWaterMark = init.highWaterMark ?? DEFAULT_WRITER_HIGH_WATER_MARK;
  if (!Number.isSafeInteger(highWaterMark) || highWaterMark < 1) {
    throw new InvalidArgumentError(`highWaterMark must be a positive integer, got ${highWaterMark}`);
  }
  const stats = init.stats;
  const listeners = new Set<() => void>();
  let closed = socket.destroyed || socket.writableEnded || !socket.writable;
  let destroyed = socket.destroyed;
  let needDrain = false;
  let corks = 0;

  const queuedBytes = (): number => (destroyed ? 0 : socket.writableLength);

  const maybeDrain = (): void => {
    if (!needDrain || closed || queuedBytes() >= highWaterMark) return;
    needDrain = false;
    stats?.recordWakeup('socket:drain');
    for (const listener of [...listeners]) {
      // A listener may write again and fill the queue; later listeners then wait for the next drain.
      if (needDrain) break;
      if (listeners.has(listener)) listener();
    }
  };

  // Every write() batch carries a completion callback: the queue can only shrink when one of them
  // runs, so checking there signals drain exactly when it happens, with no timer involved. The
  // socket's own 'drain' covers bytes written to the socket by someone else.
  const onWritten = (error?: Error | null): void => {
    if (error) return; // the socket emits 'error' and 'close'; the owner handles those
    maybeDrain();
  };
  const onClose = (): void => {
    closed = true;
    destroyed = true;
    needDrain = false;
    listeners.clear();
  };
  const onFinish = (): void => {
    closed = true;
  };
  socket.on('drain', maybeDrain);
  socket.once('close', onClose);
  socket.once('finish', onFinish);

  return {
    write(chunks) {
      if (closed || socket.destroyed || socket.writableEnded) {
        closed = true;
        return false;
      }
      let last = -1;
      for (let i = chunks.length - 1; i >= 0; i--) {
        if ((chunks[i]?.byteLength ?? 0) > 0) {
          last = i;
          break;
        }
      }
      if (last >= 0) {
        const batch = last > 0;
        if (batch) socket.cork();
        for (let i = 0; i <= last; i++) {
          const chunk = chunks[i];
          if (chunk === undefined || chunk.byteLength === 0) continue;
          if (i === last) socket.write(chunk, onWritten);
          else socket.write(chunk);
        }
        if (batch) socket.uncork();
      }
      // The socket may have failed synchronously inside write().
      if (closed) return false;
      if (queuedBytes() >= highWaterMark) {
        needDrain = true;
        return false;
      }
      return true;
    },
    get queuedBytes() {
      return queuedBytes();
    },
    get writable() {
      return !closed && queuedBytes() < highWaterMark;
    },
    get closed() {
      return closed;
    },
    highWaterMark,
    cork() {
      corks += 1;
      socket.cork();
    },
    uncork() {
      if (corks === 0) return;
      corks -= 1;
      socket.uncork();
    },
    onDrain(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    end() {
      if (closed) return;
      closed = true;
      needDrain = false;
      corks = 0;
      listeners.clear();
      socket.end();
    },
    destroy(error) {
      const wasDestroyed = destroyed;
      closed = true;
      destroyed = true;
      needDrain = false;
      corks = 0;
      listeners.clear();
      socket.off('drain', maybeDrain);
      if (!wasDestroyed) socket.destroy(error);
    },
  };
}
