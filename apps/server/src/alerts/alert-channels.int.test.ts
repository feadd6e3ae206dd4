import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../test/support/receivers.js';
import { rowsOf } from '../../test/support/sql.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from '../../test/support/test-app.js';
import { addMember, signUp, type SignedInUser } from '../../test/support/users.js';
import { decryptSecret } from '../crypto/secret-box.js';
import { alertChannels } from '../db/schema/index.js';

const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;

let t: TestApp;
let receiver: Receiver;
let failingReceiver: Receiver;
let owner: SignedInUser;
let admin: SignedInUser;
let editor: SignedInUser;
let viewer: SignedInUser;
let ownerB: SignedInUser;

beforeAll(async () => {
  receiver = await startReceiver({ status: 200 });
  failingReceiver = await startReceiver({ status: 500, body: 'down for maintenance' });
  // The receivers listen on 127.0.0.1: allowed on purpose, as ALLOWED_DESTINATION_ORIGINS allows a site's.
  t = await createTestApp({ allowedDestinationOrigins: [receiver.origin, failingReceiver.origin] });
  owner = await signUp(t.app, { organization: 'Alerting Org' });
  admin = await addMember(t.app, owner, 'admin');
  editor = await addMember(t.app, owner, 'editor');
  viewer = await addMember(t.app, owner, 'viewer');
  ownerB = await signUp(t.app, { organization: 'Other Org' });
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
  await failingReceiver?.close();
});

function request(who: SignedInUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) {
  return t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: who.headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
}

async function createWebhookChannel(who: SignedInUser, url: string) {
  const response = await request(who, 'POST', '/alert-channels', { type: 'webhook', url });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

function expectUnprocessable(response: Awaited<ReturnType<typeof request>>, errors: object[]) {
  expect(response.statusCode, response.body).toBe(422);
  expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(response.json()).toMatchObject({ type: 'urn:datasync:problem:unprocessable', status: 422 });
  expect(response.json().errors).toEqual(errors.map((error) => ({ in: 'body', ...error })));
}

describe('webhook alert channels', () => {
  it('shows the signing secret once, a hint afterwards, and stores only its ciphertext', async () => {
    const channel = await createWebhookChannel(admin, receiver.url);
    expect(channel).toEqual({
      id: expect.any(String),
      type: 'webhook',
      url: receiver.url,
      to: null,
      signing_secret: expect.stringMatching(SECRET),
      signing_secret_hint: `whsec_…${channel.signing_secret.slice(-4)}`,
      created_at: expect.any(String),
    });
    const list = await request(admin, 'GET', '/alert-channels');
    expect(list.statusCode).toBe(200);
    const { signing_secret: secret, ...shown } = channel;
    expect(list.json()).toContainEqual(shown);
    expect(list.body).not.toContain(secret);

    const [row] = await t.database.db.select().from(alertChannels).where(eq(alertChannels.id, channel.id));
    expect(row!.signingSecretEncrypted).not.toContain(secret.slice(6));
    expect(decryptSecret(t.deps.keys.encryption, row!.signingSecretEncrypted!)).toBe(secret);
    expect(row!.createdBy).toBe(admin.me.user!.id);

    const [audit] = await rowsOf<{ action: string; text: string }>(
      t.database.db,
      `SELECT action, after::text AS text FROM audit_log WHERE entity_id = '${channel.id}'`,
    );
    expect(audit!.action).toBe('alert_channel.create');
    expect(audit!.text).not.toContain(secret.slice(6));
  });

  it('sends a signed test alert at once and answers its outcome', async () => {
    const channel = await createWebhookChannel(admin, receiver.url);
    const before = receiver.requests.length;
    const tested = await request(admin, 'POST', `/alert-channels/${channel.id}/test`);
    expect(tested.statusCode, tested.body).toBe(200);
    const alert = tested.json();

    expect(receiver.requests.length).toBe(before + 1);
    const received = receiver.requests.at(-1)!;
    const verified = new Webhook(channel.signing_secret).verify(
      received.body,
      received.headers as Record<string, string>,
    );
    expect(verified).toEqual(alert.body);
    expect(received.headers['webhook-id']).toBe(alert.sends[0].id);
    expect(alert).toEqual({
      id: expect.any(String),
      type: 'test',
      created_at: expect.any(String),
      body: {
        type: 'test',
        timestamp: expect.any(String),
        organization: {
          id: owner.me.organization.id,
          slug: owner.me.organization.slug,
          name: 'Alerting Org',
        },
        site: null,
        job: null,
        last_error: null,
        link: `${TEST_PUBLIC_URL}/alerts`,
      },
      sends: [
        {
          id: expect.any(String),
          channel_id: channel.id,
          channel_type: 'webhook',
          status: 'success',
          attempts: 1,
          response_code: 200,
          error: null,
          next_attempt_at: null,
          completed_at: expect.any(String),
        },
      ],
    });

    const listed = await request(viewer, 'GET', '/alerts');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items[0]).toEqual(alert);
  });

  it('answers the failure of a receiver that refuses the test alert, without retrying it', async () => {
    const channel = await createWebhookChannel(admin, failingReceiver.url);
    const tested = await request(admin, 'POST', `/alert-channels/${channel.id}/test`);
    expect(tested.statusCode, tested.body).toBe(200);
    expect(tested.json().sends).toEqual([
      expect.objectContaining({
        channel_id: channel.id,
        status: 'failed',
        attempts: 1,
        response_code: 500,
        error: 'HTTP 500',
        next_attempt_at: null,
      }),
    ]);
    expect(failingReceiver.requests.length).toBe(1);
  });

  it('deletes a channel (204); its past sends stay without it', async () => {
    const channel = await createWebhookChannel(admin, receiver.url);
    const tested = (await request(admin, 'POST', `/alert-channels/${channel.id}/test`)).json();
    const deleted = await request(admin, 'DELETE', `/alert-channels/${channel.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await request(admin, 'GET', '/alert-channels')).json()).not.toContainEqual(
      expect.objectContaining({ id: channel.id }),
    );
    expect((await request(admin, 'DELETE', `/alert-channels/${channel.id}`)).statusCode).toBe(404);
    const alerts = (await request(admin, 'GET', '/alerts')).json().items;
    const kept = alerts.find((alert: { id: string }) => alert.id === tested.id);
    expect(kept.sends).toEqual([expect.objectContaining({ channel_id: null, status: 'success' })]);
  });
});

describe('email alert channels without SMTP_URL', () => {
  it('refuses an email channel, naming type', async () => {
    const response = await request(admin, 'POST', '/alert-channels', {
      type: 'email',
      to: 'ops@example.test',
    });
    expectUnprocessable(response, [
      {
        pointer: '/type',
        message: 'email channels need SMTP_URL: this DataSync has no SMTP server to send mail through',
      },
    ]);
  });
});

describe('bad input', () => {
  it('refuses a loopback or private webhook URL that ALLOWED_DESTINATION_ORIGINS does not allow', async () => {
    const loopback = await request(admin, 'POST', '/alert-channels', {
      type: 'webhook',
      url: 'http://127.0.0.1:9/hook',
    });
    expectUnprocessable(loopback, [
      {
        pointer: '/url',
        message:
          'is a loopback address (127.0.0.1); to send to it on purpose, add its origin http://127.0.0.1:9 to ALLOWED_DESTINATION_ORIGINS',
      },
    ]);
    const metadata = await request(admin, 'POST', '/alert-channels', {
      type: 'webhook',
      url: 'http://169.254.169.254/latest/meta-data',
    });
    expectUnprocessable(metadata, [
      {
        pointer: '/url',
        message:
          'is a link-local address (169.254.169.254); to send to it on purpose, add its origin http://169.254.169.254 to ALLOWED_DESTINATION_ORIGINS',
      },
    ]);
    const notHttp = await request(admin, 'POST', '/alert-channels', {
      type: 'webhook',
      url: 'ftp://x.test/',
    });
    expectUnprocessable(notHttp, [{ pointer: '/url', message: 'must be an http or https URL' }]);
  });

  it('refuses an unknown type, a missing or foreign field and a bad email address, naming each', async () => {
    expectUnprocessable(await request(admin, 'POST', '/alert-channels', { type: 'sms', to: '+1555' }), [
      { pointer: '/type', message: 'must be "webhook" or "email"' },
    ]);
    expectUnprocessable(await request(admin, 'POST', '/alert-channels', { type: 'webhook' }), [
      { pointer: '/url', message: 'is required for a webhook channel' },
    ]);
    expectUnprocessable(
      await request(admin, 'POST', '/alert-channels', {
        type: 'webhook',
        url: receiver.url,
        to: 'ops@example.test',
      }),
      [{ pointer: '/to', message: 'is not a field of a webhook channel' }],
    );
  });

  it('refuses a body that does not match the schema (400)', async () => {
    const response = await request(admin, 'POST', '/alert-channels', { type: 'webhook', url: 1 });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ in: 'body', pointer: '/url', message: 'must be string' }]);
  });

  it('lets only admins and owners manage channels; viewers read the alerts', async () => {
    const channel = await createWebhookChannel(owner, receiver.url);
    for (const who of [editor, viewer]) {
      expect((await request(who, 'GET', '/alert-channels')).statusCode).toBe(403);
      expect(
        (await request(who, 'POST', '/alert-channels', { type: 'webhook', url: receiver.url })).statusCode,
      ).toBe(403);
      expect((await request(who, 'POST', `/alert-channels/${channel.id}/test`)).statusCode).toBe(403);
      expect((await request(who, 'DELETE', `/alert-channels/${channel.id}`)).statusCode).toBe(403);
      expect((await request(who, 'GET', '/alerts')).statusCode).toBe(200);
    }
  });
});

describe('tenant isolation', () => {
  it("hides organization A's channels and alerts from organization B (404 on every channel route)", async () => {
    const channel = await createWebhookChannel(admin, receiver.url);
    const tested = (await request(admin, 'POST', `/alert-channels/${channel.id}/test`)).json();
    const sent = receiver.requests.length;

    const listed = await request(ownerB, 'GET', '/alert-channels');
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([]);
    const test = await request(ownerB, 'POST', `/alert-channels/${channel.id}/test`);
    expect(test.statusCode).toBe(404);
    expect(test.json().detail).toBe('No such alert channel.');
    expect((await request(ownerB, 'DELETE', `/alert-channels/${channel.id}`)).statusCode).toBe(404);
    const alerts = await request(ownerB, 'GET', '/alerts');
    expect(alerts.json()).toEqual({ items: [], next_cursor: null });
    expect(alerts.body).not.toContain(tested.id);

    expect(receiver.requests.length).toBe(sent);
    expect((await request(admin, 'GET', '/alert-channels')).json()).toContainEqual(
      expect.objectContaining({ id: channel.id }),
    );
  });
});
