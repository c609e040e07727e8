/**
 * The slice of `rocksdb-native` this package uses, typed here (the package
 * ships no type declarations), and loaded with `createRequire` because it is
 * CommonJS.
 *
 * `rocksdb-native` is pinned to one exact version: {@link readPropertySync}
 * reaches one level below its public API (the native `propertyGet` and the
 * database and column-family handles) because the contract's `stats()` is
 * synchronous while the public `getProperty` is async. A test checks that
 * those internals are where this file expects them; when they are not,
 * `stats()` falls back to the figures read at the last `init`, `flush` or
 * `compact`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A `rocksdb-native` write batch: operations queued, then written as one RocksDB `WriteBatch`. */
export interface NativeWriteBatch {
  tryPut(key: Uint8Array, value: Uint8Array): void;
  tryDelete(key: Uint8Array): void;
  flush(): Promise<void>;
  destroy(): void;
}

/** A `rocksdb-native` read batch. */
export interface NativeReadBatch {
  get(key: Uint8Array): Promise<Buffer | null>;
  tryFlush(): void;
  destroy(): void;
}

/** One entry from a `rocksdb-native` iterator. */
export interface NativeEntry {
  key: Buffer;
  value: Buffer;
}

/** A `rocksdb-native` iterator: a streamx Readable, consumed as an async iterable. */
export interface NativeIterator extends AsyncIterable<NativeEntry> {
  destroy(error?: Error): void;
}

/** The range and batching options of `rocksdb-native`'s `iterator`. An empty bound means none. */
export interface NativeIteratorOptions {
  gte?: Uint8Array | null;
  lt?: Uint8Array | null;
  reverse?: boolean;
  limit?: number;
  capacity?: number;
}

/** A `rocksdb-native` database or session (a snapshot is a session). */
export interface NativeDatabase {
  readonly closed: boolean;
  ready(): Promise<void>;
  close(options?: { force?: boolean }): Promise<void>;
  read(options?: { capacity?: number; autoDestroy?: boolean }): NativeReadBatch;
  write(options?: { capacity?: number; autoDestroy?: boolean }): NativeWriteBatch;
  get(key: Uint8Array): Promise<Buffer | null>;
  iterator(range: NativeIteratorOptions, options?: NativeIteratorOptions): NativeIterator;
  snapshot(): NativeDatabase;
  flush(): Promise<void>;
  compact(options?: { bottommostLevelCompaction?: number }): Promise<void>;
  getProperty(name: string): Promise<string | undefined>;
}

/** The constructor options of `rocksdb-native` this package passes. */
export interface NativeOpenOptions {
  createIfMissing: boolean;
  enableStatistics: boolean;
  blockCache: boolean;
  tableCacheIndexAndFilterBlocks: boolean;
  writeBufferSize: number;
  walRecoveryMode: number;
}

/** The `rocksdb-native` module. */
export interface NativeModule {
  new (path: string, options: NativeOpenOptions): NativeDatabase;
  constants: {
    walRecoveryMode: { POINT_IN_TIME: number };
    bottommostLevelCompaction: { FORCE: number };
  };
}

interface NativeAddon {
  propertyGet(db: unknown, columnFamily: unknown, name: string): string | undefined;
}

interface NativeInternals {
  _state?: { _handle?: unknown };
  _columnFamily?: { _handle?: unknown };
}

const require = createRequire(import.meta.url);

/** The `rocksdb-native` module, loaded once. */
export const RocksDB = require('rocksdb-native') as NativeModule;

let addon: NativeAddon | undefined;
try {
  // The native addon itself, by file path beside the package's entry point
  // (the package's `exports` do not list it). Loaded once, already loaded by
  // `rocksdb-native`'s own `index.js`.
  const loaded = require(join(dirname(require.resolve('rocksdb-native')), 'binding.js')) as Partial<NativeAddon>;
  if (typeof loaded.propertyGet === 'function') addon = loaded as NativeAddon;
} catch {
  addon = undefined;
}

/**
 * Reads a RocksDB property of an open database synchronously, or returns
 * `null` when `rocksdb-native`'s internals are not as this file expects (then
 * the caller uses its cached figures). `undefined` means RocksDB does not know
 * the property.
 */
export function readPropertySync(db: NativeDatabase, name: string): string | undefined | null {
  const internals = db as unknown as NativeInternals;
  const handle = internals._state?._handle;
  const columnFamily = internals._columnFamily?._handle;
  if (addon === undefined || handle === undefined || columnFamily === undefined) return null;
  return addon.propertyGet(handle, columnFamily, name);
}

/** True when {@link readPropertySync} can read properties synchronously (tested, so an upgrade that moves the internals is noticed). */
export function hasSyncProperties(db: NativeDatabase): boolean {
  const internals = db as unknown as NativeInternals;
  return (
    addon !== undefined && internals._state?._handle !== undefined && internals._columnFamily?._handle !== undefined
  );
}
