/** Failed ticket attempts allowed from one address within the window (our choice). */
export const DEFAULT_AUTH_MAX_FAILURES = 5;
/** Window over which failures are counted (our choice). */
export const DEFAULT_AUTH_WINDOW_MS = 60_000;
/** How long an address that went over the limit is refused (our choice). */
export const DEFAULT_AUTH_BLOCK_MS = 60_000;
/** Addresses tracked at most; the oldest entry goes first (bounds memory under a spray of addresses). */
export const MAX_TRACKED_ADDRESSES = 10_000;

export interface AuthRateLimitInit {
  /** Failures allowed within `windowMs`; the next one blocks the address. 0 disables the limit. */
  maxFailures?: number;
  windowMs?: number;
  blockMs?: number;
}

interface Entry {
  /** Times of the failures within the window, oldest first. */
  failures: number[];
  blockedUntil: number;
}

/**
 * Counts failed ticket attempts per remote address; once an address has `maxFailures` failures
 * within `windowMs`, it is refused for `blockMs`. A success clears the address's record.
 */
export class AuthRateLimiter {
  private readonly entries = new Map<string, Entry>();
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly blockMs: number;

  constructor(
    init: AuthRateLimitInit = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.maxFailures = init.maxFailures ?? DEFAULT_AUTH_MAX_FAILURES;
    this.windowMs = init.windowMs ?? DEFAULT_AUTH_WINDOW_MS;
    this.blockMs = init.blockMs ?? DEFAULT_AUTH_BLOCK_MS;
  }

  /** True while the address is refused. */
  isBlocked(address: string): boolean {
    const e = this.entries.get(address);
    if (!e) return false;
    if (e.blockedUntil > this.now()) return true;
    if (e.blockedUntil > 0) this.entries.delete(address);
    return false;
  }

  /** Records a failure; returns true when it makes the address blocked. */
  recordFailure(address: string): boolean {
    if (this.maxFailures <= 0) return false;
    const now = this.now();
    let e = this.entries.get(address);
    if (!e) {
      if (this.entries.size >= MAX_TRACKED_ADDRESSES) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
      e = { failures: [], blockedUntil: 0 };
      this.entries.set(address, e);
    }
    while (e.failures.length > 0 && e.failures[0]! <= now - this.windowMs) e.failures.shift();
    e.failures.push(now);
    if (e.failures.length >= this.maxFailures) {
      e.failures = [];
      e.blockedUntil = now + this.blockMs;
      return true;
    }
    return false;
  }

  recordSuccess(address: string): void {
    this.entries.delete(address);
  }

  /** Addresses currently tracked (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}
