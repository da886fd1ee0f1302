import type { Duplex } from 'node:stream';
import type { LoopStats } from './loop-stats.js';

/** Interest bits, as SPICE's core interface has them (SPICE_WATCH_EVENT_READ / _WRITE). */
export const WatchEvent = { Read: 1, Write: 2 } as const;
export type WatchEvent = (typeof WatchEvent)[keyof typeof WatchEvent];

export interface SocketWatchInit {
  /** Bytes that arrived while read interest was on. */
  onData(chunk: Uint8Array): void;
  /** The socket can take more bytes (only while write interest is on; once per interest change or drain). */
  onWritable?(): void;
  /** Initial interest mask (default READ). */
  mask?: number;
  stats?: LoopStats;
}

/**
 * Read and write interest on a socket, with the semantics of a SPICE core-interface watch on top
 * of Node's streams. Without read interest the socket is paused, so the kernel buffer fills and
 * TCP pushes back on the peer; with it, data is delivered as it arrives. With write interest,
 * `onWritable` is called when the socket can take more: at once if its buffer is below its mark,
 * else on 'drain'. Nothing here polls.
 */
export interface SocketWatch {
  readonly mask: number;
  /** Changes the interest (watch_update_mask). */
  update(mask: number): void;
  /** Detaches from the socket (watch_remove); the socket stays as it is, paused. */
  remove(): void;
}

export function createSocketWatch(socket: Duplex, init: SocketWatchInit): SocketWatch {
  let mask = 0;
  let removed = false;
  let writablePending = false;
  const stats = init.stats;

  const onData = (chunk: Uint8Array) => {
    stats?.recordWakeup('socket:read');
    init.onData(chunk);
  };
  const fireWritable = () => {
    writablePending = false;
    if (removed || !(mask & WatchEvent.Write)) return;
    stats?.recordWakeup('socket:write');
    init.onWritable?.();
  };
  const onDrain = () => {
    if (mask & WatchEvent.Write && !writablePending) fireWritable();
  };

  const apply = (next: number) => {
    const was = mask;
    mask = next;
    if (next & WatchEvent.Read && !(was & WatchEvent.Read)) {
      socket.on('data', onData);
      socket.resume();
    } else if (!(next & WatchEvent.Read) && was & WatchEvent.Read) {
      socket.pause();
      socket.off('data', onData);
    }
    if (next & WatchEvent.Write && !(was & WatchEvent.Write)) {
      socket.on('drain', onDrain);
      if (!socket.writableNeedDrain && !writablePending) {
        // Writable now: tell the owner from the loop, not from inside update().
        writablePending = true;
        setImmediate(fireWritable);
      }
    } else if (!(next & WatchEvent.Write) && was & WatchEvent.Write) {
      socket.off('drain', onDrain);
    }
  };

  socket.pause();
  apply(init.mask ?? WatchEvent.Read);

  return {
    get mask() {
      return mask;
    },
    update(next) {
      if (!removed) apply(next);
    },
    remove() {
      if (removed) return;
      apply(0);
      removed = true;
    },
  };
}
