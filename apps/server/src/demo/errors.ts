/**
 * Errors of the demo guest. They are programmer errors (a bad size or rectangle passed by the
 * glue code), never caused by client input: pointer positions and scancodes are clamped or ignored.
 */

export class DemoRangeError extends Error {
  override readonly name = 'DemoRangeError';
  readonly code = 'ERR_DEMO_RANGE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isDemoRangeError(error: unknown): error is DemoRangeError {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_DEMO_RANGE';
}
