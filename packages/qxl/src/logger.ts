/** The subset of a pino logger this package calls. Pass `pino()` or any compatible object. */
export interface QxlLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

/** A logger that drops everything; the default when none is given. */
export const silentLogger: QxlLogger = { debug: noop, info: noop, warn: noop, error: noop };
