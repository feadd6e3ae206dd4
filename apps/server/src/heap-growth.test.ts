import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from './heap-growth.js';

describe('limitHeapGrowth', () => {
  it('leaves a growing factor given on the command line alone, in either spelling', () => {
    expect(limitHeapGrowth(50, ['--heap-growing-percent=0'])).toBe(false);
    expect(limitHeapGrowth(50, ['--expose-gc', '--heap_growing_percent=200'])).toBe(false);
  });

  it('sets the configured one otherwise, and none for 0 (V8 decides)', () => {
    expect(limitHeapGrowth(50, ['--expose-gc'])).toBe(true);
    expect(limitHeapGrowth(75, [])).toBe(true);
    expect(limitHeapGrowth(0, [])).toBe(false);
  });

  it('names a flag this V8 has (setFlagsFromString ignores unknown ones without a word)', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toMatch(/--heap-growing-percent \(/);
  });
});
