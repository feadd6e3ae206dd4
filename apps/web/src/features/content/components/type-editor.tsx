import type { ContentType } from '@datasync/contracts';
import { useState } from 'react';
import { Dialog } from '../../../components/dialog';
import { Plus, Trash } from '../../../components/icons';
import { Button, ErrorState, TextAreaField, TextField } from '../../../components/ui';
import { useSaveContentType } from '../api';
import {
  FIELD_KINDS,
  kindOf,
  orderedProperties,
  schemaForKind,
  type FieldKind,
  type JsonSchema,
} from '../schema';

const EMPTY_SCHEMA: JsonSchema = { type: 'object', properties: {}, required: [] };

/**
 * A content type's schema, two ways: a field editor for the top-level properties (name, label, kind, required),
 * which writes JSON Schema, and the raw JSON for everything else (nested groups, patterns, limits).
 */
export function TypeEditor({
  type,
  readOnly,
  onClose,
}: {
  type: ContentType | null;
  readOnly: boolean;
  onClose: () => void;
}) {
  const [name, setName] = useState(type?.name ?? '');
  const [slug, setSlug] = useState(type?.slug ?? '');
  const [schema, setSchema] = useState<JsonSchema>((type?.schema as JsonSchema) ?? EMPTY_SCHEMA);
  const [view, setView] = useState<'fields' | 'json'>('fields');
  const [raw, setRaw] = useState('');
  const [rawError, setRawError] = useState<string | null>(null);
  const save = useSaveContentType();

  const fields = orderedProperties(schema);
  const required = new Set(schema.required ?? []);
  const update = (next: JsonSchema) => setSchema(next);

  const setField = (
    index: number,
    change: { name?: string; title?: string; kind?: FieldKind; required?: boolean },
  ) => {
    const entries = fields.map(([fieldName, field]) => [fieldName, field] as [string, JsonSchema]);
    const [oldName, oldField] = entries[index]!;
    const newName = change.name ?? oldName;
    let field = oldField;
    if (change.kind && change.kind !== kindOf(oldField))
      field = schemaForKind(change.kind, oldField.title ?? newName);
    if (change.title !== undefined) field = { ...field, title: change.title };
    entries[index] = [newName, field];
    const nextRequired = new Set([...required].map((r) => (r === oldName ? newName : r)));
    if (change.required === true) nextRequired.add(newName);
    if (change.required === false) nextRequired.delete(newName);
    const order = schema['x-ui']?.order
      ? { 'x-ui': { ...schema['x-ui'], order: entries.map(([n]) => n) } }
      : {};
    update({ ...schema, ...order, properties: Object.fromEntries(entries), required: [...nextRequired] });
  };

  const addField = () => {
    let n = fields.length + 1;
    while (`field_${n}` in (schema.properties ?? {})) n++;
    const fieldName = `field_${n}`;
    const order = schema['x-ui']?.order
      ? { 'x-ui': { ...schema['x-ui'], order: [...schema['x-ui'].order, fieldName] } }
      : {};
    update({
      ...schema,
      ...order,
      properties: { ...schema.properties, [fieldName]: schemaForKind('text', `Field ${n}`) },
    });
  };

  const removeField = (fieldName: string) => {
    const properties = { ...schema.properties };
    delete properties[fieldName];
    const order = schema['x-ui']?.order
      ? { 'x-ui': { ...schema['x-ui'], order: schema['x-ui'].order.filter((n) => n !== fieldName) } }
      : {};
    update({
      ...schema,
      ...order,
      properties,
      required: (schema.required ?? []).filter((r) => r !== fieldName),
    });
  };

  const showJson = () => {
    setRaw(JSON.stringify(schema, null, 2));
    setRawError(null);
    setView('json');
  };
  const showFields = () => {
    try {
      setSchema(JSON.parse(raw) as JsonSchema);
      setView('fields');
    } catch (error) {
      setRawError(`Not valid JSON: ${(error as Error).message}`);
    }
  };

  const submit = () => {
    // jsonb keeps no key order: the field list's order is saved as x-ui.order, so forms show it as written.
    let body: JsonSchema =
      fields.length > 0
        ? { ...schema, 'x-ui': { ...schema['x-ui'], order: fields.map(([name]) => name) } }
        : schema;
    if (view === 'json') {
      try {
        body = JSON.parse(raw) as JsonSchema;
      } catch (error) {
        setRawError(`Not valid JSON: ${(error as Error).message}`);
        return;
      }
    }
    save.mutate(
      { ...(type ? { id: type.id } : {}), body: { name, slug, schema: body } },
      { onSuccess: onClose },
    );
  };

  return (
    <Dialog
      title={readOnly ? `Content type ${type?.name ?? ''}` : type ? `Edit ${type.name}` : 'New content type'}
      onClose={onClose}
      wide
    >
      <form
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField
            label="Name"
            value={name}
            readOnly={readOnly}
            required
            onChange={(e) => setName(e.target.value)}
          />
          <TextField
            label="Slug"
            value={slug}
            readOnly={readOnly}
            required
            pattern="[a-z][a-z0-9_\-]{0,62}"
            onChange={(e) => setSlug(e.target.value)}
          />
        </div>
        <div role="tablist" aria-label="Schema view" className="flex gap-1">
          <Button
            role="tab"
            aria-selected={view === 'fields'}
            variant={view === 'fields' ? 'primary' : 'secondary'}
            onClick={view === 'json' ? showFields : undefined}
          >
            Fields
          </Button>
          <Button
            role="tab"
            aria-selected={view === 'json'}
            variant={view === 'json' ? 'primary' : 'secondary'}
            onClick={view === 'fields' ? showJson : undefined}
          >
            Raw JSON
          </Button>
        </div>
        {view === 'fields' ? (
          <table className="w-full text-sm" aria-label="Fields">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1">Property</th>
                <th>Label</th>
                <th>Kind</th>
                <th>Required</th>
                <th className="sr-only">Actions</th>
              </tr>
            </thead>
            <tbody>
              {fields.map(([fieldName, field], index) => (
                <tr key={index} className="border-t border-slate-100">
                  <td className="py-1 pr-2">
                    <input
                      aria-label={`Property name ${index + 1}`}
                      className="w-full rounded px-1 ring-1 ring-slate-300"
                      value={fieldName}
                      readOnly={readOnly}
                      onChange={(e) => setField(index, { name: e.target.value })}
                    />
                  </td>
                  <td className="pr-2">
                    <input
                      aria-label={`Label of ${fieldName}`}
                      className="w-full rounded px-1 ring-1 ring-slate-300"
                      value={field.title ?? ''}
                      readOnly={readOnly}
                      onChange={(e) => setField(index, { title: e.target.value })}
                    />
                  </td>
                  <td className="pr-2">
                    <select
                      aria-label={`Kind of ${fieldName}`}
                      className="rounded ring-1 ring-slate-300"
                      value={kindOf(field)}
                      disabled={readOnly}
                      onChange={(e) => setField(index, { kind: e.target.value as FieldKind })}
                    >
                      {FIELD_KINDS.map((kind) => (
                        <option key={kind}>{kind}</option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${fieldName} is required`}
                      checked={required.has(fieldName)}
                      disabled={readOnly}
                      onChange={(e) => setField(index, { required: e.target.checked })}
                    />
                  </td>
                  <td className="text-right">
                    {!readOnly && (
                      <Button
                        variant="ghost"
                        aria-label={`Remove field ${fieldName}`}
                        onClick={() => removeField(fieldName)}
                      >
                        <Trash aria-hidden />
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
              {fields.length === 0 && (
                <tr>
                  <td colSpan={5} className="py-2 text-slate-500">
                    No fields yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        ) : (
          <TextAreaField
            label="JSON Schema"
            rows={16}
            value={raw}
            readOnly={readOnly}
            onChange={(e) => setRaw(e.target.value)}
            error={rawError ?? undefined}
          />
        )}
        {!readOnly && view === 'fields' && (
          <Button onClick={addField}>
            <Plus aria-hidden /> Add field
          </Button>
        )}
        {save.error && <ErrorState error={save.error} />}
        {!readOnly && (
          <div className="flex justify-end gap-2">
            <Button onClick={onClose}>Cancel</Button>
            <Button type="submit" variant="primary" busy={save.isPending}>
              Save content type
            </Button>
          </div>
        )}
      </form>
    </Dialog>
  );
}
