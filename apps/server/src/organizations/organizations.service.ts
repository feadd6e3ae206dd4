import { randomUUID } from 'node:crypto';
import type { Organization } from '@datasync/contracts';
import type { AppDb } from '../db/types.js';
import { withTenant } from '../db/tenant.js';
import { recordAudit } from '../audit/audit.repo.js';
import type { Principal } from '../access/principal.js';
import { notFound } from '../http/problem.js';
import { insertMembership } from '../access/memberships.repo.js';
import {
  findCurrentOrganization,
  insertOrganization,
  renameOrganization,
  type OrganizationRow,
} from './organizations.repo.js';
import { slugify } from './slug.js';

export function toOrganization(row: OrganizationRow): Organization {
  return { id: row.id, name: row.name, slug: row.slug, created_at: row.createdAt };
}

/**
 * A new user's organization, with them as owner. The id is chosen here so the insert can run under that
 * tenant's RLS scope like every other write.
 */
export async function createOrganizationForOwner(
  db: AppDb,
  input: { userId: string; name: string },
): Promise<Organization> {
  const orgId = randomUUID();
  return withTenant(db, { orgId, userId: input.userId }, async (tx) => {
    const org = await insertOrganization(tx, {
      id: orgId,
      name: input.name,
      slug: slugify(input.name, { unique: true }),
    });
    const membership = await insertMembership(tx, {
      organizationId: orgId,
      userId: input.userId,
      role: 'owner',
    });
    const actor = { orgId, userId: input.userId, apiKeyId: null };
    await recordAudit(tx, actor, {
      action: 'organization.create',
      entityType: 'organization',
      entityId: orgId,
      after: toOrganization(org),
    });
    await recordAudit(tx, actor, {
      action: 'member.add',
      entityType: 'membership',
      entityId: membership.id,
      after: { user_id: input.userId, role: 'owner' },
    });
    return toOrganization(org);
  });
}

export async function getOrganization(db: AppDb, principal: Principal): Promise<Organization> {
  const row = await withTenant(
    db,
    { orgId: principal.orgId, userId: principal.userId },
    findCurrentOrganization,
  );
  if (!row) throw notFound('organization');
  return toOrganization(row);
}

export function updateOrganization(
  db: AppDb,
  principal: Principal,
  input: { name: string },
): Promise<Organization> {
  return withTenant(db, { orgId: principal.orgId, userId: principal.userId }, async (tx) => {
    const before = await findCurrentOrganization(tx);
    const after = await renameOrganization(tx, principal.orgId, input.name);
    if (!before || !after) throw notFound('organization');
    await recordAudit(tx, principal, {
      action: 'organization.update',
      entityType: 'organization',
      entityId: principal.orgId,
      before: toOrganization(before),
      after: toOrganization(after),
    });
    return toOrganization(after);
  });
}
