import {
  assertBytes,
  assertColumnId,
  assertLimit,
  assertRange,
  assertRowId,
  assertTableId,
  compareBytes,
  type IndexExtension,
} from '@sochdb/core';

type Pair = { key: Uint8Array; rowId: number };

/**
 * A correct, deliberately simple index: one array of `(key, rowId)` pairs
 * kept sorted, binary search. The self-tests run the index suite on it and on
 * subclasses that each break one rule.
 */
export class SortedPairsIndex implements IndexExtension {
  readonly info = {
    name: 'sorted-pairs-index',
    version: '1.0.0',
    description: 'Reference index for the testkit self-tests',
    author: 'SochDB',
    capabilities: ['index'] as const,
  };
  readonly indexType: string = 'sorted-array';
  protected pairs: Pair[] = [];
  /** The table of the last `build` (contract 1.1); undefined before it. */
  table: number | undefined = undefined;
  /** The column of the last `build` (contract 1.1); undefined before it. */
  column: number | undefined = undefined;

  protected compare(a: Pair, b: Pair): number {
    return compareBytes(a.key, b.key) || a.rowId - b.rowId;
  }

  protected lowerBound(probe: Pair): number {
    let lo = 0;
    let hi = this.pairs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.pairs[mid] as Pair, probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  protected copyIn(key: Uint8Array): Uint8Array {
    return key.slice();
  }

  build(table: number, column: number, data: Iterable<readonly [number, Uint8Array]>): void {
    assertTableId(table);
    assertColumnId(column);
    if (data === null || typeof (data as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function') {
      throw new TypeError('data must be an iterable of [rowId, key] pairs');
    }
    const next: Pair[] = [];
    for (const pair of data) {
      if (!Array.isArray(pair)) throw new TypeError('data must hold [rowId, key] pairs');
      const [rowId, key] = pair as [unknown, unknown];
      assertRowId(rowId);
      assertBytes(key, 'key');
      next.push({ key: this.copyIn(key), rowId });
    }
    next.sort((a, b) => this.compare(a, b));
    this.pairs = next.filter((pair, i) => i === 0 || this.compare(next[i - 1] as Pair, pair) !== 0);
    this.table = table;
    this.column = column;
  }

  insert(key: Uint8Array, rowId: number): void {
    assertBytes(key, 'key');
    assertRowId(rowId);
    const probe = { key, rowId };
    const at = this.lowerBound(probe);
    const found = this.pairs[at];
    if (found !== undefined && this.compare(found, probe) === 0) return;
    this.pairs.splice(at, 0, { key: this.copyIn(key), rowId });
  }

  delete(key: Uint8Array, rowId: number): boolean {
    assertBytes(key, 'key');
    assertRowId(rowId);
    const probe = { key, rowId };
    const at = this.lowerBound(probe);
    const found = this.pairs[at];
    if (found === undefined || this.compare(found, probe) !== 0) return false;
    this.pairs.splice(at, 1);
    return true;
  }

  lookup(key: Uint8Array): number[] {
    assertBytes(key, 'key');
    const out: number[] = [];
    for (let i = this.lowerBound({ key, rowId: -1 }); i < this.pairs.length; i++) {
      const pair = this.pairs[i] as Pair;
      if (compareBytes(pair.key, key) !== 0) break;
      out.push(pair.rowId);
    }
    return out;
  }

  range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
    assertRange(start, end);
    assertLimit(limit);
    const out: number[] = [];
    for (let i = this.lowerBound({ key: start, rowId: -1 }); i < this.pairs.length && out.length < limit; i++) {
      const pair = this.pairs[i] as Pair;
      if (this.pastEnd(pair.key, end)) break;
      out.push(pair.rowId);
    }
    return out;
  }

  protected pastEnd(key: Uint8Array, end: Uint8Array): boolean {
    return end.length > 0 && compareBytes(key, end) >= 0;
  }

  sizeBytes(): number {
    let size = 64;
    for (const pair of this.pairs) size += 48 + pair.key.length;
    return size;
  }
}

/**
 * The reference index with brute-force `nearest` over little-endian float32
 * vectors (Euclidean distance), to exercise the suite's `nearest` tests.
 */
export class VectorPairsIndex extends SortedPairsIndex {
  override readonly indexType: string = 'brute-force-vector';

  nearest(query: Uint8Array, k: number): Array<[number, number]> {
    assertBytes(query, 'query');
    if (typeof k !== 'number') throw new TypeError('k must be a non-negative integer');
    if (!Number.isInteger(k) || k < 0) throw new RangeError('k must be a non-negative integer');
    const q = decode(query);
    const scored = this.pairs.map((pair): [number, number] => {
      const v = decode(pair.key);
      let sum = 0;
      for (let i = 0; i < q.length; i++) sum += ((q[i] as number) - (v[i] ?? 0)) ** 2;
      return [pair.rowId, Math.sqrt(sum)];
    });
    scored.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    return scored.slice(0, k);
  }
}

function decode(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.length / 4) }, (_, i) => view.getFloat32(i * 4, true));
}

/**
 * The vector reference index restricted to keys of exactly {@link FixedWidthIndex.WIDTH}
 * bytes (eight float32 components), as a vector index is: every other key is a
 * `RangeError` naming it. The suite reaches it through {@link encodeFixedWidth}.
 */
export class FixedWidthIndex extends VectorPairsIndex {
  static readonly WIDTH = 32;
  override readonly indexType: string = 'fixed-width-vector';

  protected checkWidth(key: unknown, name: string): void {
    if (key instanceof Uint8Array && key.length !== FixedWidthIndex.WIDTH) {
      throw new RangeError(`${name} must be ${FixedWidthIndex.WIDTH} bytes; got ${key.length}`);
    }
  }

  override build(table: number, column: number, data: Iterable<readonly [number, Uint8Array]>): void {
    if (data === null || typeof (data as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function') {
      super.build(table, column, data);
      return;
    }
    const pairs = [...data];
    for (const pair of pairs) if (Array.isArray(pair)) this.checkWidth(pair[1], 'key');
    super.build(table, column, pairs);
  }

  override insert(key: Uint8Array, rowId: number): void {
    this.checkWidth(key, 'key');
    super.insert(key, rowId);
  }

  override delete(key: Uint8Array, rowId: number): boolean {
    this.checkWidth(key, 'key');
    return super.delete(key, rowId);
  }

  override lookup(key: Uint8Array): number[] {
    this.checkWidth(key, 'key');
    return super.lookup(key);
  }

  /** `start` and a non-empty `end` are keys too; an empty `end` means no upper bound. */
  override range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
    this.checkWidth(start, 'start');
    if (end instanceof Uint8Array && end.length > 0) this.checkWidth(end, 'end');
    return super.range(start, end, limit);
  }

  override nearest(query: Uint8Array, k: number): Array<[number, number]> {
    this.checkWidth(query, 'query');
    return super.nearest(query, k);
  }
}

/**
 * A kit key (at most 16 bytes) as a {@link FixedWidthIndex} key: byte `i`
 * becomes bytes `[1, b]` at `2 * i`, the rest is zeros. Injective and keeping
 * bytewise order (a prefix sorts first: its next pair starts with 0).
 */
export function encodeFixedWidth(key: Uint8Array): Uint8Array {
  if (key.length > FixedWidthIndex.WIDTH / 2) throw new RangeError(`key of ${key.length} bytes is too long`);
  const out = new Uint8Array(FixedWidthIndex.WIDTH);
  key.forEach((byte, i) => {
    out[2 * i] = 1;
    out[2 * i + 1] = byte;
  });
  return out;
}
