import { describe, expect, it } from 'vitest';
import { MAX_REPEAT, toRe2Syntax } from './ecma-to-re2.js';
import { linearRegExp } from './linear-regexp.js';

/** Whether the pattern matches, by ECMAScript (as Ajv ran it natively) and by the linear-time engine. */
function both(pattern: string, input: string): [boolean, boolean] {
  return [new RegExp(pattern, 'u').test(input), linearRegExp(pattern, 'u').test(input)];
}

const AGREE: [string, string[]][] = [
  ['^[a-z0-9-]+$', ['summer-sale', 'Summer', '', 'a b', 'sale\n']],
  ['^\\+?[0-9 ()-]{6,20}$', ['+33 1 23 45 67 89', '12345', '(555) 123-4567', '+'.repeat(7)]],
  ['^\\d{4}-\\d{2}$', ['2026-12', '٢٠٢٦-١٢', '2026-1']],
  ['^\\w+$', ['abc_123', 'héllo', '']],
  ['\\bsale\\b', ['big sale!', 'wholesale', 'salé']],
  ['^a$', ['a', 'a\n', '\na', 'A']],
  ['^.$', ['😀', 'é', '\n', '\r', '\u2028', '\u0085', 'ab']],
  ['^.{2}$', ['😀😀', 'ab', '😀']],
  ['^[😀-😂]+$', ['😀😁😂', '😃']],
  ['^\\p{L}+$', ['héllo', 'Ωμέγα', 'abc1', '']],
  ['^\\p{Lu}\\p{Ll}*$', ['Élan', 'élan']],
  ['^\\p{Letter}+$', ['héllo', '123']],
  ['^\\p{Script=Greek}+$', ['Ωμέγα', 'omega']],
  ['^\\P{L}+$', ['123 !', 'a1']],
  ['^\\p{ASCII}+$', ['plain', 'naïve']],
  ['^[^\\p{ASCII}]+$', ['ïé', 'i']],
  ['^\\s+$', [' \t\n', '\u00a0\u2003\u3000\ufeff', '\u0085', '\u200b', 'x']],
  ['^[\\s\\S]{3}$', ['a\nb', '\u2028\u2029\r', 'ab']],
  ['^[^\\S]+$', [' \u00a0', 'a ']],
  ['^\\S+$', ['a-b', 'a b', 'a\u00a0b']],
  ['^[\\w.+-]+@[\\w-]+\\.[a-z]{2,}$', ['jo.doe+x@example.com', 'jo@@example.com']],
  ['^\\u00e9\\u{1F600}\\uD83D\\uDE01$', ['é😀😁', 'e😀😁']],
  ['^[\\u0041-\\u005A]$', ['Q', 'q']],
  ['^\\x41\\cJ\\0$', ['A\n\u0000', 'A\n0']],
  ['^[\\b]$', ['\b', 'b']],
  ['^[[\\]]+$', ['[]', '[', 'x']],
  ['^[:a]$', [':', 'a', '[']],
  ['^a\\/b\\.c\\*\\{\\}$', ['a/b.c*{}', 'a/bxc*{}']],
  ['^[a\\-z]$', ['-', 'b']],
  ['^(?:ab|cd)+(?<tail>e?)$', ['abcde', 'abcd', 'abd']],
  ['^(a+)+$', ['aaaa', 'aaab']],
  ['^[]$', ['', 'a']],
  ['^[^]$', ['a', '\n', '']],
  ['colou?r', ['the color', 'the colour', 'the colr']],
  ['^ab|cd$', ['abx', 'xcd', 'ab', 'x']],
  ['^a\\$', ['a$', 'a']],
  ['^$', ['', '\n']],
  ['', ['', 'anything']],
];

describe('toRe2Syntax: the same meaning as ECMAScript', () => {
  it.each(AGREE)('%s', (pattern, inputs) => {
    for (const input of inputs) {
      const [native, linear] = both(pattern, input);
      expect({ input, linear }).toEqual({ input, linear: native });
    }
  });

  it('\\s, \\S and . agree with ECMAScript on every code point of the BMP and the planes after it', () => {
    const checked = ['\\s', '\\S', '.', '[\\s]', '[^\\s]', '\\w', '\\d'].map((p) => [
      new RegExp(`^${p}$`, 'u'),
      linearRegExp(`^${p}$`, 'u'),
    ]);
    const disagreements: string[] = [];
    for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += codePoint < 0x10000 ? 1 : 0x101) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue; // not a character on its own
      const text = String.fromCodePoint(codePoint);
      for (const [native, linear] of checked) {
        if (native!.test(text) !== linear!.test(text))
          disagreements.push(`${native} U+${codePoint.toString(16)}`);
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe('toRe2Syntax: whole-text patterns', () => {
  it.each([
    ['^[a-z]+$', '[a-z]+'],
    ['^(a|b)$', '(a|b)'],
    ['^$', ''],
    ['^ab|cd$', undefined],
    ['^a\\$', undefined],
    ['^a[$]', undefined],
    ['a$', undefined],
    ['^a', undefined],
  ])('%s → %s', (pattern, whole) => {
    const translation = toRe2Syntax(pattern);
    expect('whole' in translation ? translation.whole : undefined).toBe(whole);
  });
});

describe('toRe2Syntax: what cannot run in linear time', () => {
  it.each([
    ['(a)\\1', 'uses a backreference'],
    ['(?<x>a)\\k<x>', 'uses a backreference'],
    ['a(?=b)', 'uses a lookahead'],
    ['a(?!b)', 'uses a lookahead'],
    ['(?<=a)b', 'uses a lookbehind'],
    ['(?<!a)b', 'uses a lookbehind'],
    [`a{${MAX_REPEAT + 1}}`, `repeats more than ${MAX_REPEAT} times`],
    [`a{2,${MAX_REPEAT + 1}}`, `repeats more than ${MAX_REPEAT} times`],
  ])('%s', (pattern, reason) => {
    expect(toRe2Syntax(pattern)).toEqual({ unsupported: reason });
  });

  it('weighs a pattern by the length of its atoms, each repetition counted (anchors and | weigh nothing)', () => {
    expect(toRe2Syntax('^[a-z]+$')).toMatchObject({ weight: 5 * 2 });
    expect(toRe2Syntax('^(?:ab|c){10}$')).toMatchObject({ weight: (3 + 2) * 10 });
    expect(toRe2Syntax('[\\p{L} ]{1,100}')).toMatchObject({ weight: 8 * 100 });
  });
});
