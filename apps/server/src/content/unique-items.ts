import type { FuncKeywordDefinition } from 'ajv/dist/2020.js';
import { isPlainObject } from '../lib/json.js';

/** JSON text with object keys sorted: two JSON values are equal exactly when their canonical texts are. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function uniqueItems(unique: boolean, data: unknown[]): boolean {
  if (!unique) return true;
  const seen = new Map<string, number>();
  for (const [i, item] of data.entries()) {
    const key = canonical(item);
    const j = seen.get(key);
    if (j !== undefined) {
      uniqueItems.errors = [
        {
          keyword: 'uniqueItems',
          message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
          params: { i, j },
        },
      ];
      return false;
    }
    seen.set(key, i);
  }
  return true;
}
uniqueItems.errors = [] as FuncKeywordErrors;
type FuncKeywordErrors = NonNullable<NonNullable<FuncKeywordDefinition['validate']>['errors']>;

/**
 * `uniqueItems` in linear time. Ajv's own compares every pair when the items' type is not declared a scalar
 * (e.g. a multi-select's `items: {enum: [...]}`): 20,000 items took a second, a 1 MiB body could block the
 * process for a minute. Data depth is bounded before validation, so the recursion here is too.
 */
export const uniqueItemsKeyword: FuncKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  errors: true,
  validate: uniqueItems,
};
