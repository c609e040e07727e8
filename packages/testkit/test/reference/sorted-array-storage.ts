import {
  assertBytes,
  assertLimit,
  assertRange,
  assertTableId,
  assertTransactionId,
  compareBytes,
  ErrorCode,
  KernelError,
  type StorageExtension,
  type StorageStats,
} from '@sochdb/core';

/** One stored pair. Never mutated once in a table array: snapshots share them. */
export type Entry = { readonly key: Uint8Array; readonly value: Uint8Array };

/** An operation of `batch`, as contract 1.1 defines it. */
export type BatchOp =
  | { type: 'put'; table: number; key: Uint8Array; value: Uint8Array }
  | { type: 'delete'; table: number; key: Uint8Array };

/** The options of `iterate`, as contract 1.1 defines them. */
export interface IterateOptions {
  start?: Uint8Array;
  end?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/**
 * Stands in for a durable backend's directory: what was flushed there, and
 * which live instance holds it open. Instances made with the same location
 * share it, as two instances opened on one path would.
 */
export class MemoryLocation {
  /** Flushed tables: what a new instance on this location starts from. */
  durable = new Map<number, readonly Entry[]>();
  /** The live instance holding the location, if any. */
  holder: object | undefined;
  constructor(readonly name: string = `memory-location-${++MemoryLocation.count}`) {}
  private static count = 0;
}

const EMPTY = new Uint8Array(0);

/** Lets timers and I/O run: the next turn of the event loop. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A correct, deliberately simple storage: one sorted array of entries per
 * table, binary search, copies in and out. The self-tests run the storage
 * suite on it (it must pass everything) and on subclasses that each break one
 * rule (the suite must catch each).
 *
 * It is "durable" in the sense the suite checks: `init` opens its
 * {@link MemoryLocation} (refusing one held by a live instance), `flush`
 * writes the tables there, `shutdown` flushes and releases it. A table array
 * is never changed in place (every write swaps in a new array), so an
 * `iterate` snapshot is the array it started on.
 */
export class SortedArrayStorage implements StorageExtension {
  readonly info = {
    name: 'sorted-array-storage',
    version: '1.1.0',
    description: 'Reference storage for the testkit self-tests',
    author: 'SochDB',
    capabilities: ['storage'] as const,
  };
  protected tables = new Map<number, readonly Entry[]>();
  protected closed = false;
  readonly location: MemoryLocation;

  constructor(options: { location?: MemoryLocation } = {}) {
    this.location = options.location ?? new MemoryLocation();
  }

  /** A new instance on this instance's location: the suite's `reopen`. */
  static reopen(previous: SortedArrayStorage): SortedArrayStorage {
    return new (previous.constructor as new (options: { location: MemoryLocation }) => SortedArrayStorage)({
      location: previous.location,
    });
  }

  init(): void {
    this.acquire();
    this.tables = new Map(this.location.durable);
  }

  /** Takes the location, refusing one a live instance holds. */
  protected acquire(): void {
    if (this.location.holder !== undefined && this.location.holder !== this) {
      throw new KernelError('io', 'SOCHDB_LOCKED', `${this.location.name} is held open by another live instance`);
    }
    this.location.holder = this;
  }

  protected release(): void {
    if (this.location.holder === this) this.location.holder = undefined;
  }

  protected compare(a: Uint8Array, b: Uint8Array): number {
    return compareBytes(a, b);
  }

  protected copyIn(bytes: Uint8Array): Uint8Array {
    return bytes.slice();
  }

  protected copyOut(bytes: Uint8Array): Uint8Array {
    return bytes.slice();
  }

  /** Index of the first entry whose key is >= key. */
  protected lowerBound(entries: readonly Entry[], key: Uint8Array): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare((entries[mid] as Entry).key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  protected checkOpen(): void {
    if (this.closed) throw new KernelError('io', ErrorCode.CLOSED, 'storage is shut down');
  }

  protected entriesOf(table: number): readonly Entry[] {
    return this.tables.get(table) ?? [];
  }

  async get(table: number, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.checkOpen();
    assertTableId(table);
    assertBytes(key, 'key');
    const entries = this.entriesOf(table);
    const entry = entries[this.lowerBound(entries, key)];
    return entry !== undefined && this.compare(entry.key, key) === 0 ? this.copyOut(entry.value) : undefined;
  }

  async put(table: number, key: Uint8Array, value: Uint8Array, txn: number): Promise<void> {
    this.checkOpen();
    this.validatePut(table, key, value, txn);
    this.write(table, key, value);
  }

  protected validatePut(table: number, key: Uint8Array, value: Uint8Array, txn: number): void {
    assertTableId(table);
    assertBytes(key, 'key');
    assertBytes(value, 'value');
    assertTransactionId(txn);
  }

  /** Writes one pair: a new table array, so that snapshots keep the old one. */
  protected write(table: number, key: Uint8Array, value: Uint8Array): void {
    const entries = [...this.entriesOf(table)];
    this.writeInto(entries, key, value);
    this.tables.set(table, entries);
  }

  /** Removes one key: a new table array, so that snapshots keep the old one. */
  protected remove(table: number, key: Uint8Array): void {
    const entries = [...this.entriesOf(table)];
    this.removeFrom(entries, key);
    this.tables.set(table, entries);
  }

  /** Puts one pair into a table array that no snapshot holds yet. */
  protected writeInto(entries: Entry[], key: Uint8Array, value: Uint8Array): void {
    const at = this.lowerBound(entries, key);
    const entry = entries[at];
    const fresh = { key: this.copyIn(key), value: this.copyIn(value) };
    if (entry !== undefined && this.compare(entry.key, key) === 0) entries[at] = fresh;
    else entries.splice(at, 0, fresh);
  }

  /** Removes one key from a table array that no snapshot holds yet. */
  protected removeFrom(entries: Entry[], key: Uint8Array): void {
    const at = this.lowerBound(entries, key);
    const entry = entries[at];
    if (entry !== undefined && this.compare(entry.key, key) === 0) entries.splice(at, 1);
  }

  async delete(table: number, key: Uint8Array, txn: number): Promise<void> {
    this.checkOpen();
    assertTableId(table);
    assertBytes(key, 'key');
    assertTransactionId(txn);
    this.remove(table, key);
  }

  async scan(
    table: number,
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
  ): Promise<Array<[Uint8Array, Uint8Array]>> {
    this.checkOpen();
    assertTableId(table);
    this.checkRange(start, end);
    assertLimit(limit);
    return this.ascending(this.entriesOf(table), start, end, limit);
  }

  protected ascending(
    entries: readonly Entry[],
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
  ): Array<[Uint8Array, Uint8Array]> {
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (let i = this.lowerBound(entries, start); i < entries.length && out.length < limit; i++) {
      const entry = entries[i] as Entry;
      if (this.pastEnd(entry.key, end)) break;
      out.push([this.copyOut(entry.key), this.copyOut(entry.value)]);
    }
    return out;
  }

  protected descending(
    entries: readonly Entry[],
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
  ): Array<[Uint8Array, Uint8Array]> {
    const stop = end.length === 0 ? entries.length : this.lowerBound(entries, end);
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (let i = stop - 1; i >= 0 && out.length < limit; i--) {
      const entry = entries[i] as Entry;
      if (this.compare(entry.key, start) < 0) break;
      out.push([this.copyOut(entry.key), this.copyOut(entry.value)]);
    }
    return out;
  }

  /** Contract 1.1, optional: the range of `scan`, highest key first. */
  async scanReverse(
    table: number,
    start: Uint8Array,
    end: Uint8Array,
    limit: number,
  ): Promise<Array<[Uint8Array, Uint8Array]>> {
    this.checkOpen();
    assertTableId(table);
    this.checkRange(start, end);
    assertLimit(limit);
    return this.descending(this.entriesOf(table), start, end, limit);
  }

  /**
   * Contract 1.1, optional: a snapshot walk of `[start, end)`. The options
   * are copied and checked here, at the call (an error rejects the first
   * `next()`), and the table array of this moment is the snapshot; the walk
   * hands out `batchSize` entries at a time and lets the event loop turn
   * between batches.
   */
  iterate(table: number, options?: IterateOptions): AsyncIterableIterator<[Uint8Array, Uint8Array]> {
    try {
      this.checkOpen();
      assertTableId(table);
      const plan = this.iteratePlan(options);
      return this.walk(this.entriesOf(table), plan);
    } catch (error) {
      return this.failing(error);
    }
  }

  /** The options of `iterate`, checked and copied. */
  protected iteratePlan(options: IterateOptions | undefined): Required<IterateOptions> {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError('options must be an object');
    }
    const { start = EMPTY, end = EMPTY, reverse = false, limit = Number.POSITIVE_INFINITY } = options ?? {};
    this.checkRange(start, end);
    assertLimit(limit);
    if (typeof reverse !== 'boolean') throw new TypeError('options.reverse must be a boolean');
    return { start: this.copyIn(start), end: this.copyIn(end), reverse, limit };
  }

  /** An iterator whose first `next()` rejects with `error`. */
  protected failing(error: unknown): AsyncIterableIterator<[Uint8Array, Uint8Array]> {
    return (async function* (): AsyncGenerator<[Uint8Array, Uint8Array]> {
      yield* [];
      throw error;
    })();
  }

  protected async *walk(
    snapshot: readonly Entry[],
    plan: Required<IterateOptions>,
  ): AsyncGenerator<[Uint8Array, Uint8Array]> {
    let { start: low, end: high, limit: remaining } = plan;
    while (remaining > 0) {
      this.checkOpen();
      const take = Math.min(remaining, this.batchSize);
      const batch = plan.reverse
        ? this.descending(snapshot, low, high, take)
        : this.ascending(snapshot, low, high, take);
      for (const entry of batch) yield entry;
      remaining -= batch.length;
      const last = batch[batch.length - 1];
      if (last === undefined || batch.length < take) return;
      if (plan.reverse) high = last[0];
      else low = this.after(last[0]);
      await this.betweenBatches();
    }
  }

  /** What the walk does between two batches: let timers and I/O run. */
  protected betweenBatches(): Promise<void> {
    return nextTurn();
  }

  protected readonly batchSize: number = 256;

  /** The smallest key that sorts after `key`: `key` followed by 0x00. */
  protected after(key: Uint8Array): Uint8Array {
    const next = new Uint8Array(key.length + 1);
    next.set(key);
    return next;
  }

  /**
   * Contract 1.1, optional: every op checked first, then all applied in one
   * synchronous step (no reader can run in between).
   */
  async batch(ops: readonly BatchOp[], txn: number): Promise<void> {
    this.checkOpen();
    const checked = this.checkBatch(ops, txn);
    this.applyBatch(checked);
  }

  /** Checks every op and copies its buffers. */
  protected checkBatch(ops: readonly BatchOp[], txn: number): BatchOp[] {
    if (!Array.isArray(ops)) throw new TypeError('ops must be an array of batch operations');
    assertTransactionId(txn);
    return ops.map((op: unknown, i): BatchOp => {
      if (typeof op !== 'object' || op === null) throw new TypeError(`ops[${i}] must be an object`);
      const { type, table, key, value } = op as Record<string, unknown>;
      assertTableId(table, `ops[${i}].table`);
      assertBytes(key, `ops[${i}].key`);
      if (type === 'delete') return { type, table, key: this.copyIn(key) };
      if (type !== 'put') throw new TypeError(`ops[${i}].type must be "put" or "delete"`);
      assertBytes(value, `ops[${i}].value`);
      return { type, table, key: this.copyIn(key), value: this.copyIn(value) };
    });
  }

  /** Applies checked ops: each table touched is copied once, changed, then swapped in. */
  protected applyBatch(ops: readonly BatchOp[]): void {
    const changed = new Map<number, Entry[]>();
    for (const op of ops) {
      let entries = changed.get(op.table);
      if (entries === undefined) {
        entries = [...this.entriesOf(op.table)];
        changed.set(op.table, entries);
      }
      if (op.type === 'put') this.writeInto(entries, op.key, op.value);
      else this.removeFrom(entries, op.key);
    }
    for (const [table, entries] of changed) this.tables.set(table, entries);
  }

  protected checkRange(start: Uint8Array, end: Uint8Array): void {
    assertRange(start, end);
  }

  protected pastEnd(key: Uint8Array, end: Uint8Array): boolean {
    return end.length > 0 && this.compare(key, end) >= 0;
  }

  async flush(): Promise<void> {
    this.checkOpen();
    this.persist();
  }

  /** Writes the tables to the location (arrays are never changed in place, so sharing them is a copy). */
  protected persist(): void {
    this.location.durable = new Map(this.tables);
  }

  async compact(): Promise<void> {
    this.checkOpen();
  }

  stats(): StorageStats {
    let keyCount = 0;
    let bytesStored = 0;
    for (const entries of this.tables.values()) {
      keyCount += entries.length;
      for (const { key, value } of entries) bytesStored += key.length + value.length;
    }
    return { keyCount, bytesStored, pendingCompactionBytes: 0, writeAmplification: 1 };
  }

  shutdown(): void {
    if (this.closed) return;
    this.persist();
    this.closed = true;
    this.release();
  }
}
