/**
 * The vector side of the demo: a row field holding an array of numbers becomes
 * an index key (its float32 bytes, as vector indexes such as
 * @sochdb/index-hnsw take them), and nearest-neighbour answers are checked
 * against an exact search over every indexed vector.
 */
import { DataError, type Row } from './dataset.js';

/** The distances vector indexes report, as @sochdb/index-hnsw defines them. */
export type Metric = 'cosine' | 'l2' | 'inner-product';

/** Whether `value` names a metric this file can compute exactly. */
export function isMetric(value: unknown): value is Metric {
  return value === 'cosine' || value === 'l2' || value === 'inner-product';
}

/**
 * The key of `row`'s vector in `column`: its numbers as little-endian float32
 * bytes. `undefined` when the row has no such field (the row is not indexed);
 * anything but a non-empty array of finite numbers is a {@link DataError}.
 */
export function vectorKey(row: Row, column: string, rowId: number): Uint8Array | undefined {
  const value = row[column];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new DataError(`row ${rowId}: "${column}" must be an array of finite numbers (a vector) for a vector index`);
  }
  // Float32Array stores little-endian on every platform Node runs on.
  return new Uint8Array(Float32Array.from(value as number[]).buffer);
}

/** The float32 components of a key made by {@link vectorKey}. */
export function vectorOf(key: Uint8Array): Float32Array {
  return new Float32Array(key.slice().buffer);
}

/** `metric`'s distance between `a` and `b`, in float64. */
export function distance(metric: Metric, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let squares = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    aa += x * x;
    bb += y * y;
    squares += (x - y) * (x - y);
  }
  if (metric === 'l2') return Math.sqrt(squares);
  if (metric === 'inner-product') return 1 - dot;
  return aa === 0 || bb === 0 ? 1 : 1 - dot / Math.sqrt(aa * bb);
}

/**
 * The distance of the `k`-th nearest of `vectors` to `query`, found by
 * looking at every one: what an approximate answer's last distance should not
 * exceed.
 */
export function exactKthDistance(
  metric: Metric,
  vectors: readonly Float32Array[],
  query: Float32Array,
  k: number,
): number {
  const best: number[] = [];
  for (const vector of vectors) {
    const d = distance(metric, query, vector);
    if (best.length < k) {
      best.push(d);
      best.sort((x, y) => x - y);
    } else if (d < (best[k - 1] as number)) {
      best[k - 1] = d;
      best.sort((x, y) => x - y);
    }
  }
  return best[best.length - 1] ?? Number.POSITIVE_INFINITY;
}
