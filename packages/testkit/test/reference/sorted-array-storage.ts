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

type Entry = { key: Uint8Array; value: Uint8Array };

/**
 * A correct, deliberately simple storage: one sorted array of entries per
 * table, binary search, copies in and out. The self-tests run the storage
 * suite on it (it must pass everything) and on subclasses that each break one
 * rule (the suite must catch each).
 */
export class SortedArrayStorage implements StorageExtension {
  readonly info = {
    name: 'sorted-array-storage',
    version: '1.0.0',
    description: 'Reference storage for the testkit self-tests',
    author: 'SochDB',
    capabilities: ['storage'] as const,
  };
  protected readonly tables = new Map<number, Entry[]>();
  protected closed = false;

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
  protected lowerBound(entries: Entry[], key: Uint8Array): number {
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

  protected table(table: number): Entry[] {
    let entries = this.tables.get(table);
    if (entries === undefined) {
      entries = [];
      this.tables.set(table, entries);
    }
    return entries;
  }

  async get(table: number, key: Uint8Array): Promise<Uint8Array | undefined> {
    this.checkOpen();
    assertTableId(table);
    assertBytes(key, 'key');
    const entries = this.tables.get(table) ?? [];
    const at = this.lowerBound(entries, key);
    const entry = entries[at];
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

  protected write(table: number, key: Uint8Array, value: Uint8Array): void {
    const entries = this.table(table);
    const at = this.lowerBound(entries, key);
    const entry = entries[at];
    if (entry !== undefined && this.compare(entry.key, key) === 0) entry.value = this.copyIn(value);
    else entries.splice(at, 0, { key: this.copyIn(key), value: this.copyIn(value) });
  }

  async delete(table: number, key: Uint8Array, txn: number): Promise<void> {
    this.checkOpen();
    assertTableId(table);
    assertBytes(key, 'key');
    assertTransactionId(txn);
    const entries = this.tables.get(table) ?? [];
    const at = this.lowerBound(entries, key);
    const entry = entries[at];
    if (entry !== undefined && this.compare(entry.key, key) === 0) entries.splice(at, 1);
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
    const entries = this.tables.get(table) ?? [];
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (let i = this.lowerBound(entries, start); i < entries.length && out.length < limit; i++) {
      const entry = entries[i] as Entry;
      if (this.pastEnd(entry.key, end)) break;
      out.push([this.copyOut(entry.key), this.copyOut(entry.value)]);
    }
    return out;
  }

  /** Beyond the contract, like `@sochdb/storage-memory`: the range of `scan`, highest key first. */
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
    const entries = this.tables.get(table) ?? [];
    const stop = end.length === 0 ? entries.length : this.lowerBound(entries, end);
    const out: Array<[Uint8Array, Uint8Array]> = [];
    for (let i = stop - 1; i >= 0 && out.length < limit; i--) {
      const entry = entries[i] as Entry;
      if (this.compare(entry.key, start) < 0) break;
      out.push([this.copyOut(entry.key), this.copyOut(entry.value)]);
    }
    return out;
  }

  /**
   * Beyond the contract, like `@sochdb/storage-memory`: walks `[start, end)`
   * in batches of `batchSize`, resuming after the last key handed out.
   */
  async *iterate(
    table: number,
    options: { start?: Uint8Array; end?: Uint8Array; reverse?: boolean; limit?: number } = {},
  ): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const { start = new Uint8Array(0), end = new Uint8Array(0), reverse = false, limit = Infinity } = options;
    this.checkOpen();
    assertTableId(table);
    this.checkRange(start, end);
    assertLimit(limit);
    let low = start;
    let high = end;
    let remaining = limit;
    while (remaining > 0) {
      const take = Math.min(remaining, this.batchSize);
      const batch = reverse ? await this.scanReverse(table, low, high, take) : await this.scan(table, low, high, take);
      for (const entry of batch) yield entry;
      remaining -= batch.length;
      const last = batch[batch.length - 1];
      if (last === undefined || batch.length < take) return;
      if (reverse) high = last[0];
      else low = this.after(last[0]);
    }
  }

  protected readonly batchSize: number = 256;

  /** The smallest key that sorts after `key`: `key` followed by 0x00. */
  protected after(key: Uint8Array): Uint8Array {
    const next = new Uint8Array(key.length + 1);
    next.set(key);
    return next;
  }

  protected checkRange(start: Uint8Array, end: Uint8Array): void {
    assertRange(start, end);
  }

  protected pastEnd(key: Uint8Array, end: Uint8Array): boolean {
    return end.length > 0 && this.compare(key, end) >= 0;
  }

  async flush(): Promise<void> {
    this.checkOpen();
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
    this.closed = true;
  }
}
