export { startLandingServer } from './landing-server.js';
export type { LandingLogger, LandingServer, LandingServerOptions } from './landing-server.js';
export { landingEnv, LandingEnvError, parseSecretList } from './env.js';
export type { LandingEnv } from './env.js';
export { SLUGS, isSlug } from './sites.js';
export type { Slug } from './sites.js';
