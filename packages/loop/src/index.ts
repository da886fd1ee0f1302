/**
 * @spice-ts/loop — the event-loop core (layer L0) on top of Node's own loop: one-shot timers with
 * SPICE core-interface semantics, a socket writer with byte-based back-pressure and corking, the
 * `Dispatcher` for messages between threads (in-thread and `worker_threads`, async and sync), and
 * loop statistics (wake-ups, passes, and why). Imports only Node built-ins.
 */
export type {
  Dispatcher,
  DispatcherDirection,
  DispatcherHandler,
  DispatcherInit,
  DispatcherMessage,
} from './dispatcher.js';
export {
  DispatcherClosedError,
  InvalidArgumentError,
  isDispatcherClosedError,
  isLoopError,
  isSyncDeadlockError,
  isSyncTimeoutError,
  LoopError,
  LoopErrorCode,
  ReplyTwiceError,
  SyncDeadlockError,
  SyncResultTooLargeError,
  SyncResultUnserializableError,
  SyncTimeoutError,
  SyncUnansweredError,
  TimerDisposedError,
} from './errors.js';
export { createInThreadDispatcherPair, type InThreadDispatcherInit } from './in-thread-dispatcher.js';
export { createLoopStats, type LoopStats, type LoopStatsSnapshot } from './loop-stats.js';
export { createPortDispatcher, type PortDispatcherInit } from './port-dispatcher.js';
export { createSocketWatch, type SocketWatch, type SocketWatchInit, WatchEvent } from './socket-watch.js';
export {
  createSocketWriter,
  DEFAULT_WRITER_HIGH_WATER_MARK,
  type SocketWriter,
  type SocketWriterInit,
} from './socket-writer.js';
export { DEFAULT_SYNC_BUFFER_BYTES, DEFAULT_SYNC_TIMEOUT_MS } from './sync-slot.js';
export { createTimer, MAX_TIMER_DELAY_MS, type Timer, type TimerInit } from './timer.js';
