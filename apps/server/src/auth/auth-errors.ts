import { APIError } from 'better-auth/api';
import { HttpProblem, conflict, unauthorized } from '../http/problem.js';

/** better-auth's errors in our problem vocabulary; anything unexpected is rethrown for the 500 path. */
export function fromAuthError(error: unknown): never {
  if (!(error instanceof APIError)) throw error;
  const body = (error.body ?? {}) as { code?: string; message?: string };
  const code = body.code ?? '';
  if (code.startsWith('USER_ALREADY_EXISTS')) {
    throw conflict('An account with this email already exists.', [
      { in: 'body', pointer: '/email', message: 'is already registered' },
    ]);
  }
  if (code === 'INVALID_EMAIL_OR_PASSWORD' || error.statusCode === 401) {
    throw unauthorized('Invalid email or password.');
  }
  if (error.statusCode >= 400 && error.statusCode < 500) {
    throw new HttpProblem(error.statusCode, 'auth-rejected', body.message ?? 'Rejected by the auth service.');
  }
  throw error;
}
