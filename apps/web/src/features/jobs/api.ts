import type {
  CreateSyncJobBody,
  DeliveryPayload,
  JobLog,
  Page,
  SyncJob,
  SyncJobSummary,
} from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiGet } from '../../lib/api-client';

export const jobKeys = {
  list: ['sync-jobs'] as const,
  detail: (id: string) => ['sync-jobs', id] as const,
};

export const isFinished = (status: string) =>
  status === 'success' || status === 'partial' || status === 'failed';

/** The latest jobs; polled while one of them is still queued or running. */
export function useJobs(limit = 50) {
  return useQuery({
    queryKey: [...jobKeys.list, limit],
    queryFn: async () => (await apiGet<Page<SyncJobSummary>>('/sync-jobs', { limit })).items,
    refetchInterval: (query) => (query.state.data?.some((job) => !isFinished(job.status)) ? 2000 : false),
  });
}

export function useJob(id: string, options: { refetchInterval?: number | false } = {}) {
  return useQuery({
    queryKey: jobKeys.detail(id),
    queryFn: () => apiGet<SyncJob>(`/sync-jobs/${id}`),
    refetchInterval: options.refetchInterval ?? false,
  });
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
