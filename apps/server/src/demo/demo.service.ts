import type { DemoLoadResult } from '@datasync/contracts';
import { scopeOf, type Principal } from '../auth/principal.js';
import { recordAudit } from '../audit/audit.repo.js';
import type { Config } from '../config.js';
import { assertValidContentSchema } from '../content/data-validator.js';
import { encryptSecret } from '../crypto/secret-box.js';
import { withTenant } from '../db/tenant.js';
import type { AppDb } from '../db/types.js';
import { upsertMapping } from '../mappings/mappings.repo.js';
import { renameOrganization } from '../organizations/organizations.repo.js';
import { generateSigningSecret } from '../sites/site-secrets.js';
import { insertSite } from '../sites/sites.repo.js';
import {
  DEMO_CONTENT_TYPES,
  DEMO_ITEMS,
  DEMO_MAPPINGS,
  DEMO_ORGANIZATION_NAME,
  DEMO_SITES,
  type DemoItemKey,
} from './demo-content.js';
import { findOrCreateContentType, findOrCreateItem, findSiteIdBySlug } from './demo.repo.js';

/** Where the demo landing pages listen: this service's public host, on LANDING_PORT. */
export function landingBaseUrl(config: Pick<Config, 'publicUrl' | 'landingPort'>): string {
  const url = new URL(config.publicUrl);
  url.port = String(config.landingPort);
  return url.origin;
}

/**
 * Loads the demo into the caller's organization in one transaction: the organization becomes "Acme Holdings",
 * and the content types, items, sites and mappings are created unless they exist (matched by slug or title).
 * A site's signing secret is in the answer only when the site was created now, like POST /sites.
 */
export function loadDemo(
  db: AppDb,
  principal: Principal,
  options: { config: Pick<Config, 'publicUrl' | 'landingPort'>; encryptionKey: Buffer },
): Promise<DemoLoadResult> {
  const landing = landingBaseUrl(options.config);
  return withTenant(db, scopeOf(principal), async (tx) => {
    const orgId = principal.orgId;
    await renameOrganization(tx, orgId, DEMO_ORGANIZATION_NAME);
    const created = { content_types: 0, content_items: 0, sites: 0 };

    const typeIds = new Map<string, string>();
    for (const type of DEMO_CONTENT_TYPES) {
      const schema = type.schema as unknown as Record<string, unknown>;
      assertValidContentSchema(schema);
      const result = await findOrCreateContentType(tx, {
        organizationId: orgId,
        slug: type.slug,
        name: type.name,
        schema,
      });
      typeIds.set(type.slug, result.id);
      if (result.created) created.content_types += 1;
    }

    const itemIds = new Map<DemoItemKey, string>();
    for (const item of DEMO_ITEMS) {
      const result = await findOrCreateItem(tx, {
        organizationId: orgId,
        contentTypeId: typeIds.get(item.type)!,
        title: item.title,
        status: item.status,
        data: item.data,
        createdBy: principal.userId,
      });
      itemIds.set(item.key, result.id);
      if (result.created) created.content_items += 1;
    }

    const siteResults: DemoLoadResult['sites'] = [];
    for (const site of DEMO_SITES) {
      let id = await findSiteIdBySlug(tx, site.slug);
      let signingSecret: string | undefined;
      if (!id) {
        signingSecret = generateSigningSecret();
        ({ id } = await insertSite(tx, {
          organizationId: orgId,
          slug: site.slug,
          name: site.name,
          destinationUrl: `${landing}/${site.slug}/webhook`,
          publicUrl: `${landing}/${site.slug}`,
          signingSecretEncrypted: encryptSecret(options.encryptionKey, signingSecret),
        }));
        created.sites += 1;
      }
      siteResults.push({
        id,
        slug: site.slug,
        name: site.name,
        ...(signingSecret ? { signing_secret: signingSecret } : {}),
      });
    }

    const siteIds = new Map(siteResults.map((site) => [site.slug, site.id]));
    for (const mapping of DEMO_MAPPINGS) {
      await upsertMapping(tx, {
        organizationId: orgId,
        siteId: siteIds.get(mapping.site)!,
        contentItemId: itemIds.get(mapping.item)!,
        mode: mapping.mode,
        overrides: mapping.overrides ?? {},
      });
    }

    await recordAudit(tx, principal, {
      action: 'demo.load',
      entityType: 'organization',
      entityId: orgId,
      after: { ...created, mappings: DEMO_MAPPINGS.length },
    });
    return {
      organization_name: DEMO_ORGANIZATION_NAME,
      created: { ...created },
      mappings: DEMO_MAPPINGS.length,
      sites: siteResults,
    };
  });
}
