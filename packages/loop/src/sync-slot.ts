import { deserialize, serialize } from 'node:v8';
import { reviveError, type SerializedError, serializeError } from './dispatcher.js';
import {
  InvalidArgumentError,
  SyncResultTooLargeError,
  SyncResultUnserializableError,
  SyncTimeoutError,
} from './errors.js';

/**
 * The shared-memory slot behind `callSync` over `worker_threads`.
 *
 * Layout: Int32 word 0 = control (`sequence << 3 | status`), Int32 word 1 = payload byte length,
 * payload (a `v8.serialize` image) from byte 8. Sequence and status share one word so that a
 * responder can only claim the slot with one compare-and-swap for exactly the call it answers;
 * a reply to a call that timed out (abandoned) can then never land in a later call.
 */
export const SyncSlotStatus = {
  Pending: 0,
  Writing: 1,
  Ok: 2,
  Error: 3,
  TooLarge: 4,
  Abandoned: 5,
} as const;
export type SyncSlotStatus = (typeof SyncSlotStatus)[keyof typeof SyncSlotStatus];

/** Bytes before the payload: control word + length word. */
export const SYNC_SLOT_HEADER_BYTES = 8;
/** Default slot size when the caller gives no buffer (our choice: results of sync IO are small). */
export const DEFAULT_SYNC_BUFFER_BYTES = 64 * 1024;
/** Smallest buffer accepted: the header plus room for a small serialized result. */
export const MIN_SYNC_BUFFER_BYTES = 64;
/** Default time a `callSync` waits (upstream's COMMON_CLIENT_TIMEOUT for blocking flushes is 30 s). */
export const DEFAULT_SYNC_TIMEOUT_MS = 30_000;
/** Extra wait for a responder that already claimed the slot and is copying its result. */
const WRITING_GRACE_MS = 1_000;

const SEQUENCE_MASK = 0x0fff_ffff;
const STATUS_MASK = 0b111;

const controlWord = (sequence: number, status: SyncSlotStatus): number => ((sequence & SEQUENCE_MASK) << 3) | status;

export function checkSyncBuffer(buffer: SharedArrayBuffer): void {
  if (buffer.byteLength < MIN_SYNC_BUFFER_BYTES) {
    throw new InvalidArgumentError(
      `syncBuffer must hold at least ${MIN_SYNC_BUFFER_BYTES} bytes, got ${buffer.byteLength}`,
    );
  }
}

/** The waiting side: one per dispatcher end, used by one thread, one call at a time. */
export interface SyncSlotCaller {
  readonly buffer: SharedArrayBuffer;
  /** Arms the slot and returns the sequence to send along with the request. */
  begin(): number;
  /** Blocks until the answer for `sequence` arrives; returns it or throws what the handler threw. */
  wait(sequence: number, type: string, timeoutMs: number): unknown;
}

export function createSyncSlotCaller(buffer: SharedArrayBuffer): SyncSlotCaller {
  checkSyncBuffer(buffer);
  const control = new Int32Array(buffer, 0, 2);
  const payload = new Uint8Array(buffer, SYNC_SLOT_HEADER_BYTES);
  let sequence = 0;

  return {
    buffer,
    begin() {
      sequence = (sequence + 1) & SEQUENCE_MASK;
      Atomics.store(control, 1, 0);
      Atomics.store(control, 0, controlWord(sequence, SyncSlotStatus.Pending));
      return sequence;
    },
    wait(seq, type, timeoutMs) {
      const pending = controlWord(seq, SyncSlotStatus.Pending);
      const writing = controlWord(seq, SyncSlotStatus.Writing);
      const deadline = performance.now() + timeoutMs;
      let graceEnd = Number.POSITIVE_INFINITY;
      for (;;) {
        const current = Atomics.load(control, 0);
        if (current === pending || current === writing) {
          const now = performance.now();
          if (current === pending && now >= deadline) {
            // Abandon the slot unless the responder claimed it in the meantime.
            if (Atomics.compareExchange(control, 0, pending, controlWord(seq, SyncSlotStatus.Abandoned)) === pending) {
              throw new SyncTimeoutError(type, timeoutMs);
            }
            continue;
          }
          if (current === writing && now >= deadline) {
            if (graceEnd === Number.POSITIVE_INFINITY) graceEnd = now + WRITING_GRACE_MS;
            if (now >= graceEnd) throw new SyncTimeoutError(type, timeoutMs);
            Atomics.wait(control, 0, current, graceEnd - now);
            continue;
          }
          Atomics.wait(control, 0, current, deadline - now);
          continue;
        }
        const status = current & STATUS_MASK;
        const length = Atomics.load(control, 1);
        if (status === SyncSlotStatus.TooLarge) {
          throw new SyncResultTooLargeError(type, length, payload.byteLength);
        }
        // slice() copies out of shared memory into an ordinary buffer before decoding.
        const value: unknown = deserialize(payload.slice(0, length));
        if (status === SyncSlotStatus.Ok) return value;
        throw reviveError(value as SerializedError);
      }
    },
  };
}

/** True while the caller of call `sequence` is still blocked waiting for its answer. */
export function isSyncCallWaiting(buffer: SharedArrayBuffer, sequence: number): boolean {
  const control = new Int32Array(buffer, 0, 2);
  return Atomics.load(control, 0) === controlWord(sequence, SyncSlotStatus.Pending);
}

/**
 * The answering side: writes the outcome of call `sequence` into `buffer` and wakes the caller.
 * Returns false when the caller already gave up on that call (the result is then discarded).
 */
export function writeSyncResult(
  buffer: SharedArrayBuffer,
  sequence: number,
  type: string,
  ok: boolean,
  value: unknown,
): boolean {
  const control = new Int32Array(buffer, 0, 2);
  const pending = controlWord(sequence, SyncSlotStatus.Pending);
  if (Atomics.compareExchange(control, 0, pending, controlWord(sequence, SyncSlotStatus.Writing)) !== pending) {
    return false;
  }
  let status: SyncSlotStatus = ok ? SyncSlotStatus.Ok : SyncSlotStatus.Error;
  let bytes: Uint8Array;
  try {
    bytes = serialize(ok ? value : serializeError(value));
  } catch (error) {
    status = SyncSlotStatus.Error;
    bytes = serialize(serializeError(new SyncResultUnserializableError(type, error)));
  }
  const payload = new Uint8Array(buffer, SYNC_SLOT_HEADER_BYTES);
  if (bytes.byteLength > payload.byteLength) {
    status = SyncSlotStatus.TooLarge;
  } else {
    payload.set(bytes);
  }
  Atomics.store(control, 1, bytes.byteLength);
  Atomics.store(control, 0, controlWord(sequence, status));
  Atomics.notify(control, 0);
  return true;
}
