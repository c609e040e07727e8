/**
 * Histogram bucket options. prom-client accepts unsorted, duplicate and NaN
 * bounds and then writes an exposition Prometheus rejects; here a bad list is
 * a `RangeError` from the constructor instead.
 */

import { describeValue } from '@sochdb/core/plugin-kit';

/** prom-client's default bounds, in seconds: suited to latencies, and the default for span durations. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * Bounds of a histogram whose name ends in `bytes` (the contract's unit rule):
 * powers of 4 from 64 B to 256 MiB, the same bounds `@sochdb/opentelemetry`
 * advises, so both backends bucket a size alike.
 */
export const BYTES_BUCKETS: readonly number[] = Object.freeze(Array.from({ length: 12 }, (_, i) => 64 * 4 ** i));

/**
 * The bounds of the histogram `name` (the kernel's call name): its own list
 * from `perMetric`; else the configured default; else, with no default
 * configured, the unit rule's: byte bounds for a name ending in `bytes`,
 * prom-client's second bounds for the rest.
 */
export function bucketsFor(config: BucketConfig, name: string): readonly number[] {
  const own = config.perMetric.get(name);
  if (own !== undefined) return own;
  if (config.fallback !== DEFAULT_BUCKETS) return config.fallback;
  return name.toLowerCase().endsWith('bytes') ? BYTES_BUCKETS : DEFAULT_BUCKETS;
}

/**
 * The `buckets` option: one list for every histogram, or a default plus
 * per-metric lists keyed by the name passed to `histogramObserve` (the span
 * duration histogram's key is `span_duration_seconds`).
 */
export type BucketsOption =
  | readonly number[]
  | {
      /** Upper bounds for histograms without their own list. Default: by the unit rule ({@link bucketsFor}). */
      readonly default?: readonly number[];
      /** Upper bounds per metric, keyed by the kernel's metric name, e.g. `{ 'wal.fsync': [0.001, 0.01, 0.1] }`. */
      readonly perMetric?: Readonly<Record<string, readonly number[]>>;
    };

/** The validated bucket configuration. */
export interface BucketConfig {
  readonly fallback: readonly number[];
  readonly perMetric: ReadonlyMap<string, readonly number[]>;
}

/**
 * Checks one list of upper bounds: an array of finite numbers in strictly
 * increasing order. `+Inf` is always added by the exposition and must not be
 * listed. An empty list is allowed (only the `+Inf` bucket).
 */
export function checkBucketList(list: unknown, where: string): readonly number[] {
  if (!Array.isArray(list)) {
    throw new TypeError(`${where} must be an array of numbers; got ${describeValue(list)}`);
  }
  for (let i = 0; i < list.length; i++) {
    const bound: unknown = list[i];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new RangeError(
        `${where}[${i}] must be a finite number (+Inf is always added); got ${describeValue(bound)}`,
      );
    }
    if (i > 0 && bound <= (list[i - 1] as number)) {
      throw new RangeError(
        `${where} must be strictly increasing: [${i - 1}] is ${list[i - 1]} and [${i}] is ${bound}` +
          (bound === list[i - 1] ? ' (duplicate bound)' : ' (unsorted)'),
      );
    }
  }
  return Object.freeze([...(list as number[])]);
}

/** Validates the `buckets` option; a bad list throws before anything is made. */
export function checkBuckets(option: unknown): BucketConfig {
  if (option === undefined) return { fallback: DEFAULT_BUCKETS, perMetric: new Map() };
  if (Array.isArray(option)) return { fallback: checkBucketList(option, 'options.buckets'), perMetric: new Map() };
  if (typeof option !== 'object' || option === null) {
    throw new TypeError(
      `options.buckets must be an array of bounds or { default?, perMetric? }; got ${describeValue(option)}`,
    );
  }
  for (const key of Object.keys(option)) {
    if (key !== 'default' && key !== 'perMetric') {
      throw new TypeError(
        `options.buckets: unknown key ${JSON.stringify(key)}; an object of buckets has the keys default, perMetric ` +
          '(or pass one array of bounds)',
      );
    }
  }
  const { default: fallback, perMetric } = option as { default?: unknown; perMetric?: unknown };
  const lists = new Map<string, readonly number[]>();
  if (perMetric !== undefined) {
    if (typeof perMetric !== 'object' || perMetric === null || Array.isArray(perMetric)) {
      throw new TypeError(
        `options.buckets.perMetric must be an object of metric name to bounds; got ${describeValue(perMetric)}`,
      );
    }
    for (const [name, list] of Object.entries(perMetric)) {
      lists.set(name, checkBucketList(list, `options.buckets.perMetric[${JSON.stringify(name)}]`));
    }
  }
  return {
    fallback: fallback === undefined ? DEFAULT_BUCKETS : checkBucketList(fallback, 'options.buckets.default'),
    perMetric: lists,
  };
}
