/**
 * `@sochdb/storage-postgres`: the shared storage backend of SochDB. Every
 * table's key space lives in one PostgreSQL table, so any number of kernels,
 * in one process or on many machines, share one store that the operator
 * already runs, backs up and replicates.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { PostgresStorage, type PostgresStorageOptions } from './postgres-storage.js';

export { describeServer, PostgresErrorCode, type ServerAddress } from './errors.js';
export {
  type BatchOp,
  type Entry,
  type IterateOptions,
  MAX_KEY_BYTES,
  MAX_VALUE_BYTES,
  PostgresStorage,
  type PostgresStorageOptions,
  type Sql,
} from './postgres-storage.js';
export { SCHEMA_VERSION, VERSION_TABLE } from './sql.js';
export { VERSION } from './version.js';

/**
 * The plugin module: `loadPlugin('@sochdb/storage-postgres', { connectionString })`
 * makes a {@link PostgresStorage}.
 */
export default definePlugin<PostgresStorageOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'storage',
  create: (options) => new PostgresStorage(options),
});
