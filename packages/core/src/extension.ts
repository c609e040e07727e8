import type {
  ColumnId,
  ExtensionInfo,
  HealthInfo,
  Labels,
  RowId,
  SpanId,
  StorageStats,
  TableId,
  TransactionId,
} from './types.js';

/**
 * What every extension is: a description and an optional lifecycle.
 * The manager calls `init` once before registration completes and `shutdown`
 * once from `shutdownAll`.
 */
export interface Extension {
  /** Name, version, author and declared capabilities. */
  readonly info: ExtensionInfo;
  /** Called once by the manager, and awaited, before registration completes. A throw registers nothing. */
  init?(): void | Promise<void>;
  /** Called once by `PluginManager.shutdownAll`. */
  shutdown?(): void | Promise<void>;
}

/**
 * A storage backend: per-table ordered key spaces of bytes. I/O, so every
 * method is asynchronous and reports every error, bad arguments included, as
 * a rejected promise.
 *
 * - Each table is its own key space, ordered unsigned bytewise.
 * - No aliasing: callers may mutate buffers they passed in or got back.
 * - After `shutdown`, every call rejects with `SOCHDB_CLOSED` and writes nothing.
 */
export interface StorageExtension extends Extension {
  /** The value stored under `key` in `table`, or `undefined`. */
  get(table: TableId, key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Stores `value` under `key` in `table`, replacing any previous value. */
  put(table: TableId, key: Uint8Array, value: Uint8Array, txn: TransactionId): Promise<void>;
  /** Removes `key` from `table`; removing an absent key is not an error. */
  delete(table: TableId, key: Uint8Array, txn: TransactionId): Promise<void>;
  /**
   * Up to `limit` entries with keys in `[start, end)`, ascending. An empty
   * `end` means no upper bound; `limit` is a non-negative integer or `Infinity`.
   */
  scan(
    table: TableId,
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
  ): Promise<Array<[key: Uint8Array, value: Uint8Array]>>;
  /** Makes every completed write durable (by the backend's own measure). */
  flush(): Promise<void>;
  /** Reclaims space, if the backend has anything to reclaim. */
  compact?(): Promise<void>;
  /** Size and amplification figures. */
  stats?(): StorageStats;
  /**
   * Since 1.1. Up to `limit` entries with keys in `[start, end)`, descending:
   * the range of `scan`, walked from its end.
   */
  scanReverse?(
    table: TableId,
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
  ): Promise<Array<[key: Uint8Array, value: Uint8Array]>>;
  /**
   * Since 1.1. A snapshot walk: yields what the store held when `iterate` was
   * called, whatever is written afterwards, in bounded memory. Options are
   * copied and checked at the call (a bad one rejects the first `next()`); the
   * event loop runs between batches; `return()` releases the snapshot.
   */
  iterate?(table: TableId, options?: IterateOptions): AsyncIterableIterator<[key: Uint8Array, value: Uint8Array]>;
  /**
   * Since 1.1. Applies every op atomically: all are checked first (a bad one
   * rejects with nothing applied), then all are applied so that no reader
   * sees some and not others.
   */
  batch?(ops: readonly BatchOp[], txn: TransactionId): Promise<void>;
}

/** What {@link StorageExtension.iterate} walks: `[start, end)` as for `scan`, ascending unless `reverse`. */
export interface IterateOptions {
  /** First key (inclusive); default: the table's first key. */
  start?: Uint8Array;
  /** End key (exclusive); empty or absent: no upper bound. */
  end?: Uint8Array;
  /** Walk descending. */
  reverse?: boolean;
  /** At most this many entries (a non-negative integer or `Infinity`). */
  limit?: number;
}

/** One write of a {@link StorageExtension.batch}. */
export type BatchOp =
  | { type: 'put'; table: TableId; key: Uint8Array; value: Uint8Array }
  | { type: 'delete'; table: TableId; key: Uint8Array };

/**
 * A secondary index: a set of `(key, rowId)` pairs, ordered by key bytewise
 * then by row id. In memory, so synchronous; bad arguments throw.
 */
export interface IndexExtension extends Extension {
  /** The kind of index, e.g. `"btree"`, `"hnsw"`. */
  readonly indexType: string;
  /** Replaces the contents with `data` (`[rowId, key]` pairs) and records the table and column covered. */
  build(table: TableId, column: ColumnId, data: Iterable<readonly [RowId, Uint8Array]>): void;
  /** Adds the pair; adding a pair that is present changes nothing. */
  insert(key: Uint8Array, rowId: RowId): void;
  /** Removes the pair; true if it was present. */
  delete(key: Uint8Array, rowId: RowId): boolean;
  /** Every row id stored under `key`, ascending. */
  lookup(key: Uint8Array): RowId[];
  /** Row ids of keys in `[start, end)` ordered by `(key, rowId)`, at most `limit` of them. */
  range(start: Uint8Array, end: Uint8Array, limit: number): RowId[];
  /** The `k` nearest rows to `query` with their distances, for vector indexes. Leave it out if unsupported. */
  nearest?(query: Uint8Array, k: number): Array<[rowId: RowId, distance: number]>;
  /** An estimate of the memory the index holds, in bytes. */
  sizeBytes(): number;
  /** Since 1.1: the table the last `build` covered (undefined before the first). */
  readonly table?: TableId | undefined;
  /** Since 1.1: the column the last `build` covered (undefined before the first). */
  readonly column?: ColumnId | undefined;
}

/**
 * A metrics, tracing and logging backend. These calls are the kernel's hot
 * path: synchronous, and they must never throw into the caller.
 */
export interface ObservabilityExtension extends Extension {
  /** Adds `value` (finite, non-negative) to the counter `name`. */
  counterInc(name: string, value: number, labels?: Labels): void;
  /** Sets the gauge `name` to `value`. */
  gaugeSet(name: string, value: number, labels?: Labels): void;
  /** Records one observation of `value` in the histogram `name`. */
  histogramObserve(name: string, value: number, labels?: Labels): void;
  /** Starts a span, a child of `parent` when given; returns its id (0 when not traced). */
  spanStart(name: string, parent?: SpanId): SpanId;
  /** Ends the span; an unknown or ended id does nothing. */
  spanEnd(span: SpanId): void;
  /** Records an event on the span; an unknown or ended id does nothing. */
  spanEvent(span: SpanId, name: string, attributes?: Labels): void;
  /** Logs at debug level. */
  logDebug?(message: string, fields?: Labels): void;
  /** Logs at info level. */
  logInfo?(message: string, fields?: Labels): void;
  /** Logs at warn level. */
  logWarn?(message: string, fields?: Labels): void;
  /** Logs at error level. */
  logError?(message: string, fields?: Labels): void;
  /** Receives the kernel's periodic health snapshot. */
  reportHealth?(health: HealthInfo): void;
}

/**
 * A compression algorithm. CPU-bound, so synchronous.
 *
 * - Output is the algorithm's standard self-describing frame, readable by its
 *   reference command-line tool, and the reverse.
 * - `decompress` of anything but a valid frame throws a `KernelError` of kind
 *   `corruption`, and never allocates past the configured output bound.
 */
export interface CompressionExtension extends Extension {
  /** The algorithm's name, e.g. `"lz4"`, `"zstd"`; unique among a manager's compressions. */
  readonly algorithm: string;
  /** Compresses `input` into one standard frame. */
  compress(input: Uint8Array): Uint8Array;
  /** Decompresses a frame produced by this algorithm (by any conforming encoder). */
  decompress(input: Uint8Array): Uint8Array;
  /** Sets the compression level; a level the codec does not have is a `RangeError`. */
  setLevel?(level: number): void;
}
