import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DurationHistogram } from '../../src/observability/duration-histogram.js';

describe('DurationHistogram', () => {
  it('shows on /metrics exactly what a prom-client Histogram with the same observations shows', async () => {
    const options = { name: 'req_seconds', help: 'Request time.', buckets: [0.001, 0.01, 0.1] };
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new DurationHistogram({ ...options, registry: ours });
    const reference = new Histogram({ ...options, labelNames: ['route'] as const, registers: [theirs] });
    for (const [route, seconds] of [
      ['/a', 0.0005],
      ['/a', 0.001],
      ['/a', 0.05],
      ['/b', 3],
    ] as const) {
      histogram.observe(route, seconds);
      reference.labels(route).observe(seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    histogram.reset();
    reference.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
