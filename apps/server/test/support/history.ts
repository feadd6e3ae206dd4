import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/types.js';
import type { AlertSendStatus } from '../../src/db/schema/alerts.js';
import type { DeliveryStatus, JobStatus, SiteDeliveryTrigger } from '../../src/db/schema/sync.js';

// Sync and alert history written straight into the tables as the connection role, each row `ageDays` old, for the
// retention tests: the engine only ever writes rows stamped now.

type Sql = Pick<Database, 'executeSql'>;

const ago = (parameter: string) => `now() - ${parameter}::float8 * interval '1 day'`;

export async function insertSite(database: Sql, orgId: string, slug: string): Promise<string> {
  const id = randomUUID();
  await database.executeSql(
    `INSERT INTO sites (id, organization_id, name, slug, destination_url, signing_secret_encrypted)
     VALUES ($1, $2, $3, $3, 'http://127.0.0.1:3001/history', 'unused')`,
    [id, orgId, slug],
  );
  return id;
}

/** A job created `ageDays` ago; a finished one also completed then. */
export async function insertJob(
  database: Sql,
  orgId: string,
  status: JobStatus,
  ageDays: number,
): Promise<string> {
  const id = randomUUID();
  const finished = ['success', 'partial', 'failed'].includes(status);
  await database.executeSql(
    `INSERT INTO sync_jobs (id, organization_id, status, trigger, created_at, started_at, completed_at)
     VALUES ($1, $2, $3, 'manual', ${ago('$4')}, ${ago('$4')}, ${finished ? ago('$4') : 'NULL'})`,
    [id, orgId, status, ageDays],
  );
  return id;
}

export async function insertLogLines(
  database: Sql,
  orgId: string,
  jobId: string,
  count: number,
  ageDays: number,
): Promise<void> {
  await database.executeSql(
    `INSERT INTO job_logs (organization_id, job_id, level, message, created_at)
     SELECT $1, $2, 'info', 'line ' || n, ${ago('$4')} FROM generate_series(1, $3::int) AS n`,
    [orgId, jobId, count, ageDays],
  );
}

/** A payload's hash for a name the test gives it. */
export const hashOf = (name: string) => createHash('sha256').update(name).digest('hex');

export async function insertPayload(
  database: Sql,
  orgId: string,
  hash: string,
  ageDays: number,
): Promise<void> {
  await database.executeSql(
    `INSERT INTO payloads (organization_id, hash, items, created_at) VALUES ($1, $2, '[]', ${ago('$3')})`,
    [orgId, hash, ageDays],
  );
}

/** A delivery of a job, or a site's own send when `jobId` is null (with `trigger`). */
export async function insertDelivery(
  database: Sql,
  delivery: {
    orgId: string;
    jobId: string | null;
    siteId: string;
    status: DeliveryStatus;
    ageDays: number;
    payloadHash?: string;
    trigger?: SiteDeliveryTrigger;
  },
): Promise<string> {
  const id = randomUUID();
  const trigger = delivery.jobId === null ? (delivery.trigger ?? 'retry') : null;
  await database.executeSql(
    `INSERT INTO deliveries (id, organization_id, job_id, site_id, trigger, version, payload_hash, webhook_id,
                             status, envelope, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 1, $6, $9, $7, '{}', ${ago('$8')}, ${ago('$8')})`,
    [
      id,
      delivery.orgId,
      delivery.jobId,
      delivery.siteId,
      trigger,
      delivery.payloadHash ?? null,
      delivery.status,
      delivery.ageDays,
      `msg_${id}`,
    ],
  );
  return id;
}

export async function insertSnapshot(
  database: Sql,
  snapshot: { orgId: string; siteId: string; jobId: string; payloadHash: string },
): Promise<void> {
  await database.executeSql(
    `INSERT INTO destination_snapshots (organization_id, site_id, job_id, version, envelope, payload_hash, item_count)
     VALUES ($1, $2, $3, 1, '{}', $4, 0)`,
    [snapshot.orgId, snapshot.siteId, snapshot.jobId, snapshot.payloadHash],
  );
}

/** An alert (a failed sync, of `jobId` if given) raised `ageDays` ago. */
export async function insertAlert(
  database: Sql,
  orgId: string,
  ageDays: number,
  jobId: string | null = null,
): Promise<string> {
  const id = randomUUID();
  await database.executeSql(
    `INSERT INTO alerts (id, organization_id, type, job_id, body, created_at)
     VALUES ($1, $2, 'sync.failed', $4, '{}', ${ago('$3')})`,
    [id, orgId, ageDays, jobId],
  );
  return id;
}

/** A send of an alert to a channel since removed, made `ageDays` ago; a finished one also completed then. */
export async function insertAlertSend(
  database: Sql,
  send: { orgId: string; alertId: string; status: AlertSendStatus; ageDays: number },
): Promise<string> {
  const id = randomUUID();
  await database.executeSql(
    `INSERT INTO alert_sends (id, organization_id, alert_id, channel_type, status, attempts, created_at, completed_at)
     VALUES ($1, $2, $3, 'webhook', $4, 1, ${ago('$5')}, CASE WHEN $4 = 'pending' THEN NULL ELSE ${ago('$5')} END)`,
    [id, send.orgId, send.alertId, send.status, send.ageDays],
  );
  return id;
}

/** Rows per table of the sync and alert history, over every organization. */
export async function historyCounts(database: Sql): Promise<Record<string, number>> {
  const { rows } = await database.executeSql(
    `SELECT (SELECT count(*)::int FROM sync_jobs) AS sync_jobs, (SELECT count(*)::int FROM job_logs) AS job_logs,
            (SELECT count(*)::int FROM deliveries) AS deliveries, (SELECT count(*)::int FROM payloads) AS payloads,
            (SELECT count(*)::int FROM destination_snapshots) AS destination_snapshots,
            (SELECT count(*)::int FROM alerts) AS alerts, (SELECT count(*)::int FROM alert_sends) AS alert_sends`,
  );
  return rows[0] as Record<string, number>;
}
