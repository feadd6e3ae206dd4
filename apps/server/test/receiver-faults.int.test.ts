import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Snapshot, SyncJob } from '@datasync/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../src/queue/job-queue.js';
import {
  startReceiver,
  unusedPort,
  type ReceivedRequest,
  type Receiver,
  type Reply,
} from './support/receivers.js';
import { rowsOf } from './support/sql.js';
import { createSyncJob, organizationWithSites, type SyncOrgSite } from './support/sync-org.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { testDatabaseKind } from './support/test-database.js';
import type { SignedInUser } from './support/users.js';
import { WebhookLedger } from './support/webhook-ledger.js';

// Receiver faults against the whole engine: real sync jobs (API → queue → planner → worker → undici) deliver over
// real HTTP to real receivers on 127.0.0.1, one site (or, with SOAK=1, several) per fault kind, every case in a job
// of its own and all cases at once. Per case: the attempts, the delivery's and the job's final status, that the job
// ends within a bound, then the site's own retries after the job, and at the end that no connection was left open
// and memory stayed bounded. The faults live in the receivers (support/receivers.ts), never in the product. Prints
// what it tried.
//
// The retry schedule is the default RETRY_SCHEDULE (5 s, 5 min, 30 min, …): cases that recover on the site's first
// retry wait its real ~5 s; the one case that exhausts the schedule (3xx) moves pg-boss's clock (start_after)
// instead of waiting 27 hours, as sync-processes.int.test.ts does for expiry.

const SOAK = process.env.SOAK === '1';
/** Sites per fault kind, and forced syncs per case, one after the other. */
const COPIES = SOAK ? 4 : 1;
const ROUNDS = SOAK ? 3 : 1;
/** Sites behind slow receivers with big answers, all in one job (the memory case). */
const SLOW_SITES = SOAK ? 80 : 30;

/**
 * Per HTTP attempt, as configured for this suite (production: 15 s). Not shorter: the receivers share this process's
 * event loop with PGlite, whose statements block it, and `npm test` runs other files on the same 2 cores; a healthy
 * receiver's answer must not time out. (A soak run at 2 s saw spurious timeouts while lint and tsc ran alongside.)
 */
const TIMEOUT_MS = 4_000;
/** Quick retries inside one send: 3 attempts per send (production: 0.5, 1, 2 s, 4 attempts). */
const QUICK_RETRY_DELAYS_MS = [50, 100];
const ATTEMPTS_PER_SEND = QUICK_RETRY_DELAYS_MS.length + 1;
/** DataSync reads at most this much of an answer (deliver.ts's default). */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Every job must reach success, partial or failed within this (the slowest case: a timeout and its quick retries). */
const JOB_BOUND_MS = SOAK ? 90_000 : 45_000;
/** After its job, every site's own retries must be over within this (the slowest: a timeout + a ~5 s retry). */
const SITE_BOUND_MS = SOAK ? 90_000 : 45_000;
/**
 * The memory cases offer far more than this; the test process (DataSync, its receivers and PGlite) may grow its heap
 * and buffers by at most this much. The soak has almost three times the answers in flight at once.
 */
const MEMORY_BOUND_BYTES = (SOAK ? 256 : 128) * 1024 * 1024;
const SLOW_BODY_BYTES = 8 * 1024 * 1024;
const HUGE_BODY_BYTES = 32 * 1024 * 1024;

const TERMINAL = ['success', 'partial', 'failed'];
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type JobSite = SyncJob['sites'][number];

/** A site's own send after the job (the same webhook-id as the job's delivery), as it ended. */
interface OwnSend {
  id: string;
  site_id: string;
  webhook_id: string;
  status: string;
  attempts: number;
  response_code: number | null;
  error: string | null;
}

interface RunResult {
  jobId: string;
  job: SyncJob;
  /** From creating the job to the end of the last site's own retries. */
  elapsedMs: number;
  /** The sites' own sends after the job, by site id. */
  ownSends: Map<string, OwnSend>;
  /** Requests per webhook-id, in arrival order. */
  requests: Map<string, ReceivedRequest[]>;
}

interface TableRow {
  case: string;
  receiver: string;
  sites: number;
  attempts: string;
  /** Why the job's delivery failed, and how long the receiver saw the site wait for its own retry. */
  retry: string;
  delivery: string;
  job: string;
  ms: number;
  result: string;
}

interface FaultCase {
  name: string;
  /** What the receiver did, for the table. */
  did: string;
  /** One destination URL per site of this case. */
  urls: string[];
  /** Called on every poll after the job ended, while its sites retry (start a receiver, move the queue's clock). */
  whileRetrying?(job: SyncJob, ownSends: OwnSend[]): Promise<void>;
  /** Before each round (e.g. re-enable a site, take a receiver down again). */
  beforeRound?(): Promise<void>;
  check(result: RunResult): Promise<void> | void;
  /** Its own flow of jobs instead of one job per round (200 without storing). */
  custom?(): Promise<Omit<TableRow, 'case' | 'receiver'>>;
}

let t: TestApp;
let owner: SignedInUser;
const ledgerSecrets = new Map<string, string>();
const ledger = new WebhookLedger((siteId) => ledgerSecrets.get(siteId));
const receivers: Receiver[] = [];
const sitesOf = new Map<string, SyncOrgSite[]>();
const table: TableRow[] = [];
const memory = { baseline: 0, peak: 0, rssBaseline: 0, rssPeak: 0, samples: 0 };

/** DataSync's heap plus its off-heap buffers: where an unbounded read of an answer would land. */
const footprint = () => {
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.arrayBuffers, rss: usage.rss };
};

/** The answer to the `n`th request (0-based) carrying one webhook-id. */
type Answer = (n: number, request: ReceivedRequest) => Reply;

/** A receiver for a case: verifies the signature (401 if not), then answers per webhook-id as `reply` says. */
async function caseReceiver(reply: Answer, port?: number): Promise<Receiver> {
  const counts = new Map<string, number>();
  const receiver = await startReceiver(
    (request) => {
      const arrival = ledger.take(request);
      if (!arrival.verified) return { status: 401, body: 'signature did not verify' };
      const n = counts.get(arrival.webhookId) ?? 0;
      counts.set(arrival.webhookId, n + 1);
      return reply(n, request);
    },
    { port },
  );
  receivers.push(receiver);
  return receiver;
}

async function getJob(id: string): Promise<SyncJob> {
  const response = await t.app.inject({
    method: 'GET',
    url: `/api/v1/sync-jobs/${id}`,
    headers: owner.headers,
  });
  if (response.statusCode !== 200) throw new Error(`GET job: ${response.statusCode} ${response.body}`);
  return response.json();
}

async function getJSON<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await t.app.inject({ method: 'GET', url, headers: owner.headers });
  return { status: response.statusCode, body: response.json() };
}

/**
 * Runs one sync job over `sites` and follows it to its end, within JOB_BOUND_MS, then the sites' own retries until
 * none is pending, within SITE_BOUND_MS.
 */
async function runJob(
  sites: SyncOrgSite[],
  options: { force: boolean; whileRetrying?: FaultCase['whileRetrying'] },
): Promise<RunResult> {
  const started = performance.now();
  const jobId = await createSyncJob(t.app, owner, { site_ids: sites.map((s) => s.id), force: options.force });
  let job = await getJob(jobId);
  while (!TERMINAL.includes(job.status)) {
    if (performance.now() - started > JOB_BOUND_MS) {
      throw new Error(
        `job ${jobId} still ${job.status} after ${JOB_BOUND_MS} ms: ` +
          JSON.stringify(job.sites.map((s) => [s.site_slug, s.status, s.attempts, s.error])),
      );
    }
    await sleep(100);
    job = await getJob(jobId);
  }
  const ended = performance.now();
  let ownSends = await ownSendsOf(jobId);
  while (ownSends.some((send) => send.status === 'pending')) {
    if (performance.now() - ended > SITE_BOUND_MS)
      throw new Error(
        `sites of job ${jobId} still retrying after ${SITE_BOUND_MS} ms: ${JSON.stringify(ownSends)}`,
      );
    await options.whileRetrying?.(job, ownSends);
    await sleep(100);
    ownSends = await ownSendsOf(jobId);
  }
  const elapsedMs = Math.round(performance.now() - started);
  const requests = new Map<string, ReceivedRequest[]>();
  const ids = new Set(
    (
      await rowsOf<{ webhook_id: string }>(
        t.database.db,
        `SELECT webhook_id FROM deliveries WHERE job_id = '${jobId}'`,
      )
    ).map((row) => row.webhook_id),
  );
  for (const arrival of ledger.arrivals)
    if (ids.has(arrival.webhookId))
      requests.set(arrival.webhookId, [...(requests.get(arrival.webhookId) ?? []), arrival.request]);
  return { jobId, job, elapsedMs, ownSends: new Map(ownSends.map((send) => [send.site_id, send])), requests };
}

/** The own sends that took over the job's deliveries: the same webhook-ids, no job. */
function ownSendsOf(jobId: string): Promise<OwnSend[]> {
  return rowsOf<OwnSend>(
    t.database.db,
    `SELECT o.id, o.site_id, o.webhook_id, o.status, o.attempts, o.response_code, o.error
       FROM deliveries o JOIN deliveries d ON d.webhook_id = o.webhook_id AND d.site_id = o.site_id
      WHERE d.job_id = '${jobId}' AND o.job_id IS NULL`,
  );
}

function webhookIdOf(jobId: string, site: JobSite): Promise<string> {
  return rowsOf<{ webhook_id: string }>(
    t.database.db,
    `SELECT webhook_id FROM deliveries WHERE id = '${site.delivery_id}' AND job_id = '${jobId}'`,
  ).then((rows) => rows[0]!.webhook_id);
}

const span = (values: number[]) => {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? String(min) : `${min}–${max}`;
};
const distinct = (values: string[]) => [...new Set(values)].join(', ');

// ---------------------------------------------------------------------------------------------------------------
// The cases. Each `check` states what a receiver's author and an operator may rely on.

/** A case whose sites all deliver to one receiver answering `reply`. */
async function oneReceiverCase(
  spec: Omit<FaultCase, 'urls'> & { sites?: number },
  reply: Answer,
): Promise<FaultCase> {
  const receiver = await caseReceiver(reply);
  return { ...spec, urls: Array.from({ length: spec.sites ?? COPIES }, () => receiver.url) };
}

/** Every site's delivery failed its job after `attempts` with `error`, and the site took it over. */
function expectFailedJob(result: RunResult, attempts: number, error: string | RegExp): void {
  expect(result.job.status).toBe('failed');
  for (const site of result.job.sites) {
    expect(site).toMatchObject({ status: 'failed', attempts });
    expect(site.error).toMatch(error);
    expect(result.ownSends.has(site.site_id), `${site.site_slug}: retried by the site`).toBe(true);
  }
}

/** Every attempt that reached the receiver was closed by DataSync within the timeout: nothing hung. */
function expectClosedInTime(result: RunResult): void {
  for (const list of result.requests.values())
    for (const request of list) {
      expect(request.endedAt, 'a request still open').not.toBeNull();
      expect(request.endedAt! - request.startedAt).toBeLessThan(TIMEOUT_MS + 1_500);
    }
}

/** The job failed after a send of `perSend` attempts failed with `error`; each site delivered on its first retry. */
function expectRecoveredOnOwnRetry(
  result: RunResult,
  error: string | RegExp,
  perSend = ATTEMPTS_PER_SEND,
): void {
  expectFailedJob(result, perSend, error);
  for (const site of result.job.sites)
    expect(result.ownSends.get(site.site_id)).toMatchObject({
      status: 'success',
      attempts: 1,
      response_code: 200,
    });
}

/**
 * A whole send (every quick retry; a timeout ends it after one attempt) fails with `fault`, and so its job; the
 * receiver is fine for the site's own retry ~5 s later, which succeeds, with the same webhook-id throughout.
 */
function failsOneSendThenRecovers(
  name: string,
  did: string,
  fault: Reply,
  error: string | RegExp,
  perSend = ATTEMPTS_PER_SEND,
) {
  return oneReceiverCase(
    {
      name,
      did,
      check: (result) => {
        expectRecoveredOnOwnRetry(result, error, perSend);
        expectClosedInTime(result);
        for (const list of result.requests.values()) {
          expect(list).toHaveLength(perSend + 1);
          const wait = list[perSend]!.startedAt - list[perSend - 1]!.startedAt;
          expect(wait, 'the retry waited its ~5 s (−20 %)').toBeGreaterThan(3_900);
        }
      },
    },
    (n) => (n < perSend ? fault : {}),
  );
}

/**
 * A free port below the kernel's ephemeral range: `listen(0)` elsewhere (other test files run in parallel) would
 * never be handed it while the refused case keeps it closed for ~5 s, as it could a port unusedPort() found.
 */
async function portNobodyWillTake(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768 60999');
  const low = Number(range.trim().split(/\s+/)[0]) || 32768;
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * Math.max(1, Math.min(10_000, low - 20_000)));
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  return unusedPort();
}

async function buildCases(): Promise<{ cases: FaultCase[]; extraOrigins: string[] }> {
  const cases: FaultCase[] = [];

  cases.push(
    await oneReceiverCase(
      {
        name: '500, 500, 200',
        did: 'HTTP 500 twice, then 200',
        check: (result) => {
          expect(result.job.status).toBe('success');
          for (const site of result.job.sites) {
            expect(site).toMatchObject({ status: 'success', attempts: 3, response_code: 200, error: null });
            expect(result.ownSends.has(site.site_id), 'no retry needed').toBe(false);
          }
          for (const list of result.requests.values()) expect(list).toHaveLength(3);
        },
      },
      (n) => (n < 2 ? { status: 500, body: 'try again' } : {}),
    ),
  );
  cases.push(
    await failsOneSendThenRecovers(
      '500 ×3, then 200',
      'HTTP 500 for a whole send, 200 later',
      { status: 500 },
      'HTTP 500',
    ),
  );
  cases.push(
    await failsOneSendThenRecovers(
      'timeout',
      'holds the request unanswered, then 200',
      { hang: true },
      'timeout',
      1,
    ),
  );
  cases.push(
    await failsOneSendThenRecovers(
      'slow-loris',
      '200 headers, then 1 byte / 250 ms of 1,000, then 200',
      { trickle: { bytes: 1_000, everyMs: 250 } },
      'timeout',
      1,
    ),
  );
  cases.push(
    await failsOneSendThenRecovers(
      'reset before response',
      'destroys the socket unanswered (×3), then 200',
      { destroy: 'before-response' },
      /ECONNRESET|UND_ERR_SOCKET/,
    ),
  );
  cases.push(
    await failsOneSendThenRecovers(
      'reset mid-body',
      '200 + 100 of 1,000 bytes, then reset (×3), then 200',
      { destroy: 'mid-body' },
      /ECONNRESET|UND_ERR_SOCKET|aborted/,
    ),
  );

  // Connection refused: nothing listens on the sites' port until DataSync has spent its quick retries and the job
  // has failed; then a receiver comes up on that port and takes the site's own retry.
  const refusedPort = await portNobodyWillTake();
  let upAgain: Receiver | null = null;
  cases.push({
    name: 'connection refused',
    did: "nothing listening for a send; up for the site's retry",
    urls: Array.from({ length: COPIES }, () => `http://127.0.0.1:${refusedPort}/hook`),
    beforeRound: async () => {
      if (!upAgain) return;
      await upAgain.close();
      receivers.splice(receivers.indexOf(upAgain), 1);
      upAgain = null;
    },
    whileRetrying: async () => {
      if (!upAgain) upAgain = await caseReceiver(() => ({}), refusedPort);
    },
    check: (result) => {
      expectRecoveredOnOwnRetry(result, 'ECONNREFUSED');
      // Only the site's retry found someone listening.
      for (const list of result.requests.values()) expect(list).toHaveLength(1);
    },
  });

  // 3xx: not followed (its target would escape the SSRF check) and not retried quickly: the job fails; the site
  // retries until the schedule is exhausted (fast-forwarded here), then its send fails for good and it stays
  // failing. The redirect target sees nothing.
  const trap = await caseReceiver(() => ({}));
  cases.push(
    await oneReceiverCase(
      {
        name: '302 redirect',
        did: '302 to another receiver, always (retry clock moved)',
        whileRetrying: async (_job, ownSends) => {
          const waiting = ownSends.filter((send) => send.status === 'pending');
          if (waiting.length === 0) return;
          const ids = waiting.map((send) => `'${send.id}'`).join(',');
          await t.database.exec(
            `UPDATE pgboss.job SET start_after = now()
              WHERE name = '${QUEUES.deliver}' AND state = 'created' AND start_after > now()
                AND data->>'deliveryId' IN (${ids})`,
          );
          t.deps.queue.wake();
        },
        check: async (result) => {
          expectFailedJob(result, 1, /^HTTP 302/);
          for (const site of result.job.sites) {
            expect(site).toMatchObject({ response_code: 302 });
            expect(site.error).toBe(`HTTP 302 (redirect to ${trap.url} not followed)`);
            // The 7 retries of the schedule, one attempt each.
            expect(result.ownSends.get(site.site_id)).toMatchObject({
              status: 'failed',
              attempts: 7,
              response_code: 302,
            });
            const { body } = await getJSON<{
              enabled: boolean;
              health: string;
              next_attempt_at: string | null;
            }>(`/api/v1/sites/${site.site_id}`);
            expect(body, 'a site created today is not disabled for failing').toMatchObject({
              enabled: true,
              health: 'failing',
              next_attempt_at: null,
            });
          }
          for (const list of result.requests.values()) expect(list).toHaveLength(8);
          expect(trap.requests, 'requests that reached the redirect target').toHaveLength(0);
        },
      },
      () => ({ redirectTo: trap.url }),
    ),
  );

  const gone: FaultCase = await oneReceiverCase(
    {
      name: '410 Gone',
      did: 'HTTP 410',
      beforeRound: async () => {
        for (const site of sitesOf.get('410 Gone')!) {
          const enabled = await t.app.inject({
            method: 'PATCH',
            url: `/api/v1/sites/${site.id}`,
            headers: owner.headers,
            payload: { enabled: true },
          });
          expect(enabled.statusCode).toBe(200);
        }
      },
      check: async (result) => {
        expect(result.job.status).toBe('failed');
        for (const site of result.job.sites) {
          expect(site).toMatchObject({ status: 'failed', attempts: 1, response_code: 410 });
          const { body } = await getJSON<{ enabled: boolean }>(`/api/v1/sites/${site.site_id}`);
          expect(body.enabled, 'disabled after 410').toBe(false);
        }
        expect(result.ownSends.size, 'sites retrying a 410').toBe(0);
        for (const list of result.requests.values()) expect(list).toHaveLength(1);
      },
    },
    () => ({ status: 410 }),
  );
  cases.push(gone);

  cases.push(
    await oneReceiverCase(
      {
        name: '429 Retry-After',
        did: 'HTTP 429, Retry-After: 2, then 200',
        check: (result) => {
          // Throttled: no quick retry (the receiver asked for longer), the site's retry at its Retry-After.
          expectFailedJob(result, 1, 'HTTP 429');
          for (const site of result.job.sites)
            expect(result.ownSends.get(site.site_id)).toMatchObject({
              status: 'success',
              attempts: 1,
              response_code: 200,
            });
          for (const list of result.requests.values()) {
            expect(list).toHaveLength(2);
            const wait = list[1]!.startedAt - list[0]!.startedAt;
            expect(wait, 'Retry-After honoured').toBeGreaterThanOrEqual(1_900);
            expect(wait, 'instead of the ~5 s schedule').toBeLessThan(3_900);
          }
        },
      },
      (n) => (n < 1 ? { status: 429, retryAfter: '2' } : {}),
    ),
  );

  const endless = await caseReceiver(() => ({ bodyBytes: Infinity }));
  cases.push({
    name: 'huge body, 200',
    did: '200 with an endless body',
    urls: Array.from({ length: COPIES }, () => endless.url),
    check: async (result) => {
      expect(result.job.status).toBe('success');
      for (const site of result.job.sites) {
        expect(site).toMatchObject({ status: 'success', attempts: 1, response_code: 200 });
        // Read up to the bound, then hung up on: not read until the timeout.
        expect(site.latency_ms!).toBeLessThan(TIMEOUT_MS);
      }
      for (const list of result.requests.values()) expect(list).toHaveLength(1);
      // DataSync hung up on every endless answer (the receiver notices a moment later).
      await expect.poll(() => endless.cutShort, { timeout: 5_000 }).toBe(endless.requests.length);
    },
  });

  cases.push(
    await oneReceiverCase(
      {
        name: 'huge body, 500 then 200',
        did: `500 + ${HUGE_BODY_BYTES / MB} MB body, then 200 + ${HUGE_BODY_BYTES / MB} MB`,
        check: (result) => {
          expect(result.job.status).toBe('success');
          for (const site of result.job.sites)
            expect(site).toMatchObject({ status: 'success', attempts: 2, response_code: 200 });
          for (const list of result.requests.values()) expect(list).toHaveLength(2);
        },
      },
      (n) => ({ status: n < 1 ? 500 : 200, bodyBytes: HUGE_BODY_BYTES }),
    ),
  );

  // One receiver per site: each its own origin, so its own connections.
  const slow: Receiver[] = [];
  for (let n = 0; n < SLOW_SITES; n++)
    slow.push(await caseReceiver(() => ({ delayMs: 600, bodyBytes: SLOW_BODY_BYTES })));
  cases.push({
    name: 'many slow receivers',
    did: `${SLOW_SITES} receivers: 200 after 600 ms, ${SLOW_BODY_BYTES / MB} MB body`,
    urls: slow.map((receiver) => receiver.url),
    check: (result) => {
      expect(result.job.status).toBe('success');
      for (const site of result.job.sites)
        expect(site).toMatchObject({ status: 'success', attempts: 1, response_code: 200 });
      for (const list of result.requests.values()) expect(list).toHaveLength(1);
    },
  });

  // 200 without storing: the receiver acknowledges and drops the content. DataSync can only know what it is told:
  // the delivery succeeded and the snapshot is what was sent. A plain sync then has nothing to send (nothing
  // changed); a forced sync resends the full state, which the repaired receiver stores.
  const stored = new Map<string, { data: { version: number; items: unknown[] } }>();
  let storing = false;
  const dropping = await caseReceiver((_n, request) => {
    if (storing) {
      const body = JSON.parse(request.body) as {
        data: { site: { id: string }; version: number; items: unknown[] };
      };
      stored.set(body.data.site.id, body);
    }
    return {};
  });
  cases.push({
    name: '200 without storing',
    did: '200 but drops the content; fixed; forced sync',
    urls: Array.from({ length: COPIES }, () => dropping.url),
    check: () => {},
    custom: async () => {
      const sites = sitesOf.get('200 without storing')!;
      storing = false;
      for (const site of sites) stored.delete(site.id);
      const acked = await runJob(sites, { force: true });
      expect(acked.job.status).toBe('success');
      const sent = new Map<string, { data: { items: unknown[] } }>();
      for (const site of acked.job.sites) {
        expect(site).toMatchObject({ status: 'success', attempts: 1, response_code: 200 });
        const [request] = acked.requests.get(await webhookIdOf(acked.jobId, site))!;
        sent.set(site.site_id, JSON.parse(request!.body));
        const snapshot = await getJSON<Snapshot>(`/api/v1/sites/${site.site_id}/snapshot`);
        expect(snapshot.body).toMatchObject({ version: site.version, job_id: acked.jobId });
        expect(snapshot.body.payload, 'the snapshot is what was sent').toEqual(sent.get(site.site_id));
        expect(stored.has(site.site_id), 'the receiver kept nothing').toBe(false);
      }

      const plain = await runJob(sites, { force: false });
      expect(plain.job.status).toBe('success');
      for (const site of plain.job.sites) expect(site.status, 'unchanged since the ack').toBe('up_to_date');
      expect(plain.requests.size, 'requests sent by the plain sync').toBe(0);

      storing = true;
      const forced = await runJob(sites, { force: true });
      expect(forced.job.status).toBe('success');
      for (const site of forced.job.sites) {
        const before = acked.job.sites.find((s) => s.site_id === site.site_id)!;
        expect(site).toMatchObject({ status: 'success', attempts: 1, version: before.version! + 1 });
        const body = stored.get(site.site_id);
        expect(body?.data.version, 'the receiver stored the resent version').toBe(site.version);
        expect(body!.data.items, 'the full state, resent').toEqual(sent.get(site.site_id)!.data.items);
        const snapshot = await getJSON<Snapshot>(`/api/v1/sites/${site.site_id}/snapshot`);
        expect(snapshot.body.payload).toEqual(body);
      }
      return {
        sites: sites.length,
        attempts: '1 / – / 1',
        retry: '–',
        delivery: 'success / up_to_date / success',
        job: `${acked.job.status} / ${plain.job.status} / ${forced.job.status}`,
        ms: acked.elapsedMs + plain.elapsedMs + forced.elapsedMs,
        result: 'ok',
      };
    },
  });

  return { cases, extraOrigins: [`http://127.0.0.1:${refusedPort}`] };
}

/** The table row of a finished job and its sites' own retries. */
function rowOf(c: FaultCase, result: RunResult): Omit<TableRow, 'result'> {
  const waits: string[] = [];
  for (const site of result.job.sites)
    if (result.ownSends.has(site.site_id))
      waits.push(`${site.error?.replace(/ \(.*\)$/, '')} after ${site.attempts}`);
  const gaps = [...result.requests.values()].flatMap((list) =>
    list.slice(1).map((request, index) => request.startedAt - list[index]!.startedAt),
  );
  const longest = gaps.length > 0 ? Math.max(...gaps) : 0;
  const own = (site: JobSite) => result.ownSends.get(site.site_id);
  return {
    case: c.name,
    receiver: c.did,
    sites: result.job.sites.length,
    attempts:
      span(result.job.sites.map((site) => site.attempts)) +
      (result.ownSends.size > 0
        ? ` + ${span([...result.ownSends.values()].map((send) => send.attempts))}`
        : ''),
    retry:
      waits.length > 0
        ? `${distinct(waits)}${gaps.length > 0 ? `; retried after ≤ ${(longest / 1000).toFixed(1)} s` : ''}`
        : 'quick retries only',
    delivery: distinct(
      result.job.sites.map((site) => (own(site) ? `${site.status} → ${own(site)!.status}` : site.status)),
    ),
    job: result.job.status,
    ms: result.elapsedMs,
  };
}

function printTable(rows: TableRow[], footer: string[]): void {
  const columns: (keyof TableRow)[] = [
    'case',
    'receiver',
    'sites',
    'attempts',
    'retry',
    'delivery',
    'job',
    'ms',
    'result',
  ];
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index]!)).join(' | ');
  console.log(
    [
      `[receiver faults] ${testDatabaseKind()}, timeout ${TIMEOUT_MS} ms, quick retries ${QUICK_RETRY_DELAYS_MS.join(', ')} ms` +
        `, ${COPIES} site(s) per fault kind, ${ROUNDS} round(s)${SOAK ? ' (SOAK)' : ''}`,
      line(columns),
      widths.map((width) => '-'.repeat(width)).join('-+-'),
      ...rows.map((row) => line(columns.map((column) => String(row[column])))),
      ...footer,
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------------------------

describe('receiver faults through whole sync jobs', () => {
  let cases: FaultCase[] = [];

  beforeAll(async () => {
    const built = await buildCases();
    cases = built.cases;
    t = await createTestApp(
      { allowedDestinationOrigins: [...receivers.map((receiver) => receiver.origin), ...built.extraOrigins] },
      { worker: true, delivery: { timeoutMs: TIMEOUT_MS, quickRetryDelaysMs: QUICK_RETRY_DELAYS_MS } },
    );
    const total = cases.reduce((sum, c) => sum + c.urls.length, 0);
    const org = await organizationWithSites(t.app, t.database.db, {
      label: 'Receiver faults',
      count: total,
      destinationUrl: receivers[0]!.url,
    });
    owner = org.owner;
    let next = 0;
    for (const c of cases) {
      const sites = org.sites.slice(next, next + c.urls.length);
      next += c.urls.length;
      sitesOf.set(c.name, sites);
      for (const [index, site] of sites.entries()) {
        ledgerSecrets.set(site.id, site.signingSecret);
        const patched = await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/sites/${site.id}`,
          headers: owner.headers,
          payload: { destination_url: c.urls[index] },
        });
        expect(patched.statusCode, patched.body).toBe(200);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
  });

  it(
    `every fault kind ends truthfully and in time (${COPIES} site(s) per kind, ${ROUNDS} round(s))`,
    async () => {
      const startedAt = performance.now();
      const before = footprint();
      Object.assign(memory, {
        baseline: before.heap,
        peak: before.heap,
        rssBaseline: before.rss,
        rssPeak: before.rss,
      });
      const sampler = setInterval(() => {
        const now = footprint();
        memory.peak = Math.max(memory.peak, now.heap);
        memory.rssPeak = Math.max(memory.rssPeak, now.rss);
        memory.samples += 1;
      }, 20);
      const failures: string[] = [];
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          for (const c of cases) await c.beforeRound?.();
          await Promise.all(
            cases.map(async (c) => {
              const label = ROUNDS > 1 ? `${c.name} (round ${round})` : c.name;
              try {
                if (c.custom) {
                  table.push({ case: label, receiver: c.did, ...(await c.custom()) });
                  return;
                }
                const result = await runJob(sitesOf.get(c.name)!, {
                  force: true,
                  whileRetrying: c.whileRetrying,
                });
                const row = { ...rowOf(c, result), case: label };
                try {
                  await c.check(result);
                  table.push({ ...row, result: 'ok' });
                } catch (error) {
                  table.push({ ...row, result: 'FAILED' });
                  throw error;
                }
              } catch (error) {
                failures.push(`${label}: ${(error as Error).message}`);
                if (!table.some((row) => row.case === label))
                  table.push({
                    case: label,
                    receiver: c.did,
                    sites: c.urls.length,
                    attempts: '?',
                    retry: '?',
                    delivery: '?',
                    job: '?',
                    ms: 0,
                    result: 'FAILED',
                  });
              }
            }),
          );
        }
      } finally {
        clearInterval(sampler);
      }
      const order = new Map(cases.map((c, index) => [c.name, index]));
      table.sort(
        (a, b) =>
          order.get(a.case.replace(/ \(round \d+\)$/, ''))! -
            order.get(b.case.replace(/ \(round \d+\)$/, ''))! || a.case.localeCompare(b.case),
      );
      const offered = receivers.reduce((sum, receiver) => sum + receiver.bodyBytesSent, 0);
      const heapGrowth = memory.peak - memory.baseline;
      const rssGrowth = memory.rssPeak - memory.rssBaseline;
      const open = receivers.reduce((sum, receiver) => sum + receiver.inFlight, 0);
      const unfinished = await rowsOf<{ status: string; n: number }>(
        t.database.db,
        `SELECT status, count(*)::int AS n FROM sync_jobs
          WHERE organization_id = '${owner.me.organization.id}' AND status IN ('queued', 'running') GROUP BY status`,
      );
      printTable(table, [
        `total ${Math.round(performance.now() - startedAt)} ms; receivers offered ` +
          `${((SLOW_SITES * SLOW_BODY_BYTES + 2 * COPIES * HUGE_BODY_BYTES) / MB).toFixed(0)} MB and an endless body per ` +
          `round and got ${(offered / MB).toFixed(0)} MB into sockets (DataSync reads at most ${MAX_RESPONSE_BYTES / 1024} KiB of each); peak growth during the ` +
          `run: heap + buffers ${(heapGrowth / MB).toFixed(1)} MB (bound ${MEMORY_BOUND_BYTES / MB} MB), RSS ` +
          `${(rssGrowth / MB).toFixed(1)} MB (${memory.samples} samples); requests still open at the receivers: ` +
          `${open}; jobs left queued/running: ${unfinished.reduce((sum, row) => sum + row.n, 0)}`,
        SOAK
          ? 'soak variant (SOAK=1): on'
          : 'soak variant skipped: SOAK=1 not set (it runs 4 sites per fault kind, 80 slow receivers, 3 rounds)',
      ]);

      expect(failures, 'failed cases').toEqual([]);
      expect(
        ledger.arrivals.filter((arrival) => !arrival.verified),
        'requests with a bad signature',
      ).toEqual([]);
      expect(ledger.concurrentDuplicates(), 'webhook-ids sent twice at the same time').toEqual([]);
      expect(open, 'requests DataSync left open').toBe(0);
      expect(unfinished, 'jobs left queued or running').toEqual([]);
      expect(heapGrowth, 'peak heap + buffer growth').toBeLessThan(MEMORY_BOUND_BYTES);
    },
    SOAK ? 900_000 : 120_000,
  );
});
