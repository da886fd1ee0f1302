import { decodeLinkU32, encodeLinkError, encodeLinkResult, LinkErr } from '@spice-ts/protocol';
import { BadConfigError } from './errors.js';
import { isSaslError, SaslBadMechanismError, SaslMalformedError, SaslTooLargeError } from './sasl-errors.js';
import type { SaslPasswordLookup, SaslServerMechanism } from './sasl-mechanism.js';
import { plainMechanism } from './sasl-plain.js';
import { SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS, type ScramInit, scramSha256Mechanism } from './sasl-scram.js';

/** SASL mechanisms this server implements. */
export const SaslMechanismName = { ScramSha256: 'SCRAM-SHA-256', Plain: 'PLAIN' } as const;
export type SaslMechanismName = (typeof SaslMechanismName)[keyof typeof SaslMechanismName];

/** Longest mechanism name a client may send (upstream SASL_MAX_MECHNAME_LEN, red-stream.cpp). */
export const MAX_SASL_MECHNAME = 100;
/**
 * Longest client SASL data (our choice: upstream allows 1 MiB, SASL_DATA_MAX_LEN, for Kerberos
 * tickets; PLAIN and SCRAM messages are well under 1 KiB).
 */
export const MAX_SASL_DATA = 16 * 1024;
/** Round trips after the start message before the exchange is abandoned (our choice; SCRAM needs 1). */
export const MAX_SASL_STEPS = 8;
/** Text of the refusal that follows a failed exchange (upstream's authreject). */
const AUTH_FAILED_TEXT = 'Authentication failed';

export interface SaslInit {
  /**
   * Users and their passwords: a map, or a function returning the password of a user (null when
   * there is no such user). Passwords are compared and never logged.
   */
  users: Readonly<Record<string, string>> | SaslPasswordLookup;
  /**
   * Mechanisms offered, best first (default SCRAM-SHA-256 then PLAIN). PLAIN sends the password
   * in the clear and is offered only on the TLS port and the UNIX socket.
   */
  mechanisms?: readonly SaslMechanismName[];
  /** PBKDF2 iterations of SCRAM-SHA-256 (default and minimum 4096, RFC 7677). */
  scramIterations?: number;
  /** Test hooks of the SCRAM mechanism (fixed nonce and salt). */
  scram?: Pick<ScramInit, 'serverNonce' | 'salt'>;
}

/** How the bytes after SpiceLinkAuthMechanism=SASL are read and written. */
export interface SaslTransport {
  /** Exactly n bytes; rejects when the connection closes or the link times out. */
  read(n: number, stage: string): Promise<Uint8Array>;
  write(bytes: Uint8Array): void;
}

export interface SaslAuthOptions {
  /** TLS or the UNIX socket: PLAIN may be offered. */
  secure: boolean;
}

/** Why an exchange failed. `bad-credentials` is a wrong user or password; the rest are bad input. */
export type SaslFailure = 'bad-credentials' | 'malformed' | 'bad-mechanism' | 'too-large';

export type SaslResult =
  | { ok: true; user: string; mechanism: SaslMechanismName }
  | {
      ok: false;
      failure: SaslFailure;
      /** Human-readable, free of client data other than the user name. */
      detail: string;
      user: string | null;
      mechanism: string | null;
    };

/**
 * Runs SPICE's SASL exchange (upstream red-stream.cpp, red_sasl_*) after the client chose
 * SpiceLinkAuthMechanism=SASL:
 *
 * - server: u32 length + the mechanism list, comma-separated with a leading and trailing comma;
 * - client: u32 length (1..100) + mechanism name; then u32 length + start data, where a length of
 *   0 means "no data" and otherwise the last byte is a NUL terminator that is not part of the data;
 * - server, after each client message: u32 length + data + NUL (length 0 when there is no data,
 *   else data length + 1), then a u8 that is 1 when the server is done;
 * - client, while not done: u32 length + step data (same NUL rule);
 * - done: u32 link result 0 (OK) after a success; after a failure, the refusal
 *   u32 PERMISSION_DENIED, u32 length, "Authentication failed\0".
 *
 * A mechanism name that was not offered gets a full INVALID_DATA link error (as upstream); a bad
 * name length or an oversized step makes the caller close the connection. The ticket link
 * result that follows a success is the caller's business, as on the ticket path.
 */
export class SaslAuthenticator {
  private readonly lookup: SaslPasswordLookup;
  readonly mechanisms: readonly SaslMechanismName[];
  private readonly scram: ScramInit;

  constructor(init: SaslInit) {
    const users = init.users;
    this.lookup =
      typeof users === 'function' ? users : (user) => (Object.hasOwn(users, user) ? (users[user] ?? null) : null);
    const mechanisms = init.mechanisms ?? [SaslMechanismName.ScramSha256, SaslMechanismName.Plain];
    const known = Object.values(SaslMechanismName) as string[];
    for (const m of mechanisms) {
      if (!known.includes(m)) throw new BadConfigError(`unknown SASL mechanism ${m} (known: ${known.join(', ')})`);
    }
    if (mechanisms.length === 0) throw new BadConfigError('SASL needs at least one mechanism');
    this.mechanisms = [...new Set(mechanisms)];
    const iterations = init.scramIterations ?? SCRAM_MIN_ITERATIONS;
    if (!Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
      throw new BadConfigError(
        `SASL scramIterations must be an integer from ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS}`,
      );
    }
    this.scram = { iterations, ...init.scram };
  }

  /** The mechanisms offered on a connection: PLAIN only when it is secure. */
  mechanismsFor(secure: boolean): SaslMechanismName[] {
    return this.mechanisms.filter((m) => secure || m !== SaslMechanismName.Plain);
  }

  /** The mechanism list as upstream sends it: ",A,B,". */
  mechanismList(secure: boolean): string {
    return `,${this.mechanismsFor(secure).join(',')},`;
  }

  private create(name: SaslMechanismName): SaslServerMechanism {
    return name === SaslMechanismName.Plain
      ? plainMechanism(this.lookup)
      : scramSha256Mechanism(this.lookup, this.scram);
  }

  /**
   * Runs one exchange on a link. Writes every reply (success or refusal) itself; the caller ends
   * the connection after a failure. Rejects only when the transport does (close, timeout).
   */
  async authenticate(io: SaslTransport, options: SaslAuthOptions): Promise<SaslResult> {
    const offered = this.mechanismsFor(options.secure);
    if (offered.length === 0) {
      // Upstream closes when Cyrus lists no mechanism for the connection's security.
      return {
        ok: false,
        failure: 'bad-mechanism',
        detail: 'no SASL mechanism allowed on an insecure connection',
        user: null,
        mechanism: null,
      };
    }
    io.write(lengthPrefixed(new TextEncoder().encode(this.mechanismList(options.secure))));
    let mechanism: string | null = null;
    let user: string | null = null;
    let started = false;
    try {
      const nameLength = readU32(await io.read(4, 'SASL mechanism name length'));
      if (nameLength < 1 || nameLength > MAX_SASL_MECHNAME) {
        throw new SaslTooLargeError('SASL mechanism name', nameLength, MAX_SASL_MECHNAME);
      }
      const name = new TextDecoder().decode(await io.read(nameLength, 'SASL mechanism name'));
      const chosen = offered.find((m) => m === name);
      if (!chosen) throw new SaslBadMechanismError(`SASL mechanism not offered: ${JSON.stringify(name.slice(0, 40))}`);
      mechanism = chosen;
      const mech = this.create(chosen);
      let data = await this.readData(io, 'SASL start data');
      started = true;
      for (let round = 0; ; round++) {
        const step = await mech.step(data);
        if (!step.done) {
          if (round >= MAX_SASL_STEPS) throw new SaslMalformedError('too many SASL steps');
          io.write(stepReply(step.challenge, false));
          data = await this.readData(io, 'SASL step data');
          continue;
        }
        user = step.user;
        if (!step.ok) {
          io.write(concat(stepReply(null, true), rejection()));
          return { ok: false, failure: 'bad-credentials', detail: step.reason, user, mechanism };
        }
        io.write(concat(stepReply(step.additional, true), encodeLinkResult(LinkErr.Ok)));
        return { ok: true, user: step.user, mechanism: chosen };
      }
    } catch (error) {
      if (!isSaslError(error)) throw error;
      if (error instanceof SaslBadMechanismError) {
        io.write(encodeLinkError(LinkErr.InvalidData));
        return { ok: false, failure: 'bad-mechanism', detail: error.message, user, mechanism };
      }
      if (error instanceof SaslTooLargeError) {
        // Upstream: an oversized start message gets INVALID_DATA, anything later a plain close.
        if (!started && mechanism !== null) io.write(encodeLinkError(LinkErr.InvalidData));
        return { ok: false, failure: 'too-large', detail: error.message, user, mechanism };
      }
      io.write(concat(stepReply(null, true), rejection()));
      return { ok: false, failure: 'malformed', detail: error.message, user, mechanism };
    }
  }

  /** u32 length + data; 0 is "no data", otherwise the trailing NUL is dropped (upstream does the same). */
  private async readData(io: SaslTransport, stage: string): Promise<Uint8Array | null> {
    const length = readU32(await io.read(4, `${stage} length`));
    if (length > MAX_SASL_DATA) throw new SaslTooLargeError(stage, length, MAX_SASL_DATA);
    if (length === 0) return null;
    const bytes = await io.read(length, stage);
    return bytes.subarray(0, length - 1);
  }
}

/** Builds the SASL authenticator of a server from its options (validated here). */
export function createSaslAuthenticator(init: SaslInit): SaslAuthenticator {
  return new SaslAuthenticator(init);
}

// The SASL exchange's u32 words are the link phase's little-endian u32s (@spice-ts/protocol).
const readU32 = (bytes: Uint8Array): number => decodeLinkU32(bytes, 'SASL length');
const u32 = (value: number): Uint8Array => encodeLinkResult(value);

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concat(u32(bytes.byteLength), bytes);
}

/** u32 length (+1 for the NUL) + data + NUL, or u32 0 without data; then the "complete" byte. */
function stepReply(data: Uint8Array | null, complete: boolean): Uint8Array {
  const flag = Uint8Array.of(complete ? 1 : 0);
  if (data === null || data.byteLength === 0) return concat(u32(0), flag);
  return concat(u32(data.byteLength + 1), data, Uint8Array.of(0), flag);
}

function rejection(): Uint8Array {
  const text = new TextEncoder().encode(`${AUTH_FAILED_TEXT}\0`);
  return concat(u32(LinkErr.PermissionDenied), lengthPrefixed(text));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
