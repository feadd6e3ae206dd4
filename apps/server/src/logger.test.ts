import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormatFor } from './logger.js';

type Destination = { constructor: { name: string }; fd?: number; end(): void };
const destinationOf = (logger: ReturnType<typeof createLogger>) =>
  (logger as unknown as Record<symbol, Destination>)[pino.symbols.streamSym]!;

describe('the log format', () => {
  it('is readable lines at a terminal and JSON otherwise, unless LOG_FORMAT says which', () => {
    expect(logFormatFor(undefined, true)).toBe('pretty');
    expect(logFormatFor(undefined, false)).toBe('json');
    expect(logFormatFor(undefined, undefined)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
  });

  it('writes JSON straight to stdout, and pretty lines through the pino-pretty transport thread', () => {
    for (const json of [
      createLogger({ logLevel: 'info' }, false),
      createLogger({ logLevel: 'info', logFormat: 'json' }, true),
    ]) {
      const destination = destinationOf(json);
      expect([destination.constructor.name, destination.fd]).toEqual(['SonicBoom', 1]);
    }

    for (const pretty of [
      createLogger({ logLevel: 'info' }, true),
      createLogger({ logLevel: 'info', logFormat: 'pretty' }, false),
    ]) {
      const destination = destinationOf(pretty);
      try {
        expect(destination.constructor.name).toBe('ThreadStream');
      } finally {
        destination.end();
      }
    }
  });
});
