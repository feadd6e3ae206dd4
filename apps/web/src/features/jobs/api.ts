import type {
  CreateSyncJobBody,
  DeliveryPayload,
  JobLog,
  Page,
  SyncJob,
  SyncJobSummary,
} from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, apiGet } from '../../lib/api-client';

export const jobKeys = {
  list: ['sync-jobs'] as const,
  detail: (id: string) => ['sync-jobs', id] as const,
};

export const isFinished = (status: string) =>
  status === 'success' || status === 'partial' || status === 'failed';

/** A job that ends changes its sites' health and last sync: what is cached of the sites is then out of date. */
function useSitesStaleWhen(key: string | null, options: { onFirstValue: boolean }) {
  const client = useQueryClient();
  const seen = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    const first = seen.current === undefined;
    if (key !== seen.current && key !== null && (!first || options.onFirstValue)) {
      void client.invalidateQueries({ queryKey: ['sites'] });
    }
    seen.current = key;
  }, [key, client, options.onFirstValue]);
}

/** The latest jobs; polled while one of them is still queued or running. */
export function useJobs(limit = 50) {
  const query = useQuery({
    queryKey: [...jobKeys.list, limit],
    queryFn: async () => (await apiGet<Page<SyncJobSummary>>('/sync-jobs', { limit })).items,
    refetchInterval: (query) => (query.state.data?.some((job) => !isFinished(job.status)) ? 2000 : false),
  });
  // Only a job seen to end here: the sites read beside this list at mount are as new as it.
  useSitesStaleWhen(query.data?.find((job) => isFinished(job.status))?.id ?? null, { onFirstValue: false });
  return query;
}

export function useJob(id: string, options: { refetchInterval?: number | false } = {}) {
  const query = useQuery({
    queryKey: jobKeys.detail(id),
    queryFn: () => apiGet<SyncJob>(`/sync-jobs/${id}`),
    refetchInterval: options.refetchInterval ?? false,
  });
  // A job can end before its page first reads it (no live stream then tells the sites it ended).
  useSitesStaleWhen(query.data && isFinished(query.data.status) ? query.data.id : null, {
    onFirstValue: true,
  });
  return query;
}

/** The webhook body one delivery carried; it never changes, so it is fetched once. */
export function useDeliveryPayload(deliveryId: string) {
  return useQuery({
    queryKey: ['deliveries', deliveryId, 'payload'],
    queryFn: () => apiGet<DeliveryPayload>(`/deliveries/${deliveryId}/payload`),
    staleTime: Infinity,
  });
}

export const fetchJobLogs = (id: string, after = 0) =>
  apiGet<JobLog[]>(`/sync-jobs/${id}/logs`, after ? { after } : undefined);

export function useRunSync() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateSyncJobBody = {}) => api<SyncJobSummary>('POST', '/sync-jobs', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: jobKeys.list }),
  });
}

export function useRetryJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<SyncJobSummary>('POST', `/sync-jobs/${id}/retry`),
    onSuccess: () => client.invalidateQueries({ queryKey: jobKeys.list }),
  });
}
