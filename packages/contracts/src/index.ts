// Wire types shared by the server and the web app. Imports nothing from node or pg, by design.
export * from './roles.js';
export * from './problem.js';
export * from './auth.js';
export * from './members.js';
export * from './api-keys.js';
export * from './pagination.js';
export * from './content.js';
export * from './mappings.js';
export * from './webhooks.js';
export * from './preview.js';
export * from './sites.js';
export * from './demo.js';
export * from './sync-jobs.js';
export * from './alerts.js';
export * from './live-events.js';
