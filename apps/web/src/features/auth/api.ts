import { can, type LoginBody, type Me, type Permission, type SignupBody } from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../lib/api-client';

export const meKey = ['me'] as const;

/** Who is signed in, in which organization, with which role; `null` when nobody is (401). */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async () => {
      try {
        return await api<Me>('GET', '/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

/** Whether the signed-in role allows `permission` (the same table the server enforces). */
export function useCan(permission: Permission): boolean {
  const me = useMe().data;
  return me ? can(me.role, permission) : false;
}

export function useSignup() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SignupBody) => api<Me>('POST', '/auth/signup', { body }),
    onSuccess: (me) => {
      client.clear();
      client.setQueryData(meKey, me);
    },
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginBody) => api<unknown>('POST', '/auth/login', { body }),
    onSuccess: async () => {
      client.clear();
      await client.fetchQuery({ queryKey: meKey, queryFn: () => api<Me>('GET', '/me') });
    },
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api<void>('POST', '/auth/logout'),
    onSettled: () => {
      client.clear();
      client.setQueryData(meKey, null);
    },
  });
}
