export const CanvasErrorCode = {
  Unsupported: 'ERR_CANVAS_UNSUPPORTED',
  BadArgument: 'ERR_CANVAS_BAD_ARGUMENT',
  InvalidImage: 'ERR_CANVAS_INVALID_IMAGE',
} as const;
export type CanvasErrorCode = (typeof CanvasErrorCode)[keyof typeof CanvasErrorCode];

export class CanvasError extends Error {
  override name = 'CanvasError';
  readonly code: CanvasErrorCode;
  constructor(code: CanvasErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A draw operation, ROP or format this version of the canvas does not render yet. */
export class UnsupportedOperationError extends CanvasError {
  override name = 'UnsupportedOperationError';
  constructor(what: string) {
    super(CanvasErrorCode.Unsupported, `${what} is not supported by the canvas yet`);
  }
}

export class BadArgumentError extends CanvasError {
  override name = 'BadArgumentError';
  constructor(message: string) {
    super(CanvasErrorCode.BadArgument, message);
  }
}

/** An image whose content contradicts its descriptor, or refers to a palette the cache lacks. */
export class InvalidImageError extends CanvasError {
  override name = 'InvalidImageError';
  constructor(message: string) {
    super(CanvasErrorCode.InvalidImage, message);
  }
}

export function isCanvasError(error: unknown): error is CanvasError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(CanvasErrorCode) as string[]).includes(code);
}
