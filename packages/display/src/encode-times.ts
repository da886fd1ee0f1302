/** Upper bounds of the encode-time buckets, in seconds (0.5 ms … 250 ms). */
export const ENCODE_TIME_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25] as const;

export interface EncodeTimeSeries {
  /** Encodes per bucket (not cumulative), the last one for longer than every bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * How long image encodes took, per codec ('bitmap', 'lz', 'quic', 'glz', 'lz4'), as a histogram
 * for the server's /metrics. Encodes in encoder threads count from submission to result.
 */
export class EncodeTimes {
  readonly series = new Map<string, EncodeTimeSeries>();

  record(codec: string, seconds: number): void {
    let s = this.series.get(codec);
    if (!s) {
      s = { counts: new Array<number>(ENCODE_TIME_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(codec, s);
    }
    let i = 0;
    while (i < ENCODE_TIME_BUCKETS.length && seconds > ENCODE_TIME_BUCKETS[i]!) i++;
    s.counts[i]! += 1;
    s.sum += seconds;
    s.count += 1;
  }
}
