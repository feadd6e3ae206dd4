import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'drizzle-orm';
import type { AppDeps } from '../app-deps.js';

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  database: Type.Literal('ok'),
});

/** Liveness and readiness in one: answers ok only when the database answers. */
export const healthRoutes: FastifyPluginAsyncTypebox<AppDeps> = async (app, { db }) => {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { tags: ['ops'], response: { 200: HealthSchema } } },
    async () => {
      await db.execute(sql`SELECT 1`);
      return { status: 'ok' as const, database: 'ok' as const };
    },
  );
};
