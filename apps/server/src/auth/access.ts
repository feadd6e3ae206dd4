import { can, type Permission } from '@datasync/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDb } from '../db/types.js';
import { listUserMemberships } from '../access/memberships.repo.js';
import { toFetchHeaders } from '../http/fetch-headers.js';
import { forbidden, unauthorized } from '../http/problem.js';
import { principalOfApiKey } from './api-key-principal.js';
import { hashToken, looksLikeApiKey } from '../crypto/bearer-tokens.js';
import type { Auth } from './better-auth.js';
import type { Principal, SessionUser } from '../access/principal.js';

/**
 * Who may call a route: anyone, any signed-in user (even one without an organization), or a caller whose role in
 * the organization holds the permission. Every route must say; registering one that does not fails at start-up.
 */
export type Access = 'public' | 'signed-in' | Permission;

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every route with its access rule, as registered: the RBAC tests walk this list. */
    routeAccess: RouteAccess[];
    /**
     * Whether the caller of an authenticated request still may make it, asked again with its credentials: a
     * long-lived response (a live stream) asks every few seconds, so that leaving the organization, a role that
     * loses the permission, a revoked key or an ended session ends it. Any failure to tell counts as no.
     */
    stillAllowed(request: FastifyRequest): Promise<boolean>;
  }
  interface FastifyRequest {
    principal: Principal | null;
    sessionUser: SessionUser | null;
  }
}

/** How long a stream's access check answers for other streams with the same credentials. */
const RECHECK_SHARED_MS = 1_000;

interface Caller {
  principal: Principal | null;
  sessionUser: SessionUser | null;
}

export const ORGANIZATION_HEADER = 'x-organization-id';

/**
 * A GET may name the organization in `?organization_id=` instead of the header: the browser's EventSource cannot
 * send headers. The caller's membership is checked all the same; writes still need the header.
 */
function organizationInQuery(request: FastifyRequest): string | undefined {
  if (request.method !== 'GET') return undefined;
  const value = (request.query as Record<string, unknown> | undefined)?.organization_id;
  return typeof value === 'string' ? value : undefined;
}

export function registerAccessControl(app: FastifyInstance, deps: { db: AppDb; auth: Auth }): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionUser', null);

  const routeAccess: RouteAccess[] = [];
  app.decorate('routeAccess', routeAccess);
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no access rule (config.access).`);
    }
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeAccess.push({ method, url: route.url, access });
    }
  });

  async function authenticateApiKey(header: string): Promise<Caller> {
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token || !looksLikeApiKey(token)) {
      throw unauthorized('Malformed Authorization header: expected "Bearer dsk_…".');
    }
    const principal = await principalOfApiKey(deps.db, token);
    if (!principal) throw unauthorized('Unknown or revoked API key.');
    return { principal, sessionUser: null };
  }

  async function authenticateSession(request: FastifyRequest, needsOrganization: boolean): Promise<Caller> {
    const result = await deps.auth.api.getSession({ headers: toFetchHeaders(request.headers) });
    if (!result) throw unauthorized();
    const { user, session } = result;
    const sessionUser = { id: user.id, email: user.email, name: user.name, sessionId: session.id };
    const memberships = await listUserMemberships(deps.db, user.id);
    const wanted = request.headers[ORGANIZATION_HEADER] ?? organizationInQuery(request);
    const membership =
      typeof wanted === 'string' ? memberships.find((m) => m.orgId === wanted) : memberships[0];
    if (membership) {
      const principal: Principal = {
        kind: 'session',
        orgId: membership.orgId,
        role: membership.role,
        userId: user.id,
        apiKeyId: null,
        actingFor: user.id,
      };
      return { principal, sessionUser };
    }
    if (needsOrganization) {
      throw forbidden(
        typeof wanted === 'string'
          ? 'You are not a member of the organization in X-Organization-Id.'
          : 'You are not a member of any organization.',
      );
    }
    return { principal: null, sessionUser };
  }

  /** Who calls, from the request's credentials; throws the 401 or 403 problem when they do not hold `access`. */
  async function authenticate(request: FastifyRequest, access: Exclude<Access, 'public'>): Promise<Caller> {
    const header = request.headers.authorization;
    let caller: Caller;
    if (header) {
      if (access === 'signed-in') throw forbidden('This route is for signed-in users, not API keys.');
      caller = await authenticateApiKey(header);
    } else {
      caller = await authenticateSession(request, access !== 'signed-in');
    }
    if (access === 'signed-in') return caller;
    const principal = caller.principal!;
    if (!can(principal.role, access)) {
      throw forbidden(`Your role (${principal.role}) does not allow ${access}.`);
    }
    return caller;
  }

  async function recheck(request: FastifyRequest, access: Permission, before: Principal): Promise<boolean> {
    try {
      const { principal } = await authenticate(request, access);
      return principal?.orgId === before.orgId && principal.apiKeyId === before.apiKeyId;
    } catch {
      return false;
    }
  }

  // A client often holds several streams with the same credentials (tabs, a job page and the dashboard): their
  // checks within RECHECK_SHARED_MS share one answer, so open streams cost a check per client, not per stream.
  const recentChecks = new Map<string, { at: number; allowed: Promise<boolean> }>();
  app.decorate('stillAllowed', (request: FastifyRequest): Promise<boolean> => {
    const access = request.routeOptions.config.access;
    const before = request.principal;
    if (!access || access === 'public' || access === 'signed-in' || !before) return Promise.resolve(true);
    const { authorization = '', cookie = '' } = request.headers;
    const wanted = request.headers[ORGANIZATION_HEADER] ?? organizationInQuery(request) ?? '';
    const key = hashToken([access, before.orgId, String(wanted), authorization, cookie].join('\n'));
    const now = Date.now();
    for (const [k, check] of recentChecks) if (now - check.at >= RECHECK_SHARED_MS) recentChecks.delete(k);
    const shared = recentChecks.get(key);
    if (shared) return shared.allowed;
    const allowed = recheck(request, access, before);
    recentChecks.set(key, { at: now, allowed });
    return allowed;
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || access === 'public') return; // no access rule: the 404 handler
    const caller = await authenticate(request, access);
    request.principal = caller.principal;
    request.sessionUser = caller.sessionUser;
  });
}
