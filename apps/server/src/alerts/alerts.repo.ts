import type { AlertBody, AlertType } from '@datasync/contracts';
import { and, asc, eq, getTableColumns, sql } from 'drizzle-orm';
import { cursorKeyOf, keyset } from '../db/keyset.js';
import { rowsOf } from '../db/rows-of.js';
import { alertChannels, alerts, alertSends, organizations, sites } from '../db/schema/index.js';
import type { AlertSendStatus } from '../db/schema/alerts.js';
import { uuidArray } from '../db/sql-arrays.js';
import type { Tx } from '../db/types.js';
import type { AlertChannelRow } from './alert-channels.repo.js';
import type { FailedSite, Named } from './alert-body.js';

export type AlertRow = typeof alerts.$inferSelect;
export type AlertSendRow = typeof alertSends.$inferSelect;

export interface NewAlert {
  organizationId: string;
  type: AlertType;
  siteId: string | null;
  jobId: string | null;
  body: AlertBody;
}

// --- the facts an alert body names, read in the raising transaction (one statement each, for any number of events)

export async function findOrganization(tx: Tx, id: string): Promise<Named | undefined> {
  const [row] = await tx
    .select({ id: organizations.id, slug: organizations.slug, name: organizations.name })
    .from(organizations)
    .where(eq(organizations.id, id));
  return row;
}

export function namedSites(tx: Tx, ids: readonly string[]): Promise<Named[]> {
  return tx
    .select({ id: sites.id, slug: sites.slug, name: sites.name })
    .from(sites)
    .where(sql`${sites.id} = ANY(${uuidArray(ids)})`);
}

/** The failed deliveries of these jobs with their sites, by job, in the order they failed. */
export function failedSitesOfJobs(
  tx: Tx,
  jobIds: readonly string[],
): Promise<(FailedSite & { jobId: string })[]> {
  return rowsOf(
    tx,
    sql`SELECT d.job_id::text AS "jobId", s.id::text AS id, s.slug, s.name, d.error
          FROM deliveries d JOIN sites s ON s.id = d.site_id
         WHERE d.job_id = ANY(${uuidArray(jobIds)}) AND d.status = 'failed'
         ORDER BY d.job_id, d.completed_at NULLS FIRST, s.slug`,
  );
}

/** The error a job itself recorded (a plan that could not run), by job id. */
export function jobErrors(
  tx: Tx,
  jobIds: readonly string[],
): Promise<{ id: string; error: string | null }[]> {
  return rowsOf(tx, sql`SELECT id::text AS id, error FROM sync_jobs WHERE id = ANY(${uuidArray(jobIds)})`);
}

// --- writing alerts and sends

/**
 * Inserts the alerts and one pending send per channel of their organization, in one statement whatever their
 * number (the rows travel as one JSON parameter). Answers the sends.
 */
export function insertAlertsWithSends(
  tx: Tx,
  rows: readonly NewAlert[],
): Promise<{ id: string; organizationId: string }[]> {
  const records = rows.map((row) => ({
    organization_id: row.organizationId,
    type: row.type,
    site_id: row.siteId,
    job_id: row.jobId,
    body: row.body,
  }));
  return rowsOf(
    tx,
    sql`WITH new_alerts AS (
          INSERT INTO alerts (organization_id, type, site_id, job_id, body)
          SELECT r.organization_id, r.type, r.site_id, r.job_id, r.body
            FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
              AS r(organization_id uuid, type text, site_id uuid, job_id uuid, body jsonb)
          RETURNING id, organization_id)
        INSERT INTO alert_sends (organization_id, alert_id, channel_id, channel_type)
        SELECT a.organization_id, a.id, c.id, c.type
          FROM new_alerts a JOIN alert_channels c ON c.organization_id = a.organization_id
        RETURNING id::text AS id, organization_id::text AS "organizationId"`,
  );
}

export async function insertAlert(tx: Tx, values: NewAlert): Promise<AlertRow> {
  const [row] = await tx.insert(alerts).values(values).returning();
  return row!;
}

export async function insertSend(
  tx: Tx,
  values: Pick<AlertSendRow, 'organizationId' | 'alertId' | 'channelId' | 'channelType'>,
): Promise<AlertSendRow> {
  const [row] = await tx.insert(alertSends).values(values).returning();
  return row!;
}

// --- reading them back

/** Newest first, `limit + 1` rows from `cursor` on (see toPage). */
export function listAlerts(
  tx: Tx,
  page: { limit: number; cursor?: string },
): Promise<(AlertRow & { cursorKey: string })[]> {
  const { after, orderBy } = keyset(alerts, page.cursor);
  return tx
    .select({ ...getTableColumns(alerts), cursorKey: cursorKeyOf(alerts.createdAt) })
    .from(alerts)
    .where(after)
    .orderBy(...orderBy)
    .limit(page.limit + 1);
}

/** The sends of these alerts, oldest first. */
export function sendsOfAlerts(tx: Tx, alertIds: readonly string[]): Promise<AlertSendRow[]> {
  if (alertIds.length === 0) return Promise.resolve([]);
  return tx
    .select()
    .from(alertSends)
    .where(sql`${alertSends.alertId} = ANY(${uuidArray(alertIds)})`)
    .orderBy(asc(alertSends.createdAt), asc(alertSends.id));
}

// --- the sender's reads and writes

export interface SendInHand {
  send: AlertSendRow;
  alert: Pick<AlertRow, 'type' | 'body'>;
  /** Null once the channel was removed. */
  channel: AlertChannelRow | null;
}

export async function findSendInHand(tx: Tx, sendId: string): Promise<SendInHand | undefined> {
  const [row] = await tx
    .select({
      send: alertSends,
      alert: { type: alerts.type, body: alerts.body },
      channel: alertChannels,
    })
    .from(alertSends)
    .innerJoin(alerts, eq(alerts.id, alertSends.alertId))
    .leftJoin(alertChannels, eq(alertChannels.id, alertSends.channelId))
    .where(eq(alertSends.id, sendId));
  return row;
}

export interface SendAttempt {
  status: AlertSendStatus;
  responseCode: number | null;
  error: string | null;
  /** When the next attempt is due, while `status` is pending. */
  nextAttemptAt: string | null;
}

/**
 * Records one attempt of a pending send that had `attemptsBefore` attempts: answers the row, or undefined when the
 * send was recorded meanwhile (a duplicate or stale queue job), so the caller schedules nothing.
 */
export async function recordSendAttempt(
  tx: Tx,
  sendId: string,
  attemptsBefore: number,
  attempt: SendAttempt,
): Promise<AlertSendRow | undefined> {
  const [row] = await tx
    .update(alertSends)
    .set({
      ...attempt,
      attempts: sql`${alertSends.attempts} + 1`,
      completedAt: attempt.status === 'pending' ? null : sql`now()`,
    })
    .where(
      and(
        eq(alertSends.id, sendId),
        eq(alertSends.status, 'pending'),
        eq(alertSends.attempts, attemptsBefore),
      ),
    )
    .returning();
  return row;
}
