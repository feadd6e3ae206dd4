import { html, trusted, type SafeHtml } from './html.js';

/** The document shell every page shares; `css` is trusted stylesheet text from themes.ts, never payload data. */
export function layout(options: { title: string; css: string; body: SafeHtml }): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title}</title>
        <style>
          ${trusted(options.css)}
        </style>
      </head>
      <body>
        ${options.body}
      </body>
    </html> `.value;
}

/**
 * Nothing may load from elsewhere and no script may run: a payload that slipped past escaping still could not
 * fetch or execute anything. Inline styles are the pages' only styling, hence 'unsafe-inline' for styles alone.
 */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};
