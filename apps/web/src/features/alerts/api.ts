import type {
  Alert,
  AlertChannel,
  AlertChannelWithSecret,
  CreateAlertChannelBody,
  Page,
} from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiGet, apiGetAll } from '../../lib/api-client';
import { usePagedQuery } from '../../lib/paged-query';

const keys = {
  channels: ['alert-channels'] as const,
  alerts: ['alerts'] as const,
};

/** An organization has a handful of channels: read whole, whether the route answers a list or a page of one. */
export function useAlertChannels() {
  return useQuery({
    queryKey: keys.channels,
    queryFn: async () => {
      const body = await apiGet<AlertChannel[] | Page<AlertChannel>>('/alert-channels');
      if (Array.isArray(body)) return body;
      return body.next_cursor ? apiGetAll<AlertChannel>('/alert-channels') : body.items;
    },
  });
}

/** The latest alerts, newest first; polled while a send is still under way. */
export function useAlerts() {
  return usePagedQuery<Alert>(keys.alerts, '/alerts', {
    refetchInterval: (alerts) =>
      alerts.some((alert) => alert.sends.some((send) => send.status === 'pending')) ? 3000 : false,
  });
}

export function useCreateChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateAlertChannelBody) =>
      api<AlertChannelWithSecret>('POST', '/alert-channels', { body }),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.channels }),
  });
}

export function useRemoveChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/alert-channels/${id}`),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: keys.channels }),
        client.invalidateQueries({ queryKey: keys.alerts }),
      ]),
  });
}

/** Sends a test alert through one channel and answers it with how the send went. */
export function useTestChannel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<Alert>('POST', `/alert-channels/${id}/test`),
    onSettled: () => client.invalidateQueries({ queryKey: keys.alerts }),
  });
}
