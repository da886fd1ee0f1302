import {
  type Dispatcher,
  type DispatcherDirection,
  type DispatcherHandler,
  type DispatcherInit,
  type DispatcherMessage,
  isThenable,
  reportHandlerError,
} from './dispatcher.js';
import { DispatcherClosedError, ReplyTwiceError, SyncDeadlockError, SyncUnansweredError } from './errors.js';

export interface InThreadDispatcherInit extends DispatcherInit {
  /**
   * How a side's queue is drained: `'immediate'` (default) delivers each batch from a
   * `setImmediate`, so I/O callbacks interleave with a long exchange of messages; `'microtask'`
   * delivers before control returns to the loop (lower latency, but a ping-pong never yields).
   */
  schedule?: 'immediate' | 'microtask';
}

type Settle = (ok: boolean, value: unknown) => void;

interface Envelope<M> {
  message: M;
  /** Present for call/callSync: settles the caller's side. */
  settle: Settle | undefined;
}

interface Side<M extends DispatcherMessage> {
  handler: DispatcherHandler<M> | undefined;
  readonly queue: Envelope<M>[];
  head: number;
  scheduled: boolean;
  /** How many of this side's handler invocations are on the stack. */
  depth: number;
  readonly hooks: Set<(message: M, direction: DispatcherDirection) => void>;
  readonly closeListeners: Set<() => void>;
  /** Calls made by this side and not yet answered. */
  readonly pending: Set<Settle>;
  peer: Side<M>;
}

/**
 * Two ends of a dispatcher that live in the same thread. Each end's incoming queue is drained in
 * order from `setImmediate` (or a microtask); a batch delivers what was queued when it started.
 */
export function createInThreadDispatcherPair<M extends DispatcherMessage>(
  init: InThreadDispatcherInit = {},
): [Dispatcher<M>, Dispatcher<M>] {
  const name = init.name ?? 'dispatcher';
  const reason = `dispatcher:${name}`;
  const useMicrotask = init.schedule === 'microtask';
  let closed = false;

  const newSide = (): Side<M> => ({
    handler: undefined,
    queue: [],
    head: 0,
    scheduled: false,
    depth: 0,
    hooks: new Set(),
    closeListeners: new Set(),
    pending: new Set(),
    // Linked right below, once both sides exist.
    peer: undefined as unknown as Side<M>,
  });
  const a = newSide();
  const b = newSide();
  a.peer = b;
  b.peer = a;

  const notify = (side: Side<M>, message: M, direction: DispatcherDirection): void => {
    for (const hook of [...side.hooks]) hook(message, direction);
  };

  const deliver = (side: Side<M>, envelope: Envelope<M>): void => {
    const handler = side.handler;
    if (handler === undefined) return;
    const { message, settle } = envelope;
    let replied = false;
    const reply = (result: unknown): void => {
      if (replied) throw new ReplyTwiceError(message.type);
      replied = true;
      settle?.(true, result);
    };
    notify(side, message, 'in');
    side.depth += 1;
    try {
      const returned: unknown = handler(message, reply);
      if (isThenable(returned)) {
        returned.then(undefined, (error: unknown) => {
          if (replied || settle === undefined) reportHandlerError(init, error, message);
          else {
            replied = true;
            settle(false, error);
          }
        });
      }
    } catch (error) {
      if (replied || settle === undefined) reportHandlerError(init, error, message);
      else {
        replied = true;
        settle(false, error);
      }
    } finally {
      side.depth -= 1;
    }
  };

  const take = (side: Side<M>): Envelope<M> | undefined => {
    if (side.head >= side.queue.length) return undefined;
    const envelope = side.queue[side.head];
    side.head += 1;
    if (side.head === side.queue.length) {
      side.queue.length = 0;
      side.head = 0;
    } else if (side.head >= 1024 && side.head * 2 >= side.queue.length) {
      side.queue.splice(0, side.head);
      side.head = 0;
    }
    return envelope;
  };

  const drain = (side: Side<M>): void => {
    side.scheduled = false;
    if (closed || side.handler === undefined) return;
    init.stats?.recordWakeup(reason);
    // Only what is queued now: messages queued by these handlers wait for the next batch.
    let count = side.queue.length - side.head;
    while (count > 0 && !closed && side.handler !== undefined) {
      const envelope = take(side);
      if (envelope === undefined) break;
      count -= 1;
      deliver(side, envelope);
    }
    schedule(side);
  };

  function schedule(side: Side<M>): void {
    if (side.scheduled || closed || side.handler === undefined) return;
    if (side.head >= side.queue.length) return;
    side.scheduled = true;
    if (useMicrotask) queueMicrotask(() => drain(side));
    else globalThis.setImmediate(() => drain(side));
  }

  const enqueue = (from: Side<M>, message: M, settle: Settle | undefined): void => {
    notify(from, message, 'out');
    from.peer.queue.push({ message, settle });
    schedule(from.peer);
  };

  const closeAll = (): void => {
    if (closed) return;
    closed = true;
    for (const side of [a, b]) {
      side.queue.length = 0;
      side.head = 0;
      // Each settle removes itself from `pending`.
      for (const settle of [...side.pending]) settle(false, new DispatcherClosedError());
    }
    for (const side of [a, b]) {
      const listeners = [...side.closeListeners];
      side.closeListeners.clear();
      for (const listener of listeners) listener();
    }
  };

  const endpoint = (self: Side<M>): Dispatcher<M> => ({
    send(message) {
      if (closed) return;
      enqueue(self, message, undefined);
    },
    call<R>(message: M): Promise<R> {
      if (closed) return Promise.reject(new DispatcherClosedError());
      return new Promise<R>((resolve, reject) => {
        const settle: Settle = (ok, value) => {
          if (!self.pending.delete(settle)) return;
          if (ok) resolve(value as R);
          else reject(value);
        };
        self.pending.add(settle);
        enqueue(self, message, settle);
      });
    },
    callSync<R>(message: M): R {
      if (closed) throw new DispatcherClosedError();
      const target = self.peer;
      // The target's handler is on the stack, so it is (transitively) waiting for us.
      if (target.depth > 0) throw new SyncDeadlockError(message.type);
      if (target.handler === undefined) {
        throw new SyncUnansweredError(message.type, 'the other side has no message handler yet');
      }
      notify(self, message, 'out');
      // Keep the per-sender order: everything sent before this call is delivered first.
      for (let envelope = take(target); envelope !== undefined && !closed; envelope = take(target)) {
        deliver(target, envelope);
      }
      if (closed) throw new DispatcherClosedError();
      let outcome: { ok: boolean; value: unknown } | undefined;
      let abandoned = false;
      const settle: Settle = (ok, value) => {
        if (!abandoned && outcome === undefined) outcome = { ok, value };
      };
      deliver(target, { message, settle });
      if (outcome === undefined) {
        abandoned = true;
        throw new SyncUnansweredError(
          message.type,
          'the handler returned without calling reply(); an asynchronous reply cannot be awaited in-thread',
        );
      }
      if (!outcome.ok) throw outcome.value;
      return outcome.value as R;
    },
    onMessage(handler) {
      self.handler = handler;
      schedule(self);
    },
    onAny(hook) {
      self.hooks.add(hook);
      return () => {
        self.hooks.delete(hook);
      };
    },
    onClose(listener) {
      if (closed) {
        queueMicrotask(listener);
        return () => {};
      }
      self.closeListeners.add(listener);
      return () => {
        self.closeListeners.delete(listener);
      };
    },
    get closed() {
      return closed;
    },
    close: closeAll,
  });

  return [endpoint(a), endpoint(b)];
}
