import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiGetAll } from './api-client';

afterEach(() => vi.unstubAllGlobals());

describe('apiGetAll', () => {
  it('follows next_cursor until the last page, asking for the largest pages', async () => {
    const pages: Record<string, { items: number[]; next_cursor: string | null }> = {
      '': { items: [1, 2], next_cursor: 'c1' },
      c1: { items: [3], next_cursor: 'c2' },
      c2: { items: [], next_cursor: null },
    };
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (url: string) => {
      asked.push(url);
      const cursor = new URL(url, 'http://ui.test').searchParams.get('cursor') ?? '';
      return new Response(JSON.stringify(pages[cursor]), { status: 200 });
    });
    expect(await apiGetAll<number>('/sites')).toEqual([1, 2, 3]);
    expect(asked).toEqual([
      '/api/v1/sites?limit=200',
      '/api/v1/sites?limit=200&cursor=c1',
      '/api/v1/sites?limit=200&cursor=c2',
    ]);
  });
});
