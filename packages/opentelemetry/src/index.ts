/**
 * `@sochdb/opentelemetry`: a SochDB observability extension on the
 * OpenTelemetry API (a peer dependency): metrics as cached instruments named
 * as `@sochdb/prometheus` names them, with a copy of the labels as
 * attributes; spans as real spans with parent links that application code
 * can run under; log calls as events on the active span and a counter;
 * health as gauges. Never throws; every dropped value is counted.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { OpenTelemetryObservability, type OpenTelemetryObservabilityOptions } from './opentelemetry-observability.js';

export { MAX_GAUGE_SERIES } from './last-value-gauge.js';
export { DEFAULT_PREFIX, instrumentName } from './names.js';
export {
  type OpenTelemetryErrorSite,
  OpenTelemetryObservability,
  type OpenTelemetryObservabilityOptions,
} from './opentelemetry-observability.js';
export { BYTES_BUCKETS, SECONDS_BUCKETS } from './units.js';
export { VERSION } from './version.js';

/** The plugin module: `loadPlugin('@sochdb/opentelemetry', options)` makes an {@link OpenTelemetryObservability}. */
export default definePlugin<OpenTelemetryObservabilityOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'observability',
  create: (options) => new OpenTelemetryObservability(options),
});
