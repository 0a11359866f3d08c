/**
 * Prometheus metrics (prom-client), served on the admin listener's `/metrics`. Each service instance has its own
 * registry, so tests can run several instances in one process. Recording a request is two map lookups and a
 * few additions (see `observeRequest`).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { DurationHistogram } from './duration-histogram.js';
import { STALE_AFTER_INTERVALS, type KeyStoreStats } from '../keys/key-store.js';

/** Label used for requests that matched no path of `openapi.json`, to keep label sets bounded. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Route label of requests refused before routing: HTTP the parser rejects (400, 431), a missing, repeated or
 * invalid `Host` (400), a body beyond the bound (413).
 */
export const MALFORMED_ROUTE = '(malformed)';

/** Method label of a request the parser could not read. */
export const UNKNOWN_METHOD = '(unknown)';

/** Why the public listener closed a connection without answering (the `reason` label). */
export type DropReason = 'max_connections' | 'request_timeout';

/** Requests of one label set counted since the last scrape. */
interface PendingCount {
  readonly labels: { route: string; method: string; status: string };
  count: number;
}

/** The service's metrics. */
export interface Metrics {
  readonly registry: Registry;
  /**
   * Records one finished request. `seconds` is left out for requests answered by the server itself (malformed
   * HTTP), which have no handling time to observe.
   */
  observeRequest(route: string, method: string, status: number, seconds?: number): void;
  /** Records a connection closed without an answer. */
  connectionDropped(reason: DropReason): void;
  /** Reports the public listener's open connections at each scrape. */
  countConnections(count: () => Promise<number>): void;
  /** Records a rejected document build. */
  documentRejected(operationId: string): void;
  /** Runs `flush` whenever the registry is read, first: requests recorded in batches are observed by then. */
  beforeCollect(flush: () => void): void;
}

/**
 * A registry that runs hooks before it is read: pending request records are observed first, whichever metric
 * the registry collects first (`request-records.ts`).
 */
class FlushingRegistry extends Registry {
  readonly #hooks: Array<() => void> = [];

  addHook(hook: () => void): void {
    this.#hooks.push(hook);
  }

  override metrics(): Promise<string> {
    for (const hook of this.#hooks) hook();
    return super.metrics();
  }

  override getMetricsAsJSON(): ReturnType<Registry['getMetricsAsJSON']> {
    for (const hook of this.#hooks) hook();
    return super.getMetricsAsJSON();
  }
}

/** Creates the registry with request, document, key and default process metrics. */
export function createMetrics(keys: () => KeyStoreStats | undefined): Metrics {
  const registry = new FlushingRegistry();
  collectDefaultMetrics({ register: registry });
  // Request counts are kept in plain numbers per label set and handed to prom-client when it collects (every
  // scrape), so recording a request is a map lookup and an addition instead of prom-client's per-call label
  // validation and hashing. What /metrics shows is the same.
  // Keyed route → method → status: three lookups on strings the request already holds, with no key to build.
  const pending = new Map<string, Map<string, Map<number, PendingCount>>>();
  const allPending: PendingCount[] = [];
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered on the public port, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
    collect() {
      for (const entry of allPending) {
        if (entry.count === 0) continue;
        this.inc(entry.labels, entry.count);
        entry.count = 0;
      }
    },
  });
  const duration = new DurationHistogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response on the public port, by route template.',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
    registry,
  });
  const dropped = new Counter({
    name: 'http_connections_dropped_total',
    help: 'Connections the public listener closed without answering: beyond MAX_CONNECTIONS, or a request head or request not received in time.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  let openConnections: () => Promise<number> = () => Promise.resolve(0);
  new Gauge({
    name: 'http_open_connections',
    help: 'Connections open on the public listener (compare with MAX_CONNECTIONS).',
    registers: [registry],
    async collect() {
      this.set(await openConnections());
    },
  });
  const rejected = new Counter({
    name: 'document_builds_rejected_total',
    help: 'Document builds that failed validation against openapi.json (the previous good one kept serving).',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'jwks_published_keys',
    help: 'Keys published in the JWKS.',
    registers: [registry],
    collect() {
      this.set(keys()?.published ?? 0);
    },
  });
  new Counter({
    name: 'jwks_reloads_total',
    help: 'Key directory scans that changed the published set.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(keys()?.reloads ?? 0);
    },
  });
  new Gauge({
    name: 'jwks_refused_keys',
    help: 'Keys in KEYS_DIR refused (not published); the log and `keys check` name each with its reason.',
    registers: [registry],
    collect() {
      this.set(keys()?.refused ?? 0);
    },
  });
  new Gauge({
    name: 'jwks_key_set_stale',
    help: `1 when no key directory scan has completed for ${STALE_AFTER_INTERVALS} rescan intervals, so the published set may be out of date (/readyz then answers 503); 0 otherwise.`,
    registers: [registry],
    collect() {
      this.set(keys()?.stale === undefined ? 0 : 1);
    },
  });
  new Counter({
    name: 'jwks_reload_failures_total',
    help: 'Key directory scans that could not read the directory or did not finish (the last good set kept serving).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(keys()?.failures ?? 0);
    },
  });
  new Gauge({
    name: 'jwks_last_reload_success_timestamp_seconds',
    help: 'Unix time of the last successful key directory scan.',
    registers: [registry],
    collect() {
      const at = keys()?.lastSuccessAt;
      this.set(at === undefined ? 0 : at.getTime() / 1000);
    },
  });

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      let byMethod = pending.get(route);
      if (byMethod === undefined) pending.set(route, (byMethod = new Map<string, Map<number, PendingCount>>()));
      let byStatus = byMethod.get(method);
      if (byStatus === undefined) byMethod.set(method, (byStatus = new Map<number, PendingCount>()));
      let counter = byStatus.get(status);
      if (counter === undefined) {
        // Validated and created in prom-client at once, so a bad label fails here as before and the series
        // exists (at 0) from its first request.
        const labels = { route, method, status: String(status) };
        requests.inc(labels, 0);
        counter = { labels, count: 0 };
        byStatus.set(status, counter);
        allPending.push(counter);
      }
      counter.count += 1;
      if (seconds === undefined) return;
      duration.observe(route, seconds);
    },
    connectionDropped(reason) {
      dropped.labels(reason).inc();
    },
    countConnections(count) {
      openConnections = count;
    },
    documentRejected(operationId) {
      rejected.labels(operationId).inc();
    },
    beforeCollect(flush) {
      registry.addHook(flush);
    },
  };
}
