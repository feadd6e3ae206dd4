import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SiteHealth } from './site-health.repo.js';

/** What operators scrape at /metrics. One registry per process (tests build several apps, each its own). */
export interface Metrics {
  registry: Registry;
  deliveries: Counter<'outcome'>;
  deliveryLatency: Histogram;
  jobDuration: Histogram<'status'>;
  /** Alert sends by alert type, channel type and outcome (success, retry, failed). */
  alertsSent: Counter<'type' | 'channel' | 'outcome'>;
  /** Rows the retention job deleted, by table. */
  rowsPruned: Counter<'table'>;
  /** The exposition text /metrics serves: this registry, plus the engine thread's counters when there is one. */
  scrape(): Promise<string>;
}

export function createMetrics(
  options: {
    queueDepth?: () => Promise<Record<string, number>>;
    /** Sites of every organization by health, read on each scrape (the process serving /metrics). */
    sitesByHealth?: () => Promise<Record<SiteHealth, number>>;
    /** false in the engine thread: CPU and memory are the process's, reported by its main thread. */
    processMetrics?: boolean;
  } = {},
): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix: 'datasync_process_' });
  const deliveries = new Counter({
    name: 'datasync_deliveries_total',
    help: 'Webhook deliveries by outcome (success, retry, failed, gone, blocked), one per deliver() call.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: 'datasync_delivery_latency_seconds',
    help: 'Latency of the last HTTP attempt of each delivery.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'datasync_sync_job_duration_seconds',
    help: 'From job creation to its final status, by that status.',
    labelNames: ['status'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const alertsSent = new Counter({
    name: 'datasync_alerts_sent_total',
    help: 'Alert sends by alert type, channel type (webhook, email) and outcome (success, retry, failed).',
    labelNames: ['type', 'channel', 'outcome'],
    registers: [registry],
  });
  const rowsPruned = new Counter({
    name: 'datasync_rows_pruned_total',
    help: 'Rows the retention job deleted, by table.',
    labelNames: ['table'],
    registers: [registry],
  });
  if (options.queueDepth) {
    const read = options.queueDepth;
    new Gauge({
      name: 'datasync_queue_depth',
      help: 'Jobs waiting in each queue (queued or waiting for a retry).',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        for (const [queue, depth] of Object.entries(await read())) this.set({ queue }, depth);
      },
    });
  }
  if (options.sitesByHealth) {
    const read = options.sitesByHealth;
    new Gauge({
      name: 'datasync_sites',
      help: 'Sites of all organizations by health: healthy, failing (deliveries not accepted), disabled.',
      labelNames: ['health'],
      registers: [registry],
      async collect() {
        for (const [health, count] of Object.entries(await read())) this.set({ health }, count);
      },
    });
  }
  return {
    registry,
    deliveries,
    deliveryLatency,
    jobDuration,
    alertsSent,
    rowsPruned,
    scrape: () => registry.metrics(),
  };
}

/**
 * These metrics with another registry's (the engine thread's, as prom-client JSON) summed in: the engine's counters
 * and histograms are counted in that thread, this process's own registry keeps them at zero.
 */
export function withMergedMetrics(metrics: Metrics, others: () => Promise<unknown[]>): Metrics {
  return {
    ...metrics,
    scrape: async () => {
      // prom-client's aggregation is made for cluster workers, where it drops per-process values such as the start
      // time ('omit'); here this registry is the process's only source of them, so they are kept as they are.
      const ours = (await metrics.registry.getMetricsAsJSON()).map((metric) =>
        metric.aggregator === 'omit' ? { ...metric, aggregator: 'first' as const } : metric,
      );
      const merged = AggregatorRegistry.aggregate([ours, (await others()) as typeof ours]);
      return merged.metrics();
    },
  };
}
