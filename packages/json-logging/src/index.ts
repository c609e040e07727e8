/**
 * `@sochdb/json-logging`: a SochDB observability extension that writes one
 * JSON object per line in pino's shape, buffered, never throwing, and losing
 * no line on a normal exit.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { JsonLogger, type JsonLoggerOptions } from './json-logger.js';

export { JsonLogger, type JsonLoggerErrorSite, type JsonLoggerOptions } from './json-logger.js';
export { LEVEL_NUMBERS, type LogLevelName } from './levels.js';
export { UnprintableFieldError } from './line-format.js';
export type { Destination, WritableLike } from './line-sink.js';
export { VERSION } from './version.js';

/** The plugin module: `loadPlugin('@sochdb/json-logging', options)` makes a {@link JsonLogger}. */
export default definePlugin<JsonLoggerOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'observability',
  create: (options) => new JsonLogger(options),
});
