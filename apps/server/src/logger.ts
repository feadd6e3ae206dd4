import { pino } from 'pino';

/** Structured logs; credentials are redacted wherever a serializer might reach them. */
export function createLogger(level: string) {
  return pino({
    level,
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
  });
}
