import type { ContentItem, Mapping, Site } from '@datasync/contracts';
import { useState } from 'react';
import { Dialog } from '../../../components/dialog';
import { Button, ErrorState, TextAreaField } from '../../../components/ui';
import { ApiError } from '../../../lib/api-client';
import { useDeleteMapping, usePutMapping } from '../api';
import { MODES, ModeChip, type CellMode } from './mode';

/**
 * One item × site: its mode, and for `override` the JSON Merge Patch over the item's data. The server checks that
 * the merged data still satisfies the content type and answers with the failing pointers.
 */
export function MappingEditor({
  item,
  site,
  mapping,
  onClose,
}: {
  item: ContentItem;
  site: Site;
  mapping: Mapping | undefined;
  onClose: () => void;
}) {
  const [mode, setMode] = useState<CellMode>(mapping?.mode ?? 'none');
  const [overrides, setOverrides] = useState(JSON.stringify(mapping?.overrides ?? {}, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const put = usePutMapping();
  const remove = useDeleteMapping();
  const error = put.error ?? remove.error;
  const fieldErrors = put.error instanceof ApiError ? put.error.invalidParams : [];

  const save = () => {
    setJsonError(null);
    if (mode === 'none') {
      if (mapping) remove.mutate(mapping.id, { onSuccess: onClose });
      else onClose();
      return;
    }
    let parsed: Record<string, unknown> = {};
    if (mode === 'override') {
      try {
        parsed = JSON.parse(overrides) as Record<string, unknown>;
      } catch (e) {
        setJsonError(`Not valid JSON: ${(e as Error).message}`);
        return;
      }
    }
    put.mutate(
      {
        site_id: site.id,
        content_item_id: item.id,
        mode,
        ...(mode === 'override' ? { overrides: parsed } : {}),
      },
      { onSuccess: onClose },
    );
  };

  return (
    <Dialog title={`${item.title} on ${site.name}`} onClose={onClose} wide>
      <form
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <fieldset>
          <legend className="text-sm font-medium text-slate-700">Mode</legend>
          <div className="mt-2 flex flex-wrap gap-3">
            {(Object.keys(MODES) as CellMode[]).map((option) => (
              <label key={option} className="flex items-center gap-2 text-sm">
                <input
                  type="radio"
                  name="mode"
                  value={option}
                  checked={mode === option}
                  onChange={() => setMode(option)}
                />
                <ModeChip mode={option} /> <span className="text-slate-500">{MODES[option].help}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {mode === 'override' && (
          <div className="grid gap-4 md:grid-cols-2">
            <div>
              <TextAreaField
                label="Overrides (JSON Merge Patch)"
                rows={12}
                value={overrides}
                onChange={(event) => setOverrides(event.target.value)}
                error={jsonError ?? undefined}
                hint="Objects merge, null removes a field, anything else replaces it."
              />
              {fieldErrors.length > 0 && (
                <div role="alert">
                  <ul className="mt-2 space-y-1 text-xs text-red-700" aria-label="Override errors">
                    {fieldErrors.map((e) => (
                      <li key={e.pointer + e.message}>
                        <code>{e.pointer}</code> {e.message}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </div>
            <div>
              <p className="text-sm font-medium text-slate-700">The item&apos;s data</p>
              <pre className="mt-1 max-h-72 overflow-auto rounded bg-slate-50 p-2 text-xs">
                {JSON.stringify(item.data, null, 2)}
              </pre>
            </div>
          </div>
        )}
        {error && <ErrorState error={error} />}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={put.isPending || remove.isPending}>
            Save mapping
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
