import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/** OpenAPI 3.1, generated from the route schemas; served as JSON for clients and the docs. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'DataSync API', version: '1' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'datasync.session_token' },
          apiKey: { type: 'http', scheme: 'bearer', description: 'An organization API key (dsk_…)' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
  });
  app.get('/api/v1/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, () =>
    app.swagger(),
  );
}
