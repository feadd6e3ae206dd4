import type { ContentItem, Mapping, Site } from '@datasync/contracts';
import { useState } from 'react';
import { Card, Empty, ErrorState, Loading, PageHeader, StatusBadge } from '../../../components/ui';
import { useCan } from '../../auth/api';
import { useContentItems } from '../../content/api';
import { useSites } from '../../sites/api';
import { useMappings } from '../api';
import { MappingEditor } from './mapping-editor';
import { MODES, ModeChip, type CellMode } from './mode';

export default function MappingsPage() {
  const canWrite = useCan('mappings:write');
  const items = useContentItems();
  const sites = useSites();
  const mappings = useMappings();
  const [editing, setEditing] = useState<{ item: ContentItem; site: Site } | null>(null);

  const error = items.error ?? sites.error ?? mappings.error;
  const body = () => {
    if (items.isPending || sites.isPending || mappings.isPending) return <Loading />;
    if (error)
      return (
        <ErrorState
          error={error}
          retry={() => Promise.all([items.refetch(), sites.refetch(), mappings.refetch()])}
        />
      );
    if (items.data!.length === 0 || sites.data!.length === 0) {
      return <Empty>The matrix needs content items and sites. Create some, or load the demo data.</Empty>;
    }
    const byPair = new Map<string, Mapping>(
      mappings.data!.map((m) => [`${m.content_item_id}:${m.site_id}`, m]),
    );
    return (
      <div className="overflow-x-auto">
        <table className="w-full text-sm" aria-label="Mappings matrix">
          <thead>
            <tr className="text-left">
              <th scope="col" className="py-2 pr-4 text-xs text-slate-500 uppercase">
                Item
              </th>
              {sites.data!.map((site) => (
                <th scope="col" key={site.id} className="px-2 py-2 font-semibold">
                  {site.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.data!.map((item) => (
              <tr key={item.id} className="border-t border-slate-100">
                <th scope="row" className="py-2 pr-4 text-left font-medium">
                  {item.title} <StatusBadge status={item.status} />
                </th>
                {sites.data!.map((site) => {
                  const mapping = byPair.get(`${item.id}:${site.id}`);
                  const mode: CellMode = mapping?.mode ?? 'none';
                  const name = `${item.title} on ${site.name}: ${mode}`;
                  return (
                    <td key={site.id} className="px-2 py-1">
                      {canWrite ? (
                        <button
                          type="button"
                          aria-label={name}
                          title={`${MODES[mode].help} — click to change`}
                          className="rounded-md"
                          onClick={() => setEditing({ item, site })}
                        >
                          <ModeChip mode={mode} />
                        </button>
                      ) : (
                        <span aria-label={name} title={MODES[mode].help} role="img">
                          <ModeChip mode={mode} />
                        </span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  };

  return (
    <>
      <PageHeader title="Mappings" />
      <Card
        title="Which item goes to which site"
        actions={
          <ul className="flex flex-wrap gap-2" aria-label="Legend">
            {(Object.keys(MODES) as CellMode[]).map((mode) => (
              <li key={mode} title={MODES[mode].help}>
                <ModeChip mode={mode} />
              </li>
            ))}
          </ul>
        }
      >
        {body()}
        <p className="mt-3 text-xs text-slate-500">
          Drafts and archived items are never sent, whatever their mapping.
        </p>
      </Card>
      {editing && (
        <MappingEditor
          item={editing.item}
          site={editing.site}
          mapping={mappings.data?.find(
            (m) => m.content_item_id === editing.item.id && m.site_id === editing.site.id,
          )}
          onClose={() => setEditing(null)}
        />
      )}
    </>
  );
}
