import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from './heap-growth.js';

describe('limitHeapGrowth', () => {
  it('leaves a growing factor given on the command line alone, in either spelling', () => {
    expect(limitHeapGrowth(['--heap-growing-percent=0'])).toBe(false);
    expect(limitHeapGrowth(['--expose-gc', '--heap_growing_percent=200'])).toBe(false);
  });

  it('sets its own otherwise', () => {
    expect(limitHeapGrowth(['--expose-gc'])).toBe(true);
    expect(limitHeapGrowth([])).toBe(true);
  });

  it('names a flag this V8 has (setFlagsFromString ignores unknown ones without a word)', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toMatch(/--heap-growing-percent \(/);
  });
});
