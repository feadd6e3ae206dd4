import { auditLog } from '../db/schema/index.js';
import type { Tx } from '../db/types.js';
import type { Principal } from '../access/principal.js';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
}

type Actor = Pick<Principal, 'orgId' | 'userId' | 'apiKeyId'>;

/** Written in the same transaction as the change it records, so the log cannot disagree with the data. */
export async function recordAudit(tx: Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    organizationId: actor.orgId,
    actorUserId: actor.userId,
    actorApiKeyId: actor.apiKeyId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
