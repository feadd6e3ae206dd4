import { describe, expect, it } from 'vitest';
import { mergeOverrides } from '../../content/merge-overrides.js';
import {
  canonicalJson,
  diffItems,
  hashItems,
  planSiteItems,
  type PlanItem,
  type PlanMapping,
} from './plan.js';

const item = (id: string, overrides: Partial<PlanItem> = {}): PlanItem => ({
  id,
  title: `Item ${id}`,
  contentType: 'offer_banner',
  status: 'published',
  data: { headline: `Headline ${id}`, cta: { text: 'Buy', url: 'https://shop.example/' } },
  createdAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});
const full = (contentItemId: string): PlanMapping => ({ contentItemId, mode: 'full', overrides: {} });

describe('planSiteItems', () => {
  it('sends published items mapped full as they are', () => {
    const a = item('a');
    expect(planSiteItems([a], [full('a')])).toEqual([
      { id: 'a', title: 'Item a', content_type: 'offer_banner', data: a.data, mode: 'full' },
    ]);
  });

  it('leaves out blocked, unmapped, draft and archived items', () => {
    const items = [
      item('blocked'),
      item('unmapped'),
      item('draft', { status: 'draft' }),
      item('old', { status: 'archived' }),
    ];
    const mappings: PlanMapping[] = [
      { contentItemId: 'blocked', mode: 'block', overrides: {} },
      full('draft'),
      full('old'),
    ];
    expect(planSiteItems(items, mappings)).toEqual([]);
  });

  it('merges overrides into the data for override mappings only', () => {
    const mappings: PlanMapping[] = [
      { contentItemId: 'a', mode: 'override', overrides: { cta: { text: 'Shop now' } } },
      { contentItemId: 'b', mode: 'full', overrides: { cta: { text: 'ignored' } } },
    ];
    const [a, b] = planSiteItems([item('a'), item('b', { createdAt: '2026-01-02T00:00:00.000Z' })], mappings);
    expect(a).toMatchObject({
      mode: 'override',
      data: { cta: { text: 'Shop now', url: 'https://shop.example/' } },
    });
    expect(b).toMatchObject({ mode: 'full', data: { cta: { text: 'Buy' } } });
  });

  it('orders by creation time, then id, whatever the input order', () => {
    const items = [
      item('c', { createdAt: '2026-03-01T00:00:00.000Z' }),
      item('b', { createdAt: '2026-01-01T00:00:00.000Z' }),
      item('a', { createdAt: '2026-01-01T00:00:00.000Z' }),
    ];
    const order = (list: PlanItem[]) => planSiteItems(list, ['a', 'b', 'c'].map(full)).map((i) => i.id);
    expect(order(items)).toEqual(['a', 'b', 'c']);
    expect(order([...items].reverse())).toEqual(['a', 'b', 'c']);
  });
});

describe('mergeOverrides (JSON Merge Patch)', () => {
  it('merges objects deeply, replaces arrays and scalars, deletes on null', () => {
    const base = { a: 1, nested: { keep: true, change: 'x' }, list: [1, 2, 3], gone: 'soon' };
    const merged = mergeOverrides(base, { nested: { change: 'y' }, list: [9], gone: null, added: 'new' });
    expect(merged).toEqual({ a: 1, nested: { keep: true, change: 'y' }, list: [9], added: 'new' });
    expect(base).toEqual({ a: 1, nested: { keep: true, change: 'x' }, list: [1, 2, 3], gone: 'soon' });
  });

  it('treats __proto__ as an ordinary key and pollutes nothing', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"bad": 1}}}');
    const merged = mergeOverrides({ title: 'x' }, patch) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
  });
});

describe('hashing and diff', () => {
  it('hashes equal content equally regardless of key order, and differently when anything changes', () => {
    const one = planSiteItems([item('a', { data: { x: 1, y: 2 } })], [full('a')]);
    const two = planSiteItems([item('a', { data: { y: 2, x: 1 } })], [full('a')]);
    const three = planSiteItems([item('a', { data: { x: 1, y: 3 } })], [full('a')]);
    expect(hashItems(one)).toBe(hashItems(two));
    expect(hashItems(one)).not.toBe(hashItems(three));
    expect(hashItems(one)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":1}');
  });

  it('lists added, removed, changed and unchanged items', () => {
    const before = planSiteItems(
      [item('keep'), item('change'), item('drop')],
      ['keep', 'change', 'drop'].map(full),
    );
    const after = planSiteItems(
      [item('keep'), item('change', { title: 'New title' }), item('new')],
      ['keep', 'change', 'new'].map(full),
    );
    expect(diffItems(before, after)).toEqual({
      added: ['new'],
      removed: ['drop'],
      changed: ['change'],
      unchanged: ['keep'],
    });
  });
});
