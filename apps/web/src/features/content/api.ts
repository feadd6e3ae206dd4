import type {
  ContentItem,
  ContentStatus,
  ContentType,
  CreateContentItemBody,
  CreateContentTypeBody,
  Page,
  UpdateContentItemBody,
  UpdateContentTypeBody,
} from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiGet } from '../../lib/api-client';

export const contentKeys = {
  types: ['content-types'] as const,
  items: (status?: ContentStatus) => ['content-items', status ?? 'all'] as const,
  allItems: ['content-items'] as const,
};

export function useContentTypes() {
  return useQuery({ queryKey: contentKeys.types, queryFn: () => apiGet<ContentType[]>('/content-types') });
}

/** The organization's items (the first 200, newest first), optionally of one status. */
export function useContentItems(status?: ContentStatus) {
  return useQuery({
    queryKey: contentKeys.items(status),
    queryFn: async () => (await apiGet<Page<ContentItem>>('/content-items', { limit: 200, status })).items,
  });
}

function useInvalidateContent() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: contentKeys.allItems }),
      client.invalidateQueries({ queryKey: contentKeys.types }),
      client.invalidateQueries({ queryKey: ['stats'] }),
      client.invalidateQueries({ queryKey: ['mappings'] }),
    ]);
}

export function useSaveContentType() {
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: CreateContentTypeBody | UpdateContentTypeBody }) =>
      id
        ? api<ContentType>('PATCH', `/content-types/${id}`, { body })
        : api<ContentType>('POST', '/content-types', { body }),
    onSuccess: invalidate,
  });
}

export function useSaveContentItem() {
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: CreateContentItemBody | UpdateContentItemBody }) =>
      id
        ? api<ContentItem>('PATCH', `/content-items/${id}`, { body })
        : api<ContentItem>('POST', '/content-items', { body }),
    onSuccess: invalidate,
  });
}

export function useDeleteContentItem() {
  const invalidate = useInvalidateContent();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/content-items/${id}`),
    onSuccess: invalidate,
  });
}
