/**
 * `@sochdb/storage-memory`: the embedded storage backend of SochDB. Ordered
 * per-table key spaces in memory, with the optional methods of contract 1.1:
 * reverse scans, snapshot iteration and atomic batches.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { MemoryStorage, type MemoryStorageOptions } from './memory-storage.js';

export { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './limits.js';
export {
  type BatchOp,
  type Entry,
  type IterateOptions,
  MemoryStorage,
  type MemoryStorageOptions,
} from './memory-storage.js';
export { VERSION } from './version.js';

/**
 * The plugin module: `loadPlugin('@sochdb/storage-memory', { name })` makes a
 * {@link MemoryStorage}.
 */
export default definePlugin<MemoryStorageOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'storage',
  create: (options) => new MemoryStorage(options),
});
