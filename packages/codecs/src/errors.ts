export const CodecErrorCode = {
  BadImage: 'ERR_CODEC_BAD_IMAGE',
  Unsupported: 'ERR_CODEC_UNSUPPORTED',
  Corrupt: 'ERR_CODEC_CORRUPT',
  TooLarge: 'ERR_CODEC_TOO_LARGE',
  MissingReference: 'ERR_CODEC_MISSING_REFERENCE',
  PoolClosed: 'ERR_CODEC_POOL_CLOSED',
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

/** A compressed stream that is malformed, truncated or would write outside its image. */
export class CorruptStreamError extends CodecError {
  override name = 'CorruptStreamError';
  constructor(codec: string, message: string) {
    super(CodecErrorCode.Corrupt, `${codec}: ${message}`);
  }
}

/** An image larger than the decoder's limit; nothing was allocated for it. */
export class ImageTooLargeError extends CodecError {
  override name = 'ImageTooLargeError';
  readonly size: number;
  readonly limit: number;
  constructor(what: string, size: number, limit: number) {
    super(CodecErrorCode.TooLarge, `${what} ${size} bytes exceeds the limit of ${limit}`);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * A GLZ image refers to an earlier image the decoder window does not hold (not received yet, or
 * already released). Images of several display channels can arrive out of order: keep the stream
 * and decode it again once image `imageId` has been decoded.
 */
export class MissingReferenceError extends CodecError {
  override name = 'MissingReferenceError';
  readonly imageId: number;
  constructor(codec: string, imageId: number) {
    super(CodecErrorCode.MissingReference, `${codec}: referenced image ${imageId} is not in the window`);
    this.imageId = imageId;
  }
}

export function isCodecError(error: unknown): error is CodecError {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (Object.values(CodecErrorCode) as string[]).includes(code);
}
