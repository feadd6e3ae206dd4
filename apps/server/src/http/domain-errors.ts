import type { InvalidParam } from '@datasync/contracts';
import { ContentSchemaError } from '../content/content-schema-error.js';
import { InvalidCursorError } from '../db/keyset.js';
import { badRequest, HttpProblem, unprocessable } from './problem.js';

/** A content type's schema arrives in the request body as `schema`: each issue points under `/schema`. */
export function contentSchemaProblem(error: ContentSchemaError): HttpProblem {
  const errors: InvalidParam[] = error.issues.map((issue) => ({
    in: 'body',
    pointer: `/schema${issue.pointer}`,
    message: issue.message,
  }));
  return error.reason === 'invalid'
    ? new HttpProblem(400, 'validation-error', error.message, errors)
    : unprocessable(error.message, errors);
}

/**
 * The problem an error of the layers below HTTP stands for, which they throw without knowing about requests;
 * undefined for any other error.
 */
export function domainProblem(error: unknown): HttpProblem | undefined {
  if (error instanceof ContentSchemaError) return contentSchemaProblem(error);
  if (error instanceof InvalidCursorError) {
    return badRequest(error.message, [
      { in: 'querystring', pointer: '/cursor', message: 'is not a valid cursor' },
    ]);
  }
  return undefined;
}
