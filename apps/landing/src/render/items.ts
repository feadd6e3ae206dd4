import type { SyncedItem } from '@datasync/receiver';
import { html, safeHref, type SafeHtml } from './html.js';

// Item data arrives as JSON shaped by a content type this page does not control (an editor may change the schema),
// so every field is read defensively: a missing or oddly typed field is left out, never a crash.

type Data = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;

const object = (value: unknown): Data | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : undefined;

const humanize = (value: string) => value.replace(/_/g, ' ').replace(/^./, (first) => first.toUpperCase());

function callToAction(value: unknown): SafeHtml | undefined {
  const cta = object(value);
  const label = text(cta?.text);
  if (!label) return undefined;
  const href = safeHref(cta?.url);
  return href
    ? html`<a class="cta" href="${href}" rel="noopener noreferrer">${label}</a>`
    : html`<span class="cta">${label}</span>`;
}

/** `**bold**` only: what the demo's markdown offer uses. The text is escaped first, so no HTML gets through. */
function lightMarkdown(value: string): SafeHtml[] {
  return value
    .split(/\*\*(.+?)\*\*/g)
    .map((part, index) => (index % 2 ? html`<strong>${part}</strong>` : html`${part}`));
}

function offerBanner(data: Data): SafeHtml {
  const badge = text(data.badge);
  const discount = typeof data.discount_percent === 'number' ? data.discount_percent : undefined;
  const validUntil = text(data.valid_until);
  return html`<div class="offer">
    ${badge && html`<span class="badge badge-${badge.replace(/[^a-z0-9-]/gi, '')}">${humanize(badge)}</span>`}
    <h2 class="headline">${text(data.headline)}</h2>
    ${text(data.subheadline) && html`<p class="subheadline">${text(data.subheadline)}</p>`}
    ${discount !== undefined && html`<p class="discount"><strong>${discount}%</strong> off</p>`}
    ${validUntil && html`<p class="valid-until">Valid until <time datetime="${validUntil}">${validUntil}</time></p>`}
    ${callToAction(data.cta)}
  </div>`;
}

function location(value: unknown): SafeHtml | undefined {
  const place = object(value);
  if (!place) return undefined;
  const phone = text(place.phone);
  const email = text(place.email);
  return html`<address class="location">
    ${text(place.address) && html`<span class="address">${text(place.address)}</span>`}
    ${phone && html`<a class="phone" href="tel:${phone.replace(/[^+0-9]/g, '')}">${phone}</a>`}
    ${email && html`<a class="email" href="mailto:${email}">${email}</a>`}
    ${text(place.opening_hours) && html`<span class="hours">${text(place.opening_hours)}</span>`}
  </address>`;
}

function testimonial(value: unknown): SafeHtml | undefined {
  const quote = object(value);
  if (!text(quote?.quote)) return undefined;
  return html`<blockquote class="testimonial">
    <p>“${text(quote!.quote)}”</p>
    ${text(quote!.author) && html`<cite>${text(quote!.author)}</cite>`}
  </blockquote>`;
}

function amenities(value: unknown): SafeHtml | undefined {
  const list = Array.isArray(value) ? value.map(text).filter((entry) => entry !== undefined) : [];
  if (list.length === 0) return undefined;
  return html`<ul class="amenities">
    ${list.map((entry) => html`<li>${humanize(entry)}</li>`)}
  </ul>`;
}

function landingPage(data: Data): SafeHtml {
  const hero = object(data.hero);
  const offer = text(data.offer);
  return html`<div class="landing">
    <div class="hero">
      <h2 class="headline">${text(hero?.title)}</h2>
      ${text(hero?.subtitle) && html`<p class="subheadline">${text(hero?.subtitle)}</p>`}
    </div>
    ${offer && html`<p class="offer-text">${lightMarkdown(offer)}</p>`} ${callToAction(data.cta)}
    ${location(data.location)} ${testimonial(data.testimonial)} ${amenities(data.amenities)}
  </div>`;
}

/** One synced item, laid out by what its content type provides; an unknown type shows its title. */
export function renderItem(item: SyncedItem): SafeHtml {
  const data = object(item.data) ?? {};
  const body =
    item.content_type === 'offer_banner'
      ? offerBanner(data)
      : item.content_type === 'landing_page'
        ? landingPage(data)
        : html`<h2 class="headline">${item.title}</h2>`;
  return html`<article
    class="item item-${item.content_type === 'landing_page' ? 'landing' : 'offer'}"
    data-item-id="${item.id}"
    data-content-type="${item.content_type}"
    data-mode="${item.mode}"
  >
    ${body}
  </article>`;
}
