import type { DemoLoadResult } from '@datasync/contracts';
import type { App } from '../../src/http/app.js';
import type { AppDb } from '../../src/db/types.js';
import { rowsOf } from './sql.js';

/** Loads the demo into the caller's organization and returns its answer plus item ids by demo key (A–D). */
export async function loadDemoData(app: App, db: AppDb, headers: Record<string, string>) {
  const response = await app.inject({ method: 'POST', url: '/api/v1/demo', headers });
  if (response.statusCode !== 201) throw new Error(`demo failed: ${response.statusCode} ${response.body}`);
  const result: DemoLoadResult = response.json();
  const orgId = headers['x-organization-id'];
  const items = await rowsOf<{ id: string; title: string }>(
    db,
    `SELECT id, title FROM content_items WHERE organization_id = '${orgId}'`,
  );
  const idOf = (prefix: string) => items.find((item) => item.title.startsWith(prefix))!.id;
  const itemIds = {
    A: idOf('Summer Sale'),
    B: idOf('Free shipping'),
    C: idOf('Acme Downtown'),
    D: idOf('Black Friday'),
  };
  const siteIds = Object.fromEntries(result.sites.map((site) => [site.slug, site.id])) as Record<
    'facebook' | 'google' | 'instagram',
    string
  >;
  return { result, itemIds, siteIds };
}
