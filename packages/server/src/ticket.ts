import { constants, createHash, generateKeyPair, type KeyObject, privateDecrypt, timingSafeEqual } from 'node:crypto';
import { MAX_PASSWORD_LENGTH, TICKET_PUBKEY_BYTES } from '@spice-ts/protocol';

/** A fresh RSA-1024 key pair for one link (upstream makes a new key for every connection). */
export interface LinkKey {
  /** DER SubjectPublicKeyInfo, exactly 162 bytes, as sent in the link reply. */
  publicDer: Uint8Array;
  privateKey: KeyObject;
}

export function createLinkKey(): Promise<LinkKey> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 1024, publicExponent: 65537 }, (error, publicKey, privateKey) => {
      if (error) return reject(error);
      const publicDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
      if (publicDer.byteLength !== TICKET_PUBKEY_BYTES) {
        return reject(new Error(`unexpected public key size ${publicDer.byteLength}`));
      }
      resolve({ publicDer, privateKey });
    });
  });
}

/**
 * Decrypts a 128-byte ticket (RSA-OAEP, SHA-1, MGF1-SHA1, empty label) and returns the password
 * up to its NUL, or null when it does not decrypt.
 */
export function decryptTicket(key: LinkKey, ciphertext: Uint8Array): string | null {
  const plain = oaepDecrypt(key, ciphertext);
  if (plain !== null) return plain;
  // spice-html5 (ticket.js) writes the RSA result from its hex digits: when the ciphertext starts
  // with a zero byte (1 link in 256), it sends it one byte short, left-aligned, and the last byte
  // of the 128 is 0. Read it as the client meant it.
  if (ciphertext.byteLength > 1 && ciphertext[ciphertext.byteLength - 1] === 0) {
    const shifted = new Uint8Array(ciphertext.byteLength);
    shifted.set(ciphertext.subarray(0, ciphertext.byteLength - 1), 1);
    return oaepDecrypt(key, shifted);
  }
  return null;
}

function oaepDecrypt(key: LinkKey, ciphertext: Uint8Array): string | null {
  try {
    const plain = privateDecrypt(
      { key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      ciphertext,
    );
    const end = plain.indexOf(0);
    return plain.subarray(0, end >= 0 ? end : plain.byteLength).toString('utf8');
  } catch {
    return null;
  }
}

export interface TicketPolicy {
  /** The password; null with ticketing disabled (any decryptable ticket is accepted). */
  password: string | null;
  /** Monotonic ms after which the password is refused; null for no expiry. */
  expiresAt: number | null;
}

export type TicketVerdict = 'ok' | 'bad-ticket' | 'wrong-password' | 'expired' | 'no-password';

/** Upstream's rules: no ticket decrypts ⇒ denied even without ticketing; empty or expired ⇒ denied. */
export function checkTicket(policy: TicketPolicy, password: string | null, nowMs: number): TicketVerdict {
  if (password === null) return 'bad-ticket';
  if (policy.password === null) return 'ok';
  if (policy.password === '') return 'no-password';
  if (policy.expiresAt !== null && nowMs > policy.expiresAt) return 'expired';
  const a = createHash('sha256').update(policy.password).digest();
  const b = createHash('sha256').update(password).digest();
  return timingSafeEqual(a, b) ? 'ok' : 'wrong-password';
}

/** Longest usable password: the protocol buffer holds 60 bytes including the NUL. */
export const MAX_TICKET_PASSWORD = MAX_PASSWORD_LENGTH - 1;
