import {
  CONTENT_STATUSES,
  type ContentItem,
  type ContentStatus,
  type ContentType,
} from '@datasync/contracts';
import { useState } from 'react';
import { Plus } from '../../../components/icons';
import {
  Button,
  Card,
  Empty,
  ErrorState,
  Loading,
  PageHeader,
  SelectField,
  StatusBadge,
} from '../../../components/ui';
import { timeAgo } from '../../../lib/format';
import { useCan } from '../../auth/api';
import { useContentItems, useContentTypes, useDeleteContentItem, useSaveContentItem } from '../api';
import { ItemEditor } from './item-editor';
import { TypeEditor } from './type-editor';

type Editing<T> = { value: T | null } | null;

export default function ContentPage() {
  const canWrite = useCan('content:write');
  const [status, setStatus] = useState<ContentStatus | ''>('');
  const types = useContentTypes();
  const items = useContentItems(status || undefined);
  const [editingItem, setEditingItem] = useState<Editing<ContentItem>>(null);
  const [editingType, setEditingType] = useState<Editing<ContentType>>(null);

  return (
    <>
      <PageHeader
        title="Content"
        actions={
          canWrite && (
            <>
              <Button onClick={() => setEditingType({ value: null })}>
                <Plus aria-hidden /> New content type
              </Button>
              <Button
                variant="primary"
                onClick={() => setEditingItem({ value: null })}
                disabled={!types.data?.length}
              >
                <Plus aria-hidden /> New item
              </Button>
            </>
          )
        }
      />
      <div className="space-y-6">
        <Card
          title="Content items"
          actions={
            <div className="w-44">
              <SelectField
                label="Status"
                value={status}
                onChange={(event) => setStatus(event.target.value as ContentStatus | '')}
              >
                <option value="">All statuses</option>
                {CONTENT_STATUSES.map((option) => (
                  <option key={option} value={option}>
                    {option}
                  </option>
                ))}
              </SelectField>
            </div>
          }
        >
          {items.isPending ? (
            <Loading />
          ) : items.isError ? (
            <ErrorState error={items.error} retry={() => items.refetch()} />
          ) : items.data.length === 0 ? (
            <Empty>
              {status
                ? `No ${status} items.`
                : 'No content yet. Create a content type, then an item — or load the demo data from the dashboard.'}
            </Empty>
          ) : (
            <ItemTable
              items={items.data}
              types={types.data ?? []}
              canWrite={canWrite}
              onOpen={(item) => setEditingItem({ value: item })}
            />
          )}
        </Card>

        <Card title="Content types">
          {types.isPending ? (
            <Loading />
          ) : types.isError ? (
            <ErrorState error={types.error} retry={() => types.refetch()} />
          ) : types.data.length === 0 ? (
            <Empty>No content types yet.</Empty>
          ) : (
            <ul className="divide-y divide-slate-100" aria-label="Content types">
              {types.data.map((type) => (
                <li key={type.id} className="flex items-center justify-between py-2">
                  <div>
                    <p className="font-medium">{type.name}</p>
                    <p className="text-xs text-slate-500">
                      {type.slug} ·{' '}
                      {Object.keys((type.schema as { properties?: object }).properties ?? {}).length} fields
                    </p>
                  </div>
                  <Button
                    aria-label={`${canWrite ? 'Edit' : 'View'} schema of ${type.name}`}
                    onClick={() => setEditingType({ value: type })}
                  >
                    {canWrite ? 'Edit schema' : 'View schema'}
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      {editingItem && (
        <ItemEditor
          item={editingItem.value}
          types={types.data ?? []}
          readOnly={!canWrite}
          onClose={() => setEditingItem(null)}
        />
      )}
      {editingType && (
        <TypeEditor type={editingType.value} readOnly={!canWrite} onClose={() => setEditingType(null)} />
      )}
    </>
  );
}

function ItemTable({
  items,
  types,
  canWrite,
  onOpen,
}: {
  items: ContentItem[];
  types: ContentType[];
  canWrite: boolean;
  onOpen: (item: ContentItem) => void;
}) {
  const typeName = (id: string) => types.find((type) => type.id === id)?.name ?? '';
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" aria-label="Content items">
        <thead className="text-left text-xs text-slate-500 uppercase">
          <tr>
            <th className="py-2">Title</th>
            <th>Type</th>
            <th>Status</th>
            <th>Updated</th>
            <th className="text-right">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} className="border-t border-slate-100" data-status={item.status}>
              <td className="py-2 font-medium">{item.title}</td>
              <td>{typeName(item.content_type_id)}</td>
              <td>
                <StatusBadge status={item.status} />
              </td>
              <td className="text-slate-500">{timeAgo(item.updated_at)}</td>
              <td className="py-1 text-right">
                <div className="flex justify-end gap-1">
                  <Button
                    aria-label={`${canWrite ? 'Edit' : 'View'} ${item.title}`}
                    onClick={() => onOpen(item)}
                  >
                    {canWrite ? 'Edit' : 'View'}
                  </Button>
                  {canWrite && <LifecycleActions item={item} />}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** draft → published → archived → draft (docs/content-schemas.md). */
function LifecycleActions({ item }: { item: ContentItem }) {
  const save = useSaveContentItem();
  const remove = useDeleteContentItem();
  const move = (status: ContentStatus) => save.mutate({ id: item.id, body: { status } });
  return (
    <>
      {item.status === 'draft' && (
        <Button
          variant="primary"
          busy={save.isPending}
          aria-label={`Publish ${item.title}`}
          onClick={() => move('published')}
        >
          Publish
        </Button>
      )}
      {item.status === 'published' && (
        <Button busy={save.isPending} aria-label={`Archive ${item.title}`} onClick={() => move('archived')}>
          Archive
        </Button>
      )}
      {item.status === 'archived' && (
        <>
          <Button
            busy={save.isPending}
            aria-label={`Move ${item.title} to draft`}
            onClick={() => move('draft')}
          >
            To draft
          </Button>
          <Button
            variant="danger"
            busy={remove.isPending}
            aria-label={`Delete ${item.title}`}
            onClick={() => {
              if (confirm(`Delete "${item.title}"? This cannot be undone.`)) remove.mutate(item.id);
            }}
          >
            Delete
          </Button>
        </>
      )}
      {(save.error || remove.error) && (
        <span role="alert" className="self-center text-xs text-red-700">
          {(save.error ?? remove.error)?.message}
        </span>
      )}
    </>
  );
}
