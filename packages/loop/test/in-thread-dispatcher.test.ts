import { describe, expect, it, vi } from 'vitest';
import {
  createInThreadDispatcherPair,
  createLoopStats,
  type Dispatcher,
  isDispatcherClosedError,
  isLoopError,
  isSyncDeadlockError,
  LoopErrorCode,
} from '../src/index.js';

type Msg = { type: 'note' | 'ask' | 'fail' | 'slow' | 'nested'; payload?: unknown };

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(['immediate', 'microtask'] as const)('createInThreadDispatcherPair (%s)', (schedule) => {
  it('delivers a mix of send and call in the order they were issued, and answers the calls', async () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    const received: unknown[] = [];
    worker.onMessage((message, reply) => {
      received.push(message.payload);
      if (message.type === 'ask') reply(`answer ${String(message.payload)}`);
    });
    const answers: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 1) answers.push(main.call({ type: 'ask', payload: i }));
      else main.send({ type: 'note', payload: i });
    }
    expect(received).toEqual([]); // asynchronous
    const results = await Promise.all(answers);
    expect(received).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(results).toEqual(answers.map((_, k) => `answer ${3 * k + 1}`));
  });

  it('queues messages sent before the handler exists', async () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    main.send({ type: 'note', payload: 1 });
    const answer = main.call({ type: 'ask', payload: 2 });
    await turn();
    const received: unknown[] = [];
    worker.onMessage((message, reply) => {
      received.push(message.payload);
      reply('ok');
    });
    await expect(answer).resolves.toBe('ok');
    expect(received).toEqual([1, 2]);
  });

  it('rejects a call with what the handler throws, or with its rejected promise', async () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    worker.onMessage(async (message, reply) => {
      if (message.type === 'fail') throw Object.assign(new Error('nope'), { code: 'ERR_TEST' });
      await Promise.resolve();
      if (message.type === 'slow') throw new Error('late failure');
      reply('fine');
    });
    await expect(main.call({ type: 'fail' })).rejects.toMatchObject({ code: 'ERR_TEST' });
    await expect(main.call({ type: 'slow' })).rejects.toThrow('late failure');
    await expect(main.call({ type: 'ask' })).resolves.toBe('fine');
  });

  it('reports a send handler error to onError instead of losing it', async () => {
    const onError = vi.fn();
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule, onError });
    worker.onMessage(() => {
      throw new Error('boom');
    });
    main.send({ type: 'note' });
    await turn();
    await turn();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]?.[1]).toEqual({ type: 'note' });
  });

  it('throws when a handler replies twice', async () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    let second: unknown;
    worker.onMessage((_message, reply) => {
      reply(1);
      second = caught(() => reply(2));
    });
    await expect(main.call({ type: 'ask' })).resolves.toBe(1);
    expect(isLoopError(second, LoopErrorCode.ReplyTwice)).toBe(true);
  });

  it('onAny sees every message on both ends, in and out', async () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    const log: string[] = [];
    main.onAny((message, direction) => log.push(`main ${direction} ${message.type}:${String(message.payload)}`));
    worker.onAny((message, direction) => log.push(`worker ${direction} ${message.type}:${String(message.payload)}`));
    worker.onMessage((message, reply) => {
      if (message.type === 'ask') {
        worker.send({ type: 'note', payload: 'back' });
        reply(null);
      }
    });
    main.onMessage(() => {});
    main.send({ type: 'note', payload: 1 });
    await main.call({ type: 'ask', payload: 2 });
    await turn();
    await turn();
    expect(main.callSync({ type: 'ask', payload: 3 })).toBeNull();
    await turn();
    await turn();
    expect(log).toEqual([
      'main out note:1',
      'main out ask:2',
      'worker in note:1',
      'worker in ask:2',
      'worker out note:back',
      'main in note:back',
      'main out ask:3',
      'worker in ask:3',
      'worker out note:back',
      'main in note:back',
    ]);
  });

  it('callSync delivers earlier messages first, then returns the synchronous reply', () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    const received: unknown[] = [];
    worker.onMessage((message, reply) => {
      received.push(message.payload);
      if (message.type === 'ask') reply((message.payload as number) * 2);
    });
    main.send({ type: 'note', payload: 1 });
    void main.call({ type: 'ask', payload: 2 });
    expect(main.callSync<number>({ type: 'ask', payload: 21 })).toBe(42);
    expect(received).toEqual([1, 2, 21]);
  });

  it('callSync rethrows what the handler throws', () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    worker.onMessage(() => {
      throw Object.assign(new Error('bad surface'), { code: 'ERR_TEST' });
    });
    expect(caught(() => main.callSync({ type: 'fail' }))).toMatchObject({ code: 'ERR_TEST' });
  });

  it('callSync throws ERR_LOOP_SYNC_UNANSWERED when the handler would reply asynchronously or is missing', async () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    expect(
      isLoopError(
        caught(() => main.callSync({ type: 'ask' })),
        LoopErrorCode.SyncUnanswered,
      ),
    ).toBe(true);
    let late: ((value: unknown) => void) | undefined;
    worker.onMessage((_message, reply) => {
      late = reply;
    });
    expect(
      isLoopError(
        caught(() => main.callSync({ type: 'slow' })),
        LoopErrorCode.SyncUnanswered,
      ),
    ).toBe(true);
    late?.('too late'); // ignored, not thrown
  });

  it('callSync throws ERR_LOOP_SYNC_DEADLOCK when the other side is waiting on the caller', () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    let inner: unknown;
    main.onMessage((_message, reply) => {
      // The worker is inside its handler, blocked in callSync on us: calling it back would deadlock.
      inner = caught(() => main.callSync({ type: 'ask' }));
      reply('main answered');
    });
    worker.onMessage((message, reply) => {
      if (message.type === 'nested') reply(worker.callSync({ type: 'ask' }));
      else reply('worker answered');
    });
    expect(main.callSync({ type: 'nested' })).toBe('main answered');
    expect(isSyncDeadlockError(inner)).toBe(true);
  });

  it('close() rejects pending calls on both ends, drops queued messages, and notifies', async () => {
    const [main, worker] = createInThreadDispatcherPair<Msg>({ schedule });
    const handler = vi.fn();
    worker.onMessage(handler);
    const onClose = vi.fn();
    worker.onClose(onClose);
    main.send({ type: 'note' });
    const pending = main.call({ type: 'ask' });
    worker.close();
    await expect(pending).rejects.toSatisfy(isDispatcherClosedError);
    await turn();
    expect(handler).not.toHaveBeenCalled();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(main.closed).toBe(true);
    main.send({ type: 'note' }); // dropped silently
    await expect(main.call({ type: 'ask' })).rejects.toSatisfy(isDispatcherClosedError);
    expect(isDispatcherClosedError(caught(() => main.callSync({ type: 'ask' })))).toBe(true);
  });
});

describe('createInThreadDispatcherPair scheduling', () => {
  it('lets I/O callbacks run between batches of a ping-pong (immediate mode)', async () => {
    const stats = createLoopStats();
    const [a, b] = createInThreadDispatcherPair<Msg>({ stats, name: 'display' });
    let rounds = 0;
    const bounce = (self: Dispatcher<Msg>) => (message: Msg) => {
      rounds += 1;
      if (rounds < 50) self.send(message);
    };
    a.onMessage(bounce(a));
    b.onMessage(bounce(b));
    a.send({ type: 'note' });
    let otherWork = 0;
    const tick = () => {
      otherWork += 1;
      if (rounds < 50) setImmediate(tick);
    };
    setImmediate(tick);
    while (rounds < 50) await turn();
    expect(otherWork).toBeGreaterThan(10);
    expect(stats.reasons['dispatcher:display']).toBe(50);
  });
});
