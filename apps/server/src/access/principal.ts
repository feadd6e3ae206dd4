import type { Role } from '@datasync/contracts';
import type { TenantScope } from '../db/tenant.js';

/** Who is calling, in which organization, with which role. Set on the request by the access hook. */
export interface Principal {
  kind: 'session' | 'api_key';
  orgId: string;
  role: Role;
  userId: string | null;
  apiKeyId: string | null;
  /** The user whose authority the request uses: the signed-in user, or the creator of the API key. */
  actingFor: string;
}

/** A signed-in user, before (or without) choosing an organization. */
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  sessionId: string;
}

export function scopeOf(principal: Principal): TenantScope {
  return { orgId: principal.orgId, userId: principal.userId };
}
