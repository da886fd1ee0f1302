export const ChannelErrorCode = {
  MessageTooLarge: 'ERR_CHANNEL_MESSAGE_TOO_LARGE',
  UnexpectedMessage: 'ERR_CHANNEL_UNEXPECTED_MESSAGE',
  Closed: 'ERR_CHANNEL_CLOSED',
  Handler: 'ERR_CHANNEL_HANDLER',
} as const;
export type ChannelErrorCode = (typeof ChannelErrorCode)[keyof typeof ChannelErrorCode];

export class ChannelError extends Error {
  override name = 'ChannelError';
  readonly code: ChannelErrorCode;
  constructor(code: ChannelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A client announced a message larger than the channel accepts. */
export class MessageTooLargeError extends ChannelError {
  override name = 'MessageTooLargeError';
  constructor(channel: string, type: number, size: number, limit: number) {
    super(
      ChannelErrorCode.MessageTooLarge,
      `${channel}: message type ${type} of ${size} bytes exceeds the ${limit}-byte limit`,
    );
  }
}

/** A client sent a message type the channel does not handle (upstream disconnects too). */
export class UnexpectedMessageError extends ChannelError {
  override name = 'UnexpectedMessageError';
  readonly type: number;
  constructor(channel: string, type: number) {
    super(ChannelErrorCode.UnexpectedMessage, `${channel}: unexpected client message type ${type}`);
    this.type = type;
  }
}

export function isChannelError(error: unknown): error is ChannelError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(ChannelErrorCode) as string[]).includes(code);
}
