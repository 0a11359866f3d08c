/**
 * Prometheus metrics (prom-client), served on the admin listener's `/metrics`. Each service instance has its own
 * registry, so tests can run several instances in one process. Request metrics use pre-bound label children, so
 * recording a request is a map lookup and two increments.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Figures the key store exposes (see `src/keys/key-store.ts`). */
export interface KeyFigures {
  readonly published: number;
  readonly reloads: number;
  readonly failures: number;
  readonly lastSuccessAt: Date | undefined;
}

/** Label used for requests that matched no path of `openapi.json`, to keep label sets bounded. */
export const UNMATCHED_ROUTE = '(unmatched)';

/** The service's metrics. */
export interface Metrics {
  readonly registry: Registry;
  /** Records one finished request. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** Records a rejected document build. */
  documentRejected(operationId: string): void;
}

/** Creates the registry with request, document, key and default process metrics. */
export function createMetrics(keys: () => KeyFigures | undefined): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered on the public port, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response on the public port, by route template.',
    labelNames: ['route'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
    registers: [registry],
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
  new Counter({
    name: 'jwks_reload_failures_total',
    help: 'Key directory scans that could not read the directory (the last good set kept serving).',
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

  const requestChildren = new Map<string, ReturnType<typeof requests.labels>>();
  const durationChildren = new Map<string, ReturnType<typeof duration.labels>>();
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      const key = `${route}\u0000${method}\u0000${status}`;
      let counter = requestChildren.get(key);
      if (counter === undefined) {
        counter = requests.labels(route, method, String(status));
        requestChildren.set(key, counter);
      }
      counter.inc();
      let histogram = durationChildren.get(route);
      if (histogram === undefined) {
        histogram = duration.labels(route);
        durationChildren.set(route, histogram);
      }
      histogram.observe(seconds);
    },
    documentRejected(operationId) {
      rejected.labels(operationId).inc();
    },
  };
}
