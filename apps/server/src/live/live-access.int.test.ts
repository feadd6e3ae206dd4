import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openSse, type SseStream } from '../../test/support/sse-client.js';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { addMember, memberIdOf, signUp, type SignedInUser } from '../../test/support/users.js';

// Access is checked when a stream opens and again every few seconds while it is open: a caller who loses it is cut
// off within 5 s, over real HTTP, on PGlite and on PostgreSQL.

const CUT_OFF_MS = 5_000;

let t: TestApp;
let base: string;
let owner: SignedInUser;
let orgId: string;

beforeAll(async () => {
  t = await createTestApp({ liveHeartbeatMs: 150 });
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  owner = await signUp(t.app, { organization: 'Live Access Org' });
  orgId = owner.me.organization.id;
});
afterAll(() => t?.close());

/** A running job nobody runs: its stream stays open until the server ends it. */
async function runningJob(): Promise<string> {
  const [row] = await rowsOf<{ id: string }>(
    t.database.db,
    `INSERT INTO sync_jobs (organization_id, status, trigger) VALUES ('${orgId}', 'running', 'api') RETURNING id`,
  );
  return row!.id;
}

async function removeMember(user: SignedInUser): Promise<void> {
  const id = await memberIdOf(t.app, owner, user);
  const removed = await t.app.inject({
    method: 'DELETE',
    url: `/api/v1/members/${id}`,
    headers: owner.headers,
  });
  expect(removed.statusCode).toBe(204);
}

async function createKey(headers: Record<string, string>): Promise<{ id: string; key: string }> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/api-keys',
    headers,
    payload: { name: 'stream reader', role: 'viewer' },
  });
  expect(created.statusCode).toBe(201);
  return created.json();
}

/** Opens a stream, runs `cutOff`, and resolves with how long the server took to end the stream after it. */
async function msUntilEnded(stream: SseStream, cutOff: () => Promise<void>): Promise<number> {
  expect(stream.status).toBe(200);
  await stream.waitFor('a heartbeat', () => stream.comments.includes('ping'));
  const start = Date.now();
  await cutOff();
  await stream.untilEnd(CUT_OFF_MS + 5_000);
  return Date.now() - start;
}

const stillOpen = async (stream: SseStream) =>
  Promise.race([stream.ended.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 50))]);

describe('live streams end when their caller loses access', () => {
  it('a removed member’s stream ends within 5 s, and cannot be reopened; the owner’s stays open', async () => {
    const member = await addMember(t.app, owner, 'viewer');
    const ownerStream = await openSse(`${base}/api/v1/events`, owner.headers);
    const memberStream = await openSse(`${base}/api/v1/events`, member.headers);
    const elapsed = await msUntilEnded(memberStream, () => removeMember(member));
    expect(elapsed).toBeLessThan(CUT_OFF_MS);
    // Long enough for the owner's stream to have been checked again since the removal.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await stillOpen(ownerStream)).toBe(true);
    ownerStream.close();
    expect((await openSse(`${base}/api/v1/events`, member.headers)).status).toBe(403);
  });

  it('a stream chosen with ?organization_id= ends too when its member is removed', async () => {
    const member = await addMember(t.app, owner, 'viewer');
    const url = `${base}/api/v1/sync-jobs/${await runningJob()}/events?organization_id=${orgId}`;
    const stream = await openSse(url, { cookie: member.cookie });
    expect(await msUntilEnded(stream, () => removeMember(member))).toBeLessThan(CUT_OFF_MS);
  });

  it('a revoked key’s job stream ends within 5 s, and the key cannot reopen it', async () => {
    const { id, key } = await createKey(owner.headers);
    const url = `${base}/api/v1/sync-jobs/${await runningJob()}/events`;
    const stream = await openSse(url, { authorization: `Bearer ${key}` });
    const elapsed = await msUntilEnded(stream, async () => {
      const revoked = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${id}`,
        headers: owner.headers,
      });
      expect(revoked.statusCode).toBe(204);
    });
    expect(elapsed).toBeLessThan(CUT_OFF_MS);
    expect((await openSse(url, { authorization: `Bearer ${key}` })).status).toBe(401);
  });

  it('the stream of a removed member’s key ends within 5 s', async () => {
    const admin = await addMember(t.app, owner, 'admin');
    const { key } = await createKey(admin.headers);
    const stream = await openSse(`${base}/api/v1/events`, { authorization: `Bearer ${key}` });
    expect(await msUntilEnded(stream, () => removeMember(admin))).toBeLessThan(CUT_OFF_MS);
  });

  it('a signed-out session’s stream ends within 5 s', async () => {
    const member = await addMember(t.app, owner, 'viewer');
    const stream = await openSse(`${base}/api/v1/events`, member.headers);
    const elapsed = await msUntilEnded(stream, async () => {
      const out = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/logout',
        headers: { cookie: member.cookie },
      });
      expect(out.statusCode).toBe(204);
    });
    expect(elapsed).toBeLessThan(CUT_OFF_MS);
  });

  it('streams of one client share their checks: two streams, one session look-up per round', async () => {
    const member = await addMember(t.app, owner, 'viewer');
    const streams = [
      await openSse(`${base}/api/v1/events`, member.headers),
      await openSse(`${base}/api/v1/events`, member.headers),
    ];
    await Promise.all(streams.map((s) => s.waitFor('a heartbeat', () => s.comments.includes('ping'))));
    const getSession = vi.spyOn(t.deps.auth.api, 'getSession');
    try {
      // The streams' first round of checks comes 2 s after they opened, the second 4 s after.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(getSession).toHaveBeenCalledTimes(1);
    } finally {
      getSession.mockRestore();
      for (const stream of streams) stream.close();
    }
  });
});
