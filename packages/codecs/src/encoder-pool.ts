import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EncodeRequest } from './encode-request.js';
import { CodecError, CodecErrorCode } from './errors.js';

export interface EncoderPoolOptions {
  /** Encoder threads; default the machine's cores minus one (at least one). */
  threads?: number;
  /** The thread script; default the package's built `encoder-worker.js` beside this module. */
  workerUrl?: URL;
}

export interface EncoderPoolStats {
  submitted: number;
  completed: number;
  failed: number;
  /** Requests waiting for a free thread now. */
  queued: number;
}

/**
 * Encoder threads for the large images whose encode would hold the event loop for more than a few
 * milliseconds (photo-like screens through QUIC, big LZ/LZ4 images). Requests run in submission
 * order per thread; results come back as transferred buffers. The pixels are copied once into a
 * buffer of their own, so the caller may reuse its own at once.
 */
export interface EncoderPool {
  readonly threads: number;
  readonly stats: Readonly<EncoderPoolStats>;
  encode(request: EncodeRequest): Promise<Uint8Array>;
  /** Stops the threads; pending requests reject with ERR_CODEC_POOL_CLOSED. */
  close(): Promise<void>;
}

/** Where the built thread script is, from this module (dist) or its TypeScript source (src). */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../dist/encoder-worker.js', here) : new URL('./encoder-worker.js', here);
}

interface Pending {
  resolve(out: Uint8Array): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

export function createEncoderPool(options: EncoderPoolOptions = {}): EncoderPool {
  const threads = Math.max(1, options.threads ?? availableParallelism() - 1);
  const url = options.workerUrl ?? defaultWorkerUrl();
  const pending = new Map<number, Pending>();
  const stats: EncoderPoolStats = { submitted: 0, completed: 0, failed: 0, queued: 0 };
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];
  for (let i = 0; i < threads; i++) {
    // execArgv: [] so that a test runner's loader options do not reach the thread.
    const worker = new Worker(url, { execArgv: [] });
    worker.unref();
    const slot: Slot = { worker, busy: 0 };
    worker.on(
      'message',
      (m: { id: number; ok: boolean; out?: Uint8Array; error?: { message?: string; code?: string } }) => {
        slot.busy -= 1;
        stats.queued = Math.max(0, stats.queued - 1);
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.ok) {
          stats.completed += 1;
          p.resolve(m.out!);
        } else {
          stats.failed += 1;
          const error = new CodecError(
            (m.error?.code as CodecErrorCode | undefined) ?? CodecErrorCode.BadImage,
            m.error?.message ?? 'encode failed in an encoder thread',
          );
          p.reject(error);
        }
      },
    );
    worker.on('error', (error) => {
      for (const [id, p] of pending) {
        pending.delete(id);
        stats.failed += 1;
        p.reject(error);
      }
    });
    slots.push(slot);
  }
  return {
    threads,
    stats,
    encode(request) {
      if (closed) return Promise.reject(new CodecError(CodecErrorCode.PoolClosed, 'the encoder pool is closed'));
      const id = nextId++;
      const pixels = request.pixels;
      // A copy of exactly the rows the codec reads, in a buffer the thread can take over.
      const size = pixels.stride * (pixels.height - 1) + pixels.width * 4;
      const data = new Uint8Array(size);
      data.set(pixels.data.subarray(0, size));
      const job = { ...request, pixels: { ...pixels, data } };
      const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
      slot.busy += 1;
      stats.submitted += 1;
      stats.queued += 1;
      return new Promise<Uint8Array>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, request: job }, [data.buffer]);
      });
    },
    async close() {
      closed = true;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.reject(new CodecError(CodecErrorCode.PoolClosed, 'the encoder pool was closed'));
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
