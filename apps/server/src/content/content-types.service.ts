import type {
  ContentType,
  CreateContentTypeBody,
  InvalidParam,
  OffendingItem,
  UpdateContentTypeBody,
} from '@datasync/contracts';
import { recordAudit } from '../audit/audit.repo.js';
import { scopeOf, type Principal } from '../access/principal.js';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.js';
import { withTenant } from '../db/tenant.js';
import type { AppDb, Tx } from '../db/types.js';
import { conflict, notFound } from '../http/problem.js';
import {
  countItemsOfType,
  deleteType,
  findType,
  insertType,
  itemsOfType,
  listTypes,
  overridesOfType,
  updateType,
  type ContentTypeRow,
} from './content-types.repo.js';
import { mergeOverrides } from './merge-overrides.js';
import { assertValidContentSchema, validateData } from './data-validator.js';

/** How many offending items a refused schema change lists; the detail gives the full count. */
export const MAX_LISTED_OFFENDERS = 100;

export function toContentType(row: ContentTypeRow): ContentType {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    schema: row.schema,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

/** Runs a write that may hit the (organization, slug) unique key, and says so with a pointer. */
async function slugChecked<T>(work: Promise<T>, slug: string | undefined): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (slug !== undefined && isUniqueViolation(error)) {
      throw conflict(`A content type with slug "${slug}" already exists in this organization.`, [
        { in: 'body', pointer: '/slug', message: 'is already used by another content type' },
      ]);
    }
    throw error;
  }
}

export async function getContentTypes(db: AppDb, principal: Principal): Promise<ContentType[]> {
  return (await withTenant(db, scopeOf(principal), listTypes)).map(toContentType);
}

export async function getContentType(db: AppDb, principal: Principal, id: string): Promise<ContentType> {
  const row = await withTenant(db, scopeOf(principal), (tx) => findType(tx, id));
  if (!row) throw notFound('content type');
  return toContentType(row);
}

export function createContentType(
  db: AppDb,
  principal: Principal,
  input: CreateContentTypeBody,
): Promise<ContentType> {
  assertValidContentSchema(input.schema);
  return withTenant(db, scopeOf(principal), async (tx) => {
    const row = await slugChecked(insertType(tx, { organizationId: principal.orgId, ...input }), input.slug);
    const after = toContentType(row);
    await recordAudit(tx, principal, {
      action: 'content_type.create',
      entityType: 'content_type',
      entityId: row.id,
      after,
    });
    return after;
  });
}

/** Refuses a schema that existing items of the type would no longer satisfy, naming them. */
async function assertItemsStillValid(tx: Tx, typeId: string, schema: Record<string, unknown>): Promise<void> {
  const offenders: OffendingItem[] = [];
  let total = 0;
  const offend = (item: { id: string; title: string }, errors: InvalidParam[]) => {
    total += 1;
    if (offenders.length < MAX_LISTED_OFFENDERS) {
      offenders.push({
        id: item.id,
        title: item.title,
        errors: errors.map(({ pointer, message }) => ({ pointer, message })),
      });
    }
  };
  for await (const item of itemsOfType(tx, typeId)) {
    const errors = validateData(schema, item.data, '/data');
    if (errors.length > 0) offend(item, errors);
  }
  // What override-mapped sites receive (data + overrides) must satisfy the new schema too.
  for (const mapped of await overridesOfType(tx, typeId)) {
    const errors = validateData(schema, mergeOverrides(mapped.data, mapped.overrides), '/data');
    if (errors.length > 0) {
      offend(
        mapped,
        errors.map((error) => ({
          ...error,
          message: `${error.message} (with the overrides of site ${mapped.siteId})`,
        })),
      );
    }
  }
  if (total === 0) return;
  const listed = total > offenders.length ? ` (the first ${offenders.length} are listed in items)` : '';
  throw conflict(
    `${total} existing item${total === 1 ? '' : 's'} of this type would not satisfy the new schema${listed}.`,
    [{ in: 'body', pointer: '/schema', message: `would invalidate ${total} existing item(s)` }],
    { items: offenders },
  );
}

export function updateContentType(
  db: AppDb,
  principal: Principal,
  id: string,
  input: UpdateContentTypeBody,
): Promise<ContentType> {
  if (input.schema !== undefined) assertValidContentSchema(input.schema);
  return withTenant(db, scopeOf(principal), async (tx) => {
    const before = await findType(tx, id, 'update');
    if (!before) throw notFound('content type');
    if (input.schema !== undefined) await assertItemsStillValid(tx, id, input.schema);
    const row = await slugChecked(updateType(tx, id, input), input.slug);
    const after = toContentType(row);
    await recordAudit(tx, principal, {
      action: 'content_type.update',
      entityType: 'content_type',
      entityId: id,
      before: toContentType(before),
      after,
    });
    return after;
  });
}

export function deleteContentType(db: AppDb, principal: Principal, id: string): Promise<void> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const before = await findType(tx, id, 'update');
    if (!before) throw notFound('content type');
    const items = await countItemsOfType(tx, id);
    const refuse = (count: number) =>
      conflict(
        `The content type still has ${count} content item${count === 1 ? '' : 's'}: delete them or move them to another type first.`,
      );
    if (items > 0) throw refuse(items);
    try {
      await deleteType(tx, id);
    } catch (error) {
      // The row lock keeps new items out; this only guards the foreign key's own word on it.
      if (isForeignKeyViolation(error)) throw refuse(1);
      throw error;
    }
    await recordAudit(tx, principal, {
      action: 'content_type.delete',
      entityType: 'content_type',
      entityId: id,
      before: toContentType(before),
    });
  });
}
