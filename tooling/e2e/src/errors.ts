/** Stable error codes of the end-to-end harness. Match on `code`, never on message text. */
export const E2eErrorCode = {
  PeerMissing: 'ERR_E2E_PEER_MISSING',
  ClientFailed: 'ERR_E2E_CLIENT_FAILED',
  ClientTimeout: 'ERR_E2E_CLIENT_TIMEOUT',
  AuthFailed: 'ERR_E2E_AUTH_FAILED',
  Disconnected: 'ERR_E2E_DISCONNECTED',
  BadPpm: 'ERR_E2E_BAD_PPM',
  FrameSize: 'ERR_E2E_FRAME_SIZE',
  FrameMismatch: 'ERR_E2E_FRAME_MISMATCH',
  ServerStart: 'ERR_E2E_SERVER_START',
} as const;
export type E2eErrorCode = (typeof E2eErrorCode)[keyof typeof E2eErrorCode];

/** Base class of every error the harness throws. */
export class E2eError extends Error {
  override name = 'E2eError';
  readonly code: E2eErrorCode;
  constructor(code: E2eErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One real peer that is not installed, and the Debian package that brings it. */
export interface MissingPeer {
  /** What was looked for, e.g. "spicy-screenshot". */
  readonly peer: string;
  /** The Debian package to install, e.g. "spice-client-gtk". */
  readonly debianPackage: string;
  /** What went wrong when looking for it. */
  readonly detail: string;
}

/** A real client or library the tests drive is not installed. Tests fail with this, never skip. */
export class PeerMissingError extends E2eError {
  override name = 'PeerMissingError';
  readonly missing: readonly MissingPeer[];
  constructor(missing: readonly MissingPeer[]) {
    const packages = [...new Set(missing.map((m) => m.debianPackage))];
    super(
      E2eErrorCode.PeerMissing,
      `missing end-to-end peers: ${missing.map((m) => `${m.peer} (${m.detail})`).join('; ')}. ` +
        `Install the Debian packages ${packages.join(' ')} ` +
        `(run tooling/scripts/install-peers.sh, as root: apt-get install -y ${packages.join(' ')})`,
    );
    this.missing = missing;
  }
}

/** Which client an error is about. */
export type ClientName = 'spicy-screenshot' | 'glib-client';

/** A client exited with a failure, timed out, or printed nothing usable. */
export class ClientError extends E2eError {
  override name = 'ClientError';
  readonly client: ClientName;
  /** The client's exit code (null when it was killed). */
  readonly exitCode: number | null;
  /** The client's standard error, for the test log. */
  readonly stderr: string;
  constructor(
    code: E2eErrorCode,
    client: ClientName,
    message: string,
    details: { exitCode: number | null; stderr: string; cause?: unknown },
  ) {
    const tail = details.stderr.trim() ? `\n--- ${client} stderr ---\n${lastLines(details.stderr, 40)}` : '';
    super(code, `${client}: ${message}${tail}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.client = client;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
  }
}

/** A PPM image is malformed or of a kind the parser does not read. */
export class PpmFormatError extends E2eError {
  override name = 'PpmFormatError';
  constructor(message: string) {
    super(E2eErrorCode.BadPpm, `PPM: ${message}`);
  }
}

/** Two frames that are compared do not have the same size. */
export class FrameSizeError extends E2eError {
  override name = 'FrameSizeError';
  constructor(expected: { width: number; height: number }, actual: { width: number; height: number }) {
    super(
      E2eErrorCode.FrameSize,
      `frame size differs: expected ${expected.width}x${expected.height}, got ${actual.width}x${actual.height}`,
    );
  }
}

/** Two frames differ (thrown by assertFramesMatch, with the path of the diff image). */
export class FrameMismatchError extends E2eError {
  override name = 'FrameMismatchError';
  readonly differingPixels: number;
  readonly diffImage: string | null;
  constructor(message: string, differingPixels: number, diffImage: string | null) {
    super(E2eErrorCode.FrameMismatch, message);
    this.differingPixels = differingPixels;
    this.diffImage = diffImage;
  }
}

/** The server process did not come up (exited, or its port never opened). */
export class ServerStartError extends E2eError {
  override name = 'ServerStartError';
  readonly logs: string;
  constructor(message: string, logs: string) {
    const tail = logs.trim() ? `\n--- server output ---\n${lastLines(logs, 60)}` : '';
    super(E2eErrorCode.ServerStart, `${message}${tail}`);
    this.logs = logs;
  }
}

function hasCode(value: unknown, codes: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    codes.includes((value as { code: string }).code)
  );
}

const ALL_CODES: readonly string[] = Object.values(E2eErrorCode);
const CLIENT_CODES: readonly string[] = [
  E2eErrorCode.ClientFailed,
  E2eErrorCode.ClientTimeout,
  E2eErrorCode.AuthFailed,
  E2eErrorCode.Disconnected,
];

export function isE2eError(value: unknown): value is E2eError {
  return hasCode(value, ALL_CODES);
}
export function isPeerMissingError(value: unknown): value is PeerMissingError {
  return hasCode(value, [E2eErrorCode.PeerMissing]);
}
export function isClientError(value: unknown): value is ClientError {
  return hasCode(value, CLIENT_CODES);
}
export function isPpmFormatError(value: unknown): value is PpmFormatError {
  return hasCode(value, [E2eErrorCode.BadPpm]);
}
export function isFrameSizeError(value: unknown): value is FrameSizeError {
  return hasCode(value, [E2eErrorCode.FrameSize]);
}
export function isFrameMismatchError(value: unknown): value is FrameMismatchError {
  return hasCode(value, [E2eErrorCode.FrameMismatch]);
}
export function isServerStartError(value: unknown): value is ServerStartError {
  return hasCode(value, [E2eErrorCode.ServerStart]);
}

function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.length > count ? ['…', ...lines.slice(-count)].join('\n') : lines.join('\n');
}
