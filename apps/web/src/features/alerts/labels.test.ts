import { ALERT_TYPES, type Alert } from '@datasync/contracts';
import { describe, expect, it } from 'vitest';
import { ALERT_TYPE_BADGES, channelTarget, sendStatusText } from './labels';

const send = (overrides: Partial<Alert['sends'][number]>): Alert['sends'][number] => ({
  id: '00000000-0000-4000-8000-000000000002',
  channel_id: '00000000-0000-4000-8000-000000000001',
  channel_type: 'webhook',
  status: 'success',
  attempts: 1,
  response_code: 200,
  error: null,
  next_attempt_at: null,
  completed_at: '2026-03-10T12:00:00.000Z',
  ...overrides,
});

describe('alert labels', () => {
  it('names every alert type in words', () => {
    expect(Object.keys(ALERT_TYPE_BADGES).sort()).toEqual([...ALERT_TYPES].sort());
    expect(ALERT_TYPE_BADGES['site.failing']).toEqual({ label: 'Site failing', tone: 'red' });
    expect(ALERT_TYPE_BADGES.test).toEqual({ label: 'Test', tone: 'blue' });
  });

  it('says how a send went', () => {
    expect(sendStatusText(send({}))).toBe('Delivered (200)');
    expect(sendStatusText(send({ attempts: 3, response_code: 204 }))).toBe(
      'Delivered (204, after 3 attempts)',
    );
    expect(sendStatusText(send({ channel_type: 'email', response_code: null }))).toBe('Delivered');
    expect(sendStatusText(send({ status: 'failed', error: 'HTTP 500' }))).toBe('Failed: HTTP 500');
    expect(sendStatusText(send({ status: 'failed' }))).toBe('Failed');
    expect(sendStatusText(send({ status: 'pending', completed_at: null }))).toBe('Sending…');
  });

  it("shows a webhook channel's URL and an email channel's address", () => {
    expect(channelTarget({ type: 'webhook', url: 'https://hooks.example/a', to: null })).toBe(
      'https://hooks.example/a',
    );
    expect(channelTarget({ type: 'email', url: null, to: 'ops@example.com' })).toBe('ops@example.com');
  });
});
