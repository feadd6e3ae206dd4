import type {
  ContentItem,
  ContentItemListQuery,
  CreateContentItemBody,
  Page,
  UpdateContentItemBody,
} from '@datasync/contracts';
import { recordAudit } from '../audit/audit.repo.js';
import { scopeOf, type Principal } from '../access/principal.js';
import { withTenant } from '../db/tenant.js';
import type { AppDb, Tx } from '../db/types.js';
import { DEFAULT_PAGE_SIZE, toPage } from '../http/pagination.js';
import { conflict, notFound, unprocessable } from '../http/problem.js';
import { findType, type ContentTypeRow } from './content-types.repo.js';
import {
  deleteItem,
  findItem,
  insertItem,
  listItems,
  updateItem,
  type ContentItemRow,
} from './content-items.repo.js';
import { listMappings } from '../mappings/mappings.repo.js';
import { mergeOverrides } from './merge-overrides.js';
import { validateData } from './data-validator.js';
import {
  allowedTransitions,
  canTransition,
  concernsSites,
  lifecycleAction,
  publishedAtChange,
} from './lifecycle.js';
import type { PublishListener } from './publish-listener.js';

export function toContentItem(row: ContentItemRow): ContentItem {
  return {
    id: row.id,
    title: row.title,
    content_type_id: row.contentTypeId,
    content_type_slug: row.contentTypeSlug,
    data: row.data,
    status: row.status,
    published_at: row.publishedAt,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

export function getContentItems(
  db: AppDb,
  principal: Principal,
  query: ContentItemListQuery,
): Promise<Page<ContentItem>> {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  return withTenant(db, scopeOf(principal), async (tx) => {
    const filter = { status: query.status, contentTypeId: query.content_type_id, q: query.q };
    const rows = await listItems(tx, filter, { limit, cursor: query.cursor });
    return toPage(rows, limit, toContentItem);
  });
}

export async function getContentItem(db: AppDb, principal: Principal, id: string): Promise<ContentItem> {
  const row = await withTenant(db, scopeOf(principal), (tx) => findItem(tx, id));
  if (!row) throw notFound('content item');
  return toContentItem(row);
}

/**
 * The content type an item is written against, share-locked so its schema cannot change until we commit. Another
 * organization's type is invisible here (RLS), so it gets the same answer as one that does not exist.
 */
async function typeForItem(tx: Tx, contentTypeId: string): Promise<ContentTypeRow> {
  const type = await findType(tx, contentTypeId, 'share');
  if (!type) {
    throw unprocessable('The content type does not exist in this organization.', [
      { in: 'body', pointer: '/content_type_id', message: 'is not a content type of this organization' },
    ]);
  }
  return type;
}

function assertDataFits(type: ContentTypeRow, data: unknown): void {
  const errors = validateData(type.schema, data, '/data');
  if (errors.length > 0) {
    throw unprocessable(`The data does not satisfy the schema of content type "${type.slug}".`, errors);
  }
}

/**
 * A site with an `override` mapping receives the data with its overrides merged in; that too must satisfy the
 * schema, or a change to the base data would send the site content its schema forbids.
 */
async function assertOverridesStillFit(
  tx: Tx,
  itemId: string,
  type: ContentTypeRow,
  data: unknown,
): Promise<void> {
  const overrides = (await listMappings(tx, { contentItemId: itemId })).filter((m) => m.mode === 'override');
  const errors = overrides.flatMap((mapping) =>
    validateData(type.schema, mergeOverrides(data, mapping.overrides), '/data').map((error) => ({
      ...error,
      message: `${error.message} (with the overrides of site ${mapping.siteId})`,
    })),
  );
  if (errors.length > 0) {
    throw unprocessable(
      'With the overrides of a site mapped to it, the item would no longer satisfy its schema.',
      errors,
    );
  }
}

export function createContentItem(
  db: AppDb,
  principal: Principal,
  input: CreateContentItemBody,
): Promise<ContentItem> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const type = await typeForItem(tx, input.content_type_id);
    assertDataFits(type, input.data);
    const status = input.status ?? 'draft';
    const row = await insertItem(tx, {
      organizationId: principal.orgId,
      contentTypeId: type.id,
      title: input.title,
      data: input.data,
      status,
      publishedAt: publishedAtChange(null, status),
      createdBy: principal.userId,
    });
    const after = toContentItem({ ...row, contentTypeSlug: type.slug });
    await recordAudit(tx, principal, {
      action: 'content_item.create',
      entityType: 'content_item',
      entityId: row.id,
      after,
    });
    return after;
  });
}

export function updateContentItem(
  db: AppDb,
  publishListener: PublishListener,
  principal: Principal,
  id: string,
  input: UpdateContentItemBody,
): Promise<ContentItem> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const current = await findItem(tx, id, 'update');
    if (!current) throw notFound('content item');
    const status = input.status ?? current.status;
    if (!canTransition(current.status, status)) {
      const allowed = allowedTransitions(current.status).join(' or ');
      throw conflict(
        `${current.status === 'archived' ? 'An' : 'A'} ${current.status} item cannot become ${status}; it can become ${allowed}.`,
        [{ in: 'body', pointer: '/status', message: `cannot change from ${current.status} to ${status}` }],
      );
    }
    const typeChanges =
      input.content_type_id !== undefined && input.content_type_id !== current.contentTypeId;
    let typeSlug = current.contentTypeSlug;
    if (typeChanges || input.data !== undefined) {
      const type = await typeForItem(tx, input.content_type_id ?? current.contentTypeId);
      assertDataFits(type, input.data ?? current.data);
      await assertOverridesStillFit(tx, id, type, input.data ?? current.data);
      typeSlug = type.slug;
    }
    const row = await updateItem(tx, id, {
      title: input.title,
      contentTypeId: input.content_type_id,
      data: input.data,
      status: input.status,
      publishedAt: publishedAtChange(current.status, status),
    });
    const before = toContentItem(current);
    const after = toContentItem({ ...row, contentTypeSlug: typeSlug });
    const verb = lifecycleAction(current.status, status) ?? 'update';
    await recordAudit(tx, principal, {
      action: `content_item.${verb}`,
      entityType: 'content_item',
      entityId: id,
      before,
      after,
    });
    if (concernsSites(current.status, status)) await publishListener.publishedItemChanged(tx, principal, id);
    return after;
  });
}

export function deleteContentItem(
  db: AppDb,
  publishListener: PublishListener,
  principal: Principal,
  id: string,
): Promise<void> {
  return withTenant(db, scopeOf(principal), async (tx) => {
    const before = await findItem(tx, id, 'update');
    if (!before) throw notFound('content item');
    // Before the delete: its mappings, which name the sites to update, go with it.
    if (concernsSites(before.status, null)) await publishListener.publishedItemChanged(tx, principal, id);
    await deleteItem(tx, id);
    await recordAudit(tx, principal, {
      action: 'content_item.delete',
      entityType: 'content_item',
      entityId: id,
      before: toContentItem(before),
    });
  });
}
