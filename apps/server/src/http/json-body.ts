import type { InvalidParam } from '@datasync/contracts';
import type { FastifyInstance } from 'fastify';
import { MAX_DATA_DEPTH } from '../content/data-validator.js';
import { escapePointer, isPlainObject, pointerPastDepth } from '../lib/json.js';
import { HttpProblem } from './problem.js';

// How request bodies sent as application/json are read, in place of Fastify's own parser, which decodes invalid
// UTF-8 bytes to U+FFFD (a 200 that silently changes the text) and refuses `__proto__` keys as "Body is not valid
// JSON", naming no field. The bad-input fuzzing (test/bad-input.int.test.ts) covers both.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * How deep any JSON body may nest. The deepest fields, item data and content schemas, are limited to
 * MAX_DATA_DEPTH (64) levels and sit one level inside their body ({"data": …}); the 7 levels of headroom let a
 * wrapper grow (a list of items, say) without reaching anything near what the recursive code behind the parser
 * (merging overrides, Ajv, JSON.stringify, jsonb) can take. Deeper bodies are refused before any handler runs.
 */
export const MAX_BODY_DEPTH = MAX_DATA_DEPTH + 8;

/**
 * The charset a Content-Type names, or undefined when it names none. Quoted or not, any case (RFC 9110 §8.3.1).
 */
function charsetOf(contentType: string | undefined): string | undefined {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const [name, ...value] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'charset')
      return value
        .join('=')
        .trim()
        .replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/** True for every label the WHATWG Encoding Standard maps to UTF-8 (utf-8, utf8, unicode-1-1-utf-8, …). */
function isUtf8Label(label: string): boolean {
  try {
    return new TextDecoder(label).encoding === 'utf-8';
  } catch {
    return false;
  }
}

/**
 * JSON pointers of every key that could reach a prototype if some code later assigned or merged the object:
 * `__proto__` anywhere, and `prototype` inside `constructor` (the two Fastify refused). Iterative, so depth-safe.
 */
export function findPrototypeKeys(value: unknown): string[] {
  const found: string[] = [];
  const pending: [unknown, string][] = [[value, '']];
  while (pending.length > 0 && found.length < 20) {
    const [current, pointer] = pending.pop()!;
    if (Array.isArray(current)) {
      current.forEach((element, index) => pending.push([element, `${pointer}/${index}`]));
    } else if (isPlainObject(current)) {
      for (const [key, element] of Object.entries(current)) {
        const child = `${pointer}/${escapePointer(key)}`;
        if (key === '__proto__') found.push(child);
        else if (key === 'constructor' && isPlainObject(element) && Object.hasOwn(element, 'prototype'))
          found.push(`${child}/prototype`);
        pending.push([element, child]);
      }
    }
  }
  return found.sort();
}

/**
 * Replaces the application/json parser: a charset other than UTF-8 is 415 (JSON is UTF-8, RFC 8259 §8.1, and
 * decoding it as anything else would store different text), the bytes must be valid UTF-8 (else 400
 * malformed-body), and a body nested deeper than MAX_BODY_DEPTH or holding prototype keys is refused as a 400
 * validation-error pointing at the place. Empty and syntactically invalid bodies keep
 * Fastify's answers (its parser still does the parsing, with its own prototype checks turned off: JSON.parse
 * makes `__proto__` an ordinary own property, which is then refused here before any handler sees the body).
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    const charset = charsetOf(request.headers['content-type']);
    if (charset !== undefined && !isUtf8Label(charset)) {
      const detail = `A JSON body must be UTF-8; charset=${charset.slice(0, 40)} is not accepted.`;
      done(new HttpProblem(415, 'unsupported-media-type', detail), undefined);
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(bytes as Buffer);
    } catch {
      done(new HttpProblem(400, 'malformed-body', 'The body is not valid UTF-8.'), undefined);
      return;
    }
    parseJson(request, text, (error, body) => {
      if (error) return done(error, undefined);
      const tooDeep = pointerPastDepth(body, MAX_BODY_DEPTH);
      if (tooDeep !== null) {
        const message = `nests deeper than ${MAX_BODY_DEPTH} levels`;
        return done(
          new HttpProblem(400, 'validation-error', 'The request body nests too deeply.', [
            { in: 'body', pointer: tooDeep, message },
          ]),
          undefined,
        );
      }
      const errors: InvalidParam[] = findPrototypeKeys(body).map((pointer) => ({
        in: 'body',
        pointer,
        message: 'is a prototype-polluting key, which is not accepted',
      }));
      if (errors.length > 0) {
        return done(
          new HttpProblem(400, 'validation-error', 'The request body is invalid.', errors),
          undefined,
        );
      }
      done(null, body);
    });
  });
}
