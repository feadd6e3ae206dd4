// The tables as Drizzle sees them. The SQL migrations are the source of truth; schema-drift.test.ts keeps the two
// in step.
export * from './identity.js';
export * from './tenancy.js';
export * from './content.js';
export * from './sites.js';
export * from './sync.js';
export * from './audit.js';
export * from './alerts.js';
