import { describe, expect, it } from 'vitest';
import { findUnstorableText } from './storable-text.js';

describe('findUnstorableText', () => {
  it('accepts ordinary text, emoji (paired surrogates) and non-strings', () => {
    expect(findUnstorableText({ a: 'héllo 👋', b: [1, true, null, { c: '日本' }] })).toEqual([]);
  });

  it('points at NUL and unpaired surrogates in values and keys, escaping the pointer', () => {
    const body = { name: 'a\u0000b', list: ['ok', '\uD800'], 'we/ird\u0000': 1, deep: { x: '\uDC00tail' } };
    expect(findUnstorableText(body)).toEqual(['/deep/x', '/list/1', '/name', '/we~1ird\u0000']);
  });

  it('survives nesting far deeper than recursion would', () => {
    let value: unknown = '\u0000';
    for (let depth = 0; depth < 100_000; depth += 1) value = [value];
    expect(findUnstorableText(value)).toHaveLength(1);
  });
});
