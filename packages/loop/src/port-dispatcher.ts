import type { MessagePort } from 'node:worker_threads';
import {
  type Dispatcher,
  type DispatcherDirection,
  type DispatcherHandler,
  type DispatcherInit,
  type DispatcherMessage,
  isThenable,
  reportHandlerError,
  reviveError,
  type SerializedError,
  serializeError,
} from './dispatcher.js';
import { DispatcherClosedError, InvalidArgumentError, ReplyTwiceError, SyncDeadlockError } from './errors.js';
import {
  checkSyncBuffer,
  createSyncSlotCaller,
  DEFAULT_SYNC_BUFFER_BYTES,
  DEFAULT_SYNC_TIMEOUT_MS,
  isSyncCallWaiting,
  type SyncSlotCaller,
  writeSyncResult,
} from './sync-slot.js';

export interface PortDispatcherInit extends DispatcherInit {
  /**
   * Shared memory for this end's `callSync` results (header + `v8.serialize` image); one is
   * allocated on the first `callSync` when absent (64 KiB). A result larger than the slot makes
   * `callSync` throw `ERR_LOOP_SYNC_RESULT_TOO_LARGE`.
   */
  syncBuffer?: SharedArrayBuffer;
  /** How long `callSync` blocks before throwing `ERR_LOOP_SYNC_TIMEOUT`. Default 30 000 ms. */
  syncTimeoutMs?: number;
}

/** Frames on the port. Numbers keep the structured clone small. */
const Wire = { Send: 0, Call: 1, Reply: 2, SyncCall: 3 } as const;

type WireFrame<M> =
  | { k: typeof Wire.Send; m: M }
  | { k: typeof Wire.Call; id: number; m: M }
  | { k: typeof Wire.Reply; id: number; ok: true; v: unknown }
  | { k: typeof Wire.Reply; id: number; ok: false; v: SerializedError }
  | { k: typeof Wire.SyncCall; seq: number; sab: SharedArrayBuffer; m: M };

type Request<M> = Exclude<WireFrame<M>, { k: typeof Wire.Reply }>;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * A dispatcher end over a `worker_threads` `MessagePort` (use `new MessageChannel()` and hand one
 * port to the worker through `workerData` + `transferList`, or `parentPort` in the worker).
 * Both ends must be created with `createPortDispatcher`. The port stays referenced (keeps the
 * thread alive) until `close()`.
 */
export function createPortDispatcher<M extends DispatcherMessage>(
  port: MessagePort,
  init: PortDispatcherInit = {},
): Dispatcher<M> {
  const reason = `dispatcher:${init.name ?? 'dispatcher'}`;
  const syncTimeoutMs = init.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS;
  if (!Number.isFinite(syncTimeoutMs) || syncTimeoutMs <= 0) {
    throw new InvalidArgumentError(`syncTimeoutMs must be a positive number, got ${syncTimeoutMs}`);
  }
  if (init.syncBuffer !== undefined) checkSyncBuffer(init.syncBuffer);

  let handler: DispatcherHandler<M> | undefined;
  let closed = false;
  let nextId = 1;
  let slot: SyncSlotCaller | undefined;
  /** Sync calls of the other thread that this end received and has not answered yet. */
  const unansweredSyncCalls = new Set<{ sab: SharedArrayBuffer; seq: number }>();
  /** Requests received before a handler was set, or while earlier ones wait for it. */
  const backlog: Request<M>[] = [];
  let backlogScheduled = false;
  const pending = new Map<number, PendingCall>();
  const hooks = new Set<(message: M, direction: DispatcherDirection) => void>();
  const closeListeners = new Set<() => void>();

  const notify = (message: M, direction: DispatcherDirection): void => {
    for (const hook of [...hooks]) hook(message, direction);
  };

  const post = (frame: WireFrame<M>): void => {
    port.postMessage(frame);
  };

  const deliver = (frame: Request<M>, run: DispatcherHandler<M>): void => {
    const message = frame.m;
    let replied = false;
    let answer: (ok: boolean, value: unknown) => void;
    switch (frame.k) {
      case Wire.Send:
        answer = () => {};
        break;
      case Wire.Call:
        answer = (ok, value) => {
          if (closed) return;
          if (ok) {
            try {
              post({ k: Wire.Reply, id: frame.id, ok: true, v: value });
              return;
            } catch (error) {
              // The result cannot be cloned: report that to the caller instead.
              value = error;
            }
          }
          post({ k: Wire.Reply, id: frame.id, ok: false, v: serializeError(value) });
        };
        break;
      case Wire.SyncCall: {
        const call = { sab: frame.sab, seq: frame.seq };
        unansweredSyncCalls.add(call);
        answer = (ok, value) => {
          unansweredSyncCalls.delete(call);
          writeSyncResult(frame.sab, frame.seq, message.type, ok, value);
        };
        break;
      }
    }
    const fail = (error: unknown): void => {
      if (replied || frame.k === Wire.Send) {
        reportHandlerError(init, error, message);
        return;
      }
      replied = true;
      answer(false, error);
    };
    const reply = (result: unknown): void => {
      if (replied) throw new ReplyTwiceError(message.type);
      replied = true;
      answer(true, result);
    };
    notify(message, 'in');
    try {
      const returned: unknown = run(message, reply);
      if (isThenable(returned)) returned.then(undefined, fail);
    } catch (error) {
      fail(error);
    }
  };

  const drainBacklog = (): void => {
    backlogScheduled = false;
    while (backlog.length > 0 && handler !== undefined && !closed) {
      const frame = backlog.shift() as Request<M>;
      deliver(frame, handler);
    }
  };

  const onPortMessage = (frame: WireFrame<M>): void => {
    if (closed) return;
    init.stats?.recordWakeup(reason);
    if (frame.k === Wire.Reply) {
      const call = pending.get(frame.id);
      if (call === undefined) return;
      pending.delete(frame.id);
      if (frame.ok) call.resolve(frame.v);
      else call.reject(reviveError(frame.v));
      return;
    }
    if (handler === undefined || backlog.length > 0) {
      backlog.push(frame);
      return;
    }
    deliver(frame, handler);
  };

  const onPortClose = (): void => {
    if (closed) return;
    closed = true;
    backlog.length = 0;
    port.off('message', onPortMessage);
    const calls = [...pending.values()];
    pending.clear();
    for (const call of calls) call.reject(new DispatcherClosedError());
    const listeners = [...closeListeners];
    closeListeners.clear();
    for (const listener of listeners) listener();
  };

  port.on('message', onPortMessage);
  port.once('close', onPortClose);

  return {
    send(message) {
      if (closed) return;
      notify(message, 'out');
      post({ k: Wire.Send, m: message });
    },
    call<R>(message: M): Promise<R> {
      if (closed) return Promise.reject(new DispatcherClosedError());
      const id = nextId;
      nextId = nextId >= Number.MAX_SAFE_INTEGER ? 1 : nextId + 1;
      return new Promise<R>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        notify(message, 'out');
        try {
          post({ k: Wire.Call, id, m: message });
        } catch (error) {
          pending.delete(id);
          reject(error);
        }
      });
    },
    callSync<R>(message: M): R {
      if (closed) throw new DispatcherClosedError();
      // The other thread is blocked until we answer it, so it cannot answer us.
      for (const call of unansweredSyncCalls) {
        if (isSyncCallWaiting(call.sab, call.seq)) throw new SyncDeadlockError(message.type);
        unansweredSyncCalls.delete(call); // the caller gave up (timed out)
      }
      slot ??= createSyncSlotCaller(init.syncBuffer ?? new SharedArrayBuffer(DEFAULT_SYNC_BUFFER_BYTES));
      const seq = slot.begin();
      notify(message, 'out');
      post({ k: Wire.SyncCall, seq, sab: slot.buffer, m: message });
      return slot.wait(seq, message.type, syncTimeoutMs) as R;
    },
    onMessage(next) {
      handler = next;
      if (backlog.length > 0 && !backlogScheduled) {
        backlogScheduled = true;
        queueMicrotask(drainBacklog);
      }
    },
    onAny(hook) {
      hooks.add(hook);
      return () => {
        hooks.delete(hook);
      };
    },
    onClose(listener) {
      if (closed) {
        queueMicrotask(listener);
        return () => {};
      }
      closeListeners.add(listener);
      return () => {
        closeListeners.delete(listener);
      };
    },
    get closed() {
      return closed;
    },
    close() {
      if (closed) return;
      // Our own listeners run now; the other end sees the port's 'close' event.
      onPortClose();
      port.close();
    },
  };
}
