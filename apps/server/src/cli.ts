import { existsSync } from 'node:fs';
import { landingEnv, LandingEnvError } from '@datasync/landing';
import { ConfigError, loadConfig, type Config } from './config.js';
import { OWNER_ONLY_UMASK, openDataDir } from './data-dir.js';
import { openDatabase } from './db/open.js';
import { limitHeapGrowth } from './heap-growth.js';
import { createLogger } from './logger.js';
import { startServer, startWorker, type ServeOptions } from './main.js';

const HELP = `Usage: datasync <command>

Commands:
  serve     run the API, a sync worker and the demo landing pages (default); migrates the database first
            --no-landing  without the landing pages (the default when NODE_ENV=production)
            --landing     with them, also in production
  worker    run a sync worker only (several may share one PostgreSQL database)
  migrate   apply pending database migrations and exit
  help      show this text

Configuration comes from the environment and ./.env: PORT, HOST, DATABASE_URL (unset = embedded PGlite in
DATA_DIR), DATA_DIR, SECRET_KEY, NODE_ENV, LOG_LEVEL, PUBLIC_URL, TRUST_PROXY, LOGIN_RATE_LIMIT, LANDING_PORT,
SECRET_ROTATION_WINDOW_HOURS, ALLOWED_DESTINATION_ORIGINS; for the landing pages LANDING_SECRETS, LANDING_FAULTS,
LANDING_DATA_DIR. See README.md.`;

/** The landing pages run with `serve` unless told otherwise; a production service does not serve a demo by default. */
function landingOptions(flags: string[], config: Config): ServeOptions['landing'] {
  const wanted = flags.includes('--no-landing')
    ? false
    : flags.includes('--landing') || config.nodeEnv !== 'production';
  if (!wanted) return undefined;
  const env = landingEnv();
  return {
    dataDir: process.env.LANDING_DATA_DIR || undefined,
    secrets: env.secrets,
    faults: env.faults,
  };
}

async function serve(flags: string[]): Promise<void> {
  const unknown = flags.filter((flag) => flag !== '--landing' && flag !== '--no-landing');
  if (unknown.length > 0) {
    console.error(`Unknown option: ${unknown.join(' ')}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowingPercent);
  const server = await startServer(config, { landing: landingOptions(flags, config) });
  stopOnSignals(server);
  console.log(`\nDataSync        ${server.url}`);
  if (server.landingUrl) {
    console.log(`Landing pages   ${server.landingUrl}  (/facebook, /google, /instagram)\n`);
  } else console.log('Landing pages   not running\n');
}

async function worker(): Promise<void> {
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowingPercent);
  stopOnSignals(await startWorker(config));
}

function stopOnSignals(server: { stop(): Promise<void> }): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1); // a second signal: stop waiting
    stopping = true;
    console.error(`${signal} received, shutting down`);
    setTimeout(() => process.exit(1), 10_000).unref();
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function migrate(): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) await openDataDir(config.dataDir, createLogger(config.logLevel));
  const database = await openDatabase(config);
  try {
    await database.migrate();
    console.log(`Migrations applied (${database.kind}).`);
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const command = argv[0] ?? 'serve';
  // Before anything is written: what appears in the data folder after start gets its mode from it (data-dir.ts).
  if (['serve', 'worker', 'migrate'].includes(command)) process.umask(OWNER_ONLY_UMASK);
  if (command === 'serve') return serve(argv.slice(1));
  if (command === 'worker') return worker();
  if (command === 'migrate') return migrate();
  if (command === 'help' || command === '--help' || command === '-h') return void console.log(HELP);
  console.error(`Unknown command: ${command}\n\n${HELP}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof LandingEnvError ? error.message : error);
  process.exit(1);
});
