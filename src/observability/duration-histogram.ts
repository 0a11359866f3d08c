/**
 * `http_request_duration_seconds`, the one histogram observed on every request: kept as plain counts per route and
 * handed to the registry as prom-client's histogram values when it collects (every scrape). prom-client's own
 * `Histogram#observe` builds a label object, validates it and hashes it into a string on every call; what
 * `/metrics` shows is the same.
 *
 * @see https://prometheus.io/docs/concepts/metric_types/#histogram
 */
import type { Metric, Registry } from 'prom-client';

/** One sample as the registry formats it: `<metricName>{<labels>} <value>`. */
interface Sample {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** What the registry reads from a metric at each scrape. */
interface Collected {
  readonly name: string;
  readonly help: string;
  readonly type: 'histogram';
  readonly aggregator: 'sum';
  readonly values: readonly Sample[];
}

interface Series {
  /** Count per bucket (not cumulative); the last one is +Inf. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** A histogram with one label, `route`, registered in `registry` under `name`. */
export class DurationHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #buckets: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(options: { name: string; help: string; buckets: readonly number[]; registry: Registry }) {
    this.name = options.name;
    this.help = options.help;
    this.#buckets = options.buckets;
    // The registry only reads name, help, type and get(); it takes any object that has them.
    options.registry.registerMetric(this as unknown as Metric);
  }

  /** Records one request of `route` that took `seconds`. */
  observe(route: string, seconds: number): void {
    let series = this.#series.get(route);
    if (series === undefined) {
      series = { counts: new Array<number>(this.#buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(route, series);
    }
    let bucket = 0;
    while (bucket < this.#buckets.length && seconds > (this.#buckets[bucket] ?? Infinity)) bucket += 1;
    series.counts[bucket] = (series.counts[bucket] ?? 0) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** The values as prom-client's histogram gives them: cumulative buckets, then sum and count, per route. */
  get(): Collected {
    const values: Sample[] = [];
    for (const [route, series] of this.#series) {
      let cumulative = 0;
      series.counts.forEach((count, index) => {
        cumulative += count;
        const le = this.#buckets[index] ?? '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, route }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_sum`, labels: { route }, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: { route }, value: series.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }

  /** Forgets every observation (prom-client's `Registry#resetMetrics`). */
  reset(): void {
    this.#series.clear();
  }
}
