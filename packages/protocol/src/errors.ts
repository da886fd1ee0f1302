/** Stable error codes of @spice-ts/protocol. Match on `code`, never on message text. */
export const ProtocolErrorCode = {
  Truncated: 'ERR_SPICE_TRUNCATED',
  TooLarge: 'ERR_SPICE_TOO_LARGE',
  BadMagic: 'ERR_SPICE_BAD_MAGIC',
  BadVersion: 'ERR_SPICE_BAD_VERSION',
  BadValue: 'ERR_SPICE_BAD_VALUE',
  BadPointer: 'ERR_SPICE_BAD_POINTER',
  UnknownMessage: 'ERR_SPICE_UNKNOWN_MESSAGE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** Base class of every error thrown by this package for malformed or oversized input. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Fewer bytes are present than a structure or a length field requires. */
export class TruncatedError extends ProtocolError {
  override name = 'TruncatedError';
  constructor(what: string, needed: number, available: number) {
    super(ProtocolErrorCode.Truncated, `${what}: needs ${needed} bytes, ${available} available`);
  }
}

/** A size or count is above the limit that applies to it. */
export class TooLargeError extends ProtocolError {
  override name = 'TooLargeError';
  constructor(what: string, value: number | bigint, limit: number | bigint) {
    super(ProtocolErrorCode.TooLarge, `${what} is ${value}, above the limit of ${limit}`);
  }
}

/** The link header does not start with "REDQ". */
export class BadMagicError extends ProtocolError {
  override name = 'BadMagicError';
  constructor(magic: number) {
    super(ProtocolErrorCode.BadMagic, `bad link magic 0x${magic.toString(16).padStart(8, '0')}, expected "REDQ"`);
  }
}

/** The peer speaks a protocol major version we do not. */
export class BadVersionError extends ProtocolError {
  override name = 'BadVersionError';
  readonly major: number;
  constructor(major: number, minor: number) {
    super(ProtocolErrorCode.BadVersion, `unsupported protocol version ${major}.${minor}`);
    this.major = major;
  }
}

/** A field holds a value the protocol does not allow there. */
export class BadValueError extends ProtocolError {
  override name = 'BadValueError';
  constructor(what: string, value: number | bigint | string) {
    super(ProtocolErrorCode.BadValue, `${what}: invalid value ${String(value)}`);
  }
}

/** A pointer (offset from the message body) points outside the message. */
export class BadPointerError extends ProtocolError {
  override name = 'BadPointerError';
  constructor(what: string, offset: number, size: number) {
    super(ProtocolErrorCode.BadPointer, `${what}: pointer ${offset} outside the ${size}-byte message`);
  }
}

/** A message type that the receiving channel does not know. */
export class UnknownMessageError extends ProtocolError {
  override name = 'UnknownMessageError';
  constructor(channel: string, type: number) {
    super(ProtocolErrorCode.UnknownMessage, `unknown ${channel} message type ${type}`);
  }
}

export function isProtocolError(error: unknown): error is ProtocolError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    Object.values(ProtocolErrorCode).includes((error as unknown as { code: ProtocolErrorCode }).code)
  );
}
