/** Stable error codes of @spice-ts/qxl. Match on `code`, never on message text. */
export const QxlErrorCode = {
  /** A QXLPHYSICAL names a memslot id that does not exist or is not active. */
  BadMemslot: 'ERR_QXL_BAD_MEMSLOT',
  /** A QXLPHYSICAL carries a generation other than its memslot's (stale address). */
  BadGeneration: 'ERR_QXL_BAD_GENERATION',
  /** [addr, addr + size) does not lie inside the memslot. */
  OutOfSlot: 'ERR_QXL_OUT_OF_SLOT',
  /** A QXLDataChunk list loops back on itself. */
  ChunkLoop: 'ERR_QXL_CHUNK_LOOP',
  /** A size, count or dimension is above the limit that applies to it. */
  TooLarge: 'ERR_QXL_TOO_LARGE',
  /** A stride is too small for the width, or is not allowed. */
  BadStride: 'ERR_QXL_BAD_STRIDE',
  /** A size does not match (zero area, chunk data shorter or longer than declared...). */
  BadSize: 'ERR_QXL_BAD_SIZE',
  /** A type field (command, draw, image, brush, clip, format...) holds an unknown value. */
  UnknownType: 'ERR_QXL_UNKNOWN_TYPE',
  /** A known value this version does not handle yet. */
  Unsupported: 'ERR_QXL_UNSUPPORTED',
  /** A field holds a value that is not allowed there (swapped rect, missing palette, bad surface id...). */
  BadValue: 'ERR_QXL_BAD_VALUE',
  /** The device API was used out of order (async completion without pending IO, second worker...). */
  BadState: 'ERR_QXL_BAD_STATE',
  /** A SPICE_REPLAY recording does not follow the grammar (wrong key, bad number, line too long...). */
  ReplaySyntax: 'ERR_QXL_REPLAY_SYNTAX',
  /** A SPICE_REPLAY recording ends in the middle of an event. */
  ReplayTruncated: 'ERR_QXL_REPLAY_TRUNCATED',
  /** A recording could not be read or decompressed (no `xz` binary, corrupt gzip/xz/zlib data...). */
  ReplayInput: 'ERR_QXL_REPLAY_INPUT',
} as const;
export type QxlErrorCode = (typeof QxlErrorCode)[keyof typeof QxlErrorCode];

/** What an error is about: the structure field and the offending value. */
export interface QxlErrorDetail {
  field: string;
  value?: number | bigint | string;
}

/**
 * Base class of every error of this package. `field` names the guest structure field that was
 * wrong (e.g. `QXLBitmap.stride`) and `value` holds what was found there.
 */
export class QxlError extends Error {
  override name = 'QxlError';
  readonly code: QxlErrorCode;
  readonly field: string;
  readonly value: number | bigint | string | undefined;
  constructor(code: QxlErrorCode, detail: QxlErrorDetail, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.field = detail.field;
    this.value = detail.value;
  }
}

function show(value: number | bigint): string {
  return typeof value === 'bigint' ? `0x${value.toString(16)}` : String(value);
}

export class QxlBadMemslotError extends QxlError {
  override name = 'QxlBadMemslotError';
  constructor(field: string, slotId: number, reason: string) {
    super(QxlErrorCode.BadMemslot, { field, value: slotId }, `${field}: memslot ${slotId} ${reason}`);
  }
}

export class QxlBadGenerationError extends QxlError {
  override name = 'QxlBadGenerationError';
  readonly expected: number;
  constructor(field: string, slotId: number, generation: number, expected: number) {
    super(
      QxlErrorCode.BadGeneration,
      { field, value: generation },
      `${field}: generation ${generation} does not match memslot ${slotId} generation ${expected}`,
    );
    this.expected = expected;
  }
}

export class QxlOutOfSlotError extends QxlError {
  override name = 'QxlOutOfSlotError';
  constructor(field: string, slotId: number, offset: number, size: number, slotSize: number) {
    super(
      QxlErrorCode.OutOfSlot,
      { field, value: offset },
      `${field}: [0x${offset.toString(16)}, +${size}) is outside memslot ${slotId} of ${slotSize} bytes`,
    );
  }
}

export class QxlChunkLoopError extends QxlError {
  override name = 'QxlChunkLoopError';
  constructor(field: string, chunks: number) {
    super(QxlErrorCode.ChunkLoop, { field, value: chunks }, `${field}: chunk list loops after ${chunks} chunks`);
  }
}

export class QxlTooLargeError extends QxlError {
  override name = 'QxlTooLargeError';
  readonly limit: number | bigint;
  constructor(field: string, value: number | bigint, limit: number | bigint) {
    super(QxlErrorCode.TooLarge, { field, value }, `${field} is ${show(value)}, above the limit of ${show(limit)}`);
    this.limit = limit;
  }
}

export class QxlBadStrideError extends QxlError {
  override name = 'QxlBadStrideError';
  constructor(field: string, stride: number, reason: string) {
    super(QxlErrorCode.BadStride, { field, value: stride }, `${field}: stride ${stride} ${reason}`);
  }
}

export class QxlBadSizeError extends QxlError {
  override name = 'QxlBadSizeError';
  constructor(field: string, value: number, reason: string) {
    super(QxlErrorCode.BadSize, { field, value }, `${field}: size ${value} ${reason}`);
  }
}

export class QxlUnknownTypeError extends QxlError {
  override name = 'QxlUnknownTypeError';
  constructor(field: string, type: number) {
    super(QxlErrorCode.UnknownType, { field, value: type }, `${field}: unknown type ${type}`);
  }
}

export class QxlUnsupportedError extends QxlError {
  override name = 'QxlUnsupportedError';
  constructor(field: string, value: number, what: string) {
    super(QxlErrorCode.Unsupported, { field, value }, `${field}: ${what} (${value}) is not supported yet`);
  }
}

export class QxlBadValueError extends QxlError {
  override name = 'QxlBadValueError';
  constructor(field: string, value: number | bigint | string, reason: string) {
    super(
      QxlErrorCode.BadValue,
      { field, value },
      `${field}: ${typeof value === 'string' ? value : show(value)} ${reason}`,
    );
  }
}

export class QxlBadStateError extends QxlError {
  override name = 'QxlBadStateError';
  constructor(field: string, reason: string, value?: number | bigint | string) {
    super(QxlErrorCode.BadState, value === undefined ? { field } : { field, value }, `${field}: ${reason}`);
  }
}

/** Where in a recording a QxlReplayError happened. */
export interface QxlReplayPosition {
  /** 1-based line number of the (decompressed) recording. */
  line: number;
  /** Byte offset of the (decompressed) recording. */
  offset: number;
}

/** A recording could not be read: `code` is one of the ERR_QXL_REPLAY_* codes. */
export class QxlReplayError extends QxlError {
  override name = 'QxlReplayError';
  readonly line: number;
  readonly offset: number;
  constructor(
    code: typeof QxlErrorCode.ReplaySyntax | typeof QxlErrorCode.ReplayTruncated | typeof QxlErrorCode.ReplayInput,
    field: string,
    reason: string,
    position: QxlReplayPosition,
    options?: { cause?: unknown },
  ) {
    super(code, { field }, `${field}: ${reason} (line ${position.line}, offset ${position.offset})`, options);
    this.line = position.line;
    this.offset = position.offset;
  }
}

const CODES: ReadonlySet<string> = new Set(Object.values(QxlErrorCode));

/** True for any error of this package (checks `code`, so it works across package copies). */
export function isQxlError(error: unknown): error is QxlError {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    CODES.has((error as unknown as { code: string }).code)
  );
}
