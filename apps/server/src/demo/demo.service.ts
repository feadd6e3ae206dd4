import type { DemoLoadResult } from '@datasync/contracts';
import { scopeOf, type Principal } from '../access/principal.js';
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
import { landingBaseUrl, type DemoLanding } from './demo-landing.js';
import { findOrCreateContentType, findOrCreateItem, findSiteIdBySlug } from './demo.repo.js';

export interface DemoLog {
  warn(fields: object, message: string): void;
}

/**
 * Loads the demo into the caller's organization in one transaction: the organization becomes "Acme Holdings",
 * and the content types, items, sites and mappings are created unless they exist (matched by slug or title).
 * A site's signing secret is in the answer only when the site was created now, like POST /sites; with `landing`,
 * it is also handed to the landing page that receives the site's webhooks, once the sites are committed.
 */
export async function loadDemo(
  db: AppDb,
  principal: Principal,
  options: {
    config: Pick<Config, 'publicUrl' | 'landingPort'>;
    encryptionKey: Buffer;
    landing?: DemoLanding;
    log?: DemoLog;
  },
): Promise<DemoLoadResult> {
  const result = await insertDemo(db, principal, {
    ...options,
    landingUrl: options.landing?.baseUrl ?? landingBaseUrl(options.config),
  });
  if (options.landing) await handOverSecrets(options.landing, result.sites, options.log);
  return result;
}

/**
 * The sites exist whatever happens here: a page that cannot take its secret is logged (by slug, never the secret)
 * and answers that site's webhooks 401 until the secret is given to it another way (LANDING_SECRETS).
 */
async function handOverSecrets(landing: DemoLanding, sites: DemoLoadResult['sites'], log?: DemoLog) {
  for (const site of sites) {
    if (!site.signing_secret) continue;
    try {
      await landing.registerSecret(site.slug, site.signing_secret);
    } catch (error) {
      log?.warn(
        { site_id: site.id, slug: site.slug, error: (error as Error).message },
        'the demo landing page did not take the new site secret; its webhooks will be refused',
      );
    }
  }
}

function insertDemo(
  db: AppDb,
  principal: Principal,
  options: { encryptionKey: Buffer; landingUrl: string },
): Promise<DemoLoadResult> {
  const landing = options.landingUrl;
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
