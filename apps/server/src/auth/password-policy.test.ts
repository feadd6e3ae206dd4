import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password-policy.js';

describe('passwordProblem', () => {
  it('counts characters, not UTF-16 units: nine emoji are too short, ten are enough', () => {
    expect(passwordProblem('🔑'.repeat(9))).toBe('must be at least 10 characters');
    expect(passwordProblem('🔑'.repeat(10))).toBeNull();
  });

  it('refuses passwords from the common list whatever their letter case', () => {
    expect(passwordProblem('1234567890')).toBe('is too common');
    expect(passwordProblem('Password123')).toBe('is too common');
    expect(passwordProblem('QWERTYUIOP')).toBe('is too common');
  });

  it('accepts a long password that is not on the list', () => {
    expect(passwordProblem('correct horse battery')).toBeNull();
  });
});
