import {
  LoginBodySchema,
  MeSchema,
  SessionInfoSchema,
  SignupBodySchema,
  SignupModeSchema,
} from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { toFetchHeaders } from '../http/fetch-headers.js';
import { listUserMemberships } from '../organizations/memberships.repo.js';
import { fromAuthError } from './auth-errors.js';
import { createLoginThrottle, tooEarly } from './login-throttle.js';
import { describeCaller } from './me.service.js';
import { getSignupMode, signUp } from './signup.service.js';

/** better-auth's Set-Cookie headers, passed through to our reply. */
function forwardCookies(reply: FastifyReply, headers: Headers): void {
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) reply.header('set-cookie', cookies);
}

/**
 * Thin, stable auth routes over better-auth's server API, so API clients and tests need not know its paths.
 */
export const authRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (
  app,
  { db, auth, config, loginThrottle = createLoginThrottle() },
) => {
  const rateLimit = { max: config.loginRateLimit, timeWindow: 60_000 };

  app.post(
    '/api/v1/auth/signup',
    {
      config: { access: 'public', rateLimit },
      schema: { tags: ['auth'], body: SignupBodySchema, response: { 201: MeSchema } },
    },
    async (request, reply) => {
      const { me, headers } = await signUp(
        { db, auth, config },
        request.body,
        toFetchHeaders(request.headers),
      );
      forwardCookies(reply, headers);
      return reply.status(201).send(me);
    },
  );

  app.get(
    '/api/v1/auth/signup-mode',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        description:
          'Who may sign up here, for the sign-up page to show the right form before anyone signs in.',
        response: { 200: SignupModeSchema },
      },
    },
    () => getSignupMode({ db, config }),
  );

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
      const memberships = await listUserMemberships(db, user.id);
      return {
        user: { id: user.id, email: user.email, name: user.name },
        organizations: memberships.map((m) => ({ id: m.orgId, name: m.orgName, role: m.role })),
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

  app.get(
    '/api/v1/me',
    { config: { access: 'organization:read' }, schema: { tags: ['auth'], response: { 200: MeSchema } } },
    (request) => describeCaller(db, request.principal!, request.sessionUser),
  );
};
