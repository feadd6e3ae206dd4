// `npm run bench:validate`: how many content items per second the server validates against a schema with several
// patterns; the same schema compiled by a plain Ajv on the server's linear-time engine, and the same-run ceiling:
// that Ajv with JavaScript's own (backtracking) RegExp. See docs/benchmarks.md.
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { parseArgs } from 'node:util';
import { assertValidContentSchema, validateData } from '../apps/server/src/content/data-validator.js';
import { linearRegExp } from '../apps/server/src/content/linear-regexp.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    items: { type: 'string', default: '20000' },
  },
});
const runs = Number(args.runs);
const itemsPerRun = Number(args.items);

/** An offer banner as an editor would write it: five patterns among plain fields, formats and an enum. */
const schema = {
  type: 'object',
  required: ['headline', 'slug'],
  additionalProperties: false,
  properties: {
    headline: { type: 'string', minLength: 1, maxLength: 80 },
    slug: { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$' },
    phone: { type: 'string', pattern: '^\\+?[0-9 ()-]{6,20}$' },
    sku: { type: 'string', pattern: '^[A-Z]{2}-\\d{4}$' },
    colour: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
    promo_code: { type: 'string', pattern: '^[A-Z0-9]{4,12}$' },
    starts_on: { type: 'string', format: 'date' },
    badge: { type: 'string', enum: ['new', 'limited', 'sale'] },
    discount_percent: { type: 'integer', minimum: 0, maximum: 100 },
    cta: {
      type: 'object',
      required: ['text'],
      properties: { text: { type: 'string', maxLength: 40 }, url: { type: 'string', format: 'uri' } },
    },
  },
};

/** Items that differ (as real ones do), all valid: the work is the checks, not the error reports. */
const items = Array.from({ length: 100 }, (_, i) => ({
  headline: `Summer sale ${i}: up to ${i % 60} % off`,
  slug: `summer-sale-${i}-edition`,
  phone: `+33 1 23 45 ${String(i).padStart(2, '0')} 89`,
  sku: `FR-${String(1000 + i)}`,
  colour: `#${(0xff00aa + i).toString(16).slice(-6)}`,
  promo_code: `SUMMER${i}`,
  starts_on: '2026-06-21',
  badge: 'sale',
  discount_percent: i % 100,
  cta: { text: 'Shop now', url: `https://shop.example.com/sale/${i}` },
}));

function plainAjv(options: ConstructorParameters<typeof Ajv2020>[0] = {}) {
  const ajv = new Ajv2020({ allErrors: true, strictTypes: false, logger: false, ...options });
  (formatsPlugin as unknown as { default: typeof formatsPlugin.default }).default(ajv);
  return ajv.compile(schema);
}

assertValidContentSchema(schema);
const ceiling = plainAjv();
const linear = plainAjv({ code: { regExp: linearRegExp } });
for (const item of items) {
  if (validateData(schema, item, '/data').length > 0 || !ceiling(item) || !linear(item)) {
    throw new Error('bench item is invalid');
  }
}

function itemsPerSecond(validate: (item: unknown) => void): number {
  const started = performance.now();
  for (let i = 0; i < itemsPerRun; i += 1) validate(items[i % items.length]);
  return (itemsPerRun / (performance.now() - started)) * 1000;
}

const series = {
  'server (validateData)': (item: unknown) => validateData(schema, item, '/data'),
  'Ajv, linear-time engine': (item: unknown) => linear(item),
  'ceiling: Ajv, native RegExp': (item: unknown) => ceiling(item),
};
const names = Object.keys(series) as (keyof typeof series)[];
for (const name of names) itemsPerSecond(series[name]); // warm-up, uncounted
const results = Object.fromEntries(names.map((name) => [name, [] as number[]]));
for (let run = 0; run < runs; run += 1) {
  // Rotate which goes first, so none always runs on a warmer (or more throttled) machine.
  for (let k = 0; k < names.length; k += 1) {
    const name = names[(run + k) % names.length]!;
    results[name]!.push(itemsPerSecond(series[name]));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const format = (value: number) => Math.round(value).toLocaleString('en-US');
const ceilingMedian = median(results['ceiling: Ajv, native RegExp']!);
console.log(`validate: ${runs} runs of ${format(itemsPerRun)} items, 5 patterns each (items/s)`);
for (const name of names) {
  const values = results[name]!;
  const ratio = ((median(values) / ceilingMedian) * 100).toFixed(1);
  console.log(
    `  ${name.padEnd(28)} median ${format(median(values)).padStart(9)}  ${ratio.padStart(5)} % of the ceiling`,
  );
  console.log(`  ${''.padEnd(28)} runs ${values.map(format).join(', ')}`);
}
