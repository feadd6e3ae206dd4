import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../db/rows-of.js';
import { hexArray, uuidArray } from '../db/sql-arrays.js';
import { acrossTenants } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';

// The retention job's statements. Pruning is operational work over every organization, so they run as the
// connection role, outside withTenant, through acrossTenants (the policies of migration 0014). Each statement reaches
// at most `limit` rows through an index (migrations 0013 and 0015) and commits on its own: no lock outlives one short
// statement, and none is taken on `sites`.

const FINISHED_JOB = sql`('success', 'partial', 'failed')`;
const UNFINISHED_DELIVERY = sql`('pending', 'in_progress')`;

/** One statement over every organization's rows, in a transaction of its own. */
function rows<T>(db: AppDb, query: SQL): Promise<T[]> {
  return acrossTenants(db, (tx) => rowsOf<T>(tx, query));
}

/**
 * A row's place in a table's age order, (created_at, id). `createdAt` is PostgreSQL's text of the timestamp: a
 * JavaScript Date would drop its microseconds, and the next batch would start before or after the row it means.
 */
export interface AgeCursor {
  createdAt: string;
  id: string;
}

/** A payload's place in age order, (created_at, organization_id, hash). */
export interface PayloadCursor {
  createdAt: string;
  organizationId: string;
  hash: string;
}

/** The start of the retention window: `days` before the database's clock (which stamped every row). */
export async function windowStart(db: AppDb, days: number): Promise<string> {
  const [row] = await rowsOf<{ start: string }>(
    db,
    sql`SELECT (now() - make_interval(days => ${days}::int))::text AS start`,
  );
  return row!.start;
}

/** A row older than the window whose own rows are deleted first (a finished job, an alert). */
export interface OldRow {
  organizationId: string;
  id: string;
  createdAt: string;
}

/** Finished jobs created before `before`, after `after` in age order: the only jobs with rows older than it. */
export async function finishedJobsCreatedBefore(
  db: AppDb,
  before: string,
  after: AgeCursor | null,
  limit: number,
): Promise<OldRow[]> {
  return oldRows(
    db,
    sql`SELECT organization_id, id, created_at::text AS created_text FROM sync_jobs
         WHERE created_at < ${before}::timestamptz AND status IN ${FINISHED_JOB} AND ${pastCursor(after)}
         ORDER BY created_at, id
         LIMIT ${limit}`,
  );
}

/** Alerts created before `before`, after `after` in age order: the only alerts with sends older than it. */
export function alertsCreatedBefore(
  db: AppDb,
  before: string,
  after: AgeCursor | null,
  limit: number,
): Promise<OldRow[]> {
  return oldRows(
    db,
    sql`SELECT organization_id, id, created_at::text AS created_text FROM alerts
         WHERE created_at < ${before}::timestamptz AND ${pastCursor(after)}
         ORDER BY created_at, id
         LIMIT ${limit}`,
  );
}

async function oldRows(db: AppDb, query: SQL): Promise<OldRow[]> {
  const found = await rows<{ organization_id: string; id: string; created_text: string }>(db, query);
  return found.map((row) => ({
    organizationId: row.organization_id,
    id: row.id,
    createdAt: row.created_text,
  }));
}

/** `(created_at, id) > cursor`, or true at the start. */
function pastCursor(cursor: AgeCursor | null): SQL {
  if (!cursor) return sql`true`;
  return sql`(created_at, id) > (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`;
}

/** The rows as two parallel arrays, joined back into rows (organization_id, id) by unnest, named `alias`. */
function unnestedRows(found: readonly OldRow[], alias: 'j' | 'a'): SQL {
  return sql`unnest(${uuidArray(found.map((row) => row.organizationId))}, ${uuidArray(found.map((row) => row.id))})
             AS ${sql.raw(alias)} (organization_id, id)`;
}

async function countOf(db: AppDb, statement: SQL): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    sql`WITH gone AS (${statement} RETURNING 1) SELECT count(*)::int AS n FROM gone`,
  );
  return row!.n;
}

// A job's rows are reached job by job (LATERAL), each through its own range of the (organization_id, job_id)
// index: joined as a set, PGlite's planner merged the whole index from its start on every batch.

/** Deletes up to `limit` log lines of `jobs` written before `before`. */
export function deleteJobLogs(
  db: AppDb,
  jobs: readonly OldRow[],
  before: string,
  limit: number,
): Promise<number> {
  return countOf(
    db,
    sql`DELETE FROM job_logs AS l USING (
          SELECT x.id FROM ${unnestedRows(jobs, 'j')}
            CROSS JOIN LATERAL (
              SELECT l.id FROM job_logs AS l
               WHERE l.organization_id = j.organization_id AND l.job_id = j.id
                 AND l.created_at < ${before}::timestamptz
               LIMIT ${limit}
            ) AS x
           LIMIT ${limit}
        ) AS doomed
        WHERE l.id = doomed.id`,
  );
}

/** Deletes up to `limit` deliveries of `jobs` made before `before`, none of them pending or in progress. */
export function deleteJobDeliveries(
  db: AppDb,
  jobs: readonly OldRow[],
  before: string,
  limit: number,
): Promise<number> {
  return countOf(
    db,
    sql`DELETE FROM deliveries AS d USING (
          SELECT x.id FROM ${unnestedRows(jobs, 'j')}
            CROSS JOIN LATERAL (
              SELECT d.id FROM deliveries AS d
               WHERE d.organization_id = j.organization_id AND d.job_id = j.id
                 AND d.created_at < ${before}::timestamptz AND d.status NOT IN ${UNFINISHED_DELIVERY}
               LIMIT ${limit}
            ) AS x
           LIMIT ${limit}
        ) AS doomed
        WHERE d.id = doomed.id AND d.status NOT IN ${UNFINISHED_DELIVERY}`,
  );
}

/**
 * Deletes those of `jobs` that ended before `before` and have no delivery or log line left. The snapshots that
 * name one keep their row, with the job cleared (migration 0008's trigger).
 */
export function deleteEmptiedJobs(db: AppDb, jobs: readonly OldRow[], before: string): Promise<number> {
  return countOf(
    db,
    sql`DELETE FROM sync_jobs AS s USING ${unnestedRows(jobs, 'j')}
         WHERE s.organization_id = j.organization_id AND s.id = j.id
           AND s.status IN ${FINISHED_JOB} AND s.completed_at < ${before}::timestamptz
           AND NOT EXISTS (SELECT 1 FROM deliveries AS d WHERE d.organization_id = s.organization_id AND d.job_id = s.id)
           AND NOT EXISTS (SELECT 1 FROM job_logs AS l WHERE l.organization_id = s.organization_id AND l.job_id = s.id)`,
  );
}

/** Deletes up to `limit` sends of `alerts` made before `before` that are no longer pending. */
export function deleteAlertSends(
  db: AppDb,
  alerts: readonly OldRow[],
  before: string,
  limit: number,
): Promise<number> {
  return countOf(
    db,
    sql`DELETE FROM alert_sends AS s USING (
          SELECT x.id FROM ${unnestedRows(alerts, 'a')}
            CROSS JOIN LATERAL (
              SELECT s.id FROM alert_sends AS s
               WHERE s.organization_id = a.organization_id AND s.alert_id = a.id
                 AND s.created_at < ${before}::timestamptz AND s.status <> 'pending'
               LIMIT ${limit}
            ) AS x
           LIMIT ${limit}
        ) AS doomed
        WHERE s.id = doomed.id AND s.status <> 'pending'`,
  );
}

/** Deletes those of `alerts` that have no send left: every send finished and was deleted, or there was none. */
export function deleteEmptiedAlerts(db: AppDb, alerts: readonly OldRow[]): Promise<number> {
  return countOf(
    db,
    sql`DELETE FROM alerts AS al USING ${unnestedRows(alerts, 'a')}
         WHERE al.organization_id = a.organization_id AND al.id = a.id
           AND NOT EXISTS (SELECT 1 FROM alert_sends AS s WHERE s.organization_id = al.organization_id AND s.alert_id = al.id)`,
  );
}

/**
 * Looks at the next `limit` of the sites' own sends (deliveries of no job) made before `before`, in age order, and
 * deletes those that are neither pending nor in progress. Answers how many it deleted and where to go on from,
 * or null when there was nothing left to look at.
 */
export async function deleteSiteSends(
  db: AppDb,
  before: string,
  after: AgeCursor | null,
  limit: number,
): Promise<{ deleted: number; next: AgeCursor } | null> {
  const [row] = await rows<{ deleted: number; created_text: string; id: string }>(
    db,
    sql`WITH seen AS (
          SELECT id, created_at FROM deliveries
           WHERE job_id IS NULL AND created_at < ${before}::timestamptz AND ${pastCursor(after)}
           ORDER BY created_at, id
           LIMIT ${limit}
        ), gone AS (
          DELETE FROM deliveries AS d USING seen
           WHERE d.id = seen.id AND d.status NOT IN ${UNFINISHED_DELIVERY}
          RETURNING 1
        )
        SELECT (SELECT count(*)::int FROM gone) AS deleted, last.created_at::text AS created_text, last.id
          FROM (SELECT created_at, id FROM seen ORDER BY created_at DESC, id DESC LIMIT 1) AS last`,
  );
  return row ? { deleted: row.deleted, next: { createdAt: row.created_text, id: row.id } } : null;
}

/**
 * Looks at the next `limit` payloads stored before `before`, in age order, and deletes those that no delivery and
 * no snapshot names. The planner reuses a stored payload under a row lock (planner.repo.ts insertPayloads), so
 * the candidates are locked first, skipping any a plan holds: a plan that names one either committed before the
 * check below reads the deliveries, or waits for the delete and stores the payload again.
 */
export async function deleteUnusedPayloads(
  db: AppDb,
  before: string,
  after: PayloadCursor | null,
  limit: number,
): Promise<{ deleted: number; next: PayloadCursor } | null> {
  const past = after
    ? sql`(created_at, organization_id, hash) > (${after.createdAt}::timestamptz, ${after.organizationId}::uuid, ${after.hash})`
    : sql`true`;
  return acrossTenants(db, async (tx) => {
    const candidates = await rowsOf<{ organization_id: string; hash: string; created_text: string }>(
      tx,
      sql`SELECT organization_id, hash, created_at::text AS created_text FROM payloads
           WHERE created_at < ${before}::timestamptz
             AND ${past}
           ORDER BY created_at, organization_id, hash
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED`,
    );
    const last = candidates.at(-1);
    if (!last) return null;
    const [row] = await rowsOf<{ n: number }>(
      tx,
      sql`WITH gone AS (
            DELETE FROM payloads AS p
             USING unnest(${uuidArray(candidates.map((c) => c.organization_id))}, ${hexArray(candidates.map((c) => c.hash))})
                   AS c (organization_id, hash)
             WHERE p.organization_id = c.organization_id AND p.hash = c.hash
               AND NOT EXISTS (SELECT 1 FROM deliveries AS d
                                WHERE d.organization_id = p.organization_id AND d.payload_hash = p.hash)
               AND NOT EXISTS (SELECT 1 FROM destination_snapshots AS s
                                WHERE s.organization_id = p.organization_id AND s.payload_hash = p.hash)
            RETURNING 1
          )
          SELECT count(*)::int AS n FROM gone`,
    );
    return {
      deleted: row!.n,
      next: { createdAt: last.created_text, organizationId: last.organization_id, hash: last.hash },
    };
  });
}
