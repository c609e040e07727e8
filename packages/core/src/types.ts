/**
 * The value types shared by every extension. They mirror the Rust kernel's
 * types; where a Rust integer width does not fit a JavaScript number the range
 * is narrowed and said so.
 */

/** A table: an integer in `[0, 2^32)` (the kernel's `u32`). */
export type TableId = number;
/** A column of a table: an integer in `[0, 2^16)` (the kernel's `u16`). */
export type ColumnId = number;
/** A row: a safe integer in `[0, 2^53)`. The kernel's `u64`, narrowed to what a number holds exactly. */
export type RowId = number;
/** A transaction: a safe integer in `[0, 2^53)`, like {@link RowId}. */
export type TransactionId = number;
/** A tracing span. `0` means "no span". */
export type SpanId = number;
/** Metric labels, span attributes and log fields: names to string values. */
export type Labels = Readonly<Record<string, string>>;

/** The four kinds of extension the manager knows how to hold. */
export type CoreCapability = 'storage' | 'index' | 'observability' | 'compression';

/**
 * What an extension declares it provides. The four {@link CoreCapability}
 * values are the ones the manager dispatches on; the others are informational.
 */
export type ExtensionCapability = CoreCapability | 'query-optimizer' | 'auth' | `custom:${string}`;

/** Describes an extension; returned by `PluginManager.listExtensions()`. */
export interface ExtensionInfo {
  /** Unique within a manager, e.g. `"prometheus-metrics"`. */
  readonly name: string;
  /** Semver of the extension. */
  readonly version: string;
  /** Human-readable description. */
  readonly description: string;
  /** Who wrote it. */
  readonly author: string;
  /** What it provides; exactly one core capability for `PluginManager.register`. */
  readonly capabilities: readonly ExtensionCapability[];
}

/** A kernel health snapshot, handed to every observability extension by `reportHealth`. */
export interface HealthInfo {
  /** Whether the kernel accepts work. */
  operational: boolean;
  /** Bytes in the write-ahead log. */
  walSizeBytes: number;
  /** Transactions open now. */
  activeTxns: number;
  /** Fraction of the buffer pool in use, from 0 to 1. */
  bufferPoolUsage: number;
  /** Seconds since the last checkpoint. */
  checkpointAgeSecs: number;
}

/** Statistics a storage backend may report. */
export interface StorageStats {
  /** Total bytes stored (keys plus values, by the backend's own measure). */
  bytesStored: number;
  /** Number of keys, over every table. */
  keyCount: number;
  /** Bytes waiting for compaction. */
  pendingCompactionBytes: number;
  /** Bytes written to the medium per byte written by callers. */
  writeAmplification: number;
}
