import type { Config } from '../../config.js';

/** What the engine thread is started with (structured-cloned: plain data only). */
export interface EngineThreadData {
  config: Config;
  /** The key the sites' signing secrets are sealed with (a Uint8Array once cloned). */
  encryptionKey: Uint8Array;
}

/** Messages to the engine thread. */
export type ToEngineThread = { type: 'wake' } | { type: 'metrics'; id: number } | { type: 'stop' };

/** Messages from the engine thread. */
export type FromEngineThread =
  | { type: 'ready' }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; args: unknown[] }
  | { type: 'metrics'; id: number; metrics: unknown[] }
  | { type: 'stopped' };
