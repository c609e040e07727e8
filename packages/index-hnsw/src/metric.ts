/**
 * The distances {@link HnswIndex.nearest} reports, for vectors `a` and `b` of
 * `n` components:
 *
 * - `"cosine"`: `1 - (a·b) / (|a| |b|)`, in `[0, 2]`; 0 for the same direction.
 * - `"l2"`: the Euclidean distance `sqrt(Σ (aᵢ - bᵢ)²)` (not squared).
 * - `"inner-product"`: `1 - a·b`; meant for unit vectors, where it equals the
 *   cosine distance; for other vectors it can be negative.
 *
 * Worked example, `a = [1, 0]`, `b = [3, 4]`: `a·b = 3`, `|a| = 1`, `|b| = 5`;
 * cosine `1 - 3/5 = 0.4`, l2 `sqrt(4 + 16) = 4.4721…`, inner-product `1 - 3 = -2`.
 */
export type Metric = 'cosine' | 'l2' | 'inner-product';

/** Every {@link Metric}, in documentation order. */
export const METRICS: readonly Metric[] = Object.freeze(['cosine', 'l2', 'inner-product']);

/**
 * The distance of `metric` from usearch's: its `cos` and `ip` are already
 * `1 - similarity`; its `l2sq` is squared, so take the root.
 */
export function toDistance(metric: Metric, usearchDistance: number): number {
  if (metric === 'l2') return Math.sqrt(Math.max(0, usearchDistance));
  return usearchDistance;
}
