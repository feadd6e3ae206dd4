import type {
  CreateSiteBody,
  Redelivery,
  Site,
  SiteDelivery,
  SiteHealth,
  SitePreview,
  SiteWithSecret,
  UpdateSiteBody,
} from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiGet, apiGetAll } from '../../lib/api-client';
import { usePagedQuery } from '../../lib/paged-query';
import { isUnfinished } from './health';

export const siteKeys = {
  all: ['sites'] as const,
  list: (health: SiteHealth | null) => ['sites', 'list', health ?? 'all'] as const,
  detail: (id: string) => ['sites', 'detail', id] as const,
  deliveries: (id: string) => ['sites', 'detail', id, 'deliveries'] as const,
  preview: (id: string) => ['sites', id, 'preview'] as const,
};

/** While a site fails, its retries and a redelivery change it without anyone acting here: look again this often. */
export const FAILING_POLL_MS = 5000;

/** Every site (or those of one health), by name; polled while one of them is failing, so recovery shows. */
export function useSites(options: { health?: SiteHealth | null; pollWhileFailing?: boolean } = {}) {
  const health = options.health ?? null;
  return useQuery({
    queryKey: siteKeys.list(health),
    // Every page, by name: the matrix and the dashboard need all sites, and people look for a site by its name.
    queryFn: async () =>
      (await apiGetAll<Site>('/sites', health ? { health } : {})).sort(
        (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id),
      ),
    refetchInterval: (query) =>
      options.pollWhileFailing && query.state.data?.some((site) => site.health === 'failing')
        ? FAILING_POLL_MS
        : false,
  });
}

export function useSite(id: string) {
  return useQuery({
    queryKey: siteKeys.detail(id),
    queryFn: () => apiGet<Site>(`/sites/${id}`),
    refetchInterval: (query) => (query.state.data?.health === 'failing' ? FAILING_POLL_MS : false),
  });
}

/** The site's deliveries, newest first; polled while one is under way or the site is failing. */
export function useSiteDeliveries(id: string, siteFailing: boolean) {
  return usePagedQuery<SiteDelivery>(siteKeys.deliveries(id), `/sites/${id}/deliveries`, {
    refetchInterval: (deliveries) =>
      deliveries.some(isUnfinished) ? 2000 : siteFailing ? FAILING_POLL_MS : false,
  });
}

export function useSitePreview(id: string) {
  return useQuery({
    queryKey: siteKeys.preview(id),
    queryFn: () => apiGet<SitePreview>(`/sites/${id}/preview`),
  });
}

/** Sends the site its latest payload now, or says it already has it. */
export function useRedeliver() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Redelivery>('POST', `/sites/${id}/redeliver`),
    onSuccess: () => client.invalidateQueries({ queryKey: siteKeys.all }),
  });
}

/** Enabling also sends the site its latest payload; disabling stops every send to it. */
export function useSetSiteEnabled() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      api<Site>('PATCH', `/sites/${id}`, { body: { enabled } }),
    onSuccess: () => client.invalidateQueries({ queryKey: siteKeys.all }),
  });
}

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
