import type { SchemaIssue } from './schema-walk.js';

/**
 * Why a schema cannot be a content type's. `invalid`: not a JSON Schema 2020-12 a content type can use (a client
 * error in the schema itself). `unsupported-patterns`: valid, but with regular expressions the linear-time engine
 * cannot run. Each issue's pointer is relative to the schema's root.
 */
export class ContentSchemaError extends Error {
  constructor(
    readonly reason: 'invalid' | 'unsupported-patterns',
    readonly issues: SchemaIssue[],
  ) {
    super(
      reason === 'invalid'
        ? 'The schema is not a valid JSON Schema 2020-12 for content (see docs/content-schemas.md).'
        : 'The schema has regular expressions this server does not run: patterns must run in linear time (see docs/content-schemas.md).',
    );
    this.name = 'ContentSchemaError';
  }
}
