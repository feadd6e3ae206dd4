import type { ApiKey, Invitation, Member, Role } from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, apiGet } from '../../lib/api-client';

const keys = {
  members: ['members'] as const,
  invitations: ['invitations'] as const,
  apiKeys: ['api-keys'] as const,
};

export const useMembers = () =>
  useQuery({ queryKey: keys.members, queryFn: () => apiGet<Member[]>('/members') });
export const useInvitations = () =>
  useQuery({ queryKey: keys.invitations, queryFn: () => apiGet<Invitation[]>('/invitations') });
export const useApiKeys = () =>
  useQuery({ queryKey: keys.apiKeys, queryFn: () => apiGet<ApiKey[]>('/api-keys') });

function useWrite<A, R>(key: readonly string[], fn: (arg: A) => Promise<R>) {
  const client = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => client.invalidateQueries({ queryKey: key }) });
}

export const useChangeRole = () =>
  useWrite(keys.members, ({ id, role }: { id: string; role: Role }) =>
    api<Member>('PATCH', `/members/${id}`, { body: { role } }),
  );
export const useRemoveMember = () =>
  useWrite(keys.members, (id: string) => api<void>('DELETE', `/members/${id}`));
export const useInvite = () =>
  useWrite(keys.invitations, (body: { email: string; role: Role }) =>
    api<Invitation & { token: string }>('POST', '/invitations', { body }),
  );
export const useRevokeInvitation = () =>
  useWrite(keys.invitations, (id: string) => api<void>('DELETE', `/invitations/${id}`));
export const useCreateApiKey = () =>
  useWrite(keys.apiKeys, (body: { name: string; role: Role }) =>
    api<ApiKey & { key: string }>('POST', '/api-keys', { body }),
  );
export const useRevokeApiKey = () =>
  useWrite(keys.apiKeys, (id: string) => api<void>('DELETE', `/api-keys/${id}`));
