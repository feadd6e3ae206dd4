import type { ContentItem, ContentType } from '@datasync/contracts';
import { useState } from 'react';
import { Dialog } from '../../../components/dialog';
import { Button, ErrorState, SelectField, TextField } from '../../../components/ui';
import { ApiError } from '../../../lib/api-client';
import { useSaveContentItem } from '../api';
import type { JsonSchema } from '../schema';
import { SchemaForm } from './schema-form';

/**
 * Creates or edits an item: a form generated from its type's schema. The server validates; its errors come back
 * with JSON pointers and are shown under the fields they name.
 */
export function ItemEditor({
  item,
  types,
  readOnly,
  onClose,
}: {
  item: ContentItem | null;
  types: ContentType[];
  readOnly: boolean;
  onClose: () => void;
}) {
  const [title, setTitle] = useState(item?.title ?? '');
  const [typeId, setTypeId] = useState(item?.content_type_id ?? types[0]?.id ?? '');
  const [data, setData] = useState<Record<string, unknown>>(item?.data ?? {});
  const save = useSaveContentItem();
  const type = types.find((candidate) => candidate.id === typeId);
  const errors = save.error instanceof ApiError ? save.error.fieldErrors() : new Map<string, string>();

  const submit = () => {
    const body = item ? { title, data } : { title, content_type_id: typeId, data };
    save.mutate({ ...(item ? { id: item.id } : {}), body }, { onSuccess: onClose });
  };

  return (
    <Dialog
      title={readOnly ? `View ${item?.title ?? ''}` : item ? `Edit ${item.title}` : 'New content item'}
      onClose={onClose}
      wide
    >
      <form
        className="space-y-4"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <TextField
          label="Title *"
          value={title}
          readOnly={readOnly}
          onChange={(e) => setTitle(e.target.value)}
          error={errors.get('/title')}
        />
        {!item && (
          <SelectField
            label="Content type"
            value={typeId}
            onChange={(event) => {
              setTypeId(event.target.value);
              setData({});
            }}
            error={errors.get('/content_type_id')}
          >
            {types.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </SelectField>
        )}
        {type ? (
          <SchemaForm
            schema={type.schema as JsonSchema}
            value={data}
            onChange={setData}
            errors={errors}
            pointer="/data"
            readOnly={readOnly}
          />
        ) : (
          <p className="text-sm text-slate-500">Create a content type first.</p>
        )}
        {save.error && <ErrorState error={save.error} />}
        {!readOnly && (
          <div className="flex justify-end gap-2">
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" variant="primary" busy={save.isPending} disabled={!type}>
              Save item
            </Button>
          </div>
        )}
      </form>
    </Dialog>
  );
}
