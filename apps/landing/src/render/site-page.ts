import type { SiteRecord } from '@datasync/receiver';
import { PLATFORM_NAMES, type Slug } from '../sites.js';
import { html } from './html.js';
import { renderItem } from './items.js';
import { layout } from './layout.js';
import { THEMES } from './themes.js';

function syncStatus(record: SiteRecord) {
  const version = record.version;
  return html`<p class="sync-status">
    Last synced
    <time datetime="${record.appliedAt}">${record.appliedAt.replace('T', ' ').slice(0, 19)} UTC</time>
    · version ${version} · from ${record.event.data.site.name}
  </p>`;
}

const NOTHING_SYNCED = html`<div class="item empty">
  <h2 class="headline">Nothing synced yet</h2>
  <p>This page shows what DataSync sends it. Load the demo data in DataSync and run a sync.</p>
</div>`;

const NO_ITEMS = html`<div class="item empty">
  <h2 class="headline">No content</h2>
  <p>The last sync sent this page no items.</p>
</div>`;

/** A campaign page: the items of the most recently applied payload, or a clear "nothing synced yet". */
export function renderSitePage(slug: Slug, record: SiteRecord | undefined): string {
  const theme = THEMES[slug];
  const items = record?.event.data.items ?? [];
  const content = !record ? NOTHING_SYNCED : items.length === 0 ? NO_ITEMS : items.map(renderItem);
  return layout({
    title: `Acme · ${PLATFORM_NAMES[slug]} campaign`,
    css: theme.css,
    body: html`<header class="bar">${theme.wordmark}<span class="tagline">${theme.tagline}</span></header>
      <main data-slug="${slug}" data-version="${record?.version ?? 0}">
        ${record && syncStatus(record)} ${content}
      </main>
      <footer>DataSync demo landing page. Webhooks arrive at <code>POST /${slug}/webhook</code>.</footer>`,
  });
}
