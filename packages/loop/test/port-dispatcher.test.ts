import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createLoopStats,
  createPortDispatcher,
  type Dispatcher,
  isDispatcherClosedError,
  isLoopError,
  isSyncTimeoutError,
  LoopErrorCode,
  type LoopStats,
} from '../src/index.js';
import { transpileSources } from './support/transpile-sources.js';

type Msg = { type: string; payload?: unknown };

const WORKER_SCRIPT = new URL('./fixtures/dispatcher-worker.mjs', import.meta.url);

let sources: Awaited<ReturnType<typeof transpileSources>>;
const workers: Worker[] = [];

beforeAll(async () => {
  sources = await transpileSources();
});
afterAll(async () => {
  await sources.cleanup();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.terminate()));
});

interface Harness {
  dispatcher: Dispatcher<Msg>;
  worker: Worker;
  stats: LoopStats;
  /** What the main thread's handler received, as payloads. */
  received: unknown[];
}

function startWorker(init: { syncBuffer?: SharedArrayBuffer; syncTimeoutMs?: number } = {}): Harness {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SCRIPT, {
    workerData: { port: port2, moduleUrl: sources.url('port-dispatcher.js') },
    transferList: [port2],
  });
  workers.push(worker);
  const stats = createLoopStats();
  const dispatcher = createPortDispatcher<Msg>(port1, { ...init, stats, name: 'main' });
  const received: unknown[] = [];
  dispatcher.onMessage((message, reply) => {
    received.push(message.payload);
    switch (message.type) {
      case 'note':
        return;
      case 'ask':
        reply({ echo: message.payload });
        return;
      case 'ask-later':
        // The main thread is free while the worker blocks, so it may answer asynchronously.
        setImmediate(() => reply({ later: message.payload }));
        return;
      case 'fail':
        throw Object.assign(new Error('main failure'), { code: 'ERR_TEST_MAIN' });
      default:
        throw new Error(`unexpected ${message.type}`);
    }
  });
  return { dispatcher, worker, stats, received };
}

describe('createPortDispatcher (worker_threads)', () => {
  it('delivers a mix of send and call to the worker in order', async () => {
    const { dispatcher } = startWorker();
    const answers: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      if (i % 4 === 3) answers.push(dispatcher.call({ type: 'ask', payload: i }));
      else dispatcher.send({ type: 'note', payload: i });
    }
    const results = await Promise.all(answers);
    expect(results).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35, 39].map((i) => ({ echo: i })));
    const report = (await dispatcher.call({ type: 'report' })) as { received: unknown[] };
    expect(report.received).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('delivers send, call and callSync from the worker in order, callSync returning the result', async () => {
    const { dispatcher, received } = startWorker();
    const result = (await dispatcher.call({ type: 'emit-mixed', payload: 12 })) as {
      syncResults: unknown[];
      callResults: unknown[];
    };
    expect(received).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(result.syncResults).toEqual([2, 5, 8, 11].map((i) => ({ echo: i })));
    expect(result.callResults).toEqual([1, 4, 7, 10].map((i) => ({ echo: i })));
  });

  it('callSync from the worker gets asynchronous replies and errors (with their code) from the main thread', async () => {
    const { dispatcher } = startWorker();
    const results = await dispatcher.call({
      type: 'sync-each',
      payload: [{ type: 'ask', payload: 1 }, { type: 'ask-later', payload: 2 }, { type: 'fail' }],
    });
    expect(results).toEqual([
      { value: { echo: 1 } },
      { value: { later: 2 } },
      { code: 'ERR_TEST_MAIN', message: 'main failure' },
    ]);
  });

  it('callSync from the main thread blocks until the worker answers', async () => {
    const { dispatcher } = startWorker();
    expect(dispatcher.callSync<number>({ type: 'double', payload: 21 })).toBe(42);
    let error: unknown;
    try {
      dispatcher.callSync({ type: 'fail' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ERR_TEST_WORKER', message: 'worker failure' });
  });

  it('refuses a callSync back into a thread that is blocked on this one', async () => {
    const { dispatcher } = startWorker();
    expect(dispatcher.callSync({ type: 'call-back-sync' })).toMatchObject({ code: LoopErrorCode.SyncDeadlock });
  });

  it('times out a callSync nobody answers, and a late answer never leaks into the next call', async () => {
    const { dispatcher } = startWorker({ syncTimeoutMs: 250 });
    await dispatcher.call({ type: 'ask', payload: 'warm-up' }); // the worker is running
    let error: unknown;
    try {
      dispatcher.callSync({ type: 'hold' });
    } catch (caught) {
      error = caught;
    }
    expect(isSyncTimeoutError(error)).toBe(true);
    expect(dispatcher.callSync<number>({ type: 'release-held-then-double', payload: 4 })).toBe(8);
  });

  it('reports results that do not fit the shared buffer or cannot be cloned', async () => {
    const { dispatcher } = startWorker({ syncBuffer: new SharedArrayBuffer(1024) });
    expect(dispatcher.callSync({ type: 'big', payload: 100 })).toBe('x'.repeat(100));
    const codeOf = (run: () => unknown): unknown => {
      try {
        run();
      } catch (error) {
        return (error as { code?: unknown }).code;
      }
      return undefined;
    };
    expect(codeOf(() => dispatcher.callSync({ type: 'big', payload: 5000 }))).toBe(LoopErrorCode.SyncResultTooLarge);
    expect(codeOf(() => dispatcher.callSync({ type: 'unclonable' }))).toBe(LoopErrorCode.SyncResultUnserializable);
    await expect(dispatcher.call({ type: 'unclonable' })).rejects.toMatchObject({ name: 'DataCloneError' });
    await expect(dispatcher.call({ type: 'big', payload: 5000 })).resolves.toHaveLength(5000);
  });

  it('onAny sees every message on both ends', async () => {
    const { dispatcher } = startWorker();
    const log: string[] = [];
    dispatcher.onAny((message, direction) => log.push(`${direction} ${message.type}`));
    dispatcher.send({ type: 'note', payload: 0 });
    await dispatcher.call({ type: 'ask', payload: 1 });
    await dispatcher.call({ type: 'emit-mixed', payload: 3 });
    const report = (await dispatcher.call({ type: 'report' })) as { seen: string[] };
    expect(log).toEqual(['out note', 'out ask', 'out emit-mixed', 'in note', 'in ask', 'in ask', 'out report']);
    expect(report.seen).toEqual(['in note', 'in ask', 'in emit-mixed', 'out note', 'out ask', 'out ask', 'in report']);
  });

  it('counts one wake-up per delivered port message', async () => {
    const { dispatcher, stats } = startWorker();
    await dispatcher.call({ type: 'emit-mixed', payload: 3 });
    // note, ask (call), ask (callSync), then the reply to emit-mixed.
    expect(stats.snapshot().reasons).toEqual({ 'dispatcher:main': 4 });
  });

  it('rejects pending calls and notifies when the worker closes the channel', async () => {
    const { dispatcher, worker } = startWorker();
    const exited = once(worker, 'exit');
    const closed = new Promise<void>((resolve) => dispatcher.onClose(resolve));
    const pending = dispatcher.call({ type: 'hold' });
    dispatcher.send({ type: 'close' });
    await expect(pending).rejects.toSatisfy(isDispatcherClosedError);
    await closed;
    expect(dispatcher.closed).toBe(true);
    // Nothing keeps the worker alive once its port is closed.
    await exited;
    expect(isLoopError(await dispatcher.call({ type: 'ask' }).catch((error: unknown) => error))).toBe(true);
  });

  it('close() on the main side lets the worker exit', async () => {
    const { dispatcher, worker } = startWorker();
    await dispatcher.call({ type: 'ask', payload: 0 });
    const exited = once(worker, 'exit');
    dispatcher.close();
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
