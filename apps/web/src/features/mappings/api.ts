import type { Mapping, PutMappingBody } from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiGet } from '../../lib/api-client';

export const mappingKeys = { all: ['mappings'] as const };

export function useMappings() {
  return useQuery({ queryKey: mappingKeys.all, queryFn: () => apiGet<Mapping[]>('/mappings') });
}

function useInvalidate() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: mappingKeys.all }),
      client.invalidateQueries({ queryKey: ['sites'] }),
    ]);
}

export function usePutMapping() {
  return useMutation({
    mutationFn: (body: PutMappingBody) => api<Mapping>('PUT', '/mappings', { body }),
    onSuccess: useInvalidate(),
  });
}

/** "none": the pair has no mapping, so the item is not sent to the site. */
export function useDeleteMapping() {
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/mappings/${id}`),
    onSuccess: useInvalidate(),
  });
}
