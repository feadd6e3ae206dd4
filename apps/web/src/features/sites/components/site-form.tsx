import type { Site, SiteWithSecret } from '@datasync/contracts';
import { useState } from 'react';
import { Dialog } from '../../../components/dialog';
import { Button, ErrorState, TextField } from '../../../components/ui';
import { ApiError } from '../../../lib/api-client';
import { useSaveSite } from '../api';

/** Creates or edits a site; a created site's secret goes to `onCreated` to be shown once. */
export function SiteForm({
  site,
  onClose,
  onCreated,
}: {
  site: Site | null;
  onClose: () => void;
  onCreated: (site: SiteWithSecret) => void;
}) {
  const [name, setName] = useState(site?.name ?? '');
  const [slug, setSlug] = useState(site?.slug ?? '');
  const [destination, setDestination] = useState(site?.destination_url ?? '');
  const [publicUrl, setPublicUrl] = useState(site?.public_url ?? '');
  const [enabled, setEnabled] = useState(site?.enabled ?? true);
  const save = useSaveSite();
  const errors = save.error instanceof ApiError ? save.error.fieldErrors() : new Map<string, string>();

  return (
    <Dialog title={site ? `Edit ${site.name}` : 'New site'} onClose={onClose}>
      <form
        className="space-y-3"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const body = {
            name,
            slug,
            destination_url: destination,
            public_url: publicUrl || null,
            ...(site && enabled !== site.enabled ? { enabled } : {}),
          };
          save.mutate(
            { ...(site ? { id: site.id } : {}), body },
            {
              onSuccess: (saved) => {
                if (!site && 'signing_secret' in saved) onCreated(saved as SiteWithSecret);
                onClose();
              },
            },
          );
        }}
      >
        <TextField
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.get('/name')}
        />
        <TextField
          label="Slug"
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          error={errors.get('/slug')}
          hint="Lowercase letters, digits, - and _"
        />
        <TextField
          label="Webhook URL"
          type="url"
          value={destination}
          onChange={(e) => setDestination(e.target.value)}
          error={errors.get('/destination_url')}
          hint="Signed webhooks are POSTed here."
        />
        <TextField
          label="Public URL"
          type="url"
          value={publicUrl}
          onChange={(e) => setPublicUrl(e.target.value)}
          error={errors.get('/public_url')}
          hint="Where the site can be viewed (optional)."
        />
        {site && (
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
            {site.disabled_reason && <span className="text-xs text-red-700">({site.disabled_reason})</span>}
          </label>
        )}
        {save.error && <ErrorState error={save.error} />}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={save.isPending}>
            Save site
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
