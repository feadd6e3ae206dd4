import type { InvalidParam } from '@datasync/contracts';
import type { FastifyInstance } from 'fastify';
import { escapePointer, unstorableTextReason } from '../lib/json.js';
import { HttpProblem } from './problem.js';

// PostgreSQL text and jsonb cannot hold U+0000, and an unpaired UTF-16 surrogate is not valid UTF-8: either one in
// a request would fail at the database and come back as a 500. One check for every route, before validation.

/** JSON pointers of every string (value or key) in `value` that PostgreSQL cannot store; iterative, so depth-safe. */
export function findUnstorableText(value: unknown): string[] {
  const found: string[] = [];
  const pending: [unknown, string][] = [[value, '']];
  while (pending.length > 0 && found.length < 20) {
    const [current, pointer] = pending.pop()!;
    if (typeof current === 'string') {
      if (unstorableTextReason(current)) found.push(pointer);
    } else if (Array.isArray(current)) {
      current.forEach((element, index) => pending.push([element, `${pointer}/${index}`]));
    } else if (current && typeof current === 'object') {
      for (const [key, element] of Object.entries(current)) {
        const child = `${pointer}/${escapePointer(key)}`;
        if (unstorableTextReason(key)) found.push(child);
        pending.push([element, child]);
      }
    }
  }
  return found.sort();
}

export function registerStorableTextCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const errors: InvalidParam[] = [
      ...findUnstorableText(request.body).map((pointer) => ({ in: 'body' as const, pointer })),
      ...findUnstorableText(request.query).map((pointer) => ({ in: 'querystring' as const, pointer })),
    ].map((error) => ({
      ...error,
      message: 'contains U+0000 or an unpaired surrogate, which cannot be stored',
    }));
    if (errors.length > 0) {
      throw new HttpProblem(
        400,
        'validation-error',
        'The request contains text that cannot be stored.',
        errors,
      );
    }
  });
}
