import type { Alert, AlertChannel, AlertType } from '@datasync/contracts';
import type { Tone } from '../../components/ui';

export const ALERT_TYPE_BADGES: Record<AlertType, { label: string; tone: Tone }> = {
  'site.failing': { label: 'Site failing', tone: 'red' },
  'site.recovered': { label: 'Site recovered', tone: 'green' },
  'site.disabled': { label: 'Site disabled', tone: 'slate' },
  'sync.failed': { label: 'Sync failed', tone: 'amber' },
  test: { label: 'Test', tone: 'blue' },
};

type Send = Alert['sends'][number];

/** How one send of an alert went, in words: "Delivered (200)", "Failed: HTTP 500", "Sending…". */
export function sendStatusText(send: Send): string {
  if (send.status === 'success') {
    const facts = [
      ...(send.response_code !== null ? [String(send.response_code)] : []),
      ...(send.attempts > 1 ? [`after ${send.attempts} attempts`] : []),
    ];
    return facts.length > 0 ? `Delivered (${facts.join(', ')})` : 'Delivered';
  }
  if (send.status === 'failed') return send.error ? `Failed: ${send.error}` : 'Failed';
  return 'Sending…';
}

/** Where a channel sends: its URL or its address. */
export function channelTarget(channel: Pick<AlertChannel, 'type' | 'url' | 'to'>): string {
  return (channel.type === 'webhook' ? channel.url : channel.to) ?? '—';
}
