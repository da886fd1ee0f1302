import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createLoopStats,
  createTimer,
  isLoopError,
  LoopErrorCode,
  MAX_TIMER_DELAY_MS,
  type Timer,
} from '../src/index.js';

describe('createTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once after the delay and is inactive afterwards (one-shot)', () => {
    const fired = vi.fn();
    const timer = createTimer(fired);
    timer.start(100);
    expect(timer.active).toBe(true);
    vi.advanceTimersByTime(99);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    expect(timer.active).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('start() re-arms: only the latest expiry fires', () => {
    const fired = vi.fn();
    const timer = createTimer(fired);
    timer.start(100);
    vi.advanceTimersByTime(50);
    timer.start(100);
    vi.advanceTimersByTime(99);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.runAllTimers();
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never fires a cancelled timer', () => {
    const fired = vi.fn();
    const timer = createTimer(fired);
    timer.start(10);
    timer.cancel();
    expect(timer.active).toBe(false);
    vi.runAllTimers();
    expect(fired).not.toHaveBeenCalled();
  });

  it('never fires a disposed (removed) timer and refuses to start it again', () => {
    const fired = vi.fn();
    const timer = createTimer(fired, { name: 'gone' });
    timer.start(10);
    timer.dispose();
    vi.runAllTimers();
    expect(fired).not.toHaveBeenCalled();
    let caught: unknown;
    try {
      timer.start(10);
    } catch (error) {
      caught = error;
    }
    expect(isLoopError(caught, LoopErrorCode.TimerDisposed)).toBe(true);
  });

  it('lets a callback restart its own timer (periodic work re-arms itself)', () => {
    let count = 0;
    const timer: Timer = createTimer(() => {
      count += 1;
      if (count < 3) timer.start(10);
    });
    timer.start(10);
    vi.advanceTimersByTime(10);
    expect(count).toBe(1);
    expect(timer.active).toBe(true);
    vi.advanceTimersByTime(20);
    expect(count).toBe(3);
    expect(timer.active).toBe(false);
  });

  it('lets a callback cancel its own pending re-arm', () => {
    const fired = vi.fn();
    const timer: Timer = createTimer(() => {
      fired();
      timer.start(5);
      timer.cancel();
    });
    timer.start(5);
    vi.runAllTimers();
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('lets a callback dispose itself', () => {
    const fired = vi.fn();
    const timer: Timer = createTimer(() => {
      fired();
      timer.dispose();
    });
    timer.start(5);
    vi.runAllTimers();
    expect(fired).toHaveBeenCalledTimes(1);
    expect(timer.active).toBe(false);
  });

  it('lets a callback cancel and restart other timers', () => {
    const order: string[] = [];
    const other = createTimer(() => order.push('other'));
    const third = createTimer(() => order.push('third'));
    const first = createTimer(() => {
      order.push('first');
      other.cancel();
      third.start(30);
    });
    other.start(20);
    first.start(10);
    vi.runAllTimers();
    expect(order).toEqual(['first', 'third']);
  });

  it('never runs the second of two timers due together when the first cancels it', () => {
    const order: string[] = [];
    let second: Timer | undefined;
    const first = createTimer(() => {
      order.push('first');
      second?.cancel();
    });
    second = createTimer(() => order.push('second'));
    first.start(10);
    second.start(10);
    vi.advanceTimersByTime(10);
    expect(order).toEqual(['first']);
    vi.runAllTimers();
    expect(order).toEqual(['first']);
  });

  it('never runs the second of two timers due together when the first disposes it', () => {
    const order: string[] = [];
    let second: Timer | undefined;
    const first = createTimer(() => {
      order.push('first');
      second?.dispose();
    });
    second = createTimer(() => order.push('second'));
    first.start(0);
    second.start(0);
    vi.runAllTimers();
    expect(order).toEqual(['first']);
  });

  it('runs the second of two due timers later when the first re-arms it', () => {
    const order: string[] = [];
    let second: Timer | undefined;
    const first = createTimer(() => {
      order.push('first');
      second?.start(50);
    });
    second = createTimer(() => order.push('second'));
    first.start(10);
    second.start(10);
    vi.advanceTimersByTime(10);
    expect(order).toEqual(['first']);
    vi.advanceTimersByTime(49);
    expect(order).toEqual(['first']);
    vi.advanceTimersByTime(1);
    expect(order).toEqual(['first', 'second']);
  });

  it('counts each expiry as a wake-up named after the timer', () => {
    const stats = createLoopStats();
    const ping = createTimer(() => {}, { name: 'ping', stats });
    const watchdog = createTimer(() => {}, { name: 'watchdog', stats });
    ping.start(10);
    watchdog.start(10);
    watchdog.cancel();
    vi.runAllTimers();
    ping.start(10);
    vi.runAllTimers();
    expect(stats.wakeups).toBe(2);
    expect(stats.snapshot().reasons).toEqual({ 'timer:ping': 2 });
  });

  it('rejects delays Node cannot honour', () => {
    const timer = createTimer(() => {});
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, MAX_TIMER_DELAY_MS + 1]) {
      let caught: unknown;
      try {
        timer.start(bad);
      } catch (error) {
        caught = error;
      }
      expect(isLoopError(caught, LoopErrorCode.InvalidArgument)).toBe(true);
    }
    timer.start(MAX_TIMER_DELAY_MS);
    expect(timer.active).toBe(true);
    timer.dispose();
  });

  it('does not keep the process alive when unref is set', () => {
    vi.useRealTimers();
    // Only referenced timers are listed as 'Timeout' among the resources keeping the loop alive.
    const refedTimeouts = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const baseline = refedTimeouts();
    const weak = createTimer(() => {}, { unref: true });
    weak.start(60_000);
    expect(refedTimeouts()).toBe(baseline);
    const strong = createTimer(() => {});
    strong.start(60_000);
    expect(refedTimeouts()).toBe(baseline + 1);
    weak.dispose();
    strong.dispose();
    expect(refedTimeouts()).toBe(baseline);
  });
});
