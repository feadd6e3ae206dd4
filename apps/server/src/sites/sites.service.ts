import type {
  CreateSiteBody,
  InvalidParam,
  Page,
  Site,
  SiteHealth,
  SiteWithSecret,
  UpdateSiteBody,
} from '@datasync/contracts';
import type { AppDeps } from '../app-deps.js';
import { recordAudit } from '../audit/audit.repo.js';
import { scopeOf, type Principal } from '../access/principal.js';
import { encryptSecret } from '../crypto/secret-box.js';
import { isUniqueViolation } from '../db/errors.js';
import { withTenant } from '../db/tenant.js';
import { toPage } from '../http/pagination.js';
import { conflict, notFound, unprocessable } from '../http/problem.js';
import { checkDestinationUrl, checkHttpUrl, type Lookup } from '../net/ssrf-guard.js';
import { supersedeSiteDeliveries } from '../sync/site-sends/site-deliveries.repo.js';
import { sendLatestPayload } from '../sync/site-sends/site-sends.service.js';
import { generateSigningSecret, previousSecretActive, sealedSecretHint } from './site-secrets.js';
import {
  deleteSite as deleteSiteRow,
  findSite,
  insertSite,
  listSites,
  replaceSigningSecret,
  updateSite as updateSiteRow,
  type SiteChanges,
  type SiteRow,
} from './sites.repo.js';

/** What site operations need; `lookup` replaces DNS in tests. */
export type SiteDeps = Pick<AppDeps, 'db' | 'keys' | 'config' | 'queue'> & { lookup?: Lookup };

const MANUALLY_DISABLED = 'Disabled by a user.';

/** A re-enabled site is not failing: its health starts again from its next send. */
const HEALTH_RESET = {
  failingSince: null,
  consecutiveFailures: 0,
  nextAttemptAt: null,
  lastError: null,
} satisfies SiteChanges;

/**
 * The API view of a site. It never holds a secret or a ciphertext: this is also what the audit log records.
 * The hint needs the secret's last characters, hence the key; a ciphertext the key cannot open gives null.
 */
export function toSite(row: SiteRow, key: Buffer, now = new Date()): Site {
  const hint = sealedSecretHint(key, row.signingSecretEncrypted);
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    destination_url: row.destinationUrl,
    public_url: row.publicUrl,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    current_version: row.currentVersion,
    last_sync_status: row.lastSyncStatus,
    last_sync_at: row.lastSyncAt,
    health: !row.enabled ? 'disabled' : row.failingSince !== null ? 'failing' : 'healthy',
    failing_since: row.failingSince,
    last_success_at: row.lastSuccessAt,
    consecutive_failures: row.consecutiveFailures,
    next_attempt_at: row.nextAttemptAt,
    last_error: row.lastError,
    signing_secret_hint: hint,
    secret_rotation: previousSecretActive(row, now)
      ? { previous_expires_at: row.previousSecretExpiresAt! }
      : null,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Refuses (422) a destination the SSRF guard rejects and a public URL that is not http(s), all at once. */
async function assertAcceptableUrls(
  deps: SiteDeps,
  input: { destination_url?: string; public_url?: string | null },
): Promise<void> {
  const errors: InvalidParam[] = [];
  if (input.destination_url !== undefined) {
    const problem = await checkDestinationUrl(input.destination_url, {
      allowedOrigins: deps.config.allowedDestinationOrigins,
      lookup: deps.lookup,
    });
    if (problem) errors.push({ in: 'body', pointer: '/destination_url', message: problem });
  }
  if (input.public_url) {
    const problem = checkHttpUrl(input.public_url);
    if (problem) errors.push({ in: 'body', pointer: '/public_url', message: problem });
  }
  if (errors.length > 0) throw unprocessable('The site cannot use these URLs.', errors);
}

/** The only unique key a caller can collide with is (organization, slug). */
async function slugMustBeFree<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw conflict('Another site in this organization already has this slug.', [
      { in: 'body', pointer: '/slug', message: 'is already used by another site' },
    ]);
  }
}

export async function getSites(
  deps: SiteDeps,
  principal: Principal,
  page: { limit: number; cursor?: string; health?: SiteHealth },
): Promise<Page<Site>> {
  const rows = await withTenant(deps.db, scopeOf(principal), (tx) => listSites(tx, page));
  return toPage(rows, page.limit, (row) => toSite(row, deps.keys.encryption));
}

export async function getSite(deps: SiteDeps, principal: Principal, id: string): Promise<Site> {
  const row = await withTenant(deps.db, scopeOf(principal), (tx) => findSite(tx, id));
  if (!row) throw notFound('site');
  return toSite(row, deps.keys.encryption);
}

/** The plain secret is in this answer only; the database holds it encrypted. */
export async function createSite(
  deps: SiteDeps,
  principal: Principal,
  input: CreateSiteBody,
): Promise<SiteWithSecret> {
  // Outside the transaction: a DNS lookup must not hold a database transaction (PGlite has one connection).
  await assertAcceptableUrls(deps, input);
  const secret = generateSigningSecret();
  const key = deps.keys.encryption;
  return slugMustBeFree(
    withTenant(deps.db, scopeOf(principal), async (tx) => {
      const row = await insertSite(tx, {
        organizationId: principal.orgId,
        name: input.name,
        slug: input.slug,
        destinationUrl: input.destination_url,
        publicUrl: input.public_url ?? null,
        signingSecretEncrypted: encryptSecret(key, secret),
      });
      const site = toSite(row, key);
      await recordAudit(tx, principal, {
        action: 'site.create',
        entityType: 'site',
        entityId: row.id,
        after: site,
      });
      return { ...site, signing_secret: secret };
    }),
  );
}

/**
 * Re-enabling a disabled site starts it afresh: no reason, no failure history, and (in the same transaction) the
 * newest payload planned for it sent at once when it has not accepted that one. Disabling it drops its pending own
 * send: a disabled site is sent nothing.
 */
export async function updateSite(
  deps: SiteDeps,
  principal: Principal,
  id: string,
  input: UpdateSiteBody,
): Promise<Site> {
  await assertAcceptableUrls(deps, input);
  const key = deps.keys.encryption;
  const { site, queued } = await slugMustBeFree(
    withTenant(deps.db, scopeOf(principal), async (tx) => {
      const before = await findSite(tx, id, { forUpdate: true });
      if (!before) throw notFound('site');
      const changes: SiteChanges = {
        name: input.name,
        slug: input.slug,
        destinationUrl: input.destination_url,
        publicUrl: input.public_url,
      };
      const enabling = input.enabled === true && !before.enabled;
      const disabling = input.enabled === false && before.enabled;
      if (input.enabled === true) Object.assign(changes, { enabled: true, disabledReason: null });
      if (enabling) Object.assign(changes, HEALTH_RESET);
      // Keep the sync engine's reason when the site is already disabled.
      if (disabling)
        Object.assign(changes, { enabled: false, disabledReason: MANUALLY_DISABLED, nextAttemptAt: null });
      const after = await updateSiteRow(tx, id, changes);
      if (!after) throw notFound('site');
      if (disabling) await supersedeSiteDeliveries(tx, id);
      const sent = enabling ? await sendLatestPayload(tx, deps.queue.boss, id, 'enable') : null;
      const site = toSite(after, key);
      await recordAudit(tx, principal, {
        action: 'site.update',
        entityType: 'site',
        entityId: id,
        before: toSite(before, key),
        after: site,
      });
      return { site, queued: sent?.status === 'queued' };
    }),
  );
  if (queued) deps.queue.wake('deliveries');
  return site;
}

export function deleteSite(deps: SiteDeps, principal: Principal, id: string): Promise<void> {
  return withTenant(deps.db, scopeOf(principal), async (tx) => {
    const row = await deleteSiteRow(tx, id);
    if (!row) throw notFound('site');
    await recordAudit(tx, principal, {
      action: 'site.delete',
      entityType: 'site',
      entityId: id,
      before: toSite(row, deps.keys.encryption),
    });
  });
}

/**
 * A new signing secret, returned once. The one it replaces keeps signing for SECRET_ROTATION_WINDOW_HOURS, so
 * receivers can switch without missing a delivery; a rotation inside that window drops the oldest secret.
 */
export function rotateSiteSecret(deps: SiteDeps, principal: Principal, id: string): Promise<SiteWithSecret> {
  const key = deps.keys.encryption;
  const hours = deps.config.secretRotationWindowHours;
  return withTenant(deps.db, scopeOf(principal), async (tx) => {
    const before = await findSite(tx, id, { forUpdate: true });
    if (!before) throw notFound('site');
    const secret = generateSigningSecret();
    const previousExpiresAt = hours > 0 ? new Date(Date.now() + hours * 3_600_000) : null;
    const after = await replaceSigningSecret(tx, id, encryptSecret(key, secret), previousExpiresAt);
    if (!after) throw notFound('site');
    const site = toSite(after, key);
    await recordAudit(tx, principal, {
      action: 'site.rotate_secret',
      entityType: 'site',
      entityId: id,
      before: toSite(before, key),
      after: site,
    });
    return { ...site, signing_secret: secret };
  });
}
