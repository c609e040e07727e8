/**
 * `@sochdb/opentelemetry`: a SochDB observability extension on the
 * OpenTelemetry API (a peer dependency): metrics as cached instruments with
 * labels as attributes, spans as real spans with parent links, log calls as
 * span events and a counter, health as gauges. Never throws.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { OpenTelemetryObservability, type OpenTelemetryObservabilityOptions } from './opentelemetry-observability.js';

export { MAX_GAUGE_SERIES } from './last-value-gauge.js';
export { instrumentName } from './names.js';
export {
  type OpenTelemetryErrorSite,
  OpenTelemetryObservability,
  type OpenTelemetryObservabilityOptions,
} from './opentelemetry-observability.js';
export { VERSION } from './version.js';

/** The plugin module: `loadPlugin('@sochdb/opentelemetry', options)` makes an {@link OpenTelemetryObservability}. */
export default definePlugin<OpenTelemetryObservabilityOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'observability',
  create: (options) => new OpenTelemetryObservability(options),
});
