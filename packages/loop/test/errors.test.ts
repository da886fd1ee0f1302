import { describe, expect, it } from 'vitest';
import {
  DispatcherClosedError,
  InvalidArgumentError,
  isDispatcherClosedError,
  isLoopError,
  isSyncDeadlockError,
  isSyncTimeoutError,
  type LoopError,
  LoopErrorCode,
  ReplyTwiceError,
  SyncDeadlockError,
  SyncResultTooLargeError,
  SyncResultUnserializableError,
  SyncTimeoutError,
  SyncUnansweredError,
  TimerDisposedError,
} from '../src/index.js';

describe('loop errors', () => {
  it('give every class its own name and stable code', () => {
    const cases: [LoopError, string, string][] = [
      [new InvalidArgumentError('x'), 'InvalidArgumentError', 'ERR_LOOP_INVALID_ARGUMENT'],
      [new TimerDisposedError('ping'), 'TimerDisposedError', 'ERR_LOOP_TIMER_DISPOSED'],
      [new DispatcherClosedError(), 'DispatcherClosedError', 'ERR_LOOP_DISPATCHER_CLOSED'],
      [new ReplyTwiceError('t'), 'ReplyTwiceError', 'ERR_LOOP_REPLY_TWICE'],
      [new SyncDeadlockError('t'), 'SyncDeadlockError', 'ERR_LOOP_SYNC_DEADLOCK'],
      [new SyncUnansweredError('t', 'why'), 'SyncUnansweredError', 'ERR_LOOP_SYNC_UNANSWERED'],
      [new SyncTimeoutError('t', 5), 'SyncTimeoutError', 'ERR_LOOP_SYNC_TIMEOUT'],
      [new SyncResultTooLargeError('t', 10, 5), 'SyncResultTooLargeError', 'ERR_LOOP_SYNC_RESULT_TOO_LARGE'],
      [
        new SyncResultUnserializableError('t', null),
        'SyncResultUnserializableError',
        'ERR_LOOP_SYNC_RESULT_UNSERIALIZABLE',
      ],
    ];
    for (const [error, name, code] of cases) {
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      expect(isLoopError(error)).toBe(true);
      expect(isLoopError(error, error.code)).toBe(true);
    }
    expect(new Set(cases.map(([, , code]) => code))).toEqual(new Set(Object.values(LoopErrorCode)));
  });

  it('recognise errors by code, also when rebuilt on another thread as plain Errors', () => {
    const rebuilt = Object.assign(new Error('closed'), { code: 'ERR_LOOP_DISPATCHER_CLOSED' });
    expect(isDispatcherClosedError(rebuilt)).toBe(true);
    expect(isSyncDeadlockError(rebuilt)).toBe(false);
    expect(isSyncTimeoutError(new SyncTimeoutError('t', 1))).toBe(true);
    expect(isLoopError(Object.assign(new Error('x'), { code: 'ERR_OTHER' }))).toBe(false);
    expect(isLoopError(new Error('x'))).toBe(false);
    expect(isLoopError('ERR_LOOP_SYNC_TIMEOUT')).toBe(false);
    expect(isLoopError(null)).toBe(false);
  });
});
