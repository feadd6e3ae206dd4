import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The executables of the live processes in process group `pgid` (Linux: read from /proc). */
export function groupExecutables(pgid: number): string[] {
  const executables: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp, …
      const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (group === pgid) executables.push(readlinkSync(`/proc/${pid}/exe`));
    } catch {
      // exited meanwhile
    }
  }
  return executables;
}

export interface NpmStart {
  child: ChildProcess;
  output(): string;
  url: string;
  stop(): Promise<void>;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `npm start` at the repository root with `env`, exactly as a user would (it builds the UI, then serves
 * DataSync and the demo landing pages), in its own process group so that stopping it stops npm's children too.
 */
export async function npmStart(env: Record<string, string>, timeoutMs = 120_000): Promise<NpmStart> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10_000);
    await exited;
    // npm exits before the server it started has finished shutting down (the landing pages may still be writing
    // their state): wait until no process of the group is left, so the caller can remove the data folder.
    // Bounded: an orphan nobody reaps would count as alive forever.
    const until = Date.now() + 15_000;
    while (groupAlive(child.pid!) && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 50));
    clearTimeout(killer);
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /"url":"(http:\/\/[^"]+)".*DataSync is listening/.exec(output);
    if (match) return { child, output: () => output, url: match[1]!, stop };
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`npm start did not listen within ${timeoutMs} ms:\n${output}`);
}

export interface FreshInstall {
  app: NpmStart;
  /** Where the demo landing pages listen. */
  landingUrl: string;
  /** Stops `npm start`, then removes the data folder. */
  stop(): Promise<void>;
}

/** A database of its own on the PostgreSQL server of `serverUrl`, and how to drop it. */
async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `datasync_e2e_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/**
 * `npm start` as a first-time user runs it: embedded PGlite in a new data folder, the service and the landing pages
 * on free ports of 127.0.0.1. `env` adds to (or overrides) that. With E2E_DATABASE_URL set (a PostgreSQL server's
 * URL), the service runs on a new, empty database there instead, dropped by `stop()`.
 */
export async function startFreshInstall(env: Record<string, string> = {}): Promise<FreshInstall> {
  const dataDir = await mkdtemp(join(tmpdir(), 'datasync-e2e-'));
  const serverUrl = process.env.E2E_DATABASE_URL;
  const database = serverUrl ? await scratchDatabase(serverUrl) : undefined;
  const removeData = async () => {
    await rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
    await database?.drop();
  };
  const [port, landingPort] = [await freePort(), await freePort()];
  try {
    const app = await npmStart({
      PORT: String(port),
      LANDING_PORT: String(landingPort),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...(database ? { DATABASE_URL: database.url, SECRET_KEY: randomBytes(32).toString('base64') } : {}),
      ...env,
    });
    return {
      app,
      landingUrl: `http://127.0.0.1:${landingPort}`,
      stop: async () => {
        await app.stop();
        await removeData();
      },
    };
  } catch (error) {
    await removeData();
    throw error;
  }
}
