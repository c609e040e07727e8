/**
 * `sochdb-plugin-logfmt`: logfmt logging for SochDB, and the template a
 * third party copies to publish a plugin of their own.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { LogfmtObservability, type LogfmtOptions } from './logfmt-observability.js';

export { formatKey, formatLine, formatValue } from './logfmt.js';
export { type LineSink, type LogfmtLevel, LogfmtObservability, type LogfmtOptions } from './logfmt-observability.js';

/** The plugin module: `loadPlugin('sochdb-plugin-logfmt', options)` calls `create`. */
export default definePlugin({
  apiVersion: CORE_API_VERSION,
  capability: 'observability',
  create: (options?: LogfmtOptions) => new LogfmtObservability(options),
});
