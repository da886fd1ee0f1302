export const CodecErrorCode = {
  BadImage: 'ERR_CODEC_BAD_IMAGE',
  Unsupported: 'ERR_CODEC_UNSUPPORTED',
} as const;
export type CodecErrorCode = (typeof CodecErrorCode)[keyof typeof CodecErrorCode];

export class CodecError extends Error {
  override name = 'CodecError';
  readonly code: CodecErrorCode;
  constructor(code: CodecErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Dimensions, stride or data length of an image do not agree. */
export class BadImageError extends CodecError {
  override name = 'BadImageError';
  constructor(message: string) {
    super(CodecErrorCode.BadImage, message);
  }
}

/** A format or codec this version does not implement. */
export class UnsupportedFormatError extends CodecError {
  override name = 'UnsupportedFormatError';
  constructor(what: string) {
    super(CodecErrorCode.Unsupported, `${what} is not supported`);
  }
}

export function isCodecError(error: unknown): error is CodecError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(CodecErrorCode) as string[]).includes(code);
}
