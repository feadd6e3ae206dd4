import { describe, expect, it } from 'vitest';
import { toIsoTimestamp } from './columns.js';

describe('toIsoTimestamp', () => {
  it('gives exactly what Date#toISOString gives, for every form the drivers hand back', () => {
    const inputs: (string | Date)[] = [
      '2026-11-30 03:28:00.123456+00',
      '2026-11-30 03:28:00.999999+00',
      '2026-11-30 03:28:00.1+00',
      '2026-11-30 03:28:00.12+00',
      '2026-11-30 03:28:00.05+00',
      '2026-11-30 03:28:00+00',
      '2024-02-29 23:59:59.000001+00',
      // Not UTC text: through Date.
      '2026-11-30 03:28:00.12345+05:30',
      '2026-11-30 03:28:00-08',
      '2026-11-30T03:28:00.123Z',
      new Date('2026-11-30T03:28:00.123Z'),
    ];
    for (const input of inputs)
      expect(toIsoTimestamp(input), String(input)).toBe(new Date(input).toISOString());
  });

  it('keeps a time-zone offset (no fast path for it)', () => {
    expect(toIsoTimestamp('2026-11-30 03:28:00.5+05:30')).toBe('2026-11-29T21:58:00.500Z');
  });
});
