import {
  assertLimit,
  assertOptions,
  assertRange,
  assertTableId,
  assertTransactionId,
  describeValue,
  ErrorCode,
  type ExtensionInfo,
  KernelError,
  type StorageExtension,
  type StorageStats,
  type TableId,
  type TransactionId,
} from '@sochdb/core';
import { compareBinaryStrings, fromBinaryString, toBinaryString } from './binary-string.js';
import { assertSizedBytes, MAX_KEY_BYTES, MAX_VALUE_BYTES } from './limits.js';
import { type Entry, SnapshotIterator, type WalkPlan } from './snapshot-iterator.js';
import { BTree, deleteInOneWalk, getString, setInOneWalk, treeFromSortedSlices } from './sorted-btree.js';
import { VERSION } from './version.js';

export type { Entry } from './snapshot-iterator.js';

/** One operation of {@link MemoryStorage.batch}: the contract's `BatchOp`. */
export type BatchOp =
  | { readonly type: 'put'; readonly table: TableId; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'delete'; readonly table: TableId; readonly key: Uint8Array };

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
   * Entries copied out of the snapshot per step (default 256; a step also ends
   * once it has copied 4 MiB). Memory held by the walk is bounded by this,
   * whatever the size of the range.
   */
  readonly batchSize?: number;
}

type Table = BTree<string, string>;

// sorted-btree's branching factor. For 1M random puts of 16-byte keys and
// 100-byte values, 32, 64, 128 and 256 measured 187, 178, 180 and 177 heap
// bytes per entry (V8's array growth slack in the leaves is most of the
// difference); their speeds were within the benchmark's noise.
const MAX_NODE_SIZE = 64;
const DEFAULT_BATCH = 256;
// compact() copies this many entries (a multiple of MAX_NODE_SIZE) per slice,
// then gives the event loop a turn: about 2 ms of work a slice here.
const COMPACT_SLICE = 64 * 128;
const OPTION_KEYS = ['name'] as const;
const ITERATE_OPTION_KEYS = ['start', 'end', 'reverse', 'limit', 'batchSize'] as const;
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

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Checks `start`/`end` as `scan` does, with the key size limit. */
function checkRange(start: unknown, end: unknown): asserts start is Uint8Array {
  assertRange(start, end);
  assertSizedBytes(start, 'start', MAX_KEY_BYTES);
  assertSizedBytes(end, 'end', MAX_KEY_BYTES);
}

/**
 * Up to `limit` entries of `tree` with keys in `[low, high)` (`high` undefined:
 * no upper bound), ascending, as fresh arrays each over its own buffer.
 */
function collectForward(tree: Table, low: string, high: string | undefined, limit: number): Entry[] {
  const out: Entry[] = [];
  if (limit === 0) return out;
  const max = high ?? tree.maxKey();
  if (max === undefined || (high !== undefined && low >= high)) return out;
  tree.forRange(low, max, high === undefined, (key, value) => {
    if (out.push([fromBinaryString(key), fromBinaryString(value)]) >= limit) return { break: 0 };
    return undefined;
  });
  return out;
}

/** As {@link collectForward}, descending from just below `high` (or from the highest key). */
function collectBackward(tree: Table, low: string, high: string | undefined, limit: number): Entry[] {
  const out: Entry[] = [];
  if (limit === 0 || tree.size === 0 || (high !== undefined && low >= high)) return out;
  const entries = high === undefined ? tree.entriesReversed() : tree.entriesReversed(high, undefined, true);
  for (const [key, value] of entries) {
    if (key < low) break;
    if (out.push([fromBinaryString(key), fromBinaryString(value)]) >= limit) break;
  }
  return out;
}

/** A batch op checked and converted: table, key string, value string (`undefined`: delete). */
type PreparedOp = readonly [table: TableId, key: string, value: string | undefined];

/** Checks every op of a batch and converts it, before anything is applied. */
function prepareBatch(ops: unknown): PreparedOp[] {
  if (!Array.isArray(ops)) throw new TypeError(`ops must be an array of batch operations; got ${describeValue(ops)}`);
  const prepared: PreparedOp[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op: unknown = ops[i];
    const name = `ops[${i}]`;
    if (typeof op !== 'object' || op === null) {
      throw new TypeError(`${name} must be a { type, table, key[, value] } object; got ${describeValue(op)}`);
    }
    // Each field is read once: a getter cannot answer differently at apply time.
    const { type, table, key, value } = op as { type: unknown; table: unknown; key: unknown; value?: unknown };
    if (type === 'put') {
      assertTableId(table, `${name}.table`);
      assertSizedBytes(key, `${name}.key`, MAX_KEY_BYTES);
      assertSizedBytes(value, `${name}.value`, MAX_VALUE_BYTES);
      prepared.push([table, toBinaryString(key), toBinaryString(value)]);
    } else if (type === 'delete') {
      assertTableId(table, `${name}.table`);
      assertSizedBytes(key, `${name}.key`, MAX_KEY_BYTES);
      if (value !== undefined) throw new TypeError(`${name} is a delete and takes no value`);
      prepared.push([table, toBinaryString(key), undefined]);
    } else {
      throw new TypeError(`${name}.type must be "put" or "delete"; got ${describeValue(type)}`);
    }
  }
  return prepared;
}

/**
 * The embedded storage backend: per-table ordered key spaces held in memory,
 * each a `sorted-btree` B+ tree. Keys sort unsigned bytewise; the empty key is
 * a key like any other. Everything passed in and handed out is copied, so no
 * buffer is shared with the caller in either direction, and every array handed
 * out has an `ArrayBuffer` of its own.
 *
 * Beside the contract's required methods it has the optional ones of contract
 * 1.1: {@link scanReverse}, {@link iterate} (a snapshot, walked in bounded
 * memory) and {@link batch} (atomic). Keys up to {@link MAX_KEY_BYTES} and
 * values up to {@link MAX_VALUE_BYTES}.
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
  // While compact() rebuilds a table, the keys written to it meanwhile, copied
  // into the new tree before it replaces the old one.
  #compactingTable: TableId | undefined;
  #writtenWhileCompacting = new Set<string>();
  #compaction: Promise<void> | undefined;

  /**
   * @param options - see {@link MemoryStorageOptions}.
   * @throws TypeError for options that are not an object, an unknown option, or a `name` that is not a non-empty string.
   */
  constructor(options: MemoryStorageOptions = {}) {
    if (options === null) throw new TypeError('options must be an object; got null');
    assertOptions(options, OPTION_KEYS, 'MemoryStorage');
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
    this.#writtenWhileCompacting.clear();
    return RESOLVED;
  }

  /** The value under `key` in `table` (a fresh copy over its own buffer), or `undefined`. */
  get(table: TableId, key: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      const tables = this.#open('get');
      assertTableId(table);
      assertSizedBytes(key, 'key', MAX_KEY_BYTES);
      const tree = tables.get(table);
      const value = tree === undefined ? undefined : getString(tree, toBinaryString(key));
      return value === undefined ? RESOLVED_UNDEFINED : Promise.resolve(fromBinaryString(value));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stores a copy of `value` under a copy of `key`, replacing any previous value.
   * `txn` is checked, not used. A key over {@link MAX_KEY_BYTES} or a value over
   * {@link MAX_VALUE_BYTES} is a `RangeError`.
   */
  put(table: TableId, key: Uint8Array, value: Uint8Array, txn: TransactionId): Promise<void> {
    try {
      const tables = this.#open('put');
      assertTableId(table);
      assertSizedBytes(key, 'key', MAX_KEY_BYTES);
      assertSizedBytes(value, 'value', MAX_VALUE_BYTES);
      assertTransactionId(txn);
      this.#put(tables, table, toBinaryString(key), toBinaryString(value));
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
      assertSizedBytes(key, 'key', MAX_KEY_BYTES);
      assertTransactionId(txn);
      this.#delete(tables, table, toBinaryString(key));
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Applies `ops` in order, atomically: every op is checked (and its key and
   * value copied) first, so a bad one rejects naming it (`ops[i].key`, ...)
   * with nothing applied; then all are applied in one synchronous step, so no
   * reader (a `get`, a `scan`, an `iterate` snapshot) ever sees some and not
   * others. `txn` is checked, not used.
   */
  batch(ops: readonly BatchOp[], txn: TransactionId): Promise<void> {
    try {
      const tables = this.#open('batch');
      assertTransactionId(txn);
      const prepared = prepareBatch(ops);
      for (const [table, key, value] of prepared) {
        if (value === undefined) this.#delete(tables, table, key);
        else this.#put(tables, table, key, value);
      }
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Up to `limit` entries with keys in `[start, end)`, ascending; an empty `end`
   * means no upper bound. Keys and values are fresh copies, each over its own buffer.
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
   * Walks a **snapshot** of `table`: the entries with keys in `[start, end)` as
   * they were when `iterate` was called, whatever is written afterwards,
   * ascending (or descending with `reverse`). The snapshot is `sorted-btree`'s
   * O(1) copy-on-write `clone()`: taking it copies nothing, and a write made
   * while it is held copies only the nodes on its own path. At most `batchSize`
   * entries (or 4 MiB) are copied out per step, and the event loop gets a turn
   * before every step after the first, so a walk of any size holds neither much
   * memory nor the event loop.
   *
   * The options are checked and copied at the call (reusing the `start` buffer
   * afterwards changes nothing); a bad one, an unknown one included, rejects
   * the first `next()`. `return()` (breaking out of `for await`) releases the
   * snapshot. After {@link shutdown}, `next()` rejects with `SOCHDB_CLOSED`.
   *
   * ```ts
   * for await (const [key, value] of storage.iterate(1, { start, end })) { ... }
   * ```
   */
  iterate(table: TableId, options: IterateOptions = {}): AsyncIterableIterator<Entry> {
    const checkOpen = () => void this.#open('iterate');
    try {
      return new SnapshotIterator(this.#plan(table, options), checkOpen);
    } catch (error) {
      return new SnapshotIterator({ error }, checkOpen);
    }
  }

  /** Resolves at once: memory is the only place the data lives, so there is nothing to make durable. */
  flush(): Promise<void> {
    return this.#tables === undefined ? Promise.reject(closedError('flush')) : RESOLVED;
  }

  /**
   * Repacks every table's tree bottom-up with full leaves, returning the slack
   * that inserts and deletes leave in nodes (about a third of the tree after
   * random inserts), and drops emptied tables. It works in slices of 8,192
   * entries, giving the event loop a turn between them; reads and writes go on
   * meanwhile (a write made while a table is being repacked is carried into the
   * new tree). A call while one runs returns the running one's promise.
   */
  compact(): Promise<void> {
    if (this.#tables === undefined) return Promise.reject(closedError('compact'));
    if (this.#compaction === undefined) {
      this.#compaction = this.#compactAll().finally(() => {
        this.#compaction = undefined;
      });
    }
    return this.#compaction;
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

  #put(tables: Map<TableId, Table>, table: TableId, k: string, v: string): void {
    let tree = tables.get(table);
    if (tree === undefined) {
      tree = emptyTable();
      tables.set(table, tree);
    }
    if (this.#compactingTable === table) this.#writtenWhileCompacting.add(k);
    const old = setInOneWalk(tree, k, v);
    if (old === undefined) {
      this.#keyCount++;
      this.#bytesStored += k.length + v.length;
    } else {
      this.#bytesStored += v.length - old.length;
    }
  }

  #delete(tables: Map<TableId, Table>, table: TableId, k: string): void {
    const tree = tables.get(table);
    if (tree === undefined) return;
    if (this.#compactingTable === table) this.#writtenWhileCompacting.add(k);
    const old = deleteInOneWalk(tree, k);
    if (old !== undefined) {
      this.#keyCount--;
      this.#bytesStored -= k.length + old.length;
    }
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
      checkRange(start, end);
      assertLimit(limit);
      const tree = tables.get(table);
      if (tree === undefined) return Promise.resolve([]);
      const high = end.length === 0 ? undefined : toBinaryString(end);
      return Promise.resolve((reverse ? collectBackward : collectForward)(tree, toBinaryString(start), high, limit));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Checks and copies `iterate`'s arguments and takes the snapshot; throws what the first `next()` rejects with. */
  #plan(table: TableId, options: IterateOptions): WalkPlan {
    const tables = this.#open('iterate');
    assertTableId(table);
    if (options === null) throw new TypeError('options must be an object; got null');
    assertOptions(options, ITERATE_OPTION_KEYS, 'MemoryStorage.iterate');
    const { start = new Uint8Array(0), end = new Uint8Array(0), reverse = false, limit = Infinity } = options;
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    checkRange(start, end);
    assertLimit(limit, 'options.limit');
    if (typeof reverse !== 'boolean') throw new TypeError(`options.reverse must be a boolean; got ${typeof reverse}`);
    if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`options.batchSize must be a positive integer; got ${describeValue(batchSize)}`);
    }
    return {
      snapshot: tables.get(table)?.clone(),
      low: toBinaryString(start),
      high: end.length === 0 ? undefined : toBinaryString(end),
      reverse,
      limit,
      batchSize,
    };
  }

  async #compactAll(): Promise<void> {
    for (const id of [...(this.#tables?.keys() ?? [])]) {
      const tables = this.#tables;
      if (tables === undefined) return;
      const tree = tables.get(id);
      if (tree === undefined) continue;
      if (tree.size === 0) {
        tables.delete(id);
        continue;
      }
      await this.#compactTable(id, tree);
    }
  }

  /** Rebuilds one table from a snapshot, a slice at a time, then carries over what was written meanwhile. */
  async #compactTable(id: TableId, live: Table): Promise<void> {
    const snapshot = live.clone();
    this.#compactingTable = id;
    this.#writtenWhileCompacting.clear();
    try {
      let low: string | undefined = snapshot.minKey();
      const max = snapshot.maxKey() as string;
      let first = true;
      const rebuilt = await treeFromSortedSlices<string, string>(compareBinaryStrings, MAX_NODE_SIZE, async () => {
        if (low === undefined) return undefined;
        if (!first) await nextTurn();
        first = false;
        if (this.#tables === undefined) return null; // shut down meanwhile: give up
        const keys: string[] = [];
        const values: string[] = [];
        snapshot.forRange(low, max, true, (key, value) => {
          keys.push(key);
          values.push(value);
          if (keys.length >= COMPACT_SLICE) return { break: 0 };
          return undefined;
        });
        const last = keys[keys.length - 1] as string;
        low = keys.length < COMPACT_SLICE || last === max ? undefined : `${last}\0`;
        return { keys, values };
      });
      const tables = this.#tables;
      if (rebuilt === undefined || tables === undefined) return;
      const current = tables.get(id) ?? emptyTable();
      for (const key of this.#writtenWhileCompacting) {
        const value = current.get(key);
        if (value === undefined) rebuilt.delete(key);
        else rebuilt.set(key, value);
      }
      if (rebuilt.size === 0) tables.delete(id);
      else tables.set(id, rebuilt);
    } finally {
      this.#compactingTable = undefined;
      this.#writtenWhileCompacting.clear();
    }
  }
}
