import type { MetricOptions } from '@opentelemetry/api';

/**
 * The contract's unit rule: a metric whose name ends in `seconds` or `bytes`
 * gets that unit (`s`, `By`, as UCUM and OpenTelemetry write them) and, for
 * a histogram, bucket bounds that fit it. Without this advice the SDK's
 * default bounds (0, 5, 10, 25, ...) put 0.004 s and 0.2 s in one bucket.
 */

/** Bounds of a `...seconds` histogram: prom-client's defaults, so both backends bucket latencies alike. */
export const SECONDS_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/** Bounds of a `...bytes` histogram: powers of 4 from 64 B to 256 MiB. */
export const BYTES_BUCKETS: readonly number[] = Object.freeze(Array.from({ length: 12 }, (_, i) => 64 * 4 ** i));

const SECONDS: MetricOptions = Object.freeze({ unit: 's' });
const BYTES: MetricOptions = Object.freeze({ unit: 'By' });
const SECONDS_HISTOGRAM: MetricOptions = Object.freeze({
  unit: 's',
  advice: Object.freeze({ explicitBucketBoundaries: [...SECONDS_BUCKETS] }),
});
const BYTES_HISTOGRAM: MetricOptions = Object.freeze({
  unit: 'By',
  advice: Object.freeze({ explicitBucketBoundaries: [...BYTES_BUCKETS] }),
});

/** The unit (and for a histogram the bucket advice) a metric called `name` gets, if its name carries one. */
export function unitOptions(name: string, histogram: boolean): MetricOptions | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('seconds')) return histogram ? SECONDS_HISTOGRAM : SECONDS;
  if (lower.endsWith('bytes')) return histogram ? BYTES_HISTOGRAM : BYTES;
  return undefined;
}
