import { readFileSync } from 'node:fs';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, webhookHeaders } from './sign.js';

interface Vector {
  name: string;
  secrets: string[];
  id: string;
  timestamp: number;
  body: string;
  signature: string;
}

const { vectors } = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/standard-webhooks-vectors.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

const CURRENT = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PREVIOUS = 'whsec_YjzYYHZVyeZBd6r864nF2xo4NCLdr3zQqkRp6YyZ94U=';
const now = () => Math.floor(Date.now() / 1000);

describe('signWebhook', () => {
  it('reproduces the published Standard Webhooks vector exactly', () => {
    expect(
      signWebhook({
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secrets: [CURRENT],
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it.each(vectors.map((vector) => [vector.name, vector] as const))(
    'reproduces the shared fixture vector: %s',
    (_name, { id, timestamp, body, secrets, signature }) => {
      expect(signWebhook({ id, timestamp, body, secrets })).toBe(signature);
    },
  );

  it.each(vectors.map((vector) => [vector.name, vector] as const))(
    'signs the body given as UTF-8 bytes exactly as the string: %s',
    (_name, { id, timestamp, body, secrets, signature }) => {
      expect(signWebhook({ id, timestamp, body: Buffer.from(body, 'utf8'), secrets })).toBe(signature);
    },
  );

  it('signs non-ASCII bytes as their string', () => {
    const body = '{"title":"Été — 50 % off 🎉"}';
    const input = { id: 'msg_utf8', timestamp: 1614265330, secrets: [CURRENT] };
    expect(signWebhook({ ...input, body: Buffer.from(body) })).toBe(signWebhook({ ...input, body }));
    expect(signWebhook({ ...input, body: Buffer.from(body) })).not.toBe(
      signWebhook({ ...input, body: Buffer.from(body, 'latin1') }),
    );
  });

  it('accepts a secret without the whsec_ prefix, as the reference libraries do', () => {
    const vector = vectors[0]!;
    const bare = vector.secrets[0]!.slice('whsec_'.length);
    expect(signWebhook({ ...vector, secrets: [bare] })).toBe(vector.signature);
  });

  it('refuses to sign with no secret, an empty secret or a fractional timestamp', () => {
    const input = { id: 'msg_1', timestamp: 1614265330, body: '{}' };
    expect(() => signWebhook({ ...input, secrets: [] })).toThrow(/at least one/);
    expect(() => signWebhook({ ...input, secrets: ['whsec_'] })).toThrow(/empty/);
    expect(() => signWebhook({ ...input, timestamp: 1.5, secrets: [CURRENT] })).toThrow(/integer/);
  });
});

describe('signatures verified by the standardwebhooks package', () => {
  const body = JSON.stringify({ type: 'content.synced', data: { title: 'Été — 50 % off 🎉' } });

  it('verifies a fresh signed webhook and returns the payload', () => {
    const headers = webhookHeaders({ id: 'msg_fresh', timestamp: now(), body, secrets: [CURRENT] });
    expect(new Webhook(CURRENT).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('during rotation, a message signed with both secrets verifies with either one', () => {
    const headers = webhookHeaders({
      id: 'msg_rotating',
      timestamp: now(),
      body,
      secrets: [CURRENT, PREVIOUS],
    });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(CURRENT).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(PREVIOUS).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('rejects a tampered body, another id, or a secret that did not sign', () => {
    const headers = webhookHeaders({ id: 'msg_x', timestamp: now(), body, secrets: [CURRENT] });
    expect(() => new Webhook(CURRENT).verify(body.replace('50', '90'), headers)).toThrow(/signature/i);
    expect(() => new Webhook(CURRENT).verify(body, { ...headers, 'webhook-id': 'msg_y' })).toThrow(
      /signature/i,
    );
    expect(() => new Webhook(PREVIOUS).verify(body, headers)).toThrow(/signature/i);
  });
});

describe('webhookHeaders', () => {
  it('carries the content type and the three Standard Webhooks headers', () => {
    const vector = vectors[0]!;
    expect(webhookHeaders(vector)).toEqual({
      'content-type': 'application/json',
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': vector.signature,
    });
  });
});
