import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { alertChannelRoutes } from '../alerts/alert-channels.routes.js';
import { alertRoutes } from '../alerts/alerts.routes.js';
import { apiKeyRoutes } from '../api-keys/api-keys.routes.js';
import { registerAccessControl } from '../auth/access.js';
import { authRoutes } from '../auth/auth.routes.js';
import { contentItemRoutes } from '../content/content-items.routes.js';
import { contentTypeRoutes } from '../content/content-types.routes.js';
import { demoRoutes } from '../demo/demo.routes.js';
import { healthRoutes } from '../health/health.routes.js';
import { metricsRoutes } from '../metrics/metrics.routes.js';
import { registerLiveRoutes } from '../live/live.routes.js';
import { invitationRoutes } from '../organizations/invitations.routes.js';
import { mappingRoutes } from '../mappings/mappings.routes.js';
import { meRoutes } from '../organizations/me.routes.js';
import { memberRoutes } from '../organizations/members.routes.js';
import { organizationRoutes } from '../organizations/organization.routes.js';
import { signupRoutes } from '../onboarding/signup.routes.js';
import { siteRoutes } from '../sites/sites.routes.js';
import { previewRoutes } from '../sync/preview/preview.routes.js';
import { publishTrigger } from '../sync/jobs/publish-trigger.js';
import { syncJobRoutes } from '../sync/jobs/sync-jobs.routes.js';
import { clientErrorHandler } from './client-error.js';
import { registerOriginCheck } from './csrf.js';
import { frameworkErrors, registerProblemHandlers } from './error-handler.js';
import { registerJsonBodyParser } from './json-body.js';
import { registerStorableTextCheck } from './storable-text.js';
import { registerOpenApi } from './openapi.js';
import { helmetOptions } from './transport-security.js';
import { validatorCompiler } from './validation.js';
import { registerWebUi, WEB_DIST } from './web-ui.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The HTTP application, with every side effect passed in. Tests call `inject()` on it; main.ts listens.
 * `webRoot`: the built admin UI it serves (default apps/web/dist; false: none).
 */
export async function buildApp(
  deps: AppDeps,
  options: { logger?: FastifyBaseLogger; webRoot?: string | false } = {},
) {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: deps.config.trustProxy,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    frameworkErrors,
    ...connectionLimits(deps.config),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  const webRoot = options.webRoot ?? WEB_DIST;
  registerProblemHandlers(app, webRoot === false ? undefined : await registerWebUi(app, webRoot));
  registerJsonBodyParser(app);
  await app.register(helmet, helmetOptions(deps.config.publicUrl));
  await app.register(rateLimit, { global: false });
  registerOriginCheck(app, deps.config.publicUrl);
  registerAccessControl(app, deps);
  registerStorableTextCheck(app);
  await registerOpenApi(app);

  await app.register(healthRoutes, deps);
  await app.register(metricsRoutes, deps);
  await app.register(signupRoutes, deps);
  await app.register(authRoutes, deps);
  await app.register(meRoutes, deps);
  await app.register(organizationRoutes, deps);
  await app.register(memberRoutes, deps);
  await app.register(invitationRoutes, deps);
  await app.register(apiKeyRoutes, deps);
  await app.register(contentTypeRoutes, deps);
  await app.register(contentItemRoutes, { db: deps.db, publishListener: publishTrigger(deps.queue) });
  await app.register(siteRoutes, deps);
  await app.register(mappingRoutes, deps);
  await app.register(previewRoutes, deps);
  await app.register(syncJobRoutes, deps);
  registerLiveRoutes(app, deps);
  await app.register(demoRoutes, deps);
  await app.register(alertChannelRoutes, deps);
  await app.register(alertRoutes, deps);
  return app;
}

/**
 * How long a client may take to send a request and keep an idle connection (config.ts explains each). Node checks
 * request and header deadlines every `connectionsCheckingInterval` (30 s by default, which would let a slow
 * client keep a connection up to that much longer): a tenth of the shorter deadline, between 50 ms and 1 s.
 */
function connectionLimits(config: AppDeps['config']) {
  const shortest = Math.min(config.requestTimeoutMs, config.headersTimeoutMs);
  return {
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(shortest / 10))),
    },
    clientErrorHandler,
  };
}

export type App = Awaited<ReturnType<typeof buildApp>>;
