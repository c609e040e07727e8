import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSdk, metricNamed, observed, type Sdk } from './sdk.js';

let sdk: Sdk;
beforeEach(() => {
  sdk = createSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

/** Which bucket each value fell in: the indexes of the non-empty buckets of the only data point. */
function filledBuckets(histogram: Histogram): number[] {
  return histogram.buckets.counts.flatMap((count, i) => (count > 0 ? [i] : []));
}

describe("the contract's unit rule", () => {
  it('a histogram named ...seconds has unit s and latency buckets: 4 ms and 200 ms fall in different buckets', async () => {
    const { obs } = observed(sdk);
    obs.histogramObserve('query.seconds', 0.004);
    obs.histogramObserve('query.seconds', 0.2);
    const metric = metricNamed(await sdk.collect(), 'query.seconds');
    expect(metric?.descriptor.unit).toBe('s');
    const histogram = metric?.dataPoints[0]?.value as Histogram;
    expect(histogram.buckets.boundaries).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    expect(filledBuckets(histogram)).toHaveLength(2);
  });

  it('a histogram named ...bytes has unit By and size buckets: 100 B, 10 kB and 10 MB fall in different buckets', async () => {
    const { obs } = observed(sdk);
    for (const size of [100, 10_000, 10_000_000]) obs.histogramObserve('wal.write_bytes', size);
    const metric = metricNamed(await sdk.collect(), 'wal.write_bytes');
    expect(metric?.descriptor.unit).toBe('By');
    expect(filledBuckets(metric?.dataPoints[0]?.value as Histogram)).toHaveLength(3);
  });

  it('counters and gauges named ...seconds or ...bytes carry the unit too; other names carry none', async () => {
    const { obs } = observed(sdk);
    obs.counterInc('io.read_bytes', 10);
    obs.gaugeSet('checkpoint.age_seconds', 3);
    obs.histogramObserve('rows.scanned', 3);
    const exported = await sdk.collect();
    expect(metricNamed(exported, 'io.read_bytes')?.descriptor.unit).toBe('By');
    expect(metricNamed(exported, 'checkpoint.age_seconds')?.descriptor.unit).toBe('s');
    expect(metricNamed(exported, 'rows.scanned')?.descriptor.unit).toBe('');
  });
});
