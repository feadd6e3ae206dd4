import { ROLES, type Role } from '@datasync/contracts';
import { useState, type FormEvent } from 'react';
import { CopyButton } from '../../../components/copy-button';
import { Key, Plus } from '../../../components/icons';
import {
  Badge,
  Button,
  Card,
  Empty,
  ErrorState,
  Loading,
  PageHeader,
  SelectField,
  TextField,
} from '../../../components/ui';
import { dateTime } from '../../../lib/format';
import { useCan, useMe } from '../../auth/api';
import {
  useApiKeys,
  useChangeRole,
  useCreateApiKey,
  useInvitations,
  useInvite,
  useMembers,
  useRemoveMember,
  useRevokeApiKey,
  useRevokeInvitation,
} from '../api';

function RoleSelect({
  label,
  name,
  defaultValue = 'editor',
}: {
  label: string;
  name: string;
  defaultValue?: Role;
}) {
  return (
    <SelectField label={label} name={name} defaultValue={defaultValue}>
      {ROLES.map((role) => (
        <option key={role} value={role}>
          {role}
        </option>
      ))}
    </SelectField>
  );
}

const valuesOf = (event: FormEvent<HTMLFormElement>) => {
  event.preventDefault();
  const form = event.currentTarget;
  return { form, data: new FormData(form) };
};

export default function MembersPage() {
  const canManage = useCan('members:manage');
  if (!canManage) {
    return (
      <>
        <PageHeader title="Members & API keys" />
        <ErrorState error={new Error('Only admins and owners manage members and API keys.')} />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Members & API keys" />
      <div className="space-y-6">
        <MembersCard />
        <InvitationsCard />
        <ApiKeysCard />
      </div>
    </>
  );
}

function MembersCard() {
  const me = useMe().data;
  const members = useMembers();
  const changeRole = useChangeRole();
  const remove = useRemoveMember();
  return (
    <Card title="Members">
      {members.isPending ? (
        <Loading />
      ) : members.isError ? (
        <ErrorState error={members.error} retry={() => members.refetch()} />
      ) : (
        <table className="w-full text-sm" aria-label="Members">
          <thead className="text-left text-xs text-slate-500 uppercase">
            <tr>
              <th className="py-2">Member</th>
              <th>Role</th>
              <th>Since</th>
              <th className="sr-only">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((member) => {
              const isMe = member.user_id === me?.user?.id;
              return (
                <tr key={member.id} className="border-t border-slate-100">
                  <td className="py-2">
                    {member.name} <span className="text-slate-500">{member.email}</span>
                    {isMe && <Badge tone="slate">you</Badge>}
                  </td>
                  <td>
                    <select
                      aria-label={`Role of ${member.email}`}
                      className="rounded text-sm ring-1 ring-slate-300"
                      value={member.role}
                      disabled={isMe || changeRole.isPending}
                      onChange={(event) =>
                        changeRole.mutate({ id: member.id, role: event.target.value as Role })
                      }
                    >
                      {ROLES.map((role) => (
                        <option key={role}>{role}</option>
                      ))}
                    </select>
                  </td>
                  <td>{dateTime(member.created_at)}</td>
                  <td className="py-1 text-right">
                    {!isMe && (
                      <Button
                        variant="danger"
                        aria-label={`Remove ${member.email}`}
                        onClick={() => {
                          if (confirm(`Remove ${member.email} from the organization?`))
                            remove.mutate(member.id);
                        }}
                      >
                        Remove
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {(changeRole.error || remove.error) && <ErrorState error={changeRole.error ?? remove.error} />}
    </Card>
  );
}

function InvitationsCard() {
  const invitations = useInvitations();
  const invite = useInvite();
  const revoke = useRevokeInvitation();
  const [link, setLink] = useState<string | null>(null);
  return (
    <Card title="Invitations">
      <form
        className="grid items-end gap-3 sm:grid-cols-[1fr_10rem_auto]"
        onSubmit={(event) => {
          const { form, data } = valuesOf(event);
          invite.mutate(
            { email: String(data.get('email')), role: String(data.get('role')) as Role },
            {
              onSuccess: (created) => {
                setLink(`${location.origin}/accept-invite?token=${encodeURIComponent(created.token)}`);
                form.reset();
              },
            },
          );
        }}
      >
        <TextField label="Invite by email" name="email" type="email" required />
        <RoleSelect label="Invited role" name="role" defaultValue="viewer" />
        <Button type="submit" variant="primary" busy={invite.isPending}>
          <Plus aria-hidden /> Invite
        </Button>
      </form>
      {invite.error && <ErrorState error={invite.error} />}
      {link && (
        <div className="mt-3 rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200">
          <p>Send this link to the person invited; it is shown only once.</p>
          <div className="mt-2 flex items-center gap-2">
            <code data-testid="invitation-link" className="flex-1 font-mono text-xs break-all">
              {link}
            </code>
            <CopyButton text={link} label="Copy invitation link" />
          </div>
        </div>
      )}
      <div className="mt-4">
        {invitations.isPending ? (
          <Loading />
        ) : invitations.isError ? (
          <ErrorState error={invitations.error} />
        ) : invitations.data.filter((i) => i.status === 'pending').length === 0 ? (
          <Empty>No pending invitations.</Empty>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Pending invitations">
            {invitations.data
              .filter((i) => i.status === 'pending')
              .map((invitation) => (
                <li key={invitation.id} className="flex items-center justify-between py-2 text-sm">
                  <span>
                    {invitation.email} <Badge tone="slate">{invitation.role}</Badge>{' '}
                    <span className="text-slate-500">expires {dateTime(invitation.expires_at)}</span>
                  </span>
                  <Button
                    aria-label={`Revoke invitation of ${invitation.email}`}
                    onClick={() => revoke.mutate(invitation.id)}
                  >
                    Revoke
                  </Button>
                </li>
              ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

function ApiKeysCard() {
  const canManage = useCan('api_keys:manage');
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [created, setCreated] = useState<string | null>(null);
  if (!canManage) return null;
  return (
    <Card title="API keys">
      <form
        className="grid items-end gap-3 sm:grid-cols-[1fr_10rem_auto]"
        onSubmit={(event) => {
          const { form, data } = valuesOf(event);
          create.mutate(
            { name: String(data.get('name')), role: String(data.get('role')) as Role },
            {
              onSuccess: (key) => {
                setCreated(key.key);
                form.reset();
              },
            },
          );
        }}
      >
        <TextField label="Key name" name="name" required maxLength={100} />
        <RoleSelect label="Key role" name="role" />
        <Button type="submit" variant="primary" busy={create.isPending}>
          <Key aria-hidden /> Create key
        </Button>
      </form>
      {create.error && <ErrorState error={create.error} />}
      {created && (
        <div className="mt-3 rounded-md bg-amber-50 p-3 text-sm ring-1 ring-amber-200">
          <p>The key, shown only this once: use it as `Authorization: Bearer …`.</p>
          <div className="mt-2 flex items-center gap-2">
            <code data-testid="api-key" className="flex-1 font-mono text-xs break-all">
              {created}
            </code>
            <CopyButton text={created} label="Copy API key" />
          </div>
        </div>
      )}
      <div className="mt-4">
        {keys.isPending ? (
          <Loading />
        ) : keys.isError ? (
          <ErrorState error={keys.error} />
        ) : keys.data.length === 0 ? (
          <Empty>No API keys.</Empty>
        ) : (
          <table className="w-full text-sm" aria-label="API keys">
            <thead className="text-left text-xs text-slate-500 uppercase">
              <tr>
                <th className="py-2">Name</th>
                <th>Role</th>
                <th>Created by</th>
                <th>Key</th>
                <th>Last used</th>
                <th className="sr-only">Actions</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id} className="border-t border-slate-100">
                  <td className="py-2">{key.name}</td>
                  <td>{key.role}</td>
                  <td>
                    {key.created_by ? (
                      <span title={key.created_by.email}>{key.created_by.name}</span>
                    ) : (
                      <span className="text-slate-500">deleted account</span>
                    )}
                  </td>
                  <td className="font-mono text-xs">{key.prefix}…</td>
                  <td>{key.revoked_at ? <Badge tone="red">revoked</Badge> : dateTime(key.last_used_at)}</td>
                  <td className="py-1 text-right">
                    {!key.revoked_at && (
                      <Button
                        variant="danger"
                        aria-label={`Revoke key ${key.name}`}
                        busy={revoke.isPending}
                        onClick={() => {
                          if (confirm(`Revoke the key "${key.name}"? Clients using it stop working.`))
                            revoke.mutate(key.id);
                        }}
                      >
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {revoke.error && <ErrorState error={revoke.error} />}
    </Card>
  );
}
