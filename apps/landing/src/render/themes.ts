import type { Slug } from '../sites.js';
import { html, type SafeHtml } from './html.js';

// Each platform's look from colours and system fonts alone: the pages load nothing from anywhere (their
// Content-Security-Policy forbids it), so the demo works offline and leaks no visitor to a CDN.

export interface Theme {
  /** The platform's wordmark for the top bar. */
  wordmark: SafeHtml;
  /** What the campaign calls itself under the wordmark. */
  tagline: string;
  css: string;
}

const BASE_CSS = `
*{box-sizing:border-box}
body{margin:0;line-height:1.45}
.bar{display:flex;align-items:center;gap:12px;padding:12px 20px}
.wordmark{font-weight:700;text-decoration:none}
.tagline{opacity:.8;font-size:.9rem}
main{max-width:720px;margin:0 auto;padding:20px}
.sync-status{font-size:.85rem;margin:0 0 16px}
.empty{padding:40px 24px;text-align:center}
.item{margin:0 0 20px;padding:20px}
.headline{margin:.2em 0;font-size:1.6rem;line-height:1.2}
.subheadline{margin:.3em 0 .8em}
.discount strong{font-size:2.4rem}
.badge{display:inline-block;padding:2px 10px;font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em}
.cta{display:inline-block;margin-top:10px;padding:10px 18px;font-weight:600;text-decoration:none}
.location{display:grid;gap:2px;margin-top:16px;font-style:normal}
.testimonial{margin:16px 0 0;padding:12px 16px}
.testimonial p{margin:0;font-style:italic}
.testimonial cite{display:block;margin-top:6px;font-style:normal;font-weight:600}
.amenities{display:flex;flex-wrap:wrap;gap:6px;padding:0;list-style:none}
.amenities li{padding:2px 10px;font-size:.8rem}
footer{max-width:720px;margin:0 auto;padding:0 20px 30px;font-size:.8rem;opacity:.7}
`;

const facebook: Theme = {
  wordmark: html`<span class="wordmark" style="font-size:1.7rem;letter-spacing:-.03em">facebook</span>`,
  tagline: 'Sponsored campaign',
  css: `${BASE_CSS}
body{background:#f0f2f5;color:#1c1e21;font-family:"Segoe UI",Helvetica,Arial,sans-serif}
.bar{background:#1877f2;color:#fff}.wordmark{color:#fff}
.item{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.2)}
.badge{background:#e7f3ff;color:#1877f2;border-radius:6px}
.cta{background:#1877f2;color:#fff;border-radius:6px}
.discount strong{color:#1877f2}
.testimonial{background:#f0f2f5;border-radius:8px}
.amenities li{background:#e4e6eb;border-radius:6px}
.sync-status{color:#65676b}`,
};

const GOOGLE_LETTERS: [string, string][] = [
  ['G', '#4285f4'],
  ['o', '#ea4335'],
  ['o', '#fbbc05'],
  ['g', '#4285f4'],
  ['l', '#34a853'],
  ['e', '#ea4335'],
];

const google: Theme = {
  wordmark: html`<span class="wordmark" style="font-size:1.6rem;font-weight:500"
    >${GOOGLE_LETTERS.map(([letter, colour]) => html`<span style="color:${colour}">${letter}</span>`)}</span
  >`,
  tagline: 'Sponsored',
  css: `${BASE_CSS}
body{background:#fff;color:#202124;font-family:Roboto,Arial,sans-serif}
.bar{border-bottom:1px solid #dadce0}
.item{border:1px solid #dadce0;border-radius:8px}
.item::before{content:"Sponsored";display:block;font-size:.75rem;font-weight:700;color:#202124;margin-bottom:4px}
.headline{color:#1a0dab;font-weight:400}
.badge{background:#e6f4ea;color:#137333;border-radius:4px}
.cta{background:#1a73e8;color:#fff;border-radius:4px}
.discount strong{color:#188038}
.location{color:#4d5156}.location a{color:#1a0dab}
.testimonial{border-left:3px solid #fbbc05;background:#fef7e0}
.amenities li{border:1px solid #dadce0;border-radius:16px}
.sync-status{color:#70757a}`,
};

const instagram: Theme = {
  wordmark: html`<span
    class="wordmark"
    style="font-family:'Brush Script MT','Segoe Script',cursive;font-size:2rem;font-weight:400"
    >Instagram</span
  >`,
  tagline: 'Sponsored · Acme',
  css: `${BASE_CSS}
body{background:#fafafa;color:#262626;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
.bar{background:#fff;border-bottom:1px solid #dbdbdb}.wordmark{color:#262626}
.bar::after{content:"";flex:1;height:4px;border-radius:2px;background:linear-gradient(90deg,#feda75,#fa7e1e,#d62976,#962fbf,#4f5bd5)}
main{max-width:470px}
.item{background:#fff;border:1px solid #dbdbdb;border-radius:12px;padding:0;overflow:hidden}
.item>div{padding:16px}
.item::before{content:"";display:block;aspect-ratio:4/3;background:linear-gradient(45deg,#feda75,#fa7e1e,#d62976,#962fbf,#4f5bd5)}
.badge{background:#262626;color:#fff;border-radius:12px}
.cta{display:block;text-align:center;background:#0095f6;color:#fff;border-radius:8px}
.discount strong{background:linear-gradient(90deg,#fa7e1e,#d62976);-webkit-background-clip:text;background-clip:text;color:transparent}
.testimonial{border-radius:8px;background:#fafafa}
.amenities li{background:#efefef;border-radius:12px}
.sync-status{color:#8e8e8e}`,
};

export const THEMES: Record<Slug, Theme> = { facebook, google, instagram };
