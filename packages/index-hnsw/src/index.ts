/**
 * `@sochdb/index-hnsw`: a vector index for SochDB, an HNSW graph (usearch)
 * over `(vector, rowId)` pairs for approximate nearest-neighbour search.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { HnswIndex, type HnswIndexOptions } from './hnsw-index.js';

export { HNSW_DEFAULTS, HnswIndex, type HnswIndexOptions } from './hnsw-index.js';
export { METRICS, type Metric } from './metric.js';
export { VERSION } from './version.js';

/**
 * The plugin module: `loadPlugin('@sochdb/index-hnsw', { dimensions: 384 })`
 * makes an {@link HnswIndex}.
 */
export default definePlugin<HnswIndexOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'index',
  // `dimensions` is required: the constructor refuses missing options with a TypeError.
  create: (options) => new HnswIndex(options as HnswIndexOptions),
});
