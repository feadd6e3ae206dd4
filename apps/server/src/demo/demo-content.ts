import type { MappingMode } from '../db/schema/sites.js';

// The demo: Acme Holdings runs three campaign sites fed from one set of content. Realistic enough to show
// every mapping mode, the lifecycle rule (the draft is mapped but never sent) and the field kinds of the editor.

export const DEMO_ORGANIZATION_NAME = 'Acme Holdings';

const cta = {
  type: 'object',
  title: 'Call to action',
  required: ['text', 'url'],
  additionalProperties: false,
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 40, title: 'Button text' },
    url: { type: 'string', format: 'uri', title: 'Link' },
  },
};

export const DEMO_CONTENT_TYPES = [
  {
    slug: 'offer_banner',
    name: 'Offer banner',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['headline', 'cta'],
      additionalProperties: false,
      properties: {
        headline: { type: 'string', minLength: 1, maxLength: 80, title: 'Headline' },
        subheadline: {
          type: 'string',
          maxLength: 200,
          title: 'Sub-headline',
          'x-ui': { widget: 'textarea' },
        },
        discount_percent: { type: 'integer', minimum: 0, maximum: 100, title: 'Discount (%)' },
        valid_until: { type: 'string', format: 'date', title: 'Valid until' },
        image_url: { type: 'string', format: 'uri', title: 'Image', 'x-ui': { widget: 'image' } },
        badge: { type: 'string', enum: ['new', 'limited', 'bestseller'], title: 'Badge' },
        cta,
      },
    },
  },
  {
    slug: 'landing_page',
    name: 'Landing page',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['hero', 'cta'],
      additionalProperties: false,
      properties: {
        hero: {
          type: 'object',
          title: 'Hero',
          required: ['title'],
          additionalProperties: false,
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 80, title: 'Title' },
            subtitle: { type: 'string', maxLength: 200, title: 'Subtitle' },
            image_url: { type: 'string', format: 'uri', title: 'Image', 'x-ui': { widget: 'image' } },
          },
        },
        offer: { type: 'string', maxLength: 2000, title: 'Offer', 'x-ui': { widget: 'markdown' } },
        cta,
        location: {
          type: 'object',
          title: 'Location',
          additionalProperties: false,
          properties: {
            address: { type: 'string', maxLength: 200, title: 'Address' },
            phone: {
              type: 'string',
              pattern: '^\\+?[0-9 ()-]{6,20}$',
              title: 'Phone',
              'x-ui': { widget: 'phone' },
            },
            email: { type: 'string', format: 'email', title: 'Email' },
            opening_hours: { type: 'string', maxLength: 100, title: 'Opening hours' },
          },
        },
        testimonial: {
          type: 'object',
          title: 'Testimonial',
          required: ['quote', 'author'],
          additionalProperties: false,
          properties: {
            quote: { type: 'string', maxLength: 500, title: 'Quote', 'x-ui': { widget: 'textarea' } },
            author: { type: 'string', maxLength: 80, title: 'Author' },
          },
        },
        amenities: {
          type: 'array',
          title: 'Amenities',
          uniqueItems: true,
          items: { type: 'string', enum: ['parking', 'wifi', 'wheelchair_access', 'click_and_collect'] },
        },
      },
    },
  },
] as const;

export type DemoItemKey = 'A' | 'B' | 'C' | 'D';

export const DEMO_ITEMS: {
  key: DemoItemKey;
  title: string;
  type: 'offer_banner' | 'landing_page';
  status: 'published' | 'draft';
  data: Record<string, unknown>;
}[] = [
  {
    key: 'A',
    title: 'Summer Sale: 30% off everything',
    type: 'offer_banner',
    status: 'published',
    data: {
      headline: 'Summer Sale: 30% off everything',
      subheadline: 'Our biggest sale of the year, online and in every store.',
      discount_percent: 30,
      valid_until: '2027-08-31',
      image_url: 'https://images.example.com/acme/summer-sale.jpg',
      badge: 'limited',
      cta: { text: 'Shop the sale', url: 'https://shop.acme.example/summer' },
    },
  },
  {
    key: 'B',
    title: 'Free shipping on orders over $50',
    type: 'offer_banner',
    status: 'published',
    data: {
      headline: 'Free shipping on orders over $50',
      subheadline: 'Delivered in 2 to 4 business days.',
      badge: 'new',
      cta: { text: 'Start shopping', url: 'https://shop.acme.example/' },
    },
  },
  {
    key: 'C',
    title: 'Acme Downtown: grand opening',
    type: 'landing_page',
    status: 'published',
    data: {
      hero: {
        title: 'Acme Downtown is open',
        subtitle: 'Three floors of everything you love, in the heart of the city.',
        image_url: 'https://images.example.com/acme/downtown.jpg',
      },
      offer: '**Opening week:** a free tote bag with every purchase over $25.',
      cta: { text: 'Get directions', url: 'https://maps.example.com/?q=Acme+Downtown' },
      location: {
        address: '120 Market Street, Springfield',
        phone: '+1 (555) 010-2030',
        email: 'downtown@acme.example',
        opening_hours: 'Mon–Sat 9:00–20:00, Sun 10:00–18:00',
      },
      testimonial: { quote: 'Friendly staff and great prices. My new favourite store!', author: 'Jamie R.' },
      amenities: ['parking', 'wifi', 'wheelchair_access'],
    },
  },
  {
    key: 'D',
    title: 'Black Friday preview (draft)',
    type: 'offer_banner',
    status: 'draft',
    data: {
      headline: 'Black Friday starts early',
      discount_percent: 50,
      cta: { text: 'Get notified', url: 'https://shop.acme.example/black-friday' },
    },
  },
];

export const DEMO_SITES = [
  { slug: 'facebook', name: 'Facebook Campaign' },
  { slug: 'google', name: 'Google Campaign' },
  { slug: 'instagram', name: 'Instagram Campaign' },
] as const;

/**
 * Facebook gets A as-is and B with its own call to action; Google gets C with A explicitly blocked; Instagram gets
 * A, B and C. The draft D is mapped to Instagram to show that lifecycle wins: it is sent nowhere until published.
 */
export const DEMO_MAPPINGS: {
  site: (typeof DEMO_SITES)[number]['slug'];
  item: DemoItemKey;
  mode: MappingMode;
  overrides?: Record<string, unknown>;
}[] = [
  { site: 'facebook', item: 'A', mode: 'full' },
  {
    site: 'facebook',
    item: 'B',
    mode: 'override',
    overrides: { cta: { text: 'Claim on Facebook' }, badge: 'bestseller' },
  },
  { site: 'google', item: 'C', mode: 'full' },
  { site: 'google', item: 'A', mode: 'block' },
  { site: 'instagram', item: 'A', mode: 'full' },
  { site: 'instagram', item: 'B', mode: 'full' },
  { site: 'instagram', item: 'C', mode: 'full' },
  { site: 'instagram', item: 'D', mode: 'full' },
];
