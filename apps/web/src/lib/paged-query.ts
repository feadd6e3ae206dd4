import type { Page } from '@datasync/contracts';
import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';
import { apiGet } from './api-client';

/**
 * A list read page by page (`next_cursor`), newest first, for views that show the latest rows and load more on
 * request. `refetchInterval` gets the pages loaded so far, to poll while something in them is still moving.
 */
export function usePagedQuery<T>(
  queryKey: QueryKey,
  path: string,
  options: { limit?: number; refetchInterval?: (items: T[]) => number | false } = {},
) {
  const limit = options.limit ?? 20;
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => apiGet<Page<T>>(path, { limit, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    select: (data) => data.pages.flatMap((page) => page.items),
    refetchInterval: (query) =>
      options.refetchInterval?.(query.state.data?.pages.flatMap((page) => page.items) ?? []) ?? false,
  });
}
