import type { LoopStats } from './loop-stats.js';

/**
 * A message between two threads (or two sides of one thread). Over the `worker_threads` transport
 * the message and every result travel by structured clone, so keep them plain data.
 */
export interface DispatcherMessage {
  type: string;
  payload?: unknown;
}

export type DispatcherDirection = 'in' | 'out';

/**
 * One end of a message channel between the main thread and a worker (the display worker may run
 * in the same thread or in a `worker_threads` Worker). Messages from one sender are delivered in
 * the order they were sent, whether sent with `send`, `call` or `callSync`.
 */
export interface Dispatcher<M extends DispatcherMessage = DispatcherMessage> {
  /** Fire-and-forget, delivered asynchronously. Dropped silently once the dispatcher is closed. */
  send(message: M): void;
  /**
   * Request/response: resolves with what the other side's handler passes to `reply()`, rejects
   * with what it throws (or with `ERR_LOOP_DISPATCHER_CLOSED` when the channel closes first).
   */
  call<R = unknown>(message: M): Promise<R>;
  /**
   * Request/response that blocks the calling thread until the reply arrives.
   * - worker_threads transport: the caller posts the message with a `SharedArrayBuffer` slot and
   *   sleeps in `Atomics.wait`; the other thread serializes the result into the slot and
   *   `Atomics.notify`s. Only the calling thread is blocked. The other thread must not itself be
   *   blocked on this one (a `callSync` in both directions at once waits until `syncTimeoutMs`).
   *   Results travel through `v8.serialize` and must fit the slot.
   * - in-thread transport: messages already queued for the other side are delivered first (to
   *   keep the order), then its handler runs synchronously; it must call `reply()` before it
   *   returns, else `ERR_LOOP_SYNC_UNANSWERED` is thrown. Calling into a side whose handler is on
   *   the stack throws `ERR_LOOP_SYNC_DEADLOCK`.
   */
  callSync<R = unknown>(message: M): R;
  /**
   * Sets the handler for incoming messages (replacing any previous one). Messages that arrive
   * before a handler is set wait for it. `reply` answers a `call`/`callSync` (a no-op for `send`);
   * a thrown error (or a rejected promise returned by the handler) is sent back as the failure of
   * the call.
   */
  onMessage(handler: DispatcherHandler<M>): void;
  /** Sees every message this end sends ('out') and receives ('in'), e.g. for recording. */
  onAny(hook: (message: M, direction: DispatcherDirection) => void): () => void;
  /** Called once when the channel closes (either end closed it, or the other thread went away). */
  onClose(listener: () => void): () => void;
  readonly closed: boolean;
  /** Closes both ends: undelivered messages are dropped and pending calls reject. */
  close(): void;
}

export type DispatcherHandler<M extends DispatcherMessage> = (
  message: M,
  reply: (result: unknown) => void,
) => void | Promise<void>;

export interface DispatcherInit {
  /** Counts each delivery wake-up with reason `dispatcher:<name>`. */
  stats?: LoopStats;
  /** Default `'dispatcher'`. */
  name?: string;
  /**
   * Receives errors thrown by a handler for a `send` (nobody waits for those). Without it, such
   * an error is rethrown from a fresh microtask, i.e. it becomes an uncaught exception.
   */
  onError?: (error: unknown, message: DispatcherMessage) => void;
}

/** An `Error` flattened for another thread: structured clone would drop `code`. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message };
    if (error.stack !== undefined) out.stack = error.stack;
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') out.code = code;
    return out;
  }
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an `Error` that carries the original name, message, stack and `code`. */
export function reviveError(serialized: SerializedError): Error {
  const error = new Error(serialized.message) as Error & { code?: string };
  error.name = serialized.name;
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  if (serialized.code !== undefined) error.code = serialized.code;
  return error;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Reports a handler error nobody waits for: to `onError`, or as an uncaught exception. */
export function reportHandlerError(init: DispatcherInit, error: unknown, message: DispatcherMessage): void {
  if (init.onError) {
    init.onError(error, message);
    return;
  }
  queueMicrotask(() => {
    throw error;
  });
}
