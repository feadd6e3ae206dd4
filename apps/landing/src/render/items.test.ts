import { describe, expect, it } from 'vitest';
import { renderItem } from './items.js';
import { renderSitePage } from './site-page.js';

const offer = (data: Record<string, unknown>) =>
  renderItem({ id: 'a', title: 'Offer', content_type: 'offer_banner', data, mode: 'full' }).value;

describe('renderItem', () => {
  it('lays out an offer banner: badge, headline, sub-headline, discount, validity, call to action', () => {
    const html = offer({
      headline: 'Summer Sale',
      subheadline: 'Biggest of the year',
      discount_percent: 30,
      valid_until: '2027-08-31',
      badge: 'limited',
      cta: { text: 'Shop the sale', url: 'https://shop.example/summer' },
    });
    expect(html).toContain('<span class="badge badge-limited">Limited</span>');
    expect(html).toContain('<h2 class="headline">Summer Sale</h2>');
    expect(html).toContain('Biggest of the year');
    expect(html).toContain('<strong>30%</strong> off');
    expect(html).toContain('<time datetime="2027-08-31">2027-08-31</time>');
    expect(html).toContain(
      '<a class="cta" href="https://shop.example/summer" rel="noopener noreferrer">Shop the sale</a>',
    );
  });

  it('lays out a landing page: hero, offer with bold text, location, testimonial, amenities', () => {
    const html = renderItem({
      id: 'c',
      title: 'Downtown',
      content_type: 'landing_page',
      mode: 'full',
      data: {
        hero: { title: 'Acme Downtown is open', subtitle: 'Three floors' },
        offer: '**Opening week:** a free tote bag',
        cta: { text: 'Get directions', url: 'https://maps.example/' },
        location: { address: '120 Market Street', phone: '+1 (555) 010-2030', email: 'hi@acme.example' },
        testimonial: { quote: 'Great prices', author: 'Jamie R.' },
        amenities: ['parking', 'wheelchair_access'],
      },
    }).value;
    expect(html).toContain('Acme Downtown is open');
    expect(html).toContain('<strong>Opening week:</strong> a free tote bag');
    expect(html).toContain('href="tel:+15550102030"');
    expect(html).toContain('href="mailto:hi@acme.example"');
    expect(html).toContain('“Great prices”');
    expect(html).toContain('<cite>Jamie R.</cite>');
    expect(html).toContain('<li>Wheelchair access</li>');
  });

  it('escapes every payload string and links only http(s) URLs', () => {
    const html = offer({
      headline: '<script>alert(1)</script>',
      subheadline: '"><img src=x onerror=alert(2)>',
      badge: '"><b>',
      cta: { text: 'Click <b>me</b>', url: 'javascript:alert(3)' },
    });
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toContain('javascript:');
    expect(html).toContain('<span class="cta">Click &lt;b&gt;me&lt;/b&gt;</span>');
  });

  it('escapes bold markers content in a landing page offer and ignores oddly typed fields', () => {
    const html = renderItem({
      id: 'x',
      title: 't',
      content_type: 'landing_page',
      mode: 'full',
      data: {
        hero: 'not an object',
        offer: '**<i>x</i>**',
        testimonial: { quote: 42 },
        amenities: 'parking',
      },
    }).value;
    expect(html).toContain('<strong>&lt;i&gt;x&lt;/i&gt;</strong>');
    expect(html).not.toContain('amenities');
  });

  it('shows the title of an item of a content type it does not know', () => {
    const html = renderItem({
      id: 'z',
      title: '<Unknown>',
      content_type: 'faq',
      data: {},
      mode: 'full',
    }).value;
    expect(html).toContain('<h2 class="headline">&lt;Unknown&gt;</h2>');
  });
});

describe('renderSitePage', () => {
  it('escapes the sending site name too', () => {
    const html = renderSitePage('facebook', {
      siteId: 's',
      version: 1,
      webhookId: 'w',
      appliedWebhookIds: ['w'],
      appliedAt: '2026-11-25T10:00:00.000Z',
      event: {
        type: 'content.synced',
        timestamp: '2026-11-25T10:00:00.000Z',
        data: {
          site: { id: 's', slug: 'facebook', name: '</p><script>' },
          version: 1,
          job_id: 'j',
          items: [],
        },
      },
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('No content');
    expect(html).toContain('2026-11-25 10:00:00 UTC');
  });
});
