import { LoginBodySchema, SessionInfoSchema } from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { forwardCookies, toFetchHeaders } from '../http/fetch-headers.js';
import { organizationsOfUser } from '../access/memberships.service.js';
import { fromAuthError } from './auth-errors.js';
import { credentialsRateLimit, createLoginThrottle, tooEarly } from './login-throttle.js';

/**
 * Thin, stable auth routes over better-auth's server API, so API clients and tests need not know its paths.
 */
export const authRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, auth, config, loginThrottle = createLoginThrottle() },
) => {
  const rateLimit = credentialsRateLimit(config);

  app.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public', rateLimit },
      schema: { tags: ['auth'], body: LoginBodySchema, response: { 200: SessionInfoSchema } },
    },
    async (request, reply) => {
      const attempt = loginThrottle.begin(request.body.email, request.ip);
      if (!attempt.allowed) throw tooEarly(reply, attempt.retryAfterSeconds);
      const { headers, response } = await auth.api
        .signInEmail({ body: request.body, headers: toFetchHeaders(request.headers), returnHeaders: true })
        .catch(fromAuthError);
      attempt.succeeded();
      forwardCookies(reply, headers);
      const { user } = response;
      return {
        user: { id: user.id, email: user.email, name: user.name },
        organizations: await organizationsOfUser(db, user.id),
      };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    { config: { access: 'signed-in' }, schema: { tags: ['auth'] } },
    async (request, reply) => {
      const { headers } = await auth.api
        .signOut({ headers: toFetchHeaders(request.headers), returnHeaders: true })
        .catch(fromAuthError);
      forwardCookies(reply, headers);
      return reply.status(204).send();
    },
  );
};
