import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from '../../test/support/test-app.js';
import { signUp, type SignedInUser } from '../../test/support/users.js';
import { waitFor } from '../../test/support/wait.js';
import { withTenant } from '../db/tenant.js';
import { raiseAlerts } from './alert-events.js';

// Email alert channels against a real SMTP server (smtp-server, no authentication, on 127.0.0.1), through the
// alert sender the engine runs beside a sync worker.

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

let smtp: SMTPServer;
const mails: Mail[] = [];
let t: TestApp;
let owner: SignedInUser;

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  t = await createTestApp(
    { smtpUrl: `smtp://127.0.0.1:${port}` },
    { worker: true, alerts: { pollingIntervalSeconds: 0.5 } },
  );
  owner = await signUp(t.app, { organization: 'Mail Org' });
});
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

/** The text of a message: headers unfolded, quoted-printable bodies decoded (what a mail client shows). */
function readable(raw: string): string {
  return raw
    .replace(/\r\n[ \t]+/g, ' ')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function headerOf(raw: string, name: string): string | undefined {
  return new RegExp(`^${name}: (.*)$`, 'im').exec(readable(raw).split(/\r?\n\r?\n/)[0]!)?.[1];
}

async function createEmailChannel(to: string): Promise<string> {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/v1/alert-channels',
    headers: owner.headers,
    payload: { type: 'email', to },
  });
  expect(created.statusCode, created.body).toBe(201);
  expect(created.json()).toEqual({
    id: expect.any(String),
    type: 'email',
    url: null,
    to,
    signing_secret: null,
    signing_secret_hint: null,
    created_at: expect.any(String),
  });
  return created.json().id;
}

describe('email alert channels', () => {
  it('mails a site.failing alert with the site, the last error and the link; the send succeeds', async () => {
    await createEmailChannel('ops@example.test');
    const site = await t.app.inject({
      method: 'POST',
      url: '/api/v1/sites',
      headers: owner.headers,
      payload: {
        name: 'Instagram Campaign',
        slug: 'instagram',
        destination_url: 'http://127.0.0.1:3001/instagram/webhook',
      },
    });
    expect(site.statusCode, site.body).toBe(201);
    const siteId: string = site.json().id;
    const orgId = owner.me.organization.id;

    await withTenant(t.database.db, { orgId }, (tx) =>
      raiseAlerts(tx, t.deps.queue.boss, [
        { type: 'site.failing', organizationId: orgId, siteId, lastError: 'HTTP 502 from the receiver' },
      ]),
    );

    const mail = await waitFor(
      'the alert email',
      () => mails.find((m) => m.to.includes('ops@example.test')),
      15_000,
    );
    expect(mail.from).toBe('datasync@localhost');
    expect(headerOf(mail.raw, 'Subject')).toBe('[DataSync] instagram is failing');
    expect(headerOf(mail.raw, 'From')).toBe('DataSync <datasync@localhost>');
    expect(mail.raw).toMatch(/^Content-Type: text\/plain/m);
    expect(mail.raw).toMatch(/^Content-Type: text\/html/m);
    const text = readable(mail.raw);
    expect(text).toContain('Instagram Campaign is failing');
    expect(text).toContain('Last error: HTTP 502 from the receiver');
    expect(text).toContain(`Open in DataSync: ${TEST_PUBLIC_URL}/sites/${siteId}`);
    expect(text).toContain(`<a href="${TEST_PUBLIC_URL}/sites/${siteId}">`);

    const sends = await waitFor(
      'the send recorded',
      async () => {
        const rows = await rowsOf<{ status: string; attempts: number; response_code: number; error: null }>(
          t.database.db,
          `SELECT status, attempts, response_code, error FROM alert_sends WHERE organization_id = '${orgId}'`,
        );
        return rows[0]?.status === 'success' && rows;
      },
      5_000,
    );
    expect(sends).toEqual([{ status: 'success', attempts: 1, response_code: 250, error: null }]);
    const sent = (await t.deps.metrics.alertsSent.get()).values.find(
      (value) => value.labels.type === 'site.failing' && value.labels.channel === 'email',
    );
    expect(sent).toMatchObject({ labels: { outcome: 'success' }, value: 1 });
  });

  it('mails a test alert at once from the test route', async () => {
    const id = await createEmailChannel('oncall@example.test');
    const tested = await t.app.inject({
      method: 'POST',
      url: `/api/v1/alert-channels/${id}/test`,
      headers: owner.headers,
    });
    expect(tested.statusCode, tested.body).toBe(200);
    expect(tested.json().sends).toEqual([
      expect.objectContaining({
        channel_id: id,
        status: 'success',
        attempts: 1,
        response_code: 250,
        error: null,
      }),
    ]);
    const mail = mails.find((m) => m.to.includes('oncall@example.test'));
    expect(headerOf(mail!.raw, 'Subject')).toBe('[DataSync] Test alert');
  });

  it('refuses an address that is not one, naming to', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/alert-channels',
      headers: owner.headers,
      payload: { type: 'email', to: 'not an address' },
    });
    expect(response.statusCode, response.body).toBe(422);
    expect(response.json().errors).toEqual([
      { in: 'body', pointer: '/to', message: 'is not an email address' },
    ]);
    const foreign = await t.app.inject({
      method: 'POST',
      url: '/api/v1/alert-channels',
      headers: owner.headers,
      payload: { type: 'email', url: 'https://example.test/hook' },
    });
    expect(foreign.json().errors).toEqual([
      { in: 'body', pointer: '/url', message: 'is not a field of an email channel' },
      { in: 'body', pointer: '/to', message: 'is required for an email channel' },
    ]);
  });
});
