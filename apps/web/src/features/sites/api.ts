import type { CreateSiteBody, Site, SitePreview, SiteWithSecret, UpdateSiteBody } from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiGet, apiGetAll } from '../../lib/api-client';

export const siteKeys = {
  all: ['sites'] as const,
  preview: (id: string) => ['sites', id, 'preview'] as const,
};

export function useSites(options: { refetchInterval?: number | false } = {}) {
  return useQuery({
    queryKey: siteKeys.all,
    // Every page, by name: the matrix and the dashboard need all sites, and people look for a site by its name.
    queryFn: async () =>
      (await apiGetAll<Site>('/sites')).sort(
        (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
      ),
    refetchInterval: options.refetchInterval ?? false,
  });
}

export function useSitePreview(id: string) {
  return useQuery({
    queryKey: siteKeys.preview(id),
    queryFn: () => apiGet<SitePreview>(`/sites/${id}/preview`),
  });
}

/** What the site last accepted; null before its first sync (404). */
export function useSaveSite() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: CreateSiteBody | UpdateSiteBody }) =>
      id ? api<Site>('PATCH', `/sites/${id}`, { body }) : api<SiteWithSecret>('POST', '/sites', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: siteKeys.all }),
  });
}

export function useRotateSecret() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<SiteWithSecret>('POST', `/sites/${id}/rotate-secret`),
    onSuccess: () => client.invalidateQueries({ queryKey: siteKeys.all }),
  });
}

export function useDeleteSite() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/sites/${id}`),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: siteKeys.all }),
        client.invalidateQueries({ queryKey: ['mappings'] }),
      ]),
  });
}
