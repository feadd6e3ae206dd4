import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';
import { toRe2Syntax } from './ecma-to-re2.js';

/**
 * What the regular expressions of one schema may cost to compile, together (see ecma-to-re2.ts for the measure:
 * about the source length, counted repetitions multiplied out). RE2JS takes up to ~35 µs per unit, so a schema's
 * patterns compile in well under a second even at the limit; real content patterns weigh tens to a few hundred.
 */
export const MAX_PATTERN_WEIGHT = 20_000;
/** Longer than this, a string is not read as a regular expression at all (checked before anything parses it). */
export const MAX_PATTERN_LENGTH = 4_096;
const CACHE_SIZE = 1_000;

type Linear = { test: (text: string) => boolean; toString: () => string };

const UNSUPPORTED_SUFFIX = ', which the linear-time regular expression engine cannot run';

/**
 * Why `pattern` is not a valid ECMAScript regular expression (unicode mode, as Ajv compiles them), or undefined.
 * Only parses it (V8 compiles a pattern when it first runs), in time linear in its length.
 */
export function invalidRegExpReason(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern, 'u');
    return undefined;
  } catch {
    return 'must be a valid regular expression';
  }
}

/** The compile weight of a valid, supported pattern (for a schema's total). */
export function patternWeight(pattern: string): number {
  const translation = toRe2Syntax(pattern);
  return 'weight' in translation ? translation.weight : 0;
}

// Compiled patterns by source, least recently used first out: Ajv asks again for every schema that has them.
const compiled = new Map<string, Linear | string>();

function compile(pattern: string): Linear | string {
  const translation = toRe2Syntax(pattern);
  if ('unsupported' in translation) return translation.unsupported + UNSUPPORTED_SUFFIX;
  try {
    const toString = () => `/${pattern}/u`; // Ajv shares compiled patterns between places by this text
    // A whole-text match runs RE2's anchored DFA, about twice as fast as a search for `^X$`.
    if (translation.whole !== undefined) {
      const whole = RE2JS.compile(translation.whole);
      return { test: (text) => whole.testExact(text), toString };
    }
    const re2 = RE2JS.compile(translation.source);
    return { test: (text) => re2.test(text), toString };
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : 'refused';
    return `cannot be run by the linear-time regular expression engine: ${message}`;
  }
}

function cached(pattern: string): Linear | string {
  const found = compiled.get(pattern) ?? compile(pattern);
  compiled.delete(pattern);
  compiled.set(pattern, found);
  if (compiled.size > CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
  return found;
}

/** Why the linear-time engine refuses a valid ECMAScript `pattern` (compiling it), or undefined. */
export function linearRegExpIssue(pattern: string): string | undefined {
  const found = cached(pattern);
  return typeof found === 'string' ? found : undefined;
}

/**
 * Ajv's `code.regExp`: every `pattern` and `patternProperties` key runs on RE2JS, in time linear in the input, with
 * ECMAScript's meaning (ecma-to-re2.ts). Throws for a pattern it cannot run, as `new RegExp` throws for a bad one.
 */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string): Linear => {
    const found = cached(pattern);
    if (typeof found === 'string') throw new Error(`pattern ${JSON.stringify(pattern)} ${found}`);
    return found;
  },
  { code: 'linearRegExp' },
);
