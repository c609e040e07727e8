import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  assertBytes,
  assertLimit,
  assertOptions,
  assertRange,
  assertTableId,
  assertTransactionId,
  type ExtensionInfo,
  KernelError,
  type StorageExtension,
  type StorageStats,
  type TableId,
  type TransactionId,
} from '@sochdb/core';
import { type NativeDatabase, type NativeIteratorOptions, RocksDB, readPropertySync } from './binding.js';
import { closedError, notInitializedError, openError, operationError, RocksDBErrorCode } from './errors.js';
import { type Entry, SnapshotWalk, type WalkOwner } from './snapshot-walk.js';
import { plainBytes, tableEntry, tableKey, tableRange, userKey } from './table-keys.js';
import { VERSION } from './version.js';

/** Options of {@link RocksDBStorage} (and of the plugin module's `create`). */
export interface RocksDBStorageOptions {
  /** The database directory. Required. Relative paths are resolved against the working directory at construction. */
  readonly path: string;
  /** The extension's name, unique in a `PluginManager`. Default `"rocksdb-storage"`. */
  readonly name?: string;
  /** Create the directory (and its parents) and an empty database when missing. Default `true`; `false` makes a missing database an `io` error from `init`. */
  readonly createIfMissing?: boolean;
  /**
   * Keep a block cache of uncompressed data blocks for reads. Default `true`
   * (`rocksdb-native` sizes it itself; see the README). `false` reads every
   * block from the OS page cache, for processes that must keep their own
   * memory small.
   */
  readonly blockCache?: boolean;
  /**
   * Bytes of writes a memtable collects before it is written out as a sorted
   * file: the main memory knob (RocksDB keeps up to two). Default 64 MiB; at
   * least 64 KiB.
   */
  readonly writeBufferSize?: number;
}

/** Options of {@link RocksDBStorage.iterate}. */
export interface IterateOptions {
  /** Lowest key walked, inclusive. Default: the empty key (no lower bound). */
  readonly start?: Uint8Array;
  /** Key the walk stops before, exclusive. Default (or empty): the end of the table. */
  readonly end?: Uint8Array;
  /** Walk from the highest key down. Default `false`. */
  readonly reverse?: boolean;
  /** At most this many entries in all: a non-negative integer or `Infinity` (the default). */
  readonly limit?: number;
  /** Entries fetched from RocksDB per trip to the binding's thread (default 256): memory stays bounded by it. */
  readonly batchSize?: number;
}

/** One operation of {@link RocksDBStorage.batch}: the contract's `BatchOp`. */
export type BatchOp =
  | { readonly type: 'put'; readonly table: TableId; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly table: TableId; readonly key: Uint8Array };

/** Largest key accepted, in bytes (the contract asks for at least 1 KiB). */
export const MAX_KEY_BYTES = 64 * 1024;
/** Largest value accepted, in bytes (the contract asks for at least 16 MiB). */
export const MAX_VALUE_BYTES = 256 * 1024 * 1024;

const OPTION_NAMES = ['path', 'name', 'createIfMissing', 'blockCache', 'writeBufferSize'] as const;
const DEFAULT_WRITE_BUFFER = 64 * 1024 * 1024;
const MIN_WRITE_BUFFER = 64 * 1024;
const DEFAULT_BATCH = 256;
const SCAN_CAPACITY = 1024;

/** The figures `stats()` reports, as last read from RocksDB. */
interface Figures {
  bytesStored: number;
  keyCount: number;
  pendingCompactionBytes: number;
  writeAmplification: number;
}

function checkKey(key: unknown, name = 'key'): asserts key is Uint8Array {
  assertBytes(key, name);
  if (key.length > MAX_KEY_BYTES) {
    throw new RangeError(`${name} is ${key.length} bytes; RocksDBStorage takes keys of at most ${MAX_KEY_BYTES} bytes`);
  }
}

function checkValue(value: unknown, name = 'value'): asserts value is Uint8Array {
  assertBytes(value, name);
  if (value.length > MAX_VALUE_BYTES) {
    throw new RangeError(
      `${name} is ${value.length} bytes; RocksDBStorage takes values of at most ${MAX_VALUE_BYTES} bytes`,
    );
  }
}

function checkBoolean(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean; got ${typeof value}`);
}

/** A `COUNT` ticker of RocksDB's `options-statistics` text, or 0. */
function ticker(statistics: string, name: string): number {
  const match = new RegExp(`^${name.replaceAll('.', '\\.')} COUNT : (\\d+)`, 'm').exec(statistics);
  return match === null ? 0 : Number(match[1]);
}

/**
 * Durable storage on RocksDB, through `rocksdb-native`. Every table is a key
 * prefix (the table id, 4 bytes big-endian) in one database, so tables cost
 * nothing to create, a batch spanning tables is one RocksDB write batch, and
 * a range never leaves its table.
 *
 * `init()` opens (by default creates) the directory `path`; `shutdown()`
 * flushes and closes it. After `flush()` resolves, every write that resolved
 * before the call survives a crash of the process; an unflushed write may be
 * lost but is never half applied. A directory held open by a live instance,
 * in this process or another, is refused with `KernelError` `io`
 * (`SOCHDB_STORAGE_LOCKED`) naming it.
 *
 * Beyond the contract's required methods: {@link scanReverse}, {@link iterate}
 * (a RocksDB snapshot), {@link batch} (atomic), {@link compact} (full) and
 * {@link stats} (RocksDB's own estimates).
 */
export class RocksDBStorage implements StorageExtension {
  /** Name, version, description and the `storage` capability. */
  readonly info: ExtensionInfo;
  /** The database directory, resolved to an absolute path. */
  readonly path: string;

  readonly #createIfMissing: boolean;
  readonly #blockCache: boolean;
  readonly #writeBufferSize: number;
  #db: NativeDatabase | undefined;
  #opening: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  readonly #walks = new Set<SnapshotWalk>();
  #figures: Figures = { bytesStored: 0, keyCount: 0, pendingCompactionBytes: 0, writeAmplification: 0 };
  readonly #walkOwner: WalkOwner;

  /**
   * @param options - see {@link RocksDBStorageOptions}; `path` is required.
   * @throws TypeError when `path` is missing or not a non-empty string, an option is unknown or of the wrong type
   * @throws RangeError when `writeBufferSize` is not an integer of at least 64 KiB
   */
  constructor(options: RocksDBStorageOptions) {
    if (options === undefined) {
      throw new TypeError('RocksDBStorage: options.path is required (the database directory); got no options');
    }
    assertOptions(options, OPTION_NAMES, 'RocksDBStorage');
    const { path, name = 'rocksdb-storage', createIfMissing = true, blockCache = true } = options;
    const writeBufferSize = options.writeBufferSize ?? DEFAULT_WRITE_BUFFER;
    if (typeof path !== 'string' || path.length === 0) {
      throw new TypeError(
        `RocksDBStorage: options.path is required and must be a non-empty string (the database directory); got ${path === undefined ? 'undefined' : JSON.stringify(path)}`,
      );
    }
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`RocksDBStorage: options.name must be a non-empty string; got ${JSON.stringify(name)}`);
    }
    checkBoolean(createIfMissing, 'RocksDBStorage: options.createIfMissing');
    checkBoolean(blockCache, 'RocksDBStorage: options.blockCache');
    if (typeof writeBufferSize !== 'number') {
      throw new TypeError(`RocksDBStorage: options.writeBufferSize must be a number; got ${typeof writeBufferSize}`);
    }
    if (!Number.isSafeInteger(writeBufferSize) || writeBufferSize < MIN_WRITE_BUFFER) {
      throw new RangeError(
        `RocksDBStorage: options.writeBufferSize must be an integer of at least ${MIN_WRITE_BUFFER} bytes; got ${writeBufferSize}`,
      );
    }
    this.path = resolve(path);
    this.#createIfMissing = createIfMissing;
    this.#blockCache = blockCache;
    this.#writeBufferSize = writeBufferSize;
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'Durable key spaces per table in one RocksDB database (rocksdb-native), bytewise key order',
      author: 'SochDB',
      capabilities: Object.freeze(['storage'] as const),
    });
    this.#walkOwner = {
      checkOpen: () => {
        if (this.#closed) throw closedError('iterate', this.path);
      },
      released: (walk) => {
        this.#walks.delete(walk);
      },
      failure: (error) => operationError(error, this.path, 'iterate'),
    };
  }

  /**
   * Opens the database at `path` (creating the directory when
   * `createIfMissing`). Rejects with `KernelError` `io` `SOCHDB_STORAGE_LOCKED`
   * when another live instance holds it, `corruption` when RocksDB cannot
   * recover it, `io` otherwise; each names the path.
   */
  init(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError('init', this.path));
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  /** Flushes the memtable to disk and closes the database, releasing its lock and every open `iterate` snapshot. Idempotent. */
  shutdown(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** The value under `key` in `table` (fresh memory), or `undefined`. */
  async get(table: TableId, key: Uint8Array): Promise<Uint8Array | undefined> {
    const db = this.#ready('get');
    assertTableId(table);
    checkKey(key);
    let value: Buffer | null;
    try {
      value = await db.get(tableKey(table, key));
    } catch (error) {
      throw this.#failure(error, 'get');
    }
    return value === null ? undefined : plainBytes(value);
  }

  /** Stores a copy of `value` under a copy of `key`, replacing any previous value. `txn` is checked, not used. */
  async put(table: TableId, key: Uint8Array, value: Uint8Array, txn: TransactionId): Promise<void> {
    const db = this.#ready('put');
    assertTableId(table);
    checkKey(key);
    checkValue(value);
    assertTransactionId(txn);
    const [storedKey, storedValue] = tableEntry(table, key, value);
    const write = db.write({ capacity: 1, autoDestroy: true });
    write.tryPut(storedKey, storedValue);
    try {
      await write.flush();
    } catch (error) {
      throw this.#failure(error, 'put');
    }
  }

  /** Removes `key` from `table`; an absent key is not an error. `txn` is checked, not used. */
  async delete(table: TableId, key: Uint8Array, txn: TransactionId): Promise<void> {
    const db = this.#ready('delete');
    assertTableId(table);
    checkKey(key);
    assertTransactionId(txn);
    const write = db.write({ capacity: 1, autoDestroy: true });
    write.tryDelete(tableKey(table, key));
    try {
      await write.flush();
    } catch (error) {
      throw this.#failure(error, 'delete');
    }
  }

  /**
   * Applies every op as one RocksDB write batch: all or nothing, also across
   * tables and across a crash. Every op is checked first; a bad one rejects
   * with nothing written. `txn` is checked, not used.
   */
  async batch(ops: readonly BatchOp[], txn: TransactionId): Promise<void> {
    const db = this.#ready('batch');
    if (!Array.isArray(ops)) throw new TypeError(`ops must be an array of batch operations; got ${typeof ops}`);
    assertTransactionId(txn);
    const writes: Array<[key: Buffer, value: Buffer | undefined]> = [];
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as BatchOp | undefined;
      const where = `ops[${i}]`;
      if (typeof op !== 'object' || op === null) throw new TypeError(`${where} must be an object; got ${String(op)}`);
      assertTableId(op.table, `${where}.table`);
      checkKey(op.key, `${where}.key`);
      if (op.type === 'put') {
        checkValue(op.value, `${where}.value`);
        writes.push(tableEntry(op.table, op.key, op.value));
      } else if (op.type === 'delete') {
        writes.push([tableKey(op.table, op.key), undefined]);
      } else {
        throw new TypeError(
          `${where}.type must be "put" or "delete"; got ${JSON.stringify(String((op as { type?: unknown }).type))}`,
        );
      }
    }
    if (writes.length === 0) return;
    const write = db.write({ capacity: writes.length, autoDestroy: true });
    for (const [key, value] of writes) {
      if (value === undefined) write.tryDelete(key);
      else write.tryPut(key, value);
    }
    try {
      await write.flush();
    } catch (error) {
      throw this.#failure(error, 'batch');
    }
  }

  /**
   * Up to `limit` entries with keys in `[start, end)`, ascending; an empty `end`
   * means the end of the table. Keys and values are fresh memory.
   */
  scan(table: TableId, start: Uint8Array, end: Uint8Array, limit: number): Promise<Entry[]> {
    return this.#scan('scan', table, start, end, limit, false);
  }

  /**
   * The same range as {@link scan}, walked from the highest key down: up to
   * `limit` entries, descending. "The last 10 keys before `end`" is
   * `scanReverse(t, empty, end, 10)`.
   */
  scanReverse(table: TableId, start: Uint8Array, end: Uint8Array, limit: number): Promise<Entry[]> {
    return this.#scan('scanReverse', table, start, end, limit, true);
  }

  /**
   * Walks `[start, end)` of `table` (ascending, or descending with `reverse`)
   * over a RocksDB **snapshot** taken now: what was written afterwards is not
   * seen. Entries come `batchSize` at a time from the binding's thread, so
   * memory is bounded and the event loop runs between batches. Arguments are
   * checked now and a bad one rejects the first `next()`. `return()`
   * (breaking out of `for await`) releases the snapshot; so does reaching the
   * end, and `shutdown()`.
   */
  iterate(table: TableId, options: IterateOptions = {}): AsyncIterableIterator<Entry> {
    let range: NativeIteratorOptions;
    try {
      this.#ready('iterate');
      range = this.#iterateRange(table, options);
    } catch (error) {
      return new SnapshotWalk(this.#walkOwner, undefined, {}, error);
    }
    const db = this.#db as NativeDatabase;
    const walk = new SnapshotWalk(this.#walkOwner, db.snapshot(), range);
    this.#walks.add(walk);
    return walk;
  }

  /**
   * Makes every write that resolved before this call durable: RocksDB writes
   * its memtable out as a sorted file and syncs it and the manifest, after
   * which the write-ahead log is no longer needed to recover those writes.
   */
  async flush(): Promise<void> {
    const db = this.#ready('flush');
    try {
      await db.flush();
    } catch (error) {
      throw this.#failure(error, 'flush');
    }
    this.#refreshFigures(db);
  }

  /**
   * A full compaction of the whole database (every table), down to and
   * including the last level, which drops overwritten values and deletion
   * markers and gives their disk space back.
   */
  async compact(): Promise<void> {
    const db = this.#ready('compact');
    try {
      await db.compact({ bottommostLevelCompaction: RocksDB.constants.bottommostLevelCompaction.FORCE });
    } catch (error) {
      throw this.#failure(error, 'compact');
    }
    this.#refreshFigures(db);
  }

  /**
   * RocksDB's own estimates, over all tables. `bytesStored`: live data in
   * sorted files (`rocksdb.estimate-live-data-size`) plus the memtables
   * (`rocksdb.cur-size-all-mem-tables`); `keyCount`:
   * `rocksdb.estimate-num-keys` (an estimate: overwrites and deletions not
   * yet compacted can count); `pendingCompactionBytes`:
   * `rocksdb.estimate-pending-compaction-bytes`; `writeAmplification`: bytes
   * written to disk (log, flushes, compactions) per byte written by the
   * caller since `init`, 0 before the first write.
   * @throws KernelError `SOCHDB_CLOSED` after shutdown, `SOCHDB_PLUGIN_NOT_INITIALIZED` before `init`.
   */
  stats(): StorageStats {
    const db = this.#ready('stats');
    this.#refreshFigures(db);
    return { ...this.#figures };
  }

  /**
   * One of RocksDB's own properties by name (`rocksdb.num-snapshots`,
   * `rocksdb.stats`, `rocksdb.estimate-num-keys`, ...), read now, or
   * `undefined` when RocksDB has no such property.
   * @throws KernelError `SOCHDB_CLOSED` after shutdown, `SOCHDB_PLUGIN_NOT_INITIALIZED` before `init`.
   * @throws TypeError when `name` is not a string
   */
  property(name: string): string | undefined {
    const db = this.#ready('property');
    if (typeof name !== 'string') throw new TypeError(`name must be a string; got ${typeof name}`);
    const value = readPropertySync(db, name);
    return value === null ? undefined : value;
  }

  #ready(operation: string): NativeDatabase {
    if (this.#closed) throw closedError(operation, this.path);
    const db = this.#db;
    if (db === undefined) throw notInitializedError(operation, this.path);
    return db;
  }

  #failure(error: unknown, operation: string): Error {
    if (this.#closed) return closedError(operation, this.path);
    return operationError(error, this.path, operation);
  }

  async #open(): Promise<void> {
    if (!this.#createIfMissing) {
      // rocksdb-native makes the directory even when told not to create the database: check first.
      try {
        await access(join(this.path, 'CURRENT'));
      } catch (error) {
        throw new KernelError(
          'io',
          RocksDBErrorCode.IO,
          `RocksDBStorage: there is no database at ${this.path} and options.createIfMissing is false`,
          { cause: error },
        );
      }
    } else {
      try {
        await mkdir(this.path, { recursive: true });
      } catch (error) {
        throw openError(error, this.path);
      }
    }
    const db = new RocksDB(this.path, {
      createIfMissing: this.#createIfMissing,
      enableStatistics: true,
      blockCache: this.#blockCache,
      // RocksDB refuses to keep index and filter blocks in a cache that does not exist.
      tableCacheIndexAndFilterBlocks: this.#blockCache,
      writeBufferSize: this.#writeBufferSize,
      walRecoveryMode: RocksDB.constants.walRecoveryMode.POINT_IN_TIME,
    });
    try {
      await db.ready();
    } catch (error) {
      throw openError(error, this.path);
    }
    if (this.#closed) {
      // shutdown() ran while the database was opening: close what was opened.
      await db.close();
      throw closedError('init', this.path);
    }
    this.#db = db;
    await this.#readFiguresAsync(db);
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    if (opening !== undefined) await opening.catch(() => undefined);
    const db = this.#db;
    this.#db = undefined;
    await Promise.all([...this.#walks].map((walk) => walk.release()));
    if (db === undefined) return;
    let flushError: unknown;
    try {
      await db.flush();
    } catch (error) {
      flushError = error;
    }
    try {
      await db.close();
    } catch (error) {
      throw operationError(error, this.path, 'shutdown');
    }
    if (flushError !== undefined) throw operationError(flushError, this.path, 'shutdown');
  }

  async #scan(
    operation: string,
    table: TableId,
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
    reverse: boolean,
  ): Promise<Entry[]> {
    const db = this.#ready(operation);
    assertTableId(table);
    assertRange(start, end);
    assertLimit(limit);
    const out: Entry[] = [];
    if (limit === 0) return out;
    const { gte, lt } = tableRange(table, start, end);
    const capacity = Math.min(limit, SCAN_CAPACITY);
    try {
      for await (const entry of db.iterator({ gte, lt, reverse, limit, capacity })) {
        out.push([userKey(entry.key), plainBytes(entry.value)]);
      }
    } catch (error) {
      throw this.#failure(error, operation);
    }
    return out;
  }

  #iterateRange(table: TableId, options: IterateOptions): NativeIteratorOptions {
    assertTableId(table);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object; got ${options === null ? 'null' : typeof options}`);
    }
    const { start = new Uint8Array(0), end = new Uint8Array(0), reverse = false, limit = Infinity } = options;
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    assertRange(start, end);
    assertLimit(limit, 'options.limit');
    if (typeof reverse !== 'boolean') throw new TypeError(`options.reverse must be a boolean; got ${typeof reverse}`);
    assertLimit(batchSize, 'options.batchSize');
    if (batchSize < 1 || batchSize === Infinity) {
      throw new RangeError(`options.batchSize must be a positive integer; got ${String(batchSize)}`);
    }
    // The bounds are copied now: the caller may reuse its buffers at once.
    const { gte, lt } = tableRange(table, start, end);
    return { gte, lt, reverse, limit: limit === 0 ? 0 : limit, capacity: Math.min(batchSize, Math.max(1, limit)) };
  }

  #refreshFigures(db: NativeDatabase): void {
    const read = (name: string) => readPropertySync(db, name);
    const statistics = read('rocksdb.options-statistics');
    if (statistics === null) return; // rocksdb-native's internals moved: keep the figures read asynchronously
    this.#figures = figuresFrom(read, statistics ?? '');
  }

  async #readFiguresAsync(db: NativeDatabase): Promise<void> {
    const names = [
      'rocksdb.estimate-live-data-size',
      'rocksdb.cur-size-all-mem-tables',
      'rocksdb.estimate-num-keys',
      'rocksdb.estimate-pending-compaction-bytes',
    ];
    const values = new Map<string, string | undefined>();
    for (const name of names) values.set(name, await db.getProperty(name));
    const statistics = (await db.getProperty('rocksdb.options-statistics')) ?? '';
    this.#figures = figuresFrom((name) => values.get(name), statistics);
  }
}

function figuresFrom(read: (name: string) => string | undefined | null, statistics: string): Figures {
  const number = (name: string) => {
    const value = Number(read(name) ?? 0);
    return Number.isFinite(value) && value >= 0 ? value : 0;
  };
  const userBytes = ticker(statistics, 'rocksdb.bytes.written');
  const diskBytes =
    ticker(statistics, 'rocksdb.wal.bytes') +
    ticker(statistics, 'rocksdb.flush.write.bytes') +
    ticker(statistics, 'rocksdb.compact.write.bytes');
  return {
    bytesStored: number('rocksdb.estimate-live-data-size') + number('rocksdb.cur-size-all-mem-tables'),
    keyCount: number('rocksdb.estimate-num-keys'),
    pendingCompactionBytes: number('rocksdb.estimate-pending-compaction-bytes'),
    writeAmplification: userBytes === 0 ? 0 : diskBytes / userBytes,
  };
}
