/** One item as DataSync sends it: the complete data the site should show (overrides already merged in). */
export interface SyncedItem {
  id: string;
  title: string;
  content_type: string;
  data: Record<string, unknown>;
  mode: 'full' | 'override';
}

export interface SyncedSite {
  id: string;
  slug: string;
  name: string;
}

/** The `content.synced` webhook body (docs/webhooks.md in the DataSync repository). */
export interface ContentSyncedEvent {
  type: 'content.synced';
  timestamp: string;
  data: {
    site: SyncedSite;
    version: number;
    job_id: string;
    items: SyncedItem[];
  };
}

/** What a store holds for one sending site: the newest payload applied and how to recognise replays. */
export interface SiteRecord {
  siteId: string;
  version: number;
  /** The `webhook-id` of the delivery that brought `event`. */
  webhookId: string;
  /**
   * Recently applied webhook ids, oldest first (bounded): a late retry of an older delivery that was applied before
   * is answered "already applied", not "stale", so the sender marks it delivered instead of retrying it.
   */
  appliedWebhookIds: string[];
  /** ISO time this receiver applied it. */
  appliedAt: string;
  event: ContentSyncedEvent;
}

/**
 * Where applied payloads live, by state key: a fingerprint of the signing secret that verified them (see
 * stateKeyFor), never the secret. `write` must be atomic: a concurrent or later `read` sees the previous record or
 * the new one, never a mix. The receiver serializes calls per key within one process; a store shared by several
 * processes must itself refuse a write whose version is not newer (compare-and-set).
 */
export interface ReceiverStore {
  read(key: string): Promise<SiteRecord | undefined>;
  write(key: string, record: SiteRecord): Promise<void>;
}

/** Header access that works for Fetch `Headers` and Node/Express/Fastify header objects alike. */
export type HeaderSource = Headers | Record<string, string | string[] | undefined>;

export interface ReceiverRequest {
  headers: HeaderSource;
  /** The exact bytes received: the signature covers them, so never a re-serialized object. */
  body: Uint8Array | string;
}

export type ReceiveOutcome =
  | 'applied'
  | 'already_applied'
  | 'stale'
  | 'malformed'
  | 'unauthorized'
  | 'too_large'
  | 'store_failed'
  | 'receiver_error';

/** A framework-neutral answer; the adapters turn it into their response objects. */
export interface ReceiverResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  outcome: ReceiveOutcome;
  /** The record now stored for the site, when the outcome is `applied` or `already_applied`. */
  record?: SiteRecord;
}

export type SecretSource = readonly string[] | (() => readonly string[] | Promise<readonly string[]>);

export interface ReceiverOptions {
  /** Signing secrets (`whsec_…`); a request is authentic if any of them verifies it (secret rotation). */
  secrets: SecretSource;
  store: ReceiverStore;
  /** How far `webhook-timestamp` may be from this clock, either way. Default 300 (5 minutes). */
  toleranceSeconds?: number;
  /** Bodies larger than this are refused with 413. Default 5 MiB. */
  maxBodyBytes?: number;
  /** The clock, in milliseconds (tests pass a fixed one). Default `Date.now`. */
  now?: () => number;
  /** How many applied webhook ids to remember per site for replay detection. Default 100. */
  rememberWebhookIds?: number;
}
