import type { AlertChannel, AlertChannelWithSecret } from '@datasync/contracts';
import { useState } from 'react';
import { Envelope, PaperPlaneTilt, Plus, Trash, WebhooksLogo } from '../../../components/icons';
import { SecretDialog } from '../../../components/secret-dialog';
import { Button, Card, Empty, ErrorState, Loading } from '../../../components/ui';
import { useAlertChannels, useRemoveChannel, useTestChannel } from '../api';
import { channelTarget, sendStatusText } from '../labels';
import { ChannelForm } from './channel-form';

/** Where alerts go: the organization's webhook and email channels (alerts:manage). */
export function Channels() {
  const channels = useAlertChannels();
  const [adding, setAdding] = useState(false);
  const [created, setCreated] = useState<AlertChannelWithSecret | null>(null);
  return (
    <Card
      title="Channels"
      className="mb-6"
      actions={
        <Button variant="primary" onClick={() => setAdding(true)}>
          <Plus aria-hidden /> Add channel
        </Button>
      }
    >
      {channels.isPending ? (
        <Loading />
      ) : channels.isError ? (
        <ErrorState error={channels.error} retry={() => channels.refetch()} />
      ) : channels.data.length === 0 ? (
        <Empty>
          No channels yet. Add a webhook or an email address to hear when a site starts failing, recovers or
          is disabled, and when a sync fails.
        </Empty>
      ) : (
        <ul aria-label="Alert channels" className="divide-y divide-slate-100">
          {channels.data.map((channel) => (
            <ChannelRow key={channel.id} channel={channel} />
          ))}
        </ul>
      )}
      {adding && <ChannelForm onClose={() => setAdding(false)} onCreated={setCreated} />}
      {created?.signing_secret && (
        <SecretDialog
          title="Signing secret of the alert webhook"
          secret={created.signing_secret}
          onClose={() => setCreated(null)}
        >
          Alerts to {created.url} are signed with it (Standard Webhooks): copy it now and give it to the
          receiver.
        </SecretDialog>
      )}
    </Card>
  );
}

function ChannelRow({ channel }: { channel: AlertChannel }) {
  const test = useTestChannel();
  const remove = useRemoveChannel();
  const target = channelTarget(channel);
  const TypeIcon = channel.type === 'webhook' ? WebhooksLogo : Envelope;
  const sent = test.data?.sends.find((send) => send.channel_id === channel.id) ?? test.data?.sends[0];
  return (
    <li className="flex flex-wrap items-center gap-3 py-3 text-sm" data-channel={channel.type}>
      <TypeIcon aria-hidden className="text-lg text-slate-500" />
      <div className="min-w-0 flex-1">
        <p className="truncate font-mono text-xs" title={target}>
          <span className="sr-only">{channel.type === 'webhook' ? 'Webhook' : 'Email'}: </span>
          {target}
        </p>
        {channel.signing_secret_hint && (
          <p className="text-xs text-slate-500">
            Secret <span className="font-mono">{channel.signing_secret_hint}</span>
          </p>
        )}
        <p role="status" className="text-xs" data-testid="test-result">
          {sent && (
            <span className={sent.status === 'failed' ? 'text-red-700' : 'text-emerald-800'}>
              {sendStatusText(sent)}
            </span>
          )}
          {test.error && <span className="text-red-700">{test.error.message}</span>}
        </p>
      </div>
      <Button
        aria-label={`Send test to ${target}`}
        busy={test.isPending}
        onClick={() => test.mutate(channel.id)}
      >
        <PaperPlaneTilt aria-hidden /> Send test
      </Button>
      <Button
        variant="danger"
        aria-label={`Remove ${target}`}
        busy={remove.isPending}
        onClick={() => {
          if (confirm(`Remove the alert channel ${target}? Alerts stop going there.`))
            remove.mutate(channel.id);
        }}
      >
        <Trash aria-hidden /> Remove
      </Button>
      {remove.error && (
        <div className="basis-full">
          <ErrorState error={remove.error} />
        </div>
      )}
    </li>
  );
}
