/** Stable codes of every error thrown by `@spice-ts/loop`. Match on these, never on message text. */
export const LoopErrorCode = {
  /** A caller passed an out-of-range value (timer delay, high-water mark, buffer size). */
  InvalidArgument: 'ERR_LOOP_INVALID_ARGUMENT',
  /** `start()` on a timer after `dispose()`. */
  TimerDisposed: 'ERR_LOOP_TIMER_DISPOSED',
  /** The dispatcher (or its peer) was closed; pending calls reject with this. */
  DispatcherClosed: 'ERR_LOOP_DISPATCHER_CLOSED',
  /** A handler called `reply()` twice for the same message. */
  ReplyTwice: 'ERR_LOOP_REPLY_TWICE',
  /** `callSync()` would wait on a thread/side that is itself waiting on the caller. */
  SyncDeadlock: 'ERR_LOOP_SYNC_DEADLOCK',
  /** In-thread `callSync()`: the peer's handler returned without replying (or no handler is set). */
  SyncUnanswered: 'ERR_LOOP_SYNC_UNANSWERED',
  /** Worker `callSync()`: no reply within the configured deadline. */
  SyncTimeout: 'ERR_LOOP_SYNC_TIMEOUT',
  /** Worker `callSync()`: the serialized result does not fit the shared buffer. */
  SyncResultTooLarge: 'ERR_LOOP_SYNC_RESULT_TOO_LARGE',
  /** Worker `callSync()`: the result could not be serialized (functions, symbols, …). */
  SyncResultUnserializable: 'ERR_LOOP_SYNC_RESULT_UNSERIALIZABLE',
} as const;
export type LoopErrorCode = (typeof LoopErrorCode)[keyof typeof LoopErrorCode];

/** Base class of every error of this package; `code` is stable. */
export class LoopError extends Error {
  override readonly name: string = 'LoopError';
  readonly code: LoopErrorCode;

  constructor(code: LoopErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export class InvalidArgumentError extends LoopError {
  override readonly name = 'InvalidArgumentError';
  constructor(message: string) {
    super(LoopErrorCode.InvalidArgument, message);
  }
}

export class TimerDisposedError extends LoopError {
  override readonly name = 'TimerDisposedError';
  constructor(timerName: string) {
    super(LoopErrorCode.TimerDisposed, `timer "${timerName}" was disposed and cannot be started`);
  }
}

export class DispatcherClosedError extends LoopError {
  override readonly name = 'DispatcherClosedError';
  constructor(what = 'dispatcher') {
    super(LoopErrorCode.DispatcherClosed, `${what} is closed`);
  }
}

export class ReplyTwiceError extends LoopError {
  override readonly name = 'ReplyTwiceError';
  constructor(type: string) {
    super(LoopErrorCode.ReplyTwice, `reply() called twice for message "${type}"`);
  }
}

export class SyncDeadlockError extends LoopError {
  override readonly name = 'SyncDeadlockError';
  constructor(type: string) {
    super(
      LoopErrorCode.SyncDeadlock,
      `callSync("${type}") would deadlock: the receiving side is itself inside a handler waiting on this side`,
    );
  }
}

export class SyncUnansweredError extends LoopError {
  override readonly name = 'SyncUnansweredError';
  constructor(type: string, detail: string) {
    super(LoopErrorCode.SyncUnanswered, `callSync("${type}") on the in-thread transport: ${detail}`);
  }
}

export class SyncTimeoutError extends LoopError {
  override readonly name = 'SyncTimeoutError';
  constructor(type: string, timeoutMs: number) {
    super(LoopErrorCode.SyncTimeout, `callSync("${type}") got no reply within ${timeoutMs} ms`);
  }
}

export class SyncResultTooLargeError extends LoopError {
  override readonly name = 'SyncResultTooLargeError';
  readonly needed: number;
  readonly available: number;
  constructor(type: string, needed: number, available: number) {
    super(
      LoopErrorCode.SyncResultTooLarge,
      `callSync("${type}") result needs ${needed} bytes, the shared buffer holds ${available}`,
    );
    this.needed = needed;
    this.available = available;
  }
}

export class SyncResultUnserializableError extends LoopError {
  override readonly name = 'SyncResultUnserializableError';
  constructor(type: string, cause: unknown) {
    super(LoopErrorCode.SyncResultUnserializable, `callSync("${type}") result cannot be serialized`, {
      cause,
    });
  }
}

function hasCode(value: unknown): value is { code: unknown } {
  return typeof value === 'object' && value !== null && 'code' in value;
}

/**
 * True for any error of this package (also one rebuilt on another thread, which is a plain `Error`
 * carrying the same `code`). With `code`, true only for that code.
 */
export function isLoopError(value: unknown, code?: LoopErrorCode): value is Error & { code: LoopErrorCode } {
  if (!hasCode(value) || typeof value.code !== 'string') return false;
  if (code !== undefined) return value.code === code;
  return (Object.values(LoopErrorCode) as string[]).includes(value.code);
}

export function isDispatcherClosedError(value: unknown): value is DispatcherClosedError {
  return isLoopError(value, LoopErrorCode.DispatcherClosed);
}

export function isSyncDeadlockError(value: unknown): value is SyncDeadlockError {
  return isLoopError(value, LoopErrorCode.SyncDeadlock);
}

export function isSyncTimeoutError(value: unknown): value is SyncTimeoutError {
  return isLoopError(value, LoopErrorCode.SyncTimeout);
}
