import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, type TestApp } from '../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';
import { decryptSecret } from '../crypto/secret-box.js';
import { sites } from '../db/schema/index.js';
import { activeSigningSecrets } from './site-secrets.js';
import type { SiteRow } from './sites.repo.js';

const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
// The test app allows the demo landing pages' origin (http://127.0.0.1:3001) past the SSRF guard.
const DESTINATION = 'http://127.0.0.1:3001/facebook/webhook';

let t: TestApp;
let owner: SignedInUser;
let admin: SignedInUser;
let editor: SignedInUser;
let viewer: SignedInUser;
let counter = 0;

beforeAll(async () => {
  t = await createTestApp();
  owner = await signUp(t.app, { organization: 'Sites Org' });
  admin = await addMember(t.app, owner, 'admin');
  editor = await addMember(t.app, owner, 'editor');
  viewer = await addMember(t.app, owner, 'viewer');
});
afterAll(() => t?.close());

function request(
  who: SignedInUser,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function createSite(who: SignedInUser = admin, body: Record<string, unknown> = {}) {
  counter += 1;
  const response = await request(who, 'POST', '/sites', {
    name: `Site ${counter}`,
    slug: `site-${counter}`,
    destination_url: DESTINATION,
    ...body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function storedRow(id: string): Promise<SiteRow> {
  const [row] = await t.database.db.select().from(sites).where(eq(sites.id, id));
  return row!;
}

/** Every audit row of the whole database as JSON text: what must never hold a secret. */
async function auditText(): Promise<string> {
  const rows = await rowsOf<{ text: string }>(
    t.database.db,
    "SELECT coalesce(json_agg(a)::text, '') AS text FROM audit_log a",
  );
  return rows[0]!.text;
}

function expectProblem(
  response: Awaited<ReturnType<typeof request>>,
  status: number,
  type: string,
  pointers: string[] = [],
) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  const problem = response.json();
  expect(problem.type).toBe(`urn:datasync:problem:${type}`);
  const got = (problem.errors ?? []).map((error: { pointer: string }) => error.pointer);
  for (const pointer of pointers) expect(got, response.body).toContain(pointer);
}

describe('sites: signing secrets', () => {
  it('shows the secret once at creation, a hint afterwards, and stores only a ciphertext of it', async () => {
    const created = await request(admin, 'POST', '/sites', {
      name: 'Facebook Campaign',
      slug: 'facebook',
      destination_url: DESTINATION,
      public_url: 'http://127.0.0.1:3001/facebook',
    });
    expect(created.statusCode).toBe(201);
    const site = created.json();
    expect(site.signing_secret).toMatch(SECRET);
    expect(site).toMatchObject({
      name: 'Facebook Campaign',
      slug: 'facebook',
      destination_url: DESTINATION,
      public_url: 'http://127.0.0.1:3001/facebook',
      enabled: true,
      disabled_reason: null,
      current_version: 0,
      last_sync_status: null,
      last_sync_at: null,
      signing_secret_hint: `whsec_…${site.signing_secret.slice(-4)}`,
      secret_rotation: null,
    });
    const secret: string = site.signing_secret;

    const one = await request(viewer, 'GET', `/sites/${site.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain(secret);
    expect(one.json()).not.toHaveProperty('signing_secret');
    const { signing_secret: _omitted, ...withoutSecret } = site;
    expect(one.json()).toEqual(withoutSecret);
    const list = await request(viewer, 'GET', '/sites');
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(secret);
    expect(list.json().items.find((s: { id: string }) => s.id === site.id)).toEqual(withoutSecret);

    const row = await storedRow(site.id);
    expect(row.signingSecretEncrypted).not.toContain(secret);
    expect(row.signingSecretEncrypted).not.toContain(secret.slice(6));
    expect(decryptSecret(t.deps.keys.encryption, row.signingSecretEncrypted)).toBe(secret);
    expect(activeSigningSecrets(row, t.deps.keys.encryption)).toEqual([secret]);
    expect(one.body).not.toContain(row.signingSecretEncrypted);
  });

  it('rotates: a new secret once, the previous one keeps signing until the window passes', async () => {
    const site = await createSite();
    const before = Date.now();
    const rotated = await request(admin, 'POST', `/sites/${site.id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const body = rotated.json();
    expect(body.signing_secret).toMatch(SECRET);
    expect(body.signing_secret).not.toBe(site.signing_secret);
    expect(body.signing_secret_hint).toBe(`whsec_…${body.signing_secret.slice(-4)}`);
    const expiresAt = Date.parse(body.secret_rotation.previous_expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 24 * 3_600_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);

    const key = t.deps.keys.encryption;
    let row = await storedRow(site.id);
    expect(activeSigningSecrets(row, key)).toEqual([body.signing_secret, site.signing_secret]);
    // Still valid a minute before the window ends, no longer just after.
    expect(activeSigningSecrets(row, key, new Date(expiresAt - 60_000))).toHaveLength(2);
    expect(activeSigningSecrets(row, key, new Date(expiresAt + 1))).toEqual([body.signing_secret]);

    const shown = await request(viewer, 'GET', `/sites/${site.id}`);
    expect(shown.json().secret_rotation).toEqual(body.secret_rotation);
    for (const secret of [site.signing_secret, body.signing_secret]) expect(shown.body).not.toContain(secret);

    await t.database.exec(
      `UPDATE sites SET previous_secret_expires_at = now() - interval '1 second' WHERE id = '${site.id}'`,
    );
    row = await storedRow(site.id);
    expect(activeSigningSecrets(row, key)).toEqual([body.signing_secret]);
    expect((await request(viewer, 'GET', `/sites/${site.id}`)).json().secret_rotation).toBeNull();
  });

  it('drops the oldest secret when rotating twice inside the window', async () => {
    const site = await createSite();
    const first = (await request(admin, 'POST', `/sites/${site.id}/rotate-secret`)).json();
    const second = (await request(admin, 'POST', `/sites/${site.id}/rotate-secret`)).json();
    expect(activeSigningSecrets(await storedRow(site.id), t.deps.keys.encryption)).toEqual([
      second.signing_secret,
      first.signing_secret,
    ]);
  });

  it('never writes a secret or a ciphertext into the audit log', async () => {
    const site = await createSite();
    await request(admin, 'PATCH', `/sites/${site.id}`, { name: 'Renamed' });
    const rotated = (await request(admin, 'POST', `/sites/${site.id}/rotate-secret`)).json();
    const row = await storedRow(site.id);
    expect((await request(admin, 'DELETE', `/sites/${site.id}`)).statusCode).toBe(204);

    const audit = await rowsOf<{ action: string; before: unknown; after: unknown }>(
      t.database.db,
      `SELECT action, before, after FROM audit_log WHERE entity_id = '${site.id}' ORDER BY id`,
    );
    expect(audit.map((entry) => entry.action)).toEqual([
      'site.create',
      'site.update',
      'site.rotate_secret',
      'site.delete',
    ]);
    expect(audit[1]).toMatchObject({ before: { name: site.name }, after: { name: 'Renamed' } });
    expect(audit[3]).toMatchObject({ before: { id: site.id }, after: null });

    const text = await auditText();
    expect(text).toContain(site.id);
    for (const secret of [site.signing_secret, rotated.signing_secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(6, -4)); // not even the unmasked middle
      expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    for (const sealed of [row.signingSecretEncrypted, row.previousSigningSecretEncrypted!]) {
      expect(text).not.toContain(sealed.split('.')[3]);
    }
    expect(text).not.toMatch(/signing_secret"|secret_encrypted|signingSecret/);
  });
});

describe('sites: with SECRET_ROTATION_WINDOW_HOURS=0', () => {
  let zero: TestApp;
  let zeroOwner: SignedInUser;
  beforeAll(async () => {
    zero = await createTestApp({ secretRotationWindowHours: 0 });
    zeroOwner = await signUp(zero.app, { organization: 'No Window Org' });
  });
  afterAll(() => zero?.close());

  it('stops signing with the old secret at once', async () => {
    const inject = (method: 'POST', url: string, payload?: object) =>
      zero.app.inject({ method, url: `/api/v1${url}`, headers: zeroOwner.headers, payload });
    const created = await inject('POST', '/sites', { name: 'A', slug: 'a', destination_url: DESTINATION });
    expect(created.statusCode).toBe(201);
    const rotated = await inject('POST', `/sites/${created.json().id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret_rotation).toBeNull();
    const [row] = await zero.database.db.select().from(sites).where(eq(sites.id, created.json().id));
    expect(row!.previousSigningSecretEncrypted).toBeNull();
    expect(activeSigningSecrets(row!, zero.deps.keys.encryption)).toEqual([rotated.json().signing_secret]);
  });
});

describe('sites: reading and changing', () => {
  it('lists the organization’s sites newest first, a page at a time', async () => {
    await createSite(admin, { name: 'zz last', slug: 'zz-last' });
    await createSite(admin, { name: 'AA first', slug: 'aa-first' });
    await createSite(admin, { name: 'mm middle', slug: 'mm-middle' });
    const all: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = (await request(editor, 'GET', `/sites${query}`)).json();
      sizes.push(page.items.length);
      all.push(...page.items.map((s: { id: string }) => s.id));
      cursor = page.next_cursor;
    } while (cursor);
    const rows = await rowsOf<{ id: string }>(
      t.database.db,
      `SELECT id::text AS id FROM sites WHERE organization_id = '${owner.me.organization.id}'
       ORDER BY created_at DESC, id DESC`,
    );
    expect(all).toEqual(rows.map((row) => row.id));
    const full = Math.floor(rows.length / 2);
    expect(sizes).toEqual([...Array<number>(full).fill(2), ...(rows.length % 2 ? [1] : [])]);
    const first = await createSite(admin, { name: 'Newest', slug: 'newest' });
    const newest = (await request(editor, 'GET', '/sites?limit=1')).json();
    expect(newest.items.map((s: { id: string }) => s.id)).toEqual([first.id]);
  });

  it('updates any subset of fields, clears public_url with null, and leaves the secret alone', async () => {
    const site = await createSite(admin, { public_url: 'https://campaign.example.com/fb' });
    const patched = await request(admin, 'PATCH', `/sites/${site.id}`, {
      name: 'New name',
      slug: 'new-name',
      destination_url: 'http://localhost:3001/google/webhook',
      public_url: null,
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      id: site.id,
      name: 'New name',
      slug: 'new-name',
      destination_url: 'http://localhost:3001/google/webhook',
      public_url: null,
      signing_secret_hint: site.signing_secret_hint,
    });
    expect(patched.json()).not.toHaveProperty('signing_secret');
    expect(Date.parse(patched.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(site.updated_at));
    const slugOnly = await request(admin, 'PATCH', `/sites/${site.id}`, { slug: 'newer' });
    expect(slugOnly.json()).toMatchObject({ name: 'New name', slug: 'newer' });
    const row = await storedRow(site.id);
    expect(decryptSecret(t.deps.keys.encryption, row.signingSecretEncrypted)).toBe(site.signing_secret);
  });

  it('re-enables a disabled site with enabled: true and clears disabled_reason', async () => {
    const site = await createSite();
    await t.database.exec(
      `UPDATE sites SET enabled = false, disabled_reason = 'Too many failed deliveries' WHERE id = '${site.id}'`,
    );
    expect((await request(viewer, 'GET', `/sites/${site.id}`)).json()).toMatchObject({
      enabled: false,
      disabled_reason: 'Too many failed deliveries',
    });
    // Disabling an already disabled site keeps the reason it was disabled for.
    const again = await request(admin, 'PATCH', `/sites/${site.id}`, { enabled: false });
    expect(again.json().disabled_reason).toBe('Too many failed deliveries');
    const enabled = await request(admin, 'PATCH', `/sites/${site.id}`, { enabled: true });
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toMatchObject({ enabled: true, disabled_reason: null });
    const disabled = await request(admin, 'PATCH', `/sites/${site.id}`, { enabled: false });
    expect(disabled.json()).toMatchObject({ enabled: false, disabled_reason: 'Disabled by a user.' });
  });

  it('deletes: 204, then 404 for it everywhere', async () => {
    const site = await createSite();
    expect((await request(admin, 'DELETE', `/sites/${site.id}`)).statusCode).toBe(204);
    expectProblem(await request(viewer, 'GET', `/sites/${site.id}`), 404, 'not-found');
    expectProblem(await request(admin, 'DELETE', `/sites/${site.id}`), 404, 'not-found');
    expectProblem(await request(admin, 'PATCH', `/sites/${site.id}`, { name: 'x' }), 404, 'not-found');
    expectProblem(await request(admin, 'POST', `/sites/${site.id}/rotate-secret`), 404, 'not-found');
    const list = await request(viewer, 'GET', '/sites');
    expect(list.json().items.map((s: { id: string }) => s.id)).not.toContain(site.id);
  });

  it('deletes a site with a history: its deliveries and snapshot go with it, its log lines stay without it', async () => {
    const site = await createSite();
    const orgId = owner.headers['x-organization-id']!;
    // A finished job that delivered to the site, written as the engine writes it (as the database owner: no RLS).
    const [job] = await rowsOf<{ id: string }>(
      t.database.db,
      `INSERT INTO sync_jobs (organization_id, status, trigger) VALUES ('${orgId}', 'success', 'manual') RETURNING id`,
    );
    await t.database.exec(
      `INSERT INTO deliveries (organization_id, job_id, site_id, webhook_id, status)
         VALUES ('${orgId}', '${job!.id}', '${site.id}', 'msg_deleted_site', 'success');
       INSERT INTO destination_snapshots (organization_id, site_id, job_id, version, payload, payload_hash, item_count)
         VALUES ('${orgId}', '${site.id}', '${job!.id}', 1, '[]', 'h', 0);
       INSERT INTO job_logs (organization_id, job_id, site_id, level, message)
         VALUES ('${orgId}', '${job!.id}', '${site.id}', 'info', '${site.slug}: version 1 delivered.');`,
    );

    expect((await request(admin, 'DELETE', `/sites/${site.id}`)).statusCode).toBe(204);
    const left = async (table: string) =>
      (
        await rowsOf<{ n: number }>(
          t.database.db,
          `SELECT count(*)::int AS n FROM ${table} WHERE site_id = '${site.id}'`,
        )
      )[0]!.n;
    expect(await left('deliveries')).toBe(0);
    expect(await left('destination_snapshots')).toBe(0);
    expect(await left('job_logs')).toBe(0);
    const lines = await rowsOf<{ site_id: string | null; message: string }>(
      t.database.db,
      `SELECT site_id, message FROM job_logs WHERE job_id = '${job!.id}'`,
    );
    expect(lines).toEqual([{ site_id: null, message: `${site.slug}: version 1 delivered.` }]);
  });

  it('refuses a slug another site of the organization has (409 /slug), on create and on update', async () => {
    const site = await createSite(admin, { slug: 'taken' });
    expectProblem(
      await request(admin, 'POST', '/sites', { name: 'Other', slug: 'taken', destination_url: DESTINATION }),
      409,
      'conflict',
      ['/slug'],
    );
    const other = await createSite();
    expectProblem(await request(admin, 'PATCH', `/sites/${other.id}`, { slug: 'taken' }), 409, 'conflict', [
      '/slug',
    ]);
    // Keeping its own slug is no conflict.
    expect((await request(admin, 'PATCH', `/sites/${site.id}`, { slug: 'taken' })).statusCode).toBe(200);
    // Another organization may use the same slug.
    const stranger = await signUp(t.app, { organization: 'Slug Neighbours' });
    const theirs = await request(stranger, 'POST', '/sites', {
      name: 'Theirs',
      slug: 'taken',
      destination_url: DESTINATION,
    });
    expect(theirs.statusCode).toBe(201);
  });
});

describe('sites: validation', () => {
  it('reports missing and unknown fields with pointers (400)', async () => {
    expectProblem(await request(admin, 'POST', '/sites', {}), 400, 'validation-error', [
      '/name',
      '/slug',
      '/destination_url',
    ]);
    expectProblem(
      await request(admin, 'POST', '/sites', {
        name: 'x',
        slug: 'x',
        destination_url: DESTINATION,
        signing_secret: 'whsec_mine',
        color: 'red',
      }),
      400,
      'validation-error',
      ['/signing_secret', '/color'],
    );
    const site = await createSite();
    expectProblem(await request(admin, 'PATCH', `/sites/${site.id}`, {}), 400, 'validation-error');
    expectProblem(
      await request(admin, 'PATCH', `/sites/${site.id}`, { current_version: 9 }),
      400,
      'validation-error',
      ['/current_version'],
    );
    expectProblem(
      await request(admin, 'PATCH', `/sites/${site.id}`, { enabled: 'yes', name: '' }),
      400,
      'validation-error',
      ['/enabled', '/name'],
    );
    expectProblem(await request(viewer, 'GET', '/sites/not-a-uuid'), 400, 'validation-error', ['/id']);
  });

  it.each(['Facebook', '1site', '-site', 'si te', 'site!', 'a'.repeat(64), ''])(
    'refuses the slug %j (400 /slug)',
    async (slug) => {
      expectProblem(
        await request(admin, 'POST', '/sites', { name: 'x', slug, destination_url: DESTINATION }),
        400,
        'validation-error',
        ['/slug'],
      );
    },
  );

  it('accepts slugs of 1 to 63 characters with a-z, 0-9, "_" and "-"', async () => {
    await createSite(admin, { slug: 'x' });
    await createSite(admin, { slug: `a${'b_-9'.repeat(15)}xy` });
  });

  it('refuses text that is not a URL (400 /destination_url)', async () => {
    for (const destination_url of ['not a url', 'http://exa mple.com/', '', 42]) {
      expectProblem(
        await request(admin, 'POST', '/sites', { name: 'x', slug: 'bad-url', destination_url }),
        400,
        'validation-error',
        ['/destination_url'],
      );
    }
  });

  it.each([
    'http://10.0.0.5/hook',
    'http://169.254.169.254/',
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://127.0.0.1:5432/',
    'http://localhost:3000/api/v1/sites',
    'http://[::1]:3001/',
    'http://[::ffff:10.0.0.5]/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'ftp://127.0.0.1:3001/',
    'https://user:pw@127.0.0.1:3001/',
    `http://127.0.0.1:3001/${'a'.repeat(2048)}`,
  ])('refuses the destination %s (422 /destination_url), on create and update', async (url) => {
    const create = await request(admin, 'POST', '/sites', { name: 'x', slug: 'ssrf', destination_url: url });
    expectProblem(
      create,
      url.length > 2048 ? 400 : 422,
      url.length > 2048 ? 'validation-error' : 'unprocessable',
      ['/destination_url'],
    );
    const site = await createSite();
    const update = await request(admin, 'PATCH', `/sites/${site.id}`, { destination_url: url });
    expect(update.statusCode).toBe(create.statusCode);
    expect((await request(viewer, 'GET', `/sites/${site.id}`)).json().destination_url).toBe(DESTINATION);
  });

  it('says why a loopback destination is refused and how to allow it on purpose', async () => {
    const response = await request(admin, 'POST', '/sites', {
      name: 'x',
      slug: 'loopback',
      destination_url: 'http://127.0.0.1:4000/hook',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().errors).toEqual([
      {
        in: 'body',
        pointer: '/destination_url',
        message:
          'is a loopback address (127.0.0.1); to send to it on purpose, add its origin http://127.0.0.1:4000 ' +
          'to ALLOWED_DESTINATION_ORIGINS',
      },
    ]);
  });

  it('refuses a public_url that is not http(s) (422 /public_url), reporting both URLs at once', async () => {
    const response = await request(admin, 'POST', '/sites', {
      name: 'x',
      slug: 'public-url',
      destination_url: 'http://10.1.2.3/',
      public_url: 'ftp://files.example.com/site',
    });
    expectProblem(response, 422, 'unprocessable', ['/destination_url', '/public_url']);
  });

  it('answers every malformed body with a 4xx problem, never a 5xx', async () => {
    const site = await createSite();
    const bodies: unknown[] = [
      [],
      'text',
      null,
      42,
      { name: null, slug: null, destination_url: null },
      { name: 'x'.repeat(10_000), slug: 'ok', destination_url: DESTINATION },
      { name: 'x', slug: 'ok', destination_url: DESTINATION, public_url: 7 },
      { name: 'x', slug: 'ok', destination_url: `http://${'a'.repeat(300)}.example/` },
      { name: 'x', slug: 'ok', destination_url: 'http://[::1/' },
      { name: 'x', slug: 'ok', destination_url: 'http://999.999.999.999/' },
      { name: 'x', slug: 'ok', destination_url: 'http://\u0000/' },
      { name: 'x', slug: 'ok', destination_url: { href: DESTINATION } },
      { name: ['x'], slug: 'ok', destination_url: DESTINATION },
      { enabled: null },
    ];
    for (const body of bodies) {
      for (const [method, url] of [
        ['POST', '/sites'],
        ['PATCH', `/sites/${site.id}`],
      ] as const) {
        const response = await t.app.inject({
          method,
          url: `/api/v1${url}`,
          headers: { ...admin.headers, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        expect(
          response.statusCode,
          `${method} ${JSON.stringify(body).slice(0, 80)}: ${response.body}`,
        ).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, `${method} ${JSON.stringify(body).slice(0, 80)}`).toBeLessThan(500);
      }
    }
  });
});

describe('sites: roles and tenants', () => {
  it('lets viewers and editors read but not write; admins and owners write', async () => {
    const site = await createSite(owner);
    for (const reader of [viewer, editor]) {
      expect((await request(reader, 'GET', '/sites')).statusCode).toBe(200);
      expect((await request(reader, 'GET', `/sites/${site.id}`)).statusCode).toBe(200);
      const writes = [
        await request(reader, 'POST', '/sites', { name: 'x', slug: 'nope', destination_url: DESTINATION }),
        await request(reader, 'PATCH', `/sites/${site.id}`, { name: 'nope' }),
        await request(reader, 'POST', `/sites/${site.id}/rotate-secret`),
        await request(reader, 'DELETE', `/sites/${site.id}`),
      ];
      for (const response of writes) {
        expectProblem(response, 403, 'forbidden');
        expect(response.body).not.toContain('whsec_');
      }
    }
    expect((await request(viewer, 'GET', `/sites/${site.id}`)).json().name).toBe(site.name);
    expect((await request(admin, 'PATCH', `/sites/${site.id}`, { name: 'By admin' })).statusCode).toBe(200);
    expect((await request(admin, 'POST', `/sites/${site.id}/rotate-secret`)).statusCode).toBe(200);
    expect((await request(owner, 'DELETE', `/sites/${site.id}`)).statusCode).toBe(204);
  });

  it('works with an admin API key', async () => {
    const key = (await request(owner, 'POST', '/api-keys', { name: 'sites admin', role: 'admin' })).json()
      .key;
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: { authorization: `Bearer ${key}` },
      payload: { name: 'Via key', slug: 'via-key', destination_url: DESTINATION },
    });
    expect(response.statusCode).toBe(201);
    const [entry] = await rowsOf<{ actor_api_key_id: string | null }>(
      t.database.db,
      `SELECT actor_api_key_id FROM audit_log WHERE entity_id = '${response.json().id}'`,
    );
    expect(entry?.actor_api_key_id).not.toBeNull();
  });

  it('hides one organization’s sites from another: its ids answer 404 and nothing changes', async () => {
    const site = await createSite();
    const before = (await request(admin, 'GET', `/sites/${site.id}`)).json();
    const stranger = await signUp(t.app, { organization: 'Other Org' });
    const attempts = [
      await request(stranger, 'GET', `/sites/${site.id}`),
      await request(stranger, 'PATCH', `/sites/${site.id}`, { name: 'Hijacked', enabled: false }),
      await request(stranger, 'POST', `/sites/${site.id}/rotate-secret`),
      await request(stranger, 'DELETE', `/sites/${site.id}`),
    ];
    for (const response of attempts) {
      expectProblem(response, 404, 'not-found');
      expect(response.body).not.toContain(site.name);
    }
    expect((await request(stranger, 'GET', '/sites')).json()).toEqual({ items: [], next_cursor: null });
    const after = await request(admin, 'GET', `/sites/${site.id}`);
    expect(after.json()).toEqual(before);
    const row = await storedRow(site.id);
    expect(activeSigningSecrets(row, t.deps.keys.encryption)).toEqual([site.signing_secret]);
  });
});

describe('sites: OpenAPI', () => {
  it('documents every site route, and no read response carries the secret', async () => {
    const document = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(document.paths['/api/v1/sites'])).toEqual(expect.arrayContaining(['get', 'post']));
    expect(Object.keys(document.paths['/api/v1/sites/{id}'])).toEqual(
      expect.arrayContaining(['get', 'patch', 'delete']),
    );
    expect(document.paths['/api/v1/sites/{id}/rotate-secret'].post).toBeDefined();
    expect(JSON.stringify(document.paths['/api/v1/sites/{id}'].get)).not.toContain('signing_secret"');
  });
});
