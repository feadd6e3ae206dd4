import pg from 'pg';
import type { Unlisten } from './types.js';

export interface PgListenOptions {
  connectionString: string;
  channel: string;
  onNotify(payload: string): void;
  /** Runs each time the connection listens again after it was lost (not after the first connect). */
  onReconnect?(): void;
  /**
   * How often the connection is probed with `SELECT 1`. A connection that died silently (a dropped route, a
   * paused VM) raises no error until TCP gives up, which can take many minutes: the probe notices sooner.
   */
  probeEveryMs?: number;
  /** Reconnect back-off: doubles from `firstMs` up to `maxMs`. */
  retry?: { firstMs: number; maxMs: number };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * LISTEN on a connection of its own that reconnects (with back-off) whenever it errors, ends or fails a probe.
 * The first connect must succeed (start-up reports the error); later losses are retried until `unlisten`.
 */
export async function listenOnConnection(options: PgListenOptions): Promise<Unlisten> {
  if (!IDENTIFIER.test(options.channel)) throw new Error(`Not a plain channel name: ${options.channel}`);
  const probeEveryMs = options.probeEveryMs ?? 30_000;
  const retry = options.retry ?? { firstMs: 100, maxMs: 5_000 };
  let client: pg.Client | null = null;
  let stopped = false;
  let delayMs = retry.firstMs;
  let retryTimer: NodeJS.Timeout | undefined;

  const lost = (which: pg.Client) => {
    if (which !== client || stopped) return;
    client = null;
    // Not awaited: ending a connection whose peer vanished can wait for TCP.
    which.end().catch(() => {});
    scheduleReconnect();
  };

  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({
      connectionString: options.connectionString,
      keepAlive: true,
      application_name: 'datasync live listener',
      query_timeout: 10_000,
    });
    next.on('notification', (message) => {
      if (message.channel === options.channel) options.onNotify(message.payload ?? '');
    });
    // Without an 'error' listener a lost connection would crash the process.
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${options.channel}`);
      return next;
    } catch (error) {
      next.end().catch(() => {});
      throw error;
    }
  };

  const scheduleReconnect = () => {
    retryTimer = setTimeout(() => {
      connect().then(
        (next) => {
          if (stopped) {
            next.end().catch(() => {});
            return;
          }
          client = next;
          delayMs = retry.firstMs;
          options.onReconnect?.();
        },
        () => {
          delayMs = Math.min(delayMs * 2, retry.maxMs);
          if (!stopped) scheduleReconnect();
        },
      );
    }, delayMs);
  };

  client = await connect();
  const probe = setInterval(() => {
    const current = client;
    current?.query('SELECT 1').catch(() => lost(current));
  }, probeEveryMs);
  probe.unref();

  return async () => {
    stopped = true;
    clearInterval(probe);
    clearTimeout(retryTimer);
    const current = client;
    client = null;
    await current?.end().catch(() => {});
  };
}
