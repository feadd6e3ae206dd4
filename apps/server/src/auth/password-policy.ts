import { PASSWORD_MIN_LENGTH } from '@datasync/contracts';
import { dictionary } from '@zxcvbn-ts/language-common';
import { HttpProblem } from '../http/problem.js';

// zxcvbn's list of passwords seen most often in breaches (lower case, most common first). Shorter entries are
// refused by the length rule anyway, so only the rest are kept.
const COMMON = new Set(dictionary['passwords-common'].filter((entry) => entry.length >= PASSWORD_MIN_LENGTH));

/** Why `password` may not be a new account's password, or null when it may. */
export function passwordProblem(password: string): string | null {
  if ([...password].length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (COMMON.has(password.toLowerCase())) return 'is too common';
  return null;
}

/** Refuses a password that is too short or commonly used, naming the body field `pointer`. */
export function assertPasswordAllowed(password: string, pointer = '/password'): void {
  const problem = passwordProblem(password);
  if (problem) {
    throw new HttpProblem(400, 'validation-error', `The password ${problem}.`, [
      { in: 'body', pointer, message: problem },
    ]);
  }
}
