import { existsSync } from 'node:fs';
import { landingEnv, LandingEnvError } from '@datasync/landing';
import { ConfigError, ENV_VARIABLES, loadConfig, type Config } from './config.js';
import { OWNER_ONLY_UMASK, openDataDir } from './data-dir.js';
import { limitHeapGrowth } from './heap-growth.js';
import type { ServeOptions } from './main.js';

interface Command {
  /** One line for the help. */
  summary: string;
  /** Each flag the command takes, with one line for the help. */
  options?: Record<string, string>;
  /** Writes into the data folder, so it runs with the owner-only umask (data-dir.ts). */
  writesData?: boolean;
  run(flags: string[]): Promise<void>;
}

// The service's modules are imported by the commands that run it, so that `datasync help` answers at once.
const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'run the API, a sync worker and the demo landing pages, after migrating the database (default)',
    options: {
      '--no-landing': 'without the landing pages (the default when NODE_ENV=production)',
      '--landing': 'with the landing pages, also in production',
    },
    writesData: true,
    run: serve,
  },
  worker: {
    summary: 'run a sync worker only (several may share one PostgreSQL database)',
    writesData: true,
    run: worker,
  },
  migrate: { summary: 'apply pending database migrations and exit', writesData: true, run: migrate },
  prune: {
    summary:
      'delete the sync and alert history older than RETENTION_DAYS now, and print the rows deleted per table',
    writesData: true,
    run: prune,
  },
  help: { summary: 'show this text (also --help, -h)', run: async () => console.log(help()) },
};

const ALIASES: Record<string, string> = { '--help': 'help', '-h': 'help' };

/** Variables read besides config.ts's, for the landing pages that `serve` runs. */
const LANDING_VARIABLES = ['LANDING_SECRETS', 'LANDING_FAULTS', 'LANDING_DATA_DIR'];

/** Words joined by ", " into lines of at most `width` characters, each starting with `indent`. */
function wrap(words: readonly string[], width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const next = line === '' ? word : `${line}, ${word}`;
    if (line !== '' && indent.length + next.length + 1 > width) {
      lines.push(`${indent}${line},`);
      line = word;
    } else line = next;
  }
  if (line !== '') lines.push(`${indent}${line}`);
  return lines.join('\n');
}

function help(): string {
  const names = Object.keys(COMMANDS);
  const column = Math.max(...names.map((name) => name.length)) + 2;
  const commands = names.map((name) => `  ${name.padEnd(column)}${COMMANDS[name]!.summary}`);
  const options = names.flatMap((name) => {
    const flags = Object.entries(COMMANDS[name]!.options ?? {});
    if (flags.length === 0) return [];
    const width = Math.max(...flags.map(([flag]) => flag.length)) + 2;
    return ['', `Options of ${name}:`, ...flags.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`)];
  });
  return [
    'Usage: datasync [command] [options]',
    '',
    'Commands:',
    ...commands,
    ...options,
    '',
    'Environment (also read from ./.env; apps/server/README.md describes each):',
    wrap([...ENV_VARIABLES, ...LANDING_VARIABLES], 100, '  '),
  ].join('\n');
}

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
  const known = Object.keys(COMMANDS.serve!.options ?? {});
  const unknown = flags.filter((flag) => !known.includes(flag));
  if (unknown.length > 0) {
    console.error(`Unknown option: ${unknown.join(' ')}\n\n${help()}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  limitHeapGrowth(config.heapGrowingPercent);
  const { startServer } = await import('./main.js');
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
  const { startWorker } = await import('./main.js');
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
  const [{ openDatabase }, { createLogger }] = await Promise.all([
    import('./db/open.js'),
    import('./logger.js'),
  ]);
  const logger = createLogger(config);
  if (!config.databaseUrl) await openDataDir(config.dataDir, logger);
  const database = await openDatabase(config, logger);
  try {
    await database.migrate();
    console.log(`Migrations applied (${database.kind}).`);
  } finally {
    await database.close();
  }
}

/** What the scheduled retention job does (retention/), at once and to the end, after migrating the database. */
async function prune(): Promise<void> {
  const config = loadConfig();
  const [{ openDatabase }, { createLogger }, { pruneOnce }] = await Promise.all([
    import('./db/open.js'),
    import('./logger.js'),
    import('./retention/retention.service.js'),
  ]);
  const logger = createLogger(config);
  if (!config.databaseUrl) await openDataDir(config.dataDir, logger);
  const database = await openDatabase(config, logger);
  try {
    await database.migrate();
    const result = await pruneOnce(
      { db: database.db, log: logger },
      { retentionDays: config.retentionDays, maxRunMs: Number.POSITIVE_INFINITY },
    );
    const width = Math.max(...Object.keys(result.rows).map((table) => table.length)) + 2;
    console.log(
      [
        `Deleted what is older than ${config.retentionDays} days (before ${result.before}), in ${result.ms} ms:`,
        ...Object.entries(result.rows).map(([table, count]) => `  ${table.padEnd(width)}${count}`),
      ].join('\n'),
    );
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const name = argv[0] ?? 'serve';
  const key = ALIASES[name] ?? name;
  const command = Object.hasOwn(COMMANDS, key) ? COMMANDS[key] : undefined;
  if (!command) {
    console.error(`Unknown command: ${name}\n\n${help()}`);
    process.exitCode = 2;
    return;
  }
  // Before anything is written: what appears in the data folder after start gets its mode from it (data-dir.ts).
  if (command.writesData) process.umask(OWNER_ONLY_UMASK);
  return command.run(argv.slice(1));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof LandingEnvError ? error.message : error);
  process.exit(1);
});
