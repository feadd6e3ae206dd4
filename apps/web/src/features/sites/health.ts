import type { Redelivery, Site, SiteDelivery, SiteHealth } from '@datasync/contracts';
import type { Tone } from '../../components/ui';

/** A site's health as words and a colour: the words carry the meaning, the colour repeats it. */
export const HEALTH: Record<SiteHealth, { label: string; tone: Tone }> = {
  healthy: { label: 'Healthy', tone: 'green' },
  failing: { label: 'Failing', tone: 'red' },
  disabled: { label: 'Disabled', tone: 'slate' },
};

export const HEALTH_FILTERS: { value: SiteHealth | null; label: string }[] = [
  { value: null, label: 'All' },
  { value: 'failing', label: 'Failing' },
  { value: 'disabled', label: 'Disabled' },
];

/** `?health=` of a page URL, when it names a health. */
export function parseHealth(value: string | null): SiteHealth | null {
  return value === 'healthy' || value === 'failing' || value === 'disabled' ? value : null;
}

/** Why a site needs attention: what its receiver last answered, or why it was disabled. */
export function attentionReason(site: Site): string {
  if (site.health === 'disabled') return site.disabled_reason ?? 'Disabled by an admin.';
  if (site.health === 'failing') return site.last_error ?? 'Its last send was not accepted.';
  return '';
}

/** The sites that need attention: failing ones first, longest failing first, then disabled ones by name. */
export function needingAttention(sites: Site[]): Site[] {
  const since = (site: Site) => (site.failing_since ? Date.parse(site.failing_since) : Infinity);
  const failing = sites.filter((site) => site.health === 'failing').sort((a, b) => since(a) - since(b));
  const disabled = sites
    .filter((site) => site.health === 'disabled')
    .sort((a, b) => a.name.localeCompare(b.name));
  return [...failing, ...disabled];
}

/** What a redelivery request led to, as the toast says it. */
export function redeliveryMessage(redelivery: Redelivery, siteName: string): string {
  const version = redelivery.version === null ? 'The latest version' : `Version ${redelivery.version}`;
  return redelivery.status === 'up_to_date'
    ? `Already up to date: ${siteName} has ${version.toLowerCase()}`
    : `${version} is being sent to ${siteName}`;
}

const TRIGGER_LABELS: Record<NonNullable<SiteDelivery['trigger']>, string> = {
  retry: 'Automatic retry',
  redeliver: 'Redelivery',
  enable: 'Sent on enabling',
};

/** Why a delivery the site made on its own was sent; null for a job's delivery (the job says why). */
export function deliveryTriggerLabel(delivery: SiteDelivery): string | null {
  return delivery.trigger ? TRIGGER_LABELS[delivery.trigger] : null;
}

export const isUnfinished = (delivery: SiteDelivery) =>
  delivery.status === 'pending' || delivery.status === 'in_progress';
