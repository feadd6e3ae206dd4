import { createRequire } from 'node:module';
import { pino, type TransportSingleOptions } from 'pino';

export type LogFormat = 'json' | 'pretty';

/**
 * Readable lines for a person at a terminal; JSON wherever a program reads the output (a pipe, a file, a log
 * collector). LOG_FORMAT, when set, wins over the guess.
 */
export function logFormatFor(override: LogFormat | undefined, stdoutIsTTY: boolean | undefined): LogFormat {
  return override ?? (stdoutIsTTY ? 'pretty' : 'json');
}

/**
 * pino-pretty formats in pino's transport thread, off the event loop. The thread loads its target by path: resolved
 * here, from this file, it is found the same way from the sources and from the compiled build.
 */
function prettyTransport(): TransportSingleOptions {
  return {
    target: createRequire(import.meta.url).resolve('pino-pretty'),
    options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
  };
}

/** Structured logs; credentials are redacted wherever a serializer might reach them. */
export function createLogger(
  config: { logLevel: string; logFormat?: LogFormat },
  stdoutIsTTY: boolean | undefined = process.stdout.isTTY,
) {
  const format = logFormatFor(config.logFormat, stdoutIsTTY);
  return pino({
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.signing_secret',
      ],
      censor: '[redacted]',
    },
    ...(format === 'pretty' ? { transport: prettyTransport() } : {}),
  });
}
