import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  SECRET_KEY: Type.Optional(Type.String({ minLength: 32 })),
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  LANDING_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3001 }),
  /** Where browsers reach the service; the only origin allowed to send cookie-authenticated writes. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Login and sign-up attempts allowed per client IP per minute. */
  LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, default: 10 }),
});

export type Env = Static<typeof EnvSchema>;

export interface Config {
  port: number;
  host: string;
  /** Unset = the embedded PGlite database in `<dataDir>/pglite`. */
  databaseUrl?: string;
  dataDir: string;
  /** Unset in embedded mode = generated once into the data folder (see secret-key.ts). */
  secretKey?: string;
  nodeEnv: Env['NODE_ENV'];
  logLevel: string;
  landingPort: number;
  publicUrl: string;
  loginRateLimit: number;
}

export class ConfigError extends Error {}

/** The host part of a URL for a listening address: wildcard addresses mean this machine, IPv6 needs brackets. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Reads and validates the environment once, at start-up; every problem is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const candidate = Value.Convert(EnvSchema, Value.Default(EnvSchema, known)) as Partial<Env>;
  const problems = [...Value.Errors(EnvSchema, candidate)].map(
    (error) => `${error.path.slice(1) || 'environment'}: ${error.message}`,
  );
  if (problems.length === 0 && candidate.DATABASE_URL && !candidate.SECRET_KEY) {
    problems.push('SECRET_KEY: required when DATABASE_URL is set (every process must share one key)');
  }
  if (candidate.PUBLIC_URL && !URL.canParse(candidate.PUBLIC_URL))
    problems.push('PUBLIC_URL: is not a valid URL');
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  const e = candidate as Env;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    secretKey: e.SECRET_KEY,
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    landingPort: e.LANDING_PORT,
    publicUrl: e.PUBLIC_URL ?? `http://${browsableHost(e.HOST)}:${e.PORT}`,
    loginRateLimit: e.LOGIN_RATE_LIMIT,
  };
}
