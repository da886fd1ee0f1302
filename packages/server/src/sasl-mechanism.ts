import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslMalformedError } from './sasl-errors.js';

/**
 * What one step of a server mechanism gives back: a challenge and the wish to go on, or the end
 * (success with optional additional data, as SASL_SUCCESS_DATA allows, or a failure).
 */
export type SaslStep =
  | { done: false; challenge: Uint8Array }
  | { done: true; ok: true; user: string; additional: Uint8Array | null }
  | { done: true; ok: false; user: string | null; reason: string };

/**
 * A server-side SASL mechanism for one exchange. `step` gets the client's data (null when the
 * client sent none, which SASL tells apart from empty data). Malformed client data throws a
 * SaslError; wrong credentials end with `ok: false`.
 */
export interface SaslServerMechanism {
  readonly name: string;
  step(response: Uint8Array | null): Promise<SaslStep>;
}

/** The password of a user, or null when there is no such user. */
export type SaslPasswordLookup = (user: string) => string | null;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/** Decodes client text; invalid UTF-8 is malformed input. */
export function decodeSaslText(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SaslMalformedError(`${what} is not valid UTF-8`);
  }
}

export function encodeSaslText(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Compares a password given by a client with the expected one (null: unknown user) in time that
 * does not depend on where they differ, nor on whether the user exists.
 */
export function passwordMatches(given: string, expected: string | null): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256')
    .update(expected ?? randomBytes(16))
    .digest();
  return timingSafeEqual(a, b) && expected !== null;
}

export const EMPTY = new Uint8Array(0);
