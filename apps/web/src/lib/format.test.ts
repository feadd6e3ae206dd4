import { describe, expect, it } from 'vitest';
import { timeAgo, timeUntil } from './format';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const at = (offsetSeconds: number) => new Date(NOW + offsetSeconds * 1000).toISOString();

describe('timeAgo', () => {
  it('says how long ago, coarser the older it is', () => {
    expect(timeAgo(null, NOW)).toBe('never');
    expect(timeAgo(at(-9), NOW)).toBe('just now');
    expect(timeAgo(at(-42), NOW)).toBe('42 s ago');
    expect(timeAgo(at(-5 * 60 - 59), NOW)).toBe('5 min ago');
    expect(timeAgo(at(-3 * 3600 - 1), NOW)).toBe('3 h ago');
    expect(timeAgo(at(-2 * 86_400), NOW)).toBe(new Date(at(-2 * 86_400)).toLocaleDateString());
  });
});

describe('timeUntil', () => {
  it('says how long until, and "due now" once the time has come', () => {
    expect(timeUntil(null, NOW)).toBe('none');
    expect(timeUntil(at(-30), NOW)).toBe('due now');
    expect(timeUntil(at(0), NOW)).toBe('due now');
    expect(timeUntil(at(5), NOW)).toBe('in 5 s');
    expect(timeUntil(at(4 * 60 + 59), NOW)).toBe('in 4 min');
    expect(timeUntil(at(2 * 3600), NOW)).toBe('in 2 h');
    expect(timeUntil(at(3 * 86_400), NOW)).toBe(new Date(at(3 * 86_400)).toLocaleDateString());
  });
});
