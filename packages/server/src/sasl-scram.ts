import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslMalformedError } from './sasl-errors.js';
import {
  decodeSaslText,
  EMPTY,
  encodeSaslText,
  type SaslPasswordLookup,
  type SaslServerMechanism,
  type SaslStep,
} from './sasl-mechanism.js';

/** PBKDF2 iterations (RFC 7677 §4: at least 4096 for SCRAM-SHA-256). */
export const SCRAM_MIN_ITERATIONS = 4096;
/** Iterations over which we refuse a configuration (our choice: each login costs one PBKDF2 run). */
export const SCRAM_MAX_ITERATIONS = 1_000_000;
/** Random bytes in the server's part of the nonce and in the salt (our choice). */
export const SCRAM_NONCE_BYTES = 18;
export const SCRAM_SALT_BYTES = 16;
/** SHA-256 output size. */
const HASH_BYTES = 32;

export interface ScramInit {
  /** PBKDF2 iterations; default SCRAM_MIN_ITERATIONS. */
  iterations?: number;
  /** Test hook: the server's part of the nonce (printable ASCII without ','). */
  serverNonce?: () => string;
  /** Test hook: the salt. */
  salt?: () => Uint8Array;
}

/** The keys a SCRAM server checks against (RFC 5802 §3). */
export interface ScramKeys {
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

const hmac = (key: Uint8Array, data: Uint8Array | string): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

/** SaltedPassword = Hi(password, salt, i), then StoredKey and ServerKey (RFC 5802 §3). */
export function deriveScramKeys(password: string, salt: Uint8Array, iterations: number): Promise<ScramKeys> {
  return new Promise((resolve, reject) => {
    pbkdf2(encodeSaslText(password), salt, iterations, HASH_BYTES, 'sha256', (error, salted) => {
      if (error) return reject(error);
      resolve({ storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') });
    });
  });
}

/** saslname (RFC 5802 §5.1): ',' and '=' are written "=2C" and "=3D"; any other '=' is invalid. */
export function decodeSaslName(text: string): string {
  if (!/^(?:[^=,]|=2C|=3D)*$/.test(text)) throw new SaslMalformedError('SCRAM: bad escape in a user name');
  return text.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

const PRINTABLE_NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

/**
 * SCRAM-SHA-256 (RFC 5802 and RFC 7677), server side, without channel binding (no -PLUS
 * variant is offered, so a client flag of "n" or "y" is accepted and "p" refused). The password
 * comes from the lookup in clear; a fresh salt is drawn per exchange. An unknown user goes
 * through the same exchange with a random key and fails at the proof, so the exchange does not
 * tell which users exist.
 */
export function scramSha256Mechanism(lookup: SaslPasswordLookup, init: ScramInit = {}): SaslServerMechanism {
  const iterations = init.iterations ?? SCRAM_MIN_ITERATIONS;
  let state: 'first' | 'final' | 'done' = 'first';
  let asked = false;
  let user = '';
  let gs2Header = '';
  let clientFirstBare = '';
  let serverFirst = '';
  let nonce = '';
  let keys: Promise<ScramKeys> | null = null;
  let known = false;

  const first = (bytes: Uint8Array): SaslStep => {
    const text = decodeSaslText(bytes, 'SCRAM client-first-message');
    const flagEnd = text.indexOf(',');
    const flag = text.slice(0, flagEnd);
    if (flag.startsWith('p=')) {
      return { done: true, ok: false, user: null, reason: 'SCRAM: channel binding asked for, not offered' };
    }
    if (flag !== 'n' && flag !== 'y') throw new SaslMalformedError('SCRAM: bad GS2 channel-binding flag');
    const authzEnd = text.indexOf(',', flagEnd + 1);
    if (authzEnd < 0) throw new SaslMalformedError('SCRAM: truncated GS2 header');
    const authz = text.slice(flagEnd + 1, authzEnd);
    if (authz !== '' && !authz.startsWith('a=')) throw new SaslMalformedError('SCRAM: bad authzid');
    gs2Header = text.slice(0, authzEnd + 1);
    clientFirstBare = text.slice(authzEnd + 1);
    const attrs = clientFirstBare.split(',');
    const n = attrs[0] ?? '';
    const r = attrs[1] ?? '';
    if (n.startsWith('m=')) throw new SaslMalformedError('SCRAM: mandatory extension not supported');
    if (!n.startsWith('n=') || n.length === 2) throw new SaslMalformedError('SCRAM: missing user name');
    if (!r.startsWith('r=') || !PRINTABLE_NONCE.test(r.slice(2))) throw new SaslMalformedError('SCRAM: bad nonce');
    user = decodeSaslName(n.slice(2));
    const authzid = authz === '' ? '' : decodeSaslName(authz.slice(2));
    const password = lookup(user);
    known = password !== null;
    const salt = init.salt?.() ?? randomBytes(SCRAM_SALT_BYTES);
    // An unknown user costs the same PBKDF2 run (with a random password): no timing tells them apart.
    keys = deriveScramKeys(password ?? randomBytes(HASH_BYTES).toString('base64'), salt, iterations);
    keys.catch(() => undefined); // awaited in the final step
    if (authzid !== '' && authzid !== user) {
      return { done: true, ok: false, user, reason: 'authorization identity differs from the user' };
    }
    const serverPart = init.serverNonce?.() ?? randomBytes(SCRAM_NONCE_BYTES).toString('base64');
    nonce = r.slice(2) + serverPart;
    serverFirst = `r=${nonce},s=${Buffer.from(salt).toString('base64')},i=${iterations}`;
    state = 'final';
    return { done: false, challenge: encodeSaslText(serverFirst) };
  };

  const final = async (bytes: Uint8Array): Promise<SaslStep> => {
    const text = decodeSaslText(bytes, 'SCRAM client-final-message');
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw new SaslMalformedError('SCRAM: missing proof');
    const withoutProof = text.slice(0, proofAt);
    const attrs = withoutProof.split(',');
    if (attrs[0] !== `c=${Buffer.from(gs2Header, 'utf8').toString('base64')}`) {
      throw new SaslMalformedError('SCRAM: channel binding data does not match the GS2 header');
    }
    if (attrs[1] !== `r=${nonce}`) throw new SaslMalformedError('SCRAM: nonce does not match');
    const proofText = text.slice(proofAt + 3);
    const proof = Buffer.from(proofText, 'base64');
    if (proof.byteLength !== HASH_BYTES || proof.toString('base64') !== proofText) {
      throw new SaslMalformedError('SCRAM: bad proof encoding');
    }
    const { storedKey, serverKey } = await keys!;
    const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(storedKey, authMessage);
    const clientKey = Buffer.alloc(HASH_BYTES);
    for (let i = 0; i < HASH_BYTES; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    if (!timingSafeEqual(sha256(clientKey), storedKey) || !known) {
      return { done: true, ok: false, user, reason: 'wrong user or password' };
    }
    const serverSignature = hmac(serverKey, authMessage).toString('base64');
    return { done: true, ok: true, user, additional: encodeSaslText(`v=${serverSignature}`) };
  };

  return {
    name: 'SCRAM-SHA-256',
    async step(response: Uint8Array | null): Promise<SaslStep> {
      if (state === 'done') throw new SaslMalformedError('SCRAM: data after the end of the exchange');
      if (state === 'first') {
        if (response === null || response.byteLength === 0) {
          // RFC 4422 §4: a client-first mechanism without an initial response gets an empty challenge.
          if (asked) throw new SaslMalformedError('SCRAM: no client-first-message');
          asked = true;
          return { done: false, challenge: EMPTY };
        }
        const out = first(response);
        if (out.done) state = 'done';
        return out;
      }
      state = 'done';
      if (response === null) throw new SaslMalformedError('SCRAM: no client-final-message');
      return final(response);
    },
  };
}
