import { join } from 'node:path';
import { startLandingServer, type LandingLogger, type LandingServer, type Slug } from '@datasync/landing';
import type { Config } from '../config.js';
import { landingBaseUrl, type DemoLanding } from './demo-landing.js';

export interface LandingOptions {
  /** Synced content and registered secrets; default `<DATA_DIR>/landing`. */
  dataDir?: string;
  /** Secrets the pages accept besides the registered ones (LANDING_SECRETS). */
  secrets?: Partial<Record<Slug, string[]>>;
  /** The fault toggle (LANDING_FAULTS=1). */
  faults?: boolean;
}

export interface RunningLanding {
  server: LandingServer;
  /** What the demo service is given: the pages' address and the hand-over of new site secrets. */
  demo: DemoLanding;
}

/**
 * The three demo landing pages inside `datasync serve`, on HOST:LANDING_PORT. A port already taken (another
 * `npm start`, or LANDING_PORT used by something else) costs the demo its pages, not DataSync its start: it is
 * logged and the service runs without them.
 */
export async function startDemoLanding(
  config: Pick<Config, 'host' | 'port' | 'landingPort' | 'publicUrl' | 'dataDir'>,
  options: LandingOptions,
  log: LandingLogger,
): Promise<RunningLanding | undefined> {
  // The pages start before the API listens: on the API's own port they would take it from DataSync.
  if (config.landingPort !== 0 && config.landingPort === config.port) {
    log.warn({ port: config.port }, 'demo landing pages not started: LANDING_PORT is the same as PORT');
    return undefined;
  }
  let server: LandingServer;
  try {
    server = await startLandingServer({
      port: config.landingPort,
      host: config.host,
      dataDir: options.dataDir ?? join(config.dataDir, 'landing'),
      secrets: options.secrets,
      faults: options.faults,
      logger: log,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    log.warn(
      { port: config.landingPort },
      'demo landing pages not started: LANDING_PORT is in use (set another, or run with --no-landing)',
    );
    return undefined;
  }
  return {
    server,
    demo: {
      baseUrl: landingBaseUrl({ publicUrl: config.publicUrl, landingPort: server.port }),
      registerSecret: (slug, secret) => server.registerSecret(slug, secret),
    },
  };
}
