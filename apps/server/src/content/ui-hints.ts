import { escapePointer, isPlainObject } from '../lib/json.js';
import type { SchemaIssue } from './schema-walk.js';

/** The field kinds of the form editor (docs/content-schemas.md says which standard keywords each one needs). */
export const UI_WIDGETS = [
  'text',
  'textarea',
  'markdown',
  'date',
  'number',
  'select',
  'multi-select',
  'phone',
  'email',
  'url',
  'image',
] as const;
export type UiWidget = (typeof UI_WIDGETS)[number];

const STRING_WIDGETS = new Set<string>([
  'text',
  'textarea',
  'markdown',
  'date',
  'phone',
  'email',
  'url',
  'image',
]);
const UI_KEYS = new Set(['widget', 'placeholder', 'order']);

function typesOf(node: Record<string, unknown>): unknown[] {
  return Array.isArray(node.type) ? node.type : [node.type];
}

/** Why `widget` cannot edit a value of the schema `node`, or null when it can. */
function widgetMismatch(widget: string, node: Record<string, unknown>): string | null {
  const types = typesOf(node);
  if (STRING_WIDGETS.has(widget) && !types.includes('string'))
    return `the ${widget} widget needs type "string"`;
  if (widget === 'number' && !types.includes('number') && !types.includes('integer')) {
    return 'the number widget needs type "number" or "integer"';
  }
  if (widget === 'select' && !Array.isArray(node.enum)) return 'the select widget needs an enum';
  if (widget === 'multi-select' && !types.includes('array'))
    return 'the multi-select widget needs type "array"';
  return null;
}

function checkOrder(order: unknown, node: Record<string, unknown>, at: string): SchemaIssue[] {
  if (!Array.isArray(order)) return [{ pointer: at, message: 'must be an array of property names' }];
  const properties = isPlainObject(node.properties) ? node.properties : {};
  const issues: SchemaIssue[] = [];
  const seen = new Set<unknown>();
  order.forEach((name, index) => {
    if (typeof name !== 'string' || !Object.hasOwn(properties, name)) {
      issues.push({ pointer: `${at}/${index}`, message: 'is not a property of this object' });
    } else if (seen.has(name)) {
      issues.push({ pointer: `${at}/${index}`, message: 'is listed twice' });
    }
    seen.add(name);
  });
  return issues;
}

/**
 * Checks the `x-ui` annotation of one schema object (at `pointer`). Ajv accepts any value for an annotation, so
 * without this a typo (`"widgit"`, `"text-area"`) would silently give the editor a plain text box.
 */
export function checkUiHints(node: Record<string, unknown>, pointer: string): SchemaIssue[] {
  if (!Object.hasOwn(node, 'x-ui')) return [];
  const hints = node['x-ui'];
  const at = `${pointer}/x-ui`;
  if (!isPlainObject(hints)) return [{ pointer: at, message: 'must be an object' }];
  const issues: SchemaIssue[] = [];
  for (const [key, value] of Object.entries(hints)) {
    const keyAt = `${at}/${escapePointer(key)}`;
    if (!UI_KEYS.has(key)) {
      issues.push({ pointer: keyAt, message: `is not a known UI hint (${[...UI_KEYS].join(', ')})` });
    } else if (key === 'widget') {
      if (typeof value !== 'string' || !(UI_WIDGETS as readonly string[]).includes(value)) {
        issues.push({ pointer: keyAt, message: `must be one of: ${UI_WIDGETS.join(', ')}` });
      } else {
        const mismatch = widgetMismatch(value, node);
        if (mismatch) issues.push({ pointer: keyAt, message: mismatch });
      }
    } else if (key === 'placeholder') {
      if (typeof value !== 'string' || value.length > 200) {
        issues.push({ pointer: keyAt, message: 'must be a string of at most 200 characters' });
      }
    } else {
      issues.push(...checkOrder(value, node, keyAt));
    }
  }
  return issues;
}
