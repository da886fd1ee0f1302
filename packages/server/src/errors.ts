export const ServerErrorCode = {
  LinkTimeout: 'ERR_SERVER_LINK_TIMEOUT',
  LinkClosed: 'ERR_SERVER_LINK_CLOSED',
  BadConfig: 'ERR_SERVER_BAD_CONFIG',
  Listen: 'ERR_SERVER_LISTEN',
} as const;
export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

export class ServerError extends Error {
  override name = 'ServerError';
  readonly code: ServerErrorCode;
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The client did not complete the link phase in time. */
export class LinkTimeoutError extends ServerError {
  override name = 'LinkTimeoutError';
  constructor(ms: number, stage: string) {
    super(ServerErrorCode.LinkTimeout, `link phase not completed within ${ms} ms (waiting for ${stage})`);
  }
}

/** The client closed the connection during the link phase. */
export class LinkClosedError extends ServerError {
  override name = 'LinkClosedError';
  constructor(stage: string) {
    super(ServerErrorCode.LinkClosed, `connection closed during the link phase (waiting for ${stage})`);
  }
}

/** A server option is invalid. */
export class BadConfigError extends ServerError {
  override name = 'BadConfigError';
  constructor(message: string) {
    super(ServerErrorCode.BadConfig, message);
  }
}

export function isServerError(error: unknown): error is ServerError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(ServerErrorCode) as string[]).includes(code);
}
