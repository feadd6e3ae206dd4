import { execFileSync } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// Tests that stop and start PostgreSQL must never do it to the shared test server: they run a throwaway cluster of
// their own, as the `postgres` OS user, on a free port.

const BIN = '/usr/local/bin';

/** Why no private cluster can run here (to print with the skip), or null when one can. */
export function privateClusterUnavailable(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  for (const tool of [`${BIN}/initdb`, `${BIN}/pg_ctl`, `${BIN}/postgres`, '/usr/sbin/runuser']) {
    try {
      accessSync(tool, constants.X_OK);
    } catch {
      return `${tool} is missing`;
    }
  }
  if (process.getuid?.() !== 0) return 'not root (runuser -u postgres needs it)';
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'no `postgres` OS user';
  }
  return null;
}

/** A throwaway PostgreSQL cluster owned by the `postgres` OS user, listening on 127.0.0.1:<port>. */
export class PrivateCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'datasync-pg-'));
  readonly data = join(this.dir, 'data');
  readonly log = join(this.dir, 'postgres.log');
  constructor(readonly port: number) {
    chownSync(this.dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), -1);
  }

  #asPostgres(args: string[]): void {
    execFileSync('/usr/sbin/runuser', ['-u', 'postgres', '--', ...args], { stdio: 'pipe', timeout: 60_000 });
  }

  init(): void {
    this.#asPostgres([
      `${BIN}/initdb`,
      '-D',
      this.data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
  }

  start(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
    this.#asPostgres([`${BIN}/pg_ctl`, '-D', this.data, '-o', options, '-l', this.log, '-w', 'start']);
  }

  /** Fast shutdown: open transactions are rolled back and every connection is cut. */
  stop(): void {
    this.#asPostgres([`${BIN}/pg_ctl`, '-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<void> {
    const admin = new pg.Client({ connectionString: this.url('postgres') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
  }

  destroy(): void {
    try {
      this.#asPostgres([`${BIN}/pg_ctl`, '-D', this.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
