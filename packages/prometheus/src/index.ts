/**
 * `@sochdb/prometheus`: SochDB's observability calls as Prometheus metrics
 * through prom-client (a peer dependency), in the application's registry or
 * one of its own, with an optional `/metrics` server.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { PrometheusObservability, type PrometheusOptions } from './prometheus-observability.js';

export { type BucketsOption, BYTES_BUCKETS, DEFAULT_BUCKETS } from './buckets.js';
export { labelName, type MetricKind, metricName } from './names.js';
export {
  DEFAULT_MAX_METRICS,
  DEFAULT_MAX_OPEN_SPANS,
  DEFAULT_MAX_SERIES_PER_METRIC,
  type DropCounts,
  type ProblemSite,
  PrometheusObservability,
  type PrometheusOptions,
} from './prometheus-observability.js';
export { OVERFLOW_LABEL } from './series.js';
export type { ServedAddress, ServeOptions } from './serve-options.js';
export { VERSION } from './version.js';

/** The plugin module: `loadPlugin('@sochdb/prometheus', options)` makes a {@link PrometheusObservability}. */
export default definePlugin<PrometheusOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'observability',
  create: (options) => new PrometheusObservability(options),
});
