import { useId } from 'react';
import { SelectField, TextAreaField, TextField } from '../../../components/ui';
import { kindOf, orderedProperties, pointerPart, type JsonSchema } from '../schema';

type Data = Record<string, unknown>;

interface FormProps {
  schema: JsonSchema;
  value: Data;
  onChange: (value: Data) => void;
  /** Server errors by JSON pointer (e.g. `/data/cta/url`). */
  errors: Map<string, string>;
  pointer: string;
  readOnly?: boolean;
}

/** Sets or (for undefined) removes a key: an emptied optional field leaves the data rather than becoming "". */
function withValue(data: Data, key: string, value: unknown): Data {
  const next = { ...data };
  if (value === undefined) delete next[key];
  else next[key] = value;
  return next;
}

/** A form for an object schema: one widget per property, groups for nested objects. */
export function SchemaForm({ schema, value, onChange, errors, pointer, readOnly = false }: FormProps) {
  const required = new Set(schema.required ?? []);
  return (
    <div className="space-y-3">
      {orderedProperties(schema).map(([name, property]) => (
        <SchemaField
          key={name}
          name={name}
          schema={property}
          required={required.has(name)}
          value={value[name]}
          onChange={(fieldValue) => onChange(withValue(value, name, fieldValue))}
          errors={errors}
          pointer={`${pointer}/${pointerPart(name)}`}
          readOnly={readOnly}
        />
      ))}
      {errors.get(pointer) && (
        <p role="alert" className="text-xs text-red-700">
          {errors.get(pointer)}
        </p>
      )}
    </div>
  );
}

function SchemaField({
  name,
  schema,
  required,
  value,
  onChange,
  errors,
  pointer,
  readOnly,
}: {
  name: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
  errors: Map<string, string>;
  pointer: string;
  readOnly: boolean;
}) {
  const label = `${schema.title ?? name}${required ? ' *' : ''}`;
  const error = errors.get(pointer);
  const common = {
    label,
    error,
    readOnly,
    placeholder: schema['x-ui']?.placeholder,
    ...(schema.description ? { hint: schema.description } : {}),
  };
  const text = typeof value === 'string' ? value : '';
  const setText = (next: string) => onChange(next === '' ? undefined : next);

  switch (kindOf(schema)) {
    case 'group':
      return (
        <fieldset className="rounded-md border border-slate-200 p-3">
          <legend className="px-1 text-sm font-semibold text-slate-700">{label}</legend>
          <SchemaForm
            schema={schema}
            value={value && typeof value === 'object' ? (value as Data) : {}}
            onChange={(next) => onChange(Object.keys(next).length === 0 ? undefined : next)}
            errors={errors}
            pointer={pointer}
            readOnly={readOnly}
          />
          {error && <p className="mt-1 text-xs text-red-700">{error}</p>}
        </fieldset>
      );
    case 'textarea':
    case 'markdown':
      return (
        <TextAreaField
          {...common}
          rows={kindOf(schema) === 'markdown' ? 6 : 3}
          value={text}
          onChange={(event) => setText(event.target.value)}
          {...(kindOf(schema) === 'markdown' ? { hint: 'Markdown' } : {})}
        />
      );
    case 'number':
    case 'integer':
      return (
        <TextField
          {...common}
          type="number"
          step={kindOf(schema) === 'integer' ? 1 : 'any'}
          min={schema.minimum}
          max={schema.maximum}
          value={typeof value === 'number' ? value : ''}
          onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}
        />
      );
    case 'boolean':
      return (
        <CheckboxField
          label={label}
          checked={value === true}
          onChange={onChange}
          readOnly={readOnly}
          error={error}
        />
      );
    case 'select':
      return (
        <SelectField
          label={label}
          error={error}
          disabled={readOnly}
          value={value === undefined ? '' : String(value)}
          onChange={(event) => onChange(event.target.value === '' ? undefined : event.target.value)}
        >
          <option value="">—</option>
          {(schema.enum ?? []).map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </SelectField>
      );
    case 'multi-select':
      return (
        <MultiSelect
          label={label}
          options={(schema.items?.enum ?? []).map(String)}
          value={Array.isArray(value) ? value.map(String) : []}
          onChange={(next) => onChange(next.length === 0 ? undefined : next)}
          readOnly={readOnly}
          error={error}
        />
      );
    case 'image':
      return (
        <div>
          <TextField {...common} type="url" value={text} onChange={(event) => setText(event.target.value)} />
          {text && <img src={text} alt="" className="mt-2 h-20 rounded object-cover" />}
        </div>
      );
    default: {
      const kind = kindOf(schema);
      const type = { date: 'date', email: 'email', url: 'url', phone: 'tel' }[kind as string] ?? 'text';
      return (
        <TextField
          {...common}
          type={type}
          maxLength={schema.maxLength}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
      );
    }
  }
}

function CheckboxField(props: {
  label: string;
  checked: boolean;
  onChange: (value: boolean) => void;
  readOnly: boolean;
  error: string | undefined;
}) {
  const id = useId();
  return (
    <div className="flex items-center gap-2">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        disabled={props.readOnly}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {props.label}
      </label>
      {props.error && <span className="text-xs text-red-700">{props.error}</span>}
    </div>
  );
}

function MultiSelect(props: {
  label: string;
  options: string[];
  value: string[];
  onChange: (value: string[]) => void;
  readOnly: boolean;
  error: string | undefined;
}) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-700">{props.label}</legend>
      <div className="mt-1 flex flex-wrap gap-3">
        {props.options.map((option) => (
          <label key={option} className="flex items-center gap-1 text-sm">
            <input
              type="checkbox"
              checked={props.value.includes(option)}
              disabled={props.readOnly}
              onChange={(event) =>
                props.onChange(
                  event.target.checked ? [...props.value, option] : props.value.filter((v) => v !== option),
                )
              }
            />
            {option}
          </label>
        ))}
      </div>
      {props.error && <p className="mt-1 text-xs text-red-700">{props.error}</p>}
    </fieldset>
  );
}
