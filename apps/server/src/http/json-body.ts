import type { InvalidParam } from '@datasync/contracts';
import type { FastifyInstance } from 'fastify';
import { escapePointer, isPlainObject } from '../lib/json.js';
import { HttpProblem } from './problem.js';

// How request bodies sent as application/json are read. Fastify's own parser (found by the bad-input fuzzing in
// test/bad-input.int.test.ts) had two gaps: it decoded invalid UTF-8 bytes to U+FFFD and stored them (a 200 that
// silently changed the text), and it refused `__proto__` keys as "Body is not valid JSON", naming no field.

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

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
 * Replaces the application/json parser: the bytes must be valid UTF-8 (else 400 malformed-body), and prototype
 * keys are refused as a 400 validation-error pointing at each one. Empty and syntactically invalid bodies keep
 * Fastify's answers (its parser still does the parsing, with its own prototype checks turned off: JSON.parse
 * makes `__proto__` an ordinary own property, which is then refused here before any handler sees the body).
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(bytes as Buffer);
    } catch {
      done(new HttpProblem(400, 'malformed-body', 'The body is not valid UTF-8.'), undefined);
      return;
    }
    parseJson(request, text, (error, body) => {
      if (error) return done(error, undefined);
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
