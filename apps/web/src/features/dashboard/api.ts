import type { DemoLoadResult } from '@datasync/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../lib/api-client';

/** Loads the demo content (owner only). Everything on screen may change: the organization's name too. */
export function useLoadDemo() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<DemoLoadResult>('POST', '/demo'),
    onSuccess: () => client.invalidateQueries(),
  });
}
