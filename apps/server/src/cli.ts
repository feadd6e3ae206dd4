import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/open.js';
import { startServer, startWorker } from './main.js';

const HELP = `Usage: datasync <command>

Commands:
  serve     run the API and a sync worker (default); migrates the database first
  worker    run a sync worker only (several may share one PostgreSQL database)
  migrate   apply pending database migrations and exit
  help      show this text

Configuration comes from the environment and ./.env: PORT, HOST, DATABASE_URL (unset = embedded PGlite in
DATA_DIR), DATA_DIR, SECRET_KEY, NODE_ENV, LOG_LEVEL, PUBLIC_URL, LOGIN_RATE_LIMIT, LANDING_PORT,
SECRET_ROTATION_WINDOW_HOURS, ALLOWED_DESTINATION_ORIGINS. See README.md.`;

async function serve(): Promise<void> {
  stopOnSignals(await startServer(loadConfig()));
}

async function worker(): Promise<void> {
  stopOnSignals(await startWorker(loadConfig()));
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
  if (command === 'serve') return serve();
  if (command === 'worker') return worker();
  if (command === 'migrate') return migrate();
  if (command === 'help' || command === '--help' || command === '-h') return void console.log(HELP);
  console.error(`Unknown command: ${command}\n\n${HELP}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
