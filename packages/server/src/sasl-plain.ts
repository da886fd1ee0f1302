import { SaslMalformedError } from './sasl-errors.js';
import {
  decodeSaslText,
  EMPTY,
  passwordMatches,
  type SaslPasswordLookup,
  type SaslServerMechanism,
  type SaslStep,
} from './sasl-mechanism.js';

/** Longest authzid, authcid or password in a PLAIN message (RFC 4616 §2: 255 octets each). */
export const MAX_PLAIN_FIELD = 255;

/**
 * The PLAIN mechanism (RFC 4616), server side: one message `[authzid] NUL authcid NUL passwd`.
 * The password travels in the clear, so the link phase offers PLAIN only on TLS and the UNIX
 * socket. An authorization identity is accepted only when it names the same user.
 */
export function plainMechanism(lookup: SaslPasswordLookup): SaslServerMechanism {
  let asked = false;
  let finished = false;
  return {
    name: 'PLAIN',
    async step(response: Uint8Array | null): Promise<SaslStep> {
      if (finished) throw new SaslMalformedError('PLAIN: data after the end of the exchange');
      if (response === null) {
        // No initial response: an empty challenge asks for it (once).
        if (asked) throw new SaslMalformedError('PLAIN: no credentials after the empty challenge');
        asked = true;
        return { done: false, challenge: EMPTY };
      }
      finished = true;
      const fields = splitNul(response);
      if (fields.length !== 3) throw new SaslMalformedError('PLAIN: expected authzid NUL authcid NUL password');
      const [authzidBytes, authcidBytes, passwordBytes] = fields as [Uint8Array, Uint8Array, Uint8Array];
      for (const f of fields) {
        if (f.byteLength > MAX_PLAIN_FIELD) throw new SaslMalformedError('PLAIN: a field is over 255 bytes');
      }
      const authcid = decodeSaslText(authcidBytes, 'PLAIN authcid');
      const authzid = decodeSaslText(authzidBytes, 'PLAIN authzid');
      const password = decodeSaslText(passwordBytes, 'PLAIN password');
      if (authcid.length === 0) throw new SaslMalformedError('PLAIN: empty authentication identity');
      const ok = passwordMatches(password, lookup(authcid));
      if (!ok) return { done: true, ok: false, user: authcid, reason: 'wrong user or password' };
      if (authzid !== '' && authzid !== authcid) {
        return { done: true, ok: false, user: authcid, reason: 'authorization identity differs from the user' };
      }
      return { done: true, ok: true, user: authcid, additional: null };
    },
  };
}

function splitNul(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (let i = 0; i < bytes.byteLength; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.subarray(from, i));
      from = i + 1;
    }
  }
  out.push(bytes.subarray(from));
  return out;
}
