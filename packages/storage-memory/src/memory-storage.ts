import {
  assertBytes,
  assertLimit,
  assertRange,
  assertTableId,
  assertTransactionId,
  ErrorCode,
  type ExtensionInfo,
  KernelError,
  type StorageExtension,
  type StorageStats,
  type TableId,
  type TransactionId,
} from '@sochdb/core';
import { compareBinaryStrings, fromBinaryString, fromBinaryStrings, toBinaryString } from './binary-string.js';
import { BTree, bulkLoad } from './sorted-btree.js';
import { VERSION } from './version.js';

/** Options of {@link MemoryStorage} (and of the plugin module's `create`). */
export interface MemoryStorageOptions {
  /** The extension's name, unique in a `PluginManager`. Default `"memory-storage"`. */
  readonly name?: string;
}

/** Options of {@link MemoryStorage.iterate}. */
export interface IterateOptions {
  /** Lowest key walked, inclusive. Default: the empty key (no lower bound). */
  readonly start?: Uint8Array;
  /** Key the walk stops before, exclusive. Default (or empty): no upper bound. */
  readonly end?: Uint8Array;
  /** Walk from the highest key down. Default `false`. */
  readonly reverse?: boolean;
  /** At most this many entries in all: a non-negative integer or `Infinity` (the default). */
  readonly limit?: number;
  /**
   * Entries copied out of the tree per step (default 256). Memory held by the
   * walk is bounded by this, whatever the size of the range.
   */
  readonly batchSize?: number;
}

/** One stored entry: a key and its value, fresh copies the caller owns. */
export type Entry = [key: Uint8Array, value: Uint8Array];

type Table = BTree<string, string>;

// sorted-btree's branching factor. For 1M random puts of 16-byte keys and
// 100-byte values, 32, 64, 128 and 256 measured 187, 178, 180 and 177 heap
// bytes per entry (V8's array growth slack in the leaves is most of the
// difference); their speeds were within the benchmark's noise.
const MAX_NODE_SIZE = 64;
const DEFAULT_BATCH = 256;
const RESOLVED: Promise<void> = Promise.resolve();
const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);

function emptyTable(): Table {
  return new BTree<string, string>(undefined, compareBinaryStrings, MAX_NODE_SIZE);
}

function closedError(operation: string): KernelError {
  return new KernelError(
    'io',
    ErrorCode.CLOSED,
    `MemoryStorage.${operation}: the storage has been shut down; create a new MemoryStorage (and register it)`,
  );
}

/**
 * Appends to `parts` the key and value of up to `limit` entries of `tree` with
 * keys in `[low, high)` (`high` undefined: no upper bound), ascending.
 */
function collectForward(tree: Table, low: string, high: string | undefined, limit: number, parts: string[]): void {
  if (limit === 0) return;
  const max = high ?? tree.maxKey();
  if (max === undefined || (high !== undefined && low >= high)) return;
  const stop = parts.length + 2 * limit;
  tree.forRange(low, max, high === undefined, (key, value) => {
    if (parts.push(key, value) >= stop) return { break: 0 };
    return undefined;
  });
}

/** As {@link collectForward}, descending from just below `high` (or from the highest key). */
function collectBackward(tree: Table, low: string, high: string | undefined, limit: number, parts: string[]): void {
  if (limit === 0 || tree.size === 0 || (high !== undefined && low >= high)) return;
  const entries = high === undefined ? tree.entriesReversed() : tree.entriesReversed(high, undefined, true);
  const stop = parts.length + 2 * limit;
  for (const [key, value] of entries) {
    if (key < low) return;
    if (parts.push(key, value) >= stop) return;
  }
}

/** `[key, value, key, value, ...]` binary strings to entries of fresh arrays. */
function toEntries(parts: readonly string[]): Entry[] {
  const out: Entry[] = [];
  if (parts.length === 0) return out;
  const arrays = fromBinaryStrings(parts);
  for (let i = 0; i < arrays.length; i += 2) out.push([arrays[i] as Uint8Array, arrays[i + 1] as Uint8Array]);
  return out;
}

/**
 * The embedded storage backend: per-table ordered key spaces held in memory,
 * each a `sorted-btree` B+ tree. Keys sort unsigned bytewise; the empty key is
 * a key like any other. Everything passed in and handed out is copied, so no
 * buffer is shared with the caller in either direction.
 *
 * Beyond the contract it offers {@link scanReverse} (a range in descending
 * order) and {@link iterate} (an async iterator that walks a range of any size
 * in bounded memory).
 *
 * Nothing is durable: {@link flush} resolves at once, and the data lives as long
 * as the instance. After {@link shutdown} the data is released and every call
 * rejects with a `KernelError` of kind `io` and code `SOCHDB_CLOSED`.
 */
export class MemoryStorage implements StorageExtension {
  /** Name, version, description and the `storage` capability. */
  readonly info: ExtensionInfo;

  #tables: Map<TableId, Table> | undefined = new Map();
  #bytesStored = 0;
  #keyCount = 0;

  /** @param options - see {@link MemoryStorageOptions}; `name` must be a non-empty string when given. */
  constructor(options: MemoryStorageOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object; got ${options === null ? 'null' : typeof options}`);
    }
    const name = options.name ?? 'memory-storage';
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`options.name must be a non-empty string; got ${JSON.stringify(name)}`);
    }
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'Ordered in-memory key spaces per table (sorted-btree B+ trees), bytewise key order',
      author: 'SochDB',
      capabilities: Object.freeze(['storage'] as const),
    });
  }

  /** Nothing to open; rejects once the storage has been shut down. */
  init(): Promise<void> {
    return this.#tables === undefined ? Promise.reject(closedError('init')) : RESOLVED;
  }

  /** Drops every table and its memory. Later calls reject with `SOCHDB_CLOSED`; a second `shutdown` resolves. */
  shutdown(): Promise<void> {
    this.#tables = undefined;
    this.#bytesStored = 0;
    this.#keyCount = 0;
    return RESOLVED;
  }

  /** The value under `key` in `table` (a fresh copy), or `undefined`. */
  get(table: TableId, key: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      const tables = this.#open('get');
      assertTableId(table);
      assertBytes(key, 'key');
      const value = tables.get(table)?.get(toBinaryString(key));
      return value === undefined ? RESOLVED_UNDEFINED : Promise.resolve(fromBinaryString(value));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Stores a copy of `value` under a copy of `key`, replacing any previous value. `txn` is checked, not used. */
  put(table: TableId, key: Uint8Array, value: Uint8Array, txn: TransactionId): Promise<void> {
    try {
      const tables = this.#open('put');
      assertTableId(table);
      assertBytes(key, 'key');
      assertBytes(value, 'value');
      assertTransactionId(txn);
      let tree = tables.get(table);
      if (tree === undefined) {
        tree = emptyTable();
        tables.set(table, tree);
      }
      const k = toBinaryString(key);
      const v = toBinaryString(value);
      // One descent for a new key; a replacement needs the old size for the stats.
      if (tree.set(k, v, false)) {
        this.#keyCount++;
        this.#bytesStored += k.length + v.length;
      } else {
        this.#bytesStored += v.length - (tree.get(k) as string).length;
        tree.set(k, v, true);
      }
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Removes `key` from `table`; an absent key is not an error. `txn` is checked, not used. */
  delete(table: TableId, key: Uint8Array, txn: TransactionId): Promise<void> {
    try {
      const tables = this.#open('delete');
      assertTableId(table);
      assertBytes(key, 'key');
      assertTransactionId(txn);
      const tree = tables.get(table);
      if (tree === undefined) return RESOLVED;
      const k = toBinaryString(key);
      const old = tree.get(k);
      if (old !== undefined) {
        tree.delete(k);
        this.#keyCount--;
        this.#bytesStored -= k.length + old.length;
      }
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Up to `limit` entries with keys in `[start, end)`, ascending; an empty `end`
   * means no upper bound. Keys and values are fresh copies.
   */
  scan(table: TableId, start: Uint8Array, end: Uint8Array, limit: number): Promise<Entry[]> {
    return this.#scan('scan', table, start, end, limit, false);
  }

  /**
   * The same range as {@link scan}, `[start, end)` with an empty `end` meaning
   * no upper bound, walked from the highest key down: up to `limit` entries,
   * descending. "The last 10 keys before `end`" is `scanReverse(t, empty, end, 10)`.
   */
  scanReverse(table: TableId, start: Uint8Array, end: Uint8Array, limit: number): Promise<Entry[]> {
    return this.#scan('scanReverse', table, start, end, limit, true);
  }

  /**
   * Walks the entries of `table` with keys in `[start, end)`, ascending (or
   * descending with `reverse`), one at a time, copying at most `batchSize`
   * entries out of the tree per step: a million-key range never becomes one
   * array. Arguments are checked when the first entry is asked for; a bad one
   * rejects that first `next()`.
   *
   * The walk is not a snapshot. Each step resumes after the last key handed
   * out and reads the table as it is then: every key is seen at most once and
   * in order; a key written behind the cursor is not seen, one written ahead of
   * it is. After {@link shutdown}, `next()` rejects with `SOCHDB_CLOSED`.
   *
   * ```ts
   * for await (const [key, value] of storage.iterate(1, { start, end })) { ... }
   * ```
   */
  iterate(table: TableId, options: IterateOptions = {}): AsyncIterableIterator<Entry> {
    return this.#walk(table, options);
  }

  /** Resolves at once: memory is the only place the data lives, so there is nothing to make durable. */
  flush(): Promise<void> {
    return this.#tables === undefined ? Promise.reject(closedError('flush')) : RESOLVED;
  }

  /**
   * Repacks every table's tree bottom-up with full leaves, returning the slack
   * that inserts and deletes leave in nodes (about a third of the tree after
   * random inserts), and drops emptied tables.
   */
  compact(): Promise<void> {
    const tables = this.#tables;
    if (tables === undefined) return Promise.reject(closedError('compact'));
    for (const [id, tree] of tables) {
      if (tree.size === 0) {
        tables.delete(id);
        continue;
      }
      const keys = tree.keysArray();
      const values = tree.valuesArray();
      tables.set(id, bulkLoad(keys, values, MAX_NODE_SIZE, compareBinaryStrings, 1));
    }
    return RESOLVED;
  }

  /**
   * `bytesStored`: key plus value bytes of every entry, all tables.
   * `keyCount`: entries, all tables. `pendingCompactionBytes` is 0 and
   * `writeAmplification` 1: every write changes the tree in place, once.
   * @throws KernelError `SOCHDB_CLOSED` after shutdown.
   */
  stats(): StorageStats {
    this.#open('stats');
    return {
      bytesStored: this.#bytesStored,
      keyCount: this.#keyCount,
      pendingCompactionBytes: 0,
      writeAmplification: 1,
    };
  }

  #open(operation: string): Map<TableId, Table> {
    const tables = this.#tables;
    if (tables === undefined) throw closedError(operation);
    return tables;
  }

  #scan(
    operation: string,
    table: TableId,
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
    reverse: boolean,
  ): Promise<Entry[]> {
    try {
      const tables = this.#open(operation);
      assertTableId(table);
      assertRange(start, end);
      assertLimit(limit);
      const tree = tables.get(table);
      if (tree === undefined) return Promise.resolve([]);
      const parts: string[] = [];
      const high = end.length === 0 ? undefined : toBinaryString(end);
      (reverse ? collectBackward : collectForward)(tree, toBinaryString(start), high, limit, parts);
      return Promise.resolve(toEntries(parts));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async *#walk(table: TableId, options: IterateOptions): AsyncGenerator<Entry, void, undefined> {
    this.#open('iterate');
    assertTableId(table);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object; got ${options === null ? 'null' : typeof options}`);
    }
    const { start = new Uint8Array(0), end = new Uint8Array(0), reverse = false, limit = Infinity } = options;
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    assertRange(start, end);
    assertLimit(limit);
    if (typeof reverse !== 'boolean') throw new TypeError(`options.reverse must be a boolean; got ${typeof reverse}`);
    assertLimit(batchSize, 'options.batchSize');
    if (batchSize < 1 || batchSize === Infinity) {
      throw new RangeError(`options.batchSize must be a positive integer; got ${String(batchSize)}`);
    }
    let low = toBinaryString(start);
    let high = end.length === 0 ? undefined : toBinaryString(end);
    let remaining = limit;
    while (remaining > 0) {
      const tree = this.#open('iterate').get(table);
      if (tree === undefined) return;
      const parts: string[] = [];
      const take = Math.min(remaining, batchSize);
      (reverse ? collectBackward : collectForward)(tree, low, high, take, parts);
      if (parts.length === 0) return;
      const last = parts[parts.length - 2] as string;
      const batch = toEntries(parts);
      remaining -= batch.length;
      for (const entry of batch) {
        this.#open('iterate');
        yield entry;
      }
      if (batch.length < take) return;
      // Resume strictly past the last key: upward, the smallest key above it is
      // `last + "\0"`; downward, `last` becomes the exclusive upper bound.
      if (reverse) high = last;
      else low = `${last}\0`;
    }
  }
}
