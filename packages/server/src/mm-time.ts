/**
 * The server's multimedia clock: milliseconds of a monotonic clock, as a u32 that wraps every
 * ~49.7 days (upstream reds_get_mm_time). It never goes backwards while the process runs.
 */
export function mmTimeNow(): number {
  return Number((process.hrtime.bigint() / 1_000_000n) & 0xffffffffn);
}

/** Latency the client clock is set back by (upstream MM_TIME_DELTA, 400 ms). */
export const MM_TIME_DELTA_MS = 400;
