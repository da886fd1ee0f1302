import { InvalidArgumentError, TimerDisposedError } from './errors.js';
import type { LoopStats } from './loop-stats.js';

/**
 * Longest delay Node's `setTimeout` honours (2^31 − 1 ms, about 24.8 days); a longer one fires
 * after 1 ms instead, so we reject it.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * A one-shot timer with the semantics of SPICE's core interface (`timer_start`/`timer_cancel`):
 * `start()` (re)arms it, `cancel()` disarms it, and a cancelled timer never fires, even when it
 * was due in the same pass as the timer whose callback cancelled it. Callbacks may start, cancel
 * or dispose this timer or any other one. Owners re-arm periodic work themselves.
 */
export interface Timer {
  /** Arms the timer to fire once after `ms` milliseconds, replacing any pending expiry. */
  start(ms: number): void;
  /** Disarms the timer; a no-op when it is not armed. */
  cancel(): void;
  /** True while armed (false again once the callback is entered). */
  readonly active: boolean;
  /** Cancels the timer for good; a later `start()` throws `ERR_LOOP_TIMER_DISPOSED`. */
  dispose(): void;
}

export interface TimerInit {
  /** Used in stats (`timer:<name>`) and errors. Default `'timer'`. */
  name?: string;
  /** Counts each expiry as a wake-up with reason `timer:<name>`. */
  stats?: LoopStats;
  /** When true, an armed timer does not keep the process alive. Default false. */
  unref?: boolean;
}

export function createTimer(callback: () => void, options: TimerInit = {}): Timer {
  const name = options.name ?? 'timer';
  const reason = `timer:${name}`;
  const stats = options.stats;
  const unref = options.unref === true;
  let handle: ReturnType<typeof setTimeout> | undefined;
  // Each start() gets a new generation; an expiry only runs the callback when its generation is
  // still current, whatever the underlying clock implementation does with cleared handles.
  let generation = 0;
  let disposed = false;

  const disarm = (): void => {
    generation += 1;
    if (handle !== undefined) {
      // Looked up at call time so that fake clocks installed after creation are honoured.
      globalThis.clearTimeout(handle);
      handle = undefined;
    }
  };

  return {
    start(ms) {
      if (disposed) throw new TimerDisposedError(name);
      if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_DELAY_MS) {
        throw new InvalidArgumentError(`timer "${name}": delay must be 0…${MAX_TIMER_DELAY_MS} ms, got ${ms}`);
      }
      disarm();
      const armed = generation;
      handle = globalThis.setTimeout(() => {
        if (armed !== generation) return;
        handle = undefined;
        stats?.recordWakeup(reason);
        callback();
      }, ms);
      if (unref && typeof handle === 'object' && handle !== null && 'unref' in handle) handle.unref();
    },
    cancel() {
      disarm();
    },
    get active() {
      return handle !== undefined;
    },
    dispose() {
      disposed = true;
      disarm();
    },
  };
}
