import { describe, expect, it } from 'vitest';
import type { Tx } from '../../db/types.js';
import { createPayloadCache } from './payload-cache.js';

// The loader stands in for the payloads table: the cache's own logic (what it asks for, what it keeps) is tested.
function storeOf(items: Record<string, string>) {
  const asked: string[][] = [];
  const load = (_tx: Tx, hashes: string[]) => {
    asked.push([...hashes]);
    return Promise.resolve(
      hashes.filter((hash) => hash in items).map((hash) => ({ hash, items: items[hash]! })),
    );
  };
  return { asked, load };
}
const tx = {} as Tx;

describe('createPayloadCache', () => {
  it('reads each hash once, then answers from memory, per organization', async () => {
    const store = storeOf({ a: '[1]', b: '[2]' });
    const cache = createPayloadCache(1_000, store.load);
    expect(await cache.itemsOf(tx, 'org1', ['a', 'b', 'a'])).toEqual(
      new Map([
        ['a', Buffer.from('[1]')],
        ['b', Buffer.from('[2]')],
      ]),
    );
    expect(await cache.itemsOf(tx, 'org1', ['b', 'a'])).toEqual(
      new Map([
        ['b', Buffer.from('[2]')],
        ['a', Buffer.from('[1]')],
      ]),
    );
    await cache.itemsOf(tx, 'org2', ['a']);
    expect(store.asked).toEqual([['a', 'b'], ['a']]);
  });

  it('drops the least recently used entries beyond its size bound (in UTF-8 bytes)', async () => {
    const store = storeOf({ a: 'aaaa', b: 'bbbb', c: 'cccc' });
    const cache = createPayloadCache(8, store.load);
    await cache.itemsOf(tx, 'org', ['a']);
    await cache.itemsOf(tx, 'org', ['b']);
    await cache.itemsOf(tx, 'org', ['a']); // a is now the most recently used
    await cache.itemsOf(tx, 'org', ['c']); // over the bound: b goes
    store.asked.length = 0;
    await cache.itemsOf(tx, 'org', ['a', 'c']);
    expect(store.asked).toEqual([]);
    await cache.itemsOf(tx, 'org', ['b']);
    expect(store.asked).toEqual([['b']]);
  });

  it('does not remember a hash the store does not have', async () => {
    const store = storeOf({});
    const cache = createPayloadCache(100, store.load);
    expect((await cache.itemsOf(tx, 'org', ['x'])).has('x')).toBe(false);
    await cache.itemsOf(tx, 'org', ['x']);
    expect(store.asked).toEqual([['x'], ['x']]);
  });
});
