/**
 * `@sochdb/index-btree`: the embedded secondary index of SochDB, a B+ tree
 * over `(key, rowId)` pairs in bytewise key order, with bulk loading.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { BTreeIndex, type BTreeIndexOptions } from './btree-index.js';

export { BTreeIndex, type BTreeIndexOptions } from './btree-index.js';
export { VERSION } from './version.js';

/**
 * The plugin module: `loadPlugin('@sochdb/index-btree', { name })` makes a
 * {@link BTreeIndex}.
 */
export default definePlugin<BTreeIndexOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'index',
  create: (options) => new BTreeIndex(options),
});
