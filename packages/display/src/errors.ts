export const DisplayErrorCode = {
  UnsupportedDraw: 'ERR_DISPLAY_UNSUPPORTED_DRAW',
  BadCommand: 'ERR_DISPLAY_BAD_COMMAND',
} as const;
export type DisplayErrorCode = (typeof DisplayErrorCode)[keyof typeof DisplayErrorCode];

export class DisplayError extends Error {
  override name = 'DisplayError';
  readonly code: DisplayErrorCode;
  constructor(code: DisplayErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A drawable this version cannot render or forward yet; it is dropped and released. */
export class UnsupportedDrawError extends DisplayError {
  override name = 'UnsupportedDrawError';
  constructor(what: string) {
    super(DisplayErrorCode.UnsupportedDraw, `${what} is not supported yet`);
  }
}

/** A guest command that is well-formed but inconsistent with the display state. */
export class BadCommandError extends DisplayError {
  override name = 'BadCommandError';
  constructor(message: string) {
    super(DisplayErrorCode.BadCommand, message);
  }
}

export function isDisplayError(error: unknown): error is DisplayError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(DisplayErrorCode) as string[]).includes(code);
}
