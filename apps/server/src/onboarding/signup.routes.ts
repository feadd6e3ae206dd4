import { MeSchema, SignupBodySchema, SignupModeSchema } from '@datasync/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app-deps.js';
import { credentialsRateLimit } from '../auth/login-throttle.js';
import { forwardCookies, toFetchHeaders } from '../http/fetch-headers.js';
import { getSignupMode, signUp } from './signup.service.js';

/** Sign-up: an account, and its own organization or the one that invited it. */
export const signupRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db, auth, config }) => {
  app.post(
    '/api/v1/auth/signup',
    {
      config: { access: 'public', rateLimit: credentialsRateLimit(config) },
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
};
