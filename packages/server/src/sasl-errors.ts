/** Stable codes of SASL errors (the link phase turns them into a refusal). */
export const SaslErrorCode = {
  /** A SASL message broke the SPICE SASL framing or the mechanism's syntax. */
  Malformed: 'ERR_SASL_MALFORMED',
  /** A length on the wire is larger than this server accepts. */
  TooLarge: 'ERR_SASL_TOO_LARGE',
  /** The client asked for a mechanism that was not offered. */
  BadMechanism: 'ERR_SASL_BAD_MECHANISM',
} as const;
export type SaslErrorCode = (typeof SaslErrorCode)[keyof typeof SaslErrorCode];

export class SaslError extends Error {
  override name = 'SaslError';
  readonly code: SaslErrorCode;
  constructor(code: SaslErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A client SASL message we cannot parse (never carries the client's bytes: they may hold a password). */
export class SaslMalformedError extends SaslError {
  override name = 'SaslMalformedError';
  constructor(message: string) {
    super(SaslErrorCode.Malformed, message);
  }
}

export class SaslTooLargeError extends SaslError {
  override name = 'SaslTooLargeError';
  constructor(what: string, length: number, max: number) {
    super(SaslErrorCode.TooLarge, `${what} of ${length} bytes is over the limit of ${max}`);
  }
}

export class SaslBadMechanismError extends SaslError {
  override name = 'SaslBadMechanismError';
  constructor(message: string) {
    super(SaslErrorCode.BadMechanism, message);
  }
}

export function isSaslError(error: unknown): error is SaslError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(SaslErrorCode) as string[]).includes(code);
}
