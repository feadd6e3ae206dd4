import type { SiteRecord } from '@datasync/receiver';
import { PLATFORM_NAMES, SLUGS, type Slug } from '../sites.js';
import { html } from './html.js';
import { layout } from './layout.js';

const CSS = `
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;background:#f6f7f9;color:#1f2328}
main{max-width:640px;margin:40px auto;padding:0 20px}
li{margin:10px 0;padding:14px 18px;background:#fff;border:1px solid #d0d7de;border-radius:8px;list-style:none}
ul{padding:0}a{font-weight:600;color:#0969da}.state{color:#57606a;font-size:.9rem}
`;

const itemCount = (count: number) => `${count} item${count === 1 ? '' : 's'}`;

/** `GET /`: the three pages and what each holds. */
export function renderIndexPage(current: Record<Slug, SiteRecord | undefined>): string {
  return layout({
    title: 'DataSync demo landing pages',
    css: CSS,
    body: html`<main>
      <h1>DataSync demo landing pages</h1>
      <p>Three campaign sites that receive signed webhooks from DataSync and show what they were sent.</p>
      <ul>
        ${SLUGS.map((slug) => {
          const record = current[slug];
          return html`<li>
            <a href="/${slug}">${PLATFORM_NAMES[slug]} campaign</a>
            <span class="state"
              >${record ? `version ${record.version}, ${itemCount(record.event.data.items.length)}` : 'nothing synced yet'}</span
            >
          </li>`;
        })}
      </ul>
    </main>`,
  });
}
