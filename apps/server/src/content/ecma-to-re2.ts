/**
 * Rewrites an ECMAScript regular expression (unicode mode, as JSON Schema and Ajv use it) into RE2 syntax with the
 * same meaning, so that a linear-time engine can run it. The input must already be a valid ECMAScript pattern
 * (`new RegExp(pattern, 'u')` accepted it): the grammar of unicode mode is strict enough that this walk needs no
 * error recovery. Constructs RE2 cannot run in linear time (backreferences, lookarounds) come back as `unsupported`.
 */
export type Translation =
  | {
      source: string;
      weight: number;
      /** For a pattern `^X$` with no `|` outside groups: X, which matches exactly the whole text as the pattern does. */
      whole?: string;
    }
  | { unsupported: string };

/** RE2's limit on a counted repetition. */
export const MAX_REPEAT = 1000;

type Ranges = [number, number][];

const MAX_CODE_POINT = 0x10ffff;
// What `.` does not match without the s flag, and what `\s` matches (ECMAScript WhiteSpace and LineTerminator).
const LINE_TERMINATORS: Ranges = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
const WHITESPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [from, to] of ranges) {
    if (from > next) out.push([next, from - 1]);
    next = to + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const hex = (codePoint: number) => `\\x{${codePoint.toString(16)}}`;
const rangesText = (ranges: Ranges) =>
  ranges.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('');

const SPACE = rangesText(WHITESPACE);
const NOT_SPACE = rangesText(complement(WHITESPACE));
const DOT = `[^${rangesText(LINE_TERMINATORS)}]`;
const ANY = `[${rangesText([[0, MAX_CODE_POINT]])}]`;
const NOTHING = `[^${rangesText([[0, MAX_CODE_POINT]])}]`;

// ECMAScript's long General_Category names; RE2 knows the short ones and the script names.
const CATEGORY_ALIASES: Record<string, string> = {
  Letter: 'L',
  Uppercase_Letter: 'Lu',
  Lowercase_Letter: 'Ll',
  Titlecase_Letter: 'Lt',
  Modifier_Letter: 'Lm',
  Other_Letter: 'Lo',
  Mark: 'M',
  Nonspacing_Mark: 'Mn',
  Spacing_Mark: 'Mc',
  Enclosing_Mark: 'Me',
  Number: 'N',
  Decimal_Number: 'Nd',
  Letter_Number: 'Nl',
  Other_Number: 'No',
  Punctuation: 'P',
  Connector_Punctuation: 'Pc',
  Dash_Punctuation: 'Pd',
  Open_Punctuation: 'Ps',
  Close_Punctuation: 'Pe',
  Initial_Punctuation: 'Pi',
  Final_Punctuation: 'Pf',
  Other_Punctuation: 'Po',
  Symbol: 'S',
  Math_Symbol: 'Sm',
  Currency_Symbol: 'Sc',
  Modifier_Symbol: 'Sk',
  Other_Symbol: 'So',
  Separator: 'Z',
  Space_Separator: 'Zs',
  Line_Separator: 'Zl',
  Paragraph_Separator: 'Zp',
  Other: 'C',
  Control: 'Cc',
  Format: 'Cf',
  Private_Use: 'Co',
};

function property(negated: boolean, body: string, inClass: boolean): string {
  const [key, value] = body.includes('=') ? body.split('=') : [undefined, body];
  const name =
    key === 'Script' || key === 'sc' || key === 'General_Category' || key === 'gc' || key === undefined
      ? (CATEGORY_ALIASES[value!] ?? value!)
      : body; // Script_Extensions and the like: RE2 refuses the name, and says so.
  if (name === 'ASCII') {
    const ranges = rangesText(negated ? complement([[0, 0x7f]]) : [[0, 0x7f]]);
    return inClass ? ranges : `[${ranges}]`;
  }
  return `\\${negated ? 'P' : 'p'}{${name}}`;
}

const isHex = (text: string) => /^[0-9a-fA-F]+$/.test(text);

class Walker {
  private i = 0;
  private out = '';
  // What compiling costs, per open group: the source length, with counted repetitions multiplied out (RE2
  // compiles `x{100}` as a hundred copies of x).
  private weights: number[] = [0];
  private lastAtom = 0;
  private atomStart = 0;
  private lastAnchorAt = -1;

  constructor(private readonly src: string) {}

  run(): Translation {
    let topLevelBar = false;
    while (this.i < this.src.length) {
      topLevelBar ||= this.src[this.i] === '|' && this.weights.length === 1;
      const reason = this.step();
      if (reason) return { unsupported: reason };
    }
    const { out } = this;
    // The final `$` is an anchor only if the walk wrote it as one (not `\$`, not inside a class).
    const anchored = out.startsWith('^') && this.lastAnchorAt === out.length - 1 && out.length > 1;
    const whole = anchored && !topLevelBar ? out.slice(1, -1) : undefined;
    return { source: out, weight: this.weights[0]!, ...(whole === undefined ? {} : { whole }) };
  }

  private atom(text: string, weight = this.i - this.atomStart): void {
    this.out += text;
    this.weights[this.weights.length - 1]! += weight;
    this.lastAtom = weight;
  }

  private step(): string | undefined {
    const { src } = this;
    const c = src[this.i]!;
    this.atomStart = this.i;
    if (c === '\\') return this.escape(false);
    if (c === '[') return this.characterClass();
    if (c === '.') {
      this.i += 1;
      this.atom(DOT);
      return undefined;
    }
    if (c === '(') return this.openGroup();
    if (c === ')') {
      this.i += 1;
      const inner = this.weights.pop()!;
      this.atom(')', inner + 2);
      return undefined;
    }
    if (c === '*' || c === '+' || c === '?' || c === '{') return this.quantifier();
    if (c === '|' || c === '^' || c === '$') {
      this.i += 1;
      this.out += c;
      if (c === '$' && this.weights.length === 1) this.lastAnchorAt = this.out.length - 1;
      return undefined;
    }
    const codePoint = src.codePointAt(this.i)!;
    this.i += codePoint > 0xffff ? 2 : 1;
    this.atom(String.fromCodePoint(codePoint));
    return undefined;
  }

  private openGroup(): string | undefined {
    const rest = this.src.slice(this.i, this.i + 4);
    if (rest.startsWith('(?=') || rest.startsWith('(?!')) return 'uses a lookahead';
    if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) return 'uses a lookbehind';
    if (rest.startsWith('(?<')) {
      this.out += '(?P<';
      this.i += 3;
    } else if (rest.startsWith('(?:') || !rest.startsWith('(?')) {
      this.out += rest.startsWith('(?:') ? '(?:' : '(';
      this.i += rest.startsWith('(?:') ? 3 : 1;
    } else {
      return 'uses inline modifiers such as (?i:…)';
    }
    this.weights.push(0);
    return undefined;
  }

  private quantifier(): string | undefined {
    const match = /^(?:[*+?]|\{(\d+)(,(\d*))?\})\??/.exec(this.src.slice(this.i))!;
    this.i += match[0].length;
    this.out += match[0];
    const [, min, comma, max] = match;
    if (Number(min) > MAX_REPEAT || Number(max) > MAX_REPEAT) return `repeats more than ${MAX_REPEAT} times`;
    const copies = min === undefined ? 2 : comma === undefined ? Number(min) : Number(max || Number(min) + 1);
    this.weights[this.weights.length - 1]! += this.lastAtom * Math.max(copies - 1, 0);
    return undefined;
  }

  private characterClass(): string | undefined {
    const { src } = this;
    let i = this.i + 1;
    const negated = src[i] === '^';
    if (negated) i += 1;
    if (src[i] === ']') {
      this.i = i + 1;
      this.atom(negated ? ANY : NOTHING);
      return undefined;
    }
    this.i = i;
    let body = '';
    while (src[this.i] !== ']') {
      if (src[this.i] === '\\') {
        const escaped = this.classEscape();
        if (escaped.reason) return escaped.reason;
        body += escaped.text;
        continue;
      }
      const codePoint = src.codePointAt(this.i)!;
      this.i += codePoint > 0xffff ? 2 : 1;
      // A `[` in an ECMAScript class is a plain character; RE2 would read `[:` as the start of a POSIX class.
      body += codePoint === 0x5b ? '\\[' : String.fromCodePoint(codePoint);
    }
    this.i += 1;
    this.atom(`[${negated ? '^' : ''}${body}]`);
    return undefined;
  }

  private classEscape(): { text: string; reason?: string } {
    const c = this.src[this.i + 1]!;
    if (c === 's' || c === 'S') {
      this.i += 2;
      return { text: c === 's' ? SPACE : NOT_SPACE };
    }
    if (c === 'b') {
      this.i += 2;
      return { text: hex(8) };
    }
    const start = this.out.length;
    const reason = this.escape(true);
    const text = this.out.slice(start);
    this.out = this.out.slice(0, start);
    return { text, reason };
  }

  /** One escape sequence at `this.i`, written to `out` (inside a class: as class content). */
  private escape(inClass: boolean): string | undefined {
    const { src } = this;
    const c = src[this.i + 1]!;
    this.i += 2;
    const write = (text: string) => (inClass ? (this.out += text) : this.atom(text));
    if ('dDwWtnvfr'.includes(c)) return void write(`\\${c}`);
    if (c === 'b' || c === 'B') return void (this.out += `\\${c}`);
    if (c === 's') return void write(`[${SPACE}]`);
    if (c === 'S') return void write(`[^${SPACE}]`);
    if (c === '0') return void write(hex(0));
    if (c === 'c') {
      this.i += 1;
      return void write(hex(src.charCodeAt(this.i - 1) % 32));
    }
    if (c === 'x') {
      this.i += 2;
      return void write(hex(parseInt(src.slice(this.i - 2, this.i), 16)));
    }
    if (c === 'u') return void write(hex(this.unicodeEscape()));
    if (c === 'p' || c === 'P') {
      const end = src.indexOf('}', this.i);
      const body = src.slice(this.i + 1, end);
      this.i = end + 1;
      return void write(property(c === 'P', body, inClass));
    }
    if ((c >= '1' && c <= '9') || c === 'k') return 'uses a backreference';
    // Left: an escaped syntax character, `/` or `-`, which RE2 reads as the character itself.
    return void write(`\\${c}`);
  }

  /** The code point of `\uXXXX` (a surrogate pair written as two escapes is one) or `\u{X…}`, after the `\u`. */
  private unicodeEscape(): number {
    const { src } = this;
    if (src[this.i] === '{') {
      const end = src.indexOf('}', this.i);
      const codePoint = parseInt(src.slice(this.i + 1, end), 16);
      this.i = end + 1;
      return codePoint;
    }
    const unit = parseInt(src.slice(this.i, this.i + 4), 16);
    this.i += 4;
    const trail = src.slice(this.i + 2, this.i + 6);
    if (
      unit >= 0xd800 &&
      unit <= 0xdbff &&
      src.startsWith('\\u', this.i) &&
      isHex(trail) &&
      trail.length === 4
    ) {
      const low = parseInt(trail, 16);
      if (low >= 0xdc00 && low <= 0xdfff) {
        this.i += 6;
        return (unit - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
      }
    }
    return unit;
  }
}

export const toRe2Syntax = (pattern: string): Translation => new Walker(pattern).run();
