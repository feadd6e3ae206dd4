import { PASSWORD_MIN_LENGTH } from '@datasync/contracts';
import { betterAuth } from 'better-auth';
import type { Logger } from 'pino';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { accounts, sessions, users, verifications } from '../db/schema/index.js';
import type { AppDb } from '../db/types.js';

export interface AuthOptions {
  db: AppDb;
  secret: string;
  publicUrl: string;
  secureCookies: boolean;
  /** Where better-auth's own messages go; without it they are dropped (tests). */
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

/**
 * better-auth owns identity: users, password hashes (scrypt), sessions and their cookies. It runs as the
 * connection role on the four identity tables only; organizations and roles are ours, under RLS (decision 002).
 */
export function createAuth(options: AuthOptions) {
  return betterAuth({
    appName: 'DataSync',
    baseURL: options.publicUrl,
    basePath: '/api/auth',
    secret: options.secret,
    database: drizzleAdapter(options.db, {
      provider: 'pg',
      schema: { user: users, session: sessions, account: accounts, verification: verifications },
    }),
    emailAndPassword: {
      enabled: true,
      autoSignIn: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: 128,
    },
    session: { expiresIn: 60 * 60 * 24 * 7, updateAge: 60 * 60 * 24 },
    // Login is rate-limited by Fastify on our routes; better-auth's limiter only guards its own handler.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
    // Into our structured log, message only: its extra arguments may carry request data we do not want logged.
    logger: options.logger
      ? {
          level: 'warn',
          log: (level, message) => options.logger![level]({ component: 'better-auth' }, message),
        }
      : { disabled: true },
    advanced: {
      database: { generateId: 'uuid' },
      cookiePrefix: 'datasync',
      useSecureCookies: options.secureCookies,
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax', path: '/' },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
