export const ServerErrorCode = {
  LinkTimeout: 'ERR_SERVER_LINK_TIMEOUT',
  LinkClosed: 'ERR_SERVER_LINK_CLOSED',
  BadConfig: 'ERR_SERVER_BAD_CONFIG',
  ClientConnected: 'ERR_SERVER_CLIENT_CONNECTED',
  Listen: 'ERR_SERVER_LISTEN',
  TooLarge: 'ERR_SERVER_TOO_LARGE',
  WebSocket: 'ERR_SERVER_WEBSOCKET',
  Http: 'ERR_SERVER_HTTP',
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

/** A request head or frame is larger than this server accepts. */
export class TooLargeError extends ServerError {
  override name = 'TooLargeError';
  constructor(what: string, max: number) {
    super(ServerErrorCode.TooLarge, `${what} is longer than ${max} bytes`);
  }
}

/** A WebSocket peer broke RFC 6455 (bad frame, unmasked frame, bad handshake). */
export class WebSocketError extends ServerError {
  override name = 'WebSocketError';
  /** Close status code sent to the peer (1002 protocol error, 1009 too big). */
  readonly status: number;
  constructor(message: string, status = 1002) {
    super(ServerErrorCode.WebSocket, message);
    this.status = status;
  }
}

/** An HTTP request we cannot serve; `status` is the response code. */
export class HttpError extends ServerError {
  override name = 'HttpError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(ServerErrorCode.Http, message);
    this.status = status;
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

/** setTicket with failIfConnected while a viewer is connected (upstream's fail_if_connected). */
export class ClientConnectedError extends ServerError {
  override name = 'ClientConnectedError';
  constructor() {
    super(ServerErrorCode.ClientConnected, 'a client is connected: the ticket was not changed');
  }
}
