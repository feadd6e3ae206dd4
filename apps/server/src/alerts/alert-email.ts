import type { AlertBody } from '@datasync/contracts';

// The email of an alert: a subject, a plain-text body and a small HTML one, with the same facts as the webhook body
// (whose `link` must be absolute by now). Pure.

export interface AlertEmail {
  subject: string;
  text: string;
  html: string;
}

/** Failed sites listed in a sync.failed email; the count says how many more there were. */
const LISTED_SITES = 20;

export function alertEmail(body: AlertBody): AlertEmail {
  const { headline, subject } = wordsOf(body);
  const facts: [string, string][] = [['Organization', body.organization.name]];
  if (body.site) facts.push(['Site', `${body.site.name} (${body.site.slug})`]);
  if (body.job) facts.push(['Sync job', `${body.job.id} (${body.job.status})`]);
  if (body.last_error) facts.push(['Last error', body.last_error]);
  facts.push(['When', body.timestamp]);
  const failed = body.job?.failed_sites ?? [];
  const listed = failed
    .slice(0, LISTED_SITES)
    .map((site) => `${site.name} (${site.slug}): ${site.error ?? '—'}`);
  if (failed.length > LISTED_SITES) listed.push(`and ${failed.length - LISTED_SITES} more`);

  const text = [
    headline,
    '',
    ...facts.map(([label, value]) => `${label}: ${value}`),
    ...(listed.length > 0 ? ['', 'Sites that failed:', ...listed.map((line) => `- ${line}`)] : []),
    '',
    `Open in DataSync: ${body.link}`,
    '',
  ].join('\n');

  const html = [
    `<p>${escapeHtml(headline)}</p>`,
    `<table>${facts.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`,
    listed.length > 0
      ? `<p>Sites that failed:</p><ul>${listed.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`
      : '',
    `<p><a href="${escapeHtml(body.link)}">Open in DataSync</a></p>`,
  ].join('\n');

  return { subject: `[DataSync] ${oneLine(subject)}`, text, html };
}

function wordsOf(body: AlertBody): { subject: string; headline: string } {
  const site = body.site?.slug ?? 'a site';
  const siteName = body.site?.name ?? site;
  switch (body.type) {
    case 'site.failing':
      return {
        subject: `${site} is failing`,
        headline: `${siteName} is failing: its deliveries are not accepted.`,
      };
    case 'site.recovered':
      return {
        subject: `${site} recovered`,
        headline: `${siteName} recovered: it accepts deliveries again.`,
      };
    case 'site.disabled':
      return {
        subject: `${site} is disabled`,
        headline: `${siteName} is disabled: nothing is sent to it any more.`,
      };
    case 'sync.failed': {
      const count = body.job?.failed_sites.length ?? 0;
      const sites = `${count} ${count === 1 ? 'site' : 'sites'}`;
      return {
        subject: `Sync failed: ${sites}`,
        headline: `A sync ${body.job?.status === 'partial' ? 'partly failed' : 'failed'}: ${sites} did not accept it.`,
      };
    }
    case 'test':
      return { subject: 'Test alert', headline: 'A test alert: this channel receives DataSync alerts.' };
  }
}

/** Header text on one line: a name holding a line break must not start another header. */
function oneLine(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
