import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInThreadDispatcherPair, createLoopStats, createTimer } from '../src/index.js';

describe('createLoopStats', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts wake-ups and passes per reason, separately', () => {
    const stats = createLoopStats();
    stats.recordWakeup('timer:ping');
    stats.recordWakeup('socket:drain');
    stats.recordWakeup('timer:ping');
    stats.recordPass('display');
    expect(stats.wakeups).toBe(3);
    expect(stats.passes).toBe(1);
    expect(stats.reasons).toEqual({ 'timer:ping': 2, 'socket:drain': 1 });
    expect(stats.passReasons).toEqual({ display: 1 });
  });

  it('treats reasons that look like Object.prototype members as plain keys', () => {
    const stats = createLoopStats();
    stats.recordWakeup('constructor');
    stats.recordWakeup('__proto__');
    stats.recordWakeup('__proto__');
    expect(stats.snapshot().reasons).toEqual({ constructor: 1, ['__proto__']: 2 });
  });

  it('returns snapshots that later counting does not change, and resets to zero', () => {
    const stats = createLoopStats();
    stats.recordWakeup('a');
    const before = stats.snapshot();
    stats.recordWakeup('a');
    stats.recordPass('p');
    expect(before).toEqual({ wakeups: 1, passes: 0, reasons: { a: 1 }, passReasons: {} });
    stats.reset();
    expect(stats.snapshot()).toEqual({ wakeups: 0, passes: 0, reasons: {}, passReasons: {} });
  });

  it('collects wake-ups from timers and dispatchers that share it', async () => {
    const stats = createLoopStats();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ping = createTimer(() => stats.recordPass('ping'), { name: 'ping', stats });
    ping.start(1000);
    vi.advanceTimersByTime(1000);
    ping.start(1000);
    vi.advanceTimersByTime(1000);
    vi.useRealTimers();

    const [main, worker] = createInThreadDispatcherPair({ stats, name: 'display' });
    worker.onMessage((_message, reply) => reply(undefined));
    await main.call({ type: 'a' });
    await main.call({ type: 'b' });

    expect(stats.snapshot()).toEqual({
      wakeups: 4,
      passes: 2,
      reasons: { 'timer:ping': 2, 'dispatcher:display': 2 },
      passReasons: { ping: 2 },
    });
  });
});
