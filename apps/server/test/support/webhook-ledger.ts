import { Webhook } from 'standardwebhooks';
import type { ReceivedRequest } from './receivers.js';

export interface Arrival {
  webhookId: string;
  siteId: string;
  version: number;
  verified: boolean;
  /** true when this webhook-id had arrived before: the receiver answers 200 without applying it again. */
  repeat: boolean;
  request: ReceivedRequest;
}

/**
 * What a receiving site sees: verifies each request's Standard Webhooks signature with the site's secret, applies
 * each webhook-id once (a repeat is answered but not applied again), and records the versions it applied per site,
 * in arrival order.
 */
export class WebhookLedger {
  readonly arrivals: Arrival[] = [];
  readonly applied = new Map<string, number[]>();
  readonly #seen = new Set<string>();

  /** `secretOf(siteId)`: the site's signing secret (undefined: every request from it fails verification). */
  constructor(private readonly secretOf: (siteId: string) => string | undefined) {}

  take(request: ReceivedRequest): Arrival {
    const webhookId = String(request.headers['webhook-id']);
    const { data } = JSON.parse(request.body) as { data: { site: { id: string }; version: number } };
    let verified = false;
    try {
      new Webhook(this.secretOf(data.site.id) ?? 'whsec_unknown').verify(
        request.body,
        request.headers as Record<string, string>,
      );
      verified = true;
    } catch {
      // counted below: a test asserts that every request verified
    }
    const repeat = this.#seen.has(webhookId);
    // A real receiver applies on arrival, before it answers: a sender that dies before reading the 200 leaves
    // a version applied that it will send again, with the same webhook-id.
    if (!repeat && verified) {
      this.#seen.add(webhookId);
      this.applied.set(data.site.id, [...(this.applied.get(data.site.id) ?? []), data.version]);
    }
    const arrival = { webhookId, siteId: data.site.id, version: data.version, verified, repeat, request };
    this.arrivals.push(arrival);
    return arrival;
  }

  /** Webhook-ids that were being received by two requests at the same time (their open intervals overlap). */
  concurrentDuplicates(): string[] {
    const byId = new Map<string, ReceivedRequest[]>();
    for (const { webhookId, request } of this.arrivals)
      byId.set(webhookId, [...(byId.get(webhookId) ?? []), request]);
    const overlapping: string[] = [];
    for (const [webhookId, requests] of byId) {
      const sorted = [...requests].sort((a, b) => a.startedAt - b.startedAt);
      let openUntil = -Infinity;
      for (const request of sorted) {
        if (request.startedAt < openUntil) overlapping.push(webhookId);
        openUntil = Math.max(openUntil, request.endedAt ?? Infinity);
      }
    }
    return [...new Set(overlapping)];
  }

  /** Webhook-ids that arrived more than once (at-least-once delivery: fine, as long as not concurrently). */
  repeatedIds(): string[] {
    return [...new Set(this.arrivals.filter((a) => a.repeat).map((a) => a.webhookId))];
  }
}
