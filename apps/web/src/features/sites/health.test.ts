import type { Site, SiteDelivery } from '@datasync/contracts';
import { describe, expect, it } from 'vitest';
import {
  attentionReason,
  deliveryTriggerLabel,
  HEALTH,
  needingAttention,
  parseHealth,
  redeliveryMessage,
} from './health';

const site = (overrides: Partial<Site>): Site => ({
  id: '00000000-0000-4000-8000-000000000001',
  name: 'Shop',
  slug: 'shop',
  destination_url: 'https://shop.example/hook',
  public_url: null,
  enabled: true,
  disabled_reason: null,
  current_version: 3,
  last_sync_status: 'success',
  last_sync_at: '2026-03-10T11:00:00.000Z',
  health: 'healthy',
  failing_since: null,
  last_success_at: '2026-03-10T11:00:00.000Z',
  consecutive_failures: 0,
  next_attempt_at: null,
  last_error: null,
  signing_secret_hint: 'whsec_…abcd',
  secret_rotation: null,
  created_at: '2026-03-01T00:00:00.000Z',
  updated_at: '2026-03-10T11:00:00.000Z',
  ...overrides,
});

describe('site health', () => {
  it('labels every health with words, not only a colour', () => {
    expect(HEALTH).toEqual({
      healthy: { label: 'Healthy', tone: 'green' },
      failing: { label: 'Failing', tone: 'red' },
      disabled: { label: 'Disabled', tone: 'slate' },
    });
  });

  it('reads ?health= only when it names a health', () => {
    expect(parseHealth('failing')).toBe('failing');
    expect(parseHealth('disabled')).toBe('disabled');
    expect(parseHealth('healthy')).toBe('healthy');
    expect(parseHealth('FAILING')).toBeNull();
    expect(parseHealth(null)).toBeNull();
  });

  it('says why a site needs attention', () => {
    expect(attentionReason(site({ health: 'failing', last_error: 'HTTP 500' }))).toBe('HTTP 500');
    expect(attentionReason(site({ health: 'failing' }))).toBe('Its last send was not accepted.');
    expect(
      attentionReason(
        site({ health: 'disabled', enabled: false, disabled_reason: 'The receiver answered 410 Gone.' }),
      ),
    ).toBe('The receiver answered 410 Gone.');
    expect(attentionReason(site({ health: 'disabled', enabled: false }))).toBe('Disabled by an admin.');
    expect(attentionReason(site({}))).toBe('');
  });

  it('lists failing sites first, longest failing first, then disabled ones by name', () => {
    const sites = [
      site({ name: 'Zeta', health: 'disabled', enabled: false }),
      site({ name: 'Fresh', health: 'failing', failing_since: '2026-03-10T11:59:00.000Z' }),
      site({ name: 'Fine' }),
      site({ name: 'Alpha', health: 'disabled', enabled: false }),
      site({ name: 'Old', health: 'failing', failing_since: '2026-03-09T08:00:00.000Z' }),
    ];
    expect(needingAttention(sites).map((s) => s.name)).toEqual(['Old', 'Fresh', 'Alpha', 'Zeta']);
  });

  it('words a redelivery as the toast shows it', () => {
    const id = '00000000-0000-4000-8000-000000000002';
    expect(redeliveryMessage({ status: 'queued', version: 7, delivery_id: id }, 'Shop')).toBe(
      'Version 7 is being sent to Shop',
    );
    expect(redeliveryMessage({ status: 'queued', version: null, delivery_id: id }, 'Shop')).toBe(
      'The latest version is being sent to Shop',
    );
    expect(redeliveryMessage({ status: 'up_to_date', version: 7, delivery_id: null }, 'Shop')).toBe(
      'Already up to date: Shop has version 7',
    );
  });

  it("says why a site's own delivery was sent, and nothing for a job's", () => {
    const delivery = (trigger: SiteDelivery['trigger']): SiteDelivery => ({
      id: '00000000-0000-4000-8000-000000000002',
      job_id: trigger ? null : '00000000-0000-4000-8000-000000000003',
      trigger,
      version: 2,
      status: 'success',
      attempts: 1,
      response_code: 200,
      error: null,
      next_attempt_at: null,
      created_at: '2026-03-10T11:00:00.000Z',
      completed_at: '2026-03-10T11:00:01.000Z',
    });
    expect(deliveryTriggerLabel(delivery('retry'))).toBe('Automatic retry');
    expect(deliveryTriggerLabel(delivery('redeliver'))).toBe('Redelivery');
    expect(deliveryTriggerLabel(delivery('enable'))).toBe('Sent on enabling');
    expect(deliveryTriggerLabel(delivery(null))).toBeNull();
  });
});
