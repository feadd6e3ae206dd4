import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newSecret, signatureHeaders } from './test-helpers.js';
import { verifySignature } from './verify-signature.js';

// The one vector fixture the server's signer is tested against too (DESIGN §5): the SDK must accept exactly what
// the signer produces, and what any other Standard Webhooks implementation produces.
const fixture = JSON.parse(
  readFileSync(
    new URL('../../../apps/server/test/fixtures/standard-webhooks-vectors.json', import.meta.url),
    'utf8',
  ),
) as {
  vectors: {
    name: string;
    secrets: string[];
    id: string;
    timestamp: number;
    body: string;
    signature: string;
  }[];
};

const headersOf = (id: string, timestamp: number, signature: string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

describe('verifySignature against the shared Standard Webhooks vectors', () => {
  it.each(fixture.vectors)('$name: verifies with its secrets at its own clock', (vector) => {
    const result = verifySignature({
      headers: headersOf(vector.id, vector.timestamp, vector.signature),
      body: vector.body,
      secrets: vector.secrets,
      toleranceSeconds: 300,
      nowMs: vector.timestamp * 1000,
    });
    // Every secret of a vector signed it (one signature per active secret): each is named as verifying.
    expect(result).toEqual({ ok: true, webhookId: vector.id, secrets: vector.secrets });
  });

  it.each(fixture.vectors)('$name: each secret alone verifies its entry (rotation)', (vector) => {
    for (const secret of vector.secrets) {
      const result = verifySignature({
        headers: headersOf(vector.id, vector.timestamp, vector.signature),
        body: vector.body,
        secrets: [secret],
        toleranceSeconds: 300,
        nowMs: vector.timestamp * 1000,
      });
      expect(result.ok).toBe(true);
    }
  });

  it.each(fixture.vectors)('$name: a changed body, id or timestamp fails', (vector) => {
    const base = { secrets: vector.secrets, toleranceSeconds: 300, nowMs: vector.timestamp * 1000 };
    const changed = [
      { headers: headersOf(vector.id, vector.timestamp, vector.signature), body: `${vector.body} ` },
      { headers: headersOf(`${vector.id}x`, vector.timestamp, vector.signature), body: vector.body },
      { headers: headersOf(vector.id, vector.timestamp + 1, vector.signature), body: vector.body },
    ];
    for (const input of changed) expect(verifySignature({ ...base, ...input }).ok).toBe(false);
  });

  it('the vector is refused today: its timestamp is outside the tolerance', () => {
    const [vector] = fixture.vectors;
    const result = verifySignature({
      headers: headersOf(vector!.id, vector!.timestamp, vector!.signature),
      body: vector!.body,
      secrets: vector!.secrets,
      toleranceSeconds: 300,
      nowMs: Date.now(),
    });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/tolerance 300 s/) });
  });
});

describe('verifySignature', () => {
  const secret = newSecret();
  const body = '{"hello":"world"}';
  // A fixed clock, so a second ticking between signing and verifying cannot move a case across the edge.
  const clock = 1_800_000_000;
  const verify = (
    headers: Record<string, string>,
    options: { secrets?: string[]; tolerance?: number } = {},
  ) =>
    verifySignature({
      headers,
      body,
      secrets: options.secrets ?? [secret],
      toleranceSeconds: options.tolerance ?? 300,
      nowMs: clock * 1000,
    });
  const signedAt = (offset: number, secrets = [secret]) =>
    signatureHeaders(body, secrets, { timestampSeconds: clock + offset });

  it('accepts timestamps up to the tolerance either way, and refuses one second beyond', () => {
    for (const offset of [-300, -1, 0, 1, 299, 300])
      expect(verify(signedAt(offset)).ok, `${offset}`).toBe(true);
    for (const offset of [-301, 301]) expect(verify(signedAt(offset)).ok, `${offset}`).toBe(false);
  });

  it('uses the configured tolerance', () => {
    expect(verify(signedAt(-600)).ok).toBe(false);
    expect(verify(signedAt(-600), { tolerance: 900 }).ok).toBe(true);
    expect(verify(signedAt(-2), { tolerance: 1 }).ok).toBe(false);
  });

  it('accepts a request signed with any configured secret, and one signed with several when one is known', () => {
    const previous = newSecret();
    const next = newSecret();
    expect(verify(signedAt(0, [previous]), { secrets: [next, previous] }).ok).toBe(true);
    expect(verify(signedAt(0, [newSecret(), next]), { secrets: [next] }).ok).toBe(true);
    expect(verify(signedAt(0, [newSecret()]), { secrets: [next, previous] }).ok).toBe(false);
  });

  it('names missing headers, and refuses malformed timestamps, unknown versions and an empty secret list', () => {
    const good = signedAt(0);
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers = { ...good };
      delete headers[name as keyof typeof headers];
      expect(verify(headers)).toEqual({ ok: false, reason: `Missing ${name}.` });
    }
    expect(verify({ ...good, 'webhook-timestamp': '12.5' }).ok).toBe(false);
    expect(
      verify({ ...good, 'webhook-signature': good['webhook-signature']!.replace('v1,', 'v2,') }).ok,
    ).toBe(false);
    expect(verify(good, { secrets: [] })).toEqual({ ok: false, reason: 'No signing secret is configured.' });
  });

  it('reads Fetch Headers too', () => {
    expect(
      verifySignature({
        headers: new Headers(signedAt(0)),
        body,
        secrets: [secret],
        toleranceSeconds: 300,
        nowMs: clock * 1000,
      }).ok,
    ).toBe(true);
  });
});
