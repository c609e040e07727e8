/**
 * `@sochdb/storage-rocksdb`: the durable storage backend of SochDB. Per-table
 * key spaces in one RocksDB database on disk (through `rocksdb-native`), with
 * reverse scans, snapshot iteration and atomic batches beside the contract's
 * `scan`.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { RocksDBStorage, type RocksDBStorageOptions } from './rocksdb-storage.js';

export { RocksDBErrorCode } from './errors.js';
export {
  type BatchOp,
  type IterateOptions,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  RocksDBStorage,
  type RocksDBStorageOptions,
} from './rocksdb-storage.js';
export type { Entry } from './snapshot-walk.js';
export { VERSION } from './version.js';

/**
 * The plugin module: `loadPlugin('@sochdb/storage-rocksdb', { path })` makes a
 * {@link RocksDBStorage}; `init()` (called by `PluginManager.register`) opens it.
 */
export default definePlugin<RocksDBStorageOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'storage',
  create: (options) => new RocksDBStorage(options as RocksDBStorageOptions),
});
