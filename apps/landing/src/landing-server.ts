import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createFileStore,
  createNodeHandler,
  createReceiver,
  type FileStore,
  type SiteRecord,
} from '@datasync/receiver';
import { createFaultBoard, parseFaults, type FaultBoard } from './faults.js';
import { renderIndexPage } from './render/index-page.js';
import { PAGE_HEADERS } from './render/layout.js';
import { renderSitePage } from './render/site-page.js';
import { openSecretRegistry } from './secret-registry.js';
import { isSlug, SLUGS, type Slug } from './sites.js';

export interface LandingLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface LandingServerOptions {
  /** 0 = any free port (tests). */
  port: number;
  host?: string;
  /** Synced content (`<dataDir>/<slug>/`) and the registered secrets (`<dataDir>/secrets.json`). */
  dataDir: string;
  /** Secrets accepted besides the registered ones, e.g. from LANDING_SECRETS; not persisted. */
  secrets?: Partial<Record<Slug, readonly string[]>>;
  /** Enables `POST /<slug>/faults`. Off by default. */
  faults?: boolean;
  toleranceSeconds?: number;
  logger?: LandingLogger;
}

export interface LandingServer {
  /** `http://host:port` */
  url: string;
  port: number;
  /** Each page's URL. */
  pages: Record<Slug, string>;
  /** Accepts `secret` for the page `slug` from now on (and after a restart). */
  registerSecret(slug: string, secret: string): Promise<void>;
  close(): Promise<void>;
}

const browsableHost = (host: string) =>
  host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;

/** Several organizations may feed one page, each as its own sending site: the page shows the latest applied. */
async function latestRecord(store: FileStore): Promise<SiteRecord | undefined> {
  const records = await store.list();
  return records.sort((a, b) => b.appliedAt.localeCompare(a.appliedAt))[0];
}

function send(response: ServerResponse, status: number, headers: Record<string, string>, body: string) {
  response.writeHead(status, headers).end(body);
}

const sendJson = (response: ServerResponse, status: number, body: unknown) =>
  send(response, status, { 'content-type': 'application/json' }, JSON.stringify(body));

/** Why the receiver refused a webhook (its problem+json `detail`): what an operator needs, never a secret. */
function problemDetail(body: string): string | undefined {
  try {
    const detail = (JSON.parse(body) as { detail?: unknown }).detail;
    return typeof detail === 'string' ? detail : undefined;
  } catch {
    return undefined;
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 10_000) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function startLandingServer(options: LandingServerOptions): Promise<LandingServer> {
  const host = options.host ?? '127.0.0.1';
  const registry = await openSecretRegistry(options.dataDir, options.secrets);
  const faults: FaultBoard | undefined = options.faults ? createFaultBoard() : undefined;
  const stores = Object.fromEntries(
    SLUGS.map((slug) => [slug, createFileStore(join(options.dataDir, slug))]),
  );
  const webhookHandlers = Object.fromEntries(
    SLUGS.map((slug) => {
      const receiver = createReceiver({
        secrets: () => registry.secretsFor(slug),
        store: stores[slug]!,
        toleranceSeconds: options.toleranceSeconds,
      });
      return [slug, createNodeHandler(receiver)];
    }),
  ) as Record<Slug, ReturnType<typeof createNodeHandler>>;

  async function webhook(slug: Slug, request: IncomingMessage, response: ServerResponse) {
    if (faults && (await faults.before(slug)) === 'fail') {
      options.logger?.info({ slug }, 'landing page failed a webhook on purpose (fault toggle)');
      return sendJson(response, 500, { status: 500, detail: 'Injected fault (POST /<slug>/faults).' });
    }
    const answer = await webhookHandlers[slug](request, response);
    options.logger?.info(
      {
        slug,
        status: answer.status,
        outcome: answer.outcome,
        version: answer.record?.version,
        ...(answer.status >= 300 ? { reason: problemDetail(answer.body) } : {}),
      },
      'landing page received a webhook',
    );
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://landing').pathname.replace(/\/+$/, '') || '/';
    const [, first = '', second, ...rest] = path.split('/');
    const method = request.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';

    if (path === '/' && isRead) {
      const current = Object.fromEntries(
        await Promise.all(SLUGS.map(async (slug) => [slug, await latestRecord(stores[slug]!)])),
      );
      return send(response, 200, PAGE_HEADERS, renderIndexPage(current));
    }
    if (path === '/healthz' && isRead) return sendJson(response, 200, { status: 'ok' });
    if (!isSlug(first) || rest.length > 0)
      return send(response, 404, { 'content-type': 'text/plain' }, 'Not found');

    if (second === undefined && isRead) {
      return send(response, 200, PAGE_HEADERS, renderSitePage(first, await latestRecord(stores[first]!)));
    }
    if (second === 'webhook' && method === 'POST') return webhook(first, request, response);
    if (second === 'faults' && faults) {
      if (method === 'GET') return sendJson(response, 200, faults.get(first));
      if (method === 'POST') {
        const update = parseFaults(await readJson(request));
        if (typeof update === 'string') return sendJson(response, 400, { status: 400, detail: update });
        return sendJson(response, 200, faults.set(first, update));
      }
    }
    const known = second === undefined || second === 'webhook' || (second === 'faults' && faults);
    if (known) return send(response, 405, { 'content-type': 'text/plain' }, 'Method not allowed');
    return send(response, 404, { 'content-type': 'text/plain' }, 'Not found');
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      options.logger?.warn({ err: error }, 'landing page request failed');
      if (!response.headersSent) send(response, 500, { 'content-type': 'text/plain' }, 'Internal error');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${browsableHost(host)}:${port}`;

  return {
    url,
    port,
    pages: Object.fromEntries(SLUGS.map((slug) => [slug, `${url}/${slug}`])) as Record<Slug, string>,
    registerSecret: (slug, secret) => registry.register(slug, secret),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
