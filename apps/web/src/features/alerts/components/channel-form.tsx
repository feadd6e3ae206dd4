import type { AlertChannelType, AlertChannelWithSecret } from '@datasync/contracts';
import { useState } from 'react';
import { Dialog } from '../../../components/dialog';
import { Button, ErrorState, SelectField, TextField } from '../../../components/ui';
import { ApiError } from '../../../lib/api-client';
import { useCreateChannel } from '../api';

/** Adds a webhook or email channel; a webhook channel's signing secret goes to `onCreated` to be shown once. */
export function ChannelForm({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (channel: AlertChannelWithSecret) => void;
}) {
  const [type, setType] = useState<AlertChannelType>('webhook');
  const [url, setUrl] = useState('');
  const [to, setTo] = useState('');
  const create = useCreateChannel();
  const errors = create.error instanceof ApiError ? create.error.fieldErrors() : new Map<string, string>();

  return (
    <Dialog title="Add alert channel" onClose={onClose}>
      <form
        className="space-y-3"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate(type === 'webhook' ? { type, url } : { type, to }, {
            onSuccess: (channel) => {
              onCreated(channel);
              onClose();
            },
          });
        }}
      >
        <SelectField
          label="Channel type"
          value={type}
          onChange={(event) => {
            setType(event.target.value as AlertChannelType);
            create.reset();
          }}
        >
          <option value="webhook">Webhook (signed POST)</option>
          <option value="email">Email</option>
        </SelectField>
        {type === 'webhook' ? (
          <TextField
            label="Webhook URL"
            type="url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            error={errors.get('/url')}
            hint="Alerts are POSTed here as JSON, signed like site webhooks (Standard Webhooks)."
          />
        ) : (
          <TextField
            label="Email address"
            type="email"
            value={to}
            onChange={(event) => setTo(event.target.value)}
            error={errors.get('/to')}
          />
        )}
        {create.error && <ErrorState error={create.error} />}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={create.isPending}>
            Add channel
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
