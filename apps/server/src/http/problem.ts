import type { InvalidParam, Problem } from '@datasync/contracts';
import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types are URNs: stable identifiers documented in docs/api-errors.md, not links. */
export const problemType = (name: string) => `urn:datasync:problem:${name}`;

/** An error the API reports as-is: thrown by services, turned into problem+json by the error handler. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly typeName: string,
    detail?: string,
    readonly errors?: InvalidParam[],
    /** Extension members (RFC 9457 §3.2) added to the problem object, e.g. the items a change would break. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? STATUS_CODES[status] ?? 'Error');
  }

  toProblem(instance?: string): Problem {
    return {
      ...this.extensions,
      type: problemType(this.typeName),
      title: STATUS_CODES[this.status] ?? 'Error',
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

export const badRequest = (detail: string, errors?: InvalidParam[]) =>
  new HttpProblem(400, 'bad-request', detail, errors);
export const unauthorized = (detail = 'Sign in or present an API key.') =>
  new HttpProblem(401, 'unauthorized', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', detail);
export const notFound = (what = 'resource') => new HttpProblem(404, 'not-found', `No such ${what}.`);
export const conflict = (detail: string, errors?: InvalidParam[], extensions?: Record<string, unknown>) =>
  new HttpProblem(409, 'conflict', detail, errors, extensions);
export const unprocessable = (detail: string, errors?: InvalidParam[]) =>
  new HttpProblem(422, 'unprocessable', detail, errors);

/** Seconds a client is asked to wait before trying again while the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The answer to any request that failed because the database could not be reached; sent with Retry-After. */
export const databaseUnavailable = () =>
  new HttpProblem(503, 'database-unavailable', 'The database cannot be reached. Try again in a few seconds.');
