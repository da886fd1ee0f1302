import type { Logger } from '@spice-ts/channel';
import { pino } from 'pino';
import type { LogFormat } from './config.js';

/** The app's logger: pino, pretty-printed for people or JSON lines for machines. Never logs passwords. */
export function createLogger(level: string, format: LogFormat): Logger & { flush(): void } {
  const redact = { paths: ['password', '*.password', 'ticket'], censor: '[redacted]' };
  if (format === 'pretty') {
    return pino({
      level,
      redact,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, redact });
}
