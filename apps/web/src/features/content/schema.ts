// The part of JSON Schema the form editor reads (docs/content-schemas.md, "Field kinds for the form editor").

export interface UiHints {
  widget?: string;
  placeholder?: string;
  order?: string[];
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  uniqueItems?: boolean;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  'x-ui'?: UiHints;
  [keyword: string]: unknown;
}

export const FIELD_KINDS = [
  'text',
  'textarea',
  'markdown',
  'date',
  'number',
  'integer',
  'boolean',
  'select',
  'multi-select',
  'phone',
  'email',
  'url',
  'image',
  'group',
] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

/** Which widget shows a property: `x-ui.widget` where given, else what its keywords say. */
export function kindOf(schema: JsonSchema): FieldKind {
  const widget = schema['x-ui']?.widget;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object') return 'group';
  if (type === 'array') return 'multi-select';
  if (type === 'boolean') return 'boolean';
  if (schema.enum) return 'select';
  if (type === 'integer') return 'integer';
  if (type === 'number' || widget === 'number') return 'number';
  if (widget === 'textarea' || widget === 'markdown' || widget === 'phone' || widget === 'image')
    return widget;
  if (schema.format === 'date') return 'date';
  if (schema.format === 'email') return 'email';
  if (schema.format === 'uri') return 'url';
  return 'text';
}

/** The JSON Schema of a new field of this kind (what the field editor writes). */
export function schemaForKind(kind: FieldKind, title: string): JsonSchema {
  const base = { title };
  switch (kind) {
    case 'textarea':
    case 'markdown':
    case 'phone':
      return { ...base, type: 'string', 'x-ui': { widget: kind } };
    case 'image':
      return { ...base, type: 'string', format: 'uri', 'x-ui': { widget: 'image' } };
    case 'date':
      return { ...base, type: 'string', format: 'date' };
    case 'email':
      return { ...base, type: 'string', format: 'email' };
    case 'url':
      return { ...base, type: 'string', format: 'uri' };
    case 'number':
    case 'integer':
    case 'boolean':
      return { ...base, type: kind };
    case 'select':
      return { ...base, type: 'string', enum: ['option_a', 'option_b'] };
    case 'multi-select':
      return {
        ...base,
        type: 'array',
        uniqueItems: true,
        items: { type: 'string', enum: ['option_a', 'option_b'] },
      };
    case 'group':
      return { ...base, type: 'object', properties: {} };
    default:
      return { ...base, type: 'string' };
  }
}

/** The properties of an object schema in the order the editor shows them (`x-ui.order`, then the rest). */
export function orderedProperties(schema: JsonSchema): [string, JsonSchema][] {
  const properties = schema.properties ?? {};
  const order = schema['x-ui']?.order ?? [];
  const names = [
    ...order.filter((name) => name in properties),
    ...Object.keys(properties).filter((n) => !order.includes(n)),
  ];
  return names.map((name) => [name, properties[name]!]);
}

/** JSON Pointer escaping (RFC 6901). */
export const pointerPart = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');
