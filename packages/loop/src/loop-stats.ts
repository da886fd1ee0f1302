/**
 * Counters that show how often Node's loop woke us up and why, and how many processing passes the
 * owners ran. The "never busy-poll" property is checked with these: a stalled client must not
 * produce wake-ups, and passes per processed command must stay low.
 *
 * Reason strings are `<source>:<detail>`: `timer:<name>`, `socket:drain`, `dispatcher:<name>`, …
 */
export interface LoopStats {
  /** Callbacks entered from Node's loop (a timer fired, a socket became writable/readable, …). */
  readonly wakeups: number;
  /** Processing passes run by owners (`recordPass`). */
  readonly passes: number;
  /** Wake-ups per reason. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Passes per reason (kept apart from `reasons` so the two never mix). */
  readonly passReasons: Readonly<Record<string, number>>;
  recordWakeup(reason: string): void;
  recordPass(reason: string): void;
  /** A copy of the counters, safe to keep and compare. */
  snapshot(): LoopStatsSnapshot;
  reset(): void;
}

export interface LoopStatsSnapshot {
  wakeups: number;
  passes: number;
  reasons: Record<string, number>;
  passReasons: Record<string, number>;
}

export function createLoopStats(): LoopStats {
  let wakeups = 0;
  let passes = 0;
  // Null-prototype objects so that a reason such as "constructor" or "__proto__" is just a key.
  let reasons: Record<string, number> = Object.create(null) as Record<string, number>;
  let passReasons: Record<string, number> = Object.create(null) as Record<string, number>;

  return {
    get wakeups() {
      return wakeups;
    },
    get passes() {
      return passes;
    },
    get reasons() {
      return reasons;
    },
    get passReasons() {
      return passReasons;
    },
    recordWakeup(reason) {
      wakeups += 1;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    },
    recordPass(reason) {
      passes += 1;
      passReasons[reason] = (passReasons[reason] ?? 0) + 1;
    },
    snapshot() {
      return { wakeups, passes, reasons: { ...reasons }, passReasons: { ...passReasons } };
    },
    reset() {
      wakeups = 0;
      passes = 0;
      reasons = Object.create(null) as Record<string, number>;
      passReasons = Object.create(null) as Record<string, number>;
    },
  };
}
