import {
  can,
  type LoginBody,
  type Me,
  type Permission,
  type SignupBody,
  type SignupMode,
} from '@datasync/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../lib/api-client';
import { activeOrganization, setActiveOrganization } from '../../lib/organization';

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
        // No longer a member of the chosen organization: fall back to the default one.
        if (error instanceof ApiError && error.status === 403 && activeOrganization()) {
          setActiveOrganization(null);
          return api<Me>('GET', '/me');
        }
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

/** Whether sign-up here is open or by invitation, and whether nobody has signed up yet. */
export function useSignupMode() {
  return useQuery({
    queryKey: ['signup-mode'],
    queryFn: () => api<SignupMode>('GET', '/auth/signup-mode'),
    staleTime: 0,
  });
}

export function useSignup() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SignupBody) => {
      setActiveOrganization(null);
      return api<Me>('POST', '/auth/signup', { body });
    },
    onSuccess: (me) => {
      client.clear();
      client.setQueryData(meKey, me);
    },
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginBody) => {
      setActiveOrganization(null);
      return api<unknown>('POST', '/auth/login', { body });
    },
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
      setActiveOrganization(null);
      client.clear();
      client.setQueryData(meKey, null);
    },
  });
}

/** Acts in another of the user's organizations: everything cached belonged to the previous one. */
export function useSwitchOrganization() {
  const client = useQueryClient();
  return (id: string) => {
    setActiveOrganization(id);
    client.clear();
    void client.invalidateQueries();
  };
}

export function useAcceptInvitation() {
  const switchTo = useSwitchOrganization();
  return useMutation({
    mutationFn: (token: string) =>
      api<{ organization_id: string; role: string }>('POST', '/invitations/accept', { body: { token } }),
    onSuccess: (accepted) => switchTo(accepted.organization_id),
  });
}
