import type { ReceiveOutcome, ReceiverResponse } from './types.js';

/** One faulty field of the body, as a JSON Pointer into it (`""` = the whole body). */
export interface FieldError {
  in: 'body' | 'headers';
  pointer: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  409: 'Conflict',
  413: 'Content Too Large',
  500: 'Internal Server Error',
};

/** An RFC 9457 problem details answer, in the same shape as the DataSync API's errors. */
export function problem(
  status: number,
  outcome: ReceiveOutcome,
  name: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ReceiverResponse {
  const body = { ...extensions, type: `urn:datasync:problem:${name}`, title: TITLES[status], status, detail };
  return {
    status,
    outcome,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(body),
  };
}

export function success(
  outcome: 'applied' | 'already_applied',
  body: Record<string, unknown>,
): ReceiverResponse {
  return {
    status: 200,
    outcome,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: outcome, ...body }),
  };
}

export function tooLarge(maxBodyBytes: number): ReceiverResponse {
  return problem(413, 'too_large', 'body-too-large', `The body is larger than ${maxBodyBytes} bytes.`);
}
