import type {
  Alert,
  AlertBody,
  AlertChannel,
  AlertChannelWithSecret,
  CreateAlertChannelBody,
  InvalidParam,
} from '@datasync/contracts';
import type { AppDeps } from '../app-deps.js';
import { scopeOf, type Principal } from '../access/principal.js';
import { recordAudit } from '../audit/audit.repo.js';
import { encryptSecret } from '../crypto/secret-box.js';
import { withTenant } from '../db/tenant.js';
import { notFound, unprocessable } from '../http/problem.js';
import { isEmailAddress } from '../http/validation.js';
import { checkDestinationUrl, type Lookup } from '../net/ssrf-guard.js';
import { generateSigningSecret } from '../sites/index.js';
import { testAlertBody, withAbsoluteLink } from './alert-body.js';
import { deleteChannel, findChannel, insertChannel, listChannels } from './alert-channels.repo.js';
import { destinationOf } from './alert-destination.js';
import { createAlertTransport, type AlertDestination, type AlertSendOutcome } from './alert-transport.js';
import { toAlert, toAlertChannel } from './alert-views.js';
import { findOrganization, insertAlert, insertSend, recordSendAttempt } from './alerts.repo.js';

/** What channel operations need; `lookup` replaces DNS in tests. */
export type AlertChannelDeps = Pick<AppDeps, 'db' | 'keys' | 'config' | 'metrics'> & { lookup?: Lookup };

/** The create body as the schema lets it through: the service checks the pairing of `type` and its field. */
export interface CreateAlertChannelInput {
  type: string;
  url?: string;
  to?: string;
}

/** The test send's whole budget: the caller waits for it. */
const TEST_SEND_TIMEOUT_MS = 10_000;

export async function getAlertChannels(
  deps: AlertChannelDeps,
  principal: Principal,
): Promise<AlertChannel[]> {
  const rows = await withTenant(deps.db, scopeOf(principal), listChannels);
  return rows.map((row) => toAlertChannel(row, deps.keys.encryption));
}

/** The plain signing secret of a webhook channel is in this answer only; the database holds it encrypted. */
export async function createAlertChannel(
  deps: AlertChannelDeps,
  principal: Principal,
  input: CreateAlertChannelInput,
): Promise<AlertChannelWithSecret> {
  // Outside the transaction: a DNS lookup must not hold a database transaction (PGlite has one connection).
  const channel = await acceptableChannel(deps, input);
  const secret = channel.type === 'webhook' ? generateSigningSecret() : null;
  const key = deps.keys.encryption;
  return withTenant(deps.db, scopeOf(principal), async (tx) => {
    const row = await insertChannel(tx, {
      organizationId: principal.orgId,
      type: channel.type,
      url: channel.type === 'webhook' ? channel.url : null,
      emailTo: channel.type === 'email' ? channel.to : null,
      signingSecretEncrypted: secret === null ? null : encryptSecret(key, secret),
      createdBy: principal.actingFor,
    });
    const view = toAlertChannel(row, key);
    await recordAudit(tx, principal, {
      action: 'alert_channel.create',
      entityType: 'alert_channel',
      entityId: row.id,
      after: view,
    });
    return { ...view, signing_secret: secret };
  });
}

export function deleteAlertChannel(deps: AlertChannelDeps, principal: Principal, id: string): Promise<void> {
  return withTenant(deps.db, scopeOf(principal), async (tx) => {
    const row = await deleteChannel(tx, id);
    if (!row) throw notFound('alert channel');
    await recordAudit(tx, principal, {
      action: 'alert_channel.delete',
      entityType: 'alert_channel',
      entityId: id,
      before: toAlertChannel(row, deps.keys.encryption),
    });
  });
}

/**
 * Records a `test` alert and sends it to the channel at once, one attempt within TEST_SEND_TIMEOUT_MS and no
 * retry: the answer carries the outcome (a receiver's status, or the error) for the UI to show.
 */
export async function testAlertChannel(
  deps: AlertChannelDeps,
  principal: Principal,
  id: string,
): Promise<Alert> {
  const { channel, alert, send } = await withTenant(deps.db, scopeOf(principal), async (tx) => {
    const channel = await findChannel(tx, id);
    if (!channel) throw notFound('alert channel');
    const organization = (await findOrganization(tx, principal.orgId))!;
    const alert = await insertAlert(tx, {
      organizationId: principal.orgId,
      type: 'test',
      siteId: null,
      jobId: null,
      body: testAlertBody({ timestamp: new Date().toISOString(), organization }),
    });
    const send = await insertSend(tx, {
      organizationId: principal.orgId,
      alertId: alert.id,
      channelId: channel.id,
      channelType: channel.type,
    });
    return { channel, alert, send };
  });

  const destination = destinationOf(channel, deps.keys.encryption);
  const outcome =
    typeof destination === 'string'
      ? unsent(destination)
      : await sendOnce(deps, send.id, destination, withAbsoluteLink(alert.body, deps.config.publicUrl));
  const recorded = await withTenant(deps.db, scopeOf(principal), (tx) =>
    recordSendAttempt(tx, send.id, 0, {
      status: outcome.accepted ? 'success' : 'failed',
      responseCode: outcome.responseCode,
      error: outcome.error,
      nextAttemptAt: null,
    }),
  );
  deps.metrics.alertsSent.inc({
    type: 'test',
    channel: channel.type,
    outcome: outcome.accepted ? 'success' : 'failed',
  });
  return toAlert(alert, [recorded ?? send], deps.config.publicUrl);
}

async function sendOnce(
  deps: AlertChannelDeps,
  sendId: string,
  destination: AlertDestination,
  body: AlertBody,
): Promise<AlertSendOutcome> {
  const transport = createAlertTransport({
    allowedOrigins: deps.config.allowedDestinationOrigins,
    smtpUrl: deps.config.smtpUrl,
    smtpFrom: deps.config.smtpFrom,
    timeoutMs: TEST_SEND_TIMEOUT_MS,
    quickRetryDelaysMs: [],
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AlertSendOutcome>((resolve) => {
    timer = setTimeout(() => resolve(unsent('timeout')), TEST_SEND_TIMEOUT_MS);
  });
  try {
    return await Promise.race([transport.send(sendId, destination, body), timeout]);
  } finally {
    clearTimeout(timer);
    // Not awaited: an SMTP exchange cut off by the timeout must not hold the answer.
    void transport.close().catch(() => {});
  }
}

/** A test send that got no answer; there is no retry either way. */
function unsent(error: string): AlertSendOutcome {
  return { accepted: false, responseCode: null, error, permanent: true, retryAfterMs: null };
}

/** The channel the body describes, or a 422 naming every field at fault at once. */
async function acceptableChannel(
  deps: AlertChannelDeps,
  input: CreateAlertChannelInput,
): Promise<CreateAlertChannelBody> {
  const errors: InvalidParam[] = [];
  const error = (field: string, message: string) =>
    errors.push({ in: 'body', pointer: `/${field}`, message });
  if (input.type === 'webhook') {
    if (input.to !== undefined) error('to', 'is not a field of a webhook channel');
    if (input.url === undefined) error('url', 'is required for a webhook channel');
    else {
      const problem = await checkDestinationUrl(input.url, {
        allowedOrigins: deps.config.allowedDestinationOrigins,
        lookup: deps.lookup,
      });
      if (problem) error('url', problem);
    }
    if (errors.length === 0) return { type: 'webhook', url: input.url! };
  } else if (input.type === 'email') {
    if (!deps.config.smtpUrl)
      error('type', 'email channels need SMTP_URL: this DataSync has no SMTP server to send mail through');
    if (input.url !== undefined) error('url', 'is not a field of an email channel');
    if (input.to === undefined) error('to', 'is required for an email channel');
    else if (!isEmailAddress(input.to)) error('to', 'is not an email address');
    if (errors.length === 0) return { type: 'email', to: input.to! };
  } else {
    error('type', 'must be "webhook" or "email"');
  }
  throw unprocessable('The alert channel cannot be created as described.', errors);
}
