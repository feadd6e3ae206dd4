import { existsSync } from 'node:fs';
import { landingEnv, LandingEnvError } from './env.js';
import { startLandingServer } from './landing-server.js';

// `node apps/landing/bin/landing.mjs`: the landing pages without DataSync in the same process. Secrets come from
// LANDING_SECRETS (and whatever an earlier run registered in the data folder).

const consoleLogger = {
  info: (fields: object, message: string) => console.log(message, JSON.stringify(fields)),
  warn: (fields: object, message: string) => console.error(message, JSON.stringify(fields)),
};

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const env = landingEnv();
  const landing = await startLandingServer({ ...env, logger: consoleLogger });
  console.log(`Demo landing pages on ${landing.url}${env.faults ? ' (fault toggle on)' : ''}`);
  for (const page of Object.values(landing.pages)) console.log(`  ${page}`);
  const stop = () => {
    setTimeout(() => process.exit(1), 5_000).unref(); // a client holding a connection open must not block exit
    void landing.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof LandingEnvError ? error.message : error);
  process.exit(1);
});
