import { describe, expect, it } from 'vitest';
import { createNativeIndex, reserve } from '../src/native.js';

// The calls this package makes to usearch's compiled binding, pinned: if a
// usearch upgrade changes them, these fail before anything else does.
const options = { dimensions: 4, metric: 'l2sq', connectivity: 16, expansionAdd: 128, expansionSearch: 64 } as const;

describe("usearch's native index, called directly", () => {
  it('adds, searches and removes by 64-bit keys', () => {
    const index = createNativeIndex(options);
    index.add(BigUint64Array.of(7n, 9n), Float32Array.of(0, 0, 0, 0, 3, 4, 0, 0), 1);
    expect(index.size()).toBe(2);
    const [keys, distances, counts] = index.search(Float32Array.of(0, 0, 0, 0), 2, 1);
    expect(Number(counts[0])).toBe(2);
    expect([...keys.subarray(0, 2)]).toEqual([7n, 9n]);
    expect([...distances.subarray(0, 2)]).toEqual([0, 25]);
    expect(index.remove(BigUint64Array.of(7n))).toEqual([1]);
    expect(index.remove(BigUint64Array.of(7n))).toEqual([0]);
    const [after, , count] = index.search(Float32Array.of(0, 0, 0, 0), 2, 1);
    expect(Number(count[0])).toBe(1);
    expect(after[0]).toBe(9n);
  });

  it('reserve makes room for at least the members asked, adding nothing; adds then grow past it', () => {
    const index = createNativeIndex(options);
    expect(index.capacity()).toBe(0);
    reserve(index, 1000, 1);
    const reserved = index.capacity();
    expect(reserved).toBeGreaterThanOrEqual(1000);
    expect(index.size()).toBe(0);
    expect(Number(index.search(Float32Array.of(1, 0, 0, 0), 1, 1)[2][0])).toBe(0);
    reserve(index, 10, 1);
    expect(index.capacity()).toBe(reserved);
    const vectors = Float32Array.from({ length: 4 * 3000 }, (_, i) => Math.sin(i));
    const key = new BigUint64Array(1);
    for (let i = 0; i < 3000; i++) {
      key[0] = BigInt(i);
      index.add(key, vectors.subarray(4 * i, 4 * i + 4), 1);
    }
    expect(index.size()).toBe(3000);
    expect(index.capacity()).toBeGreaterThanOrEqual(3000);
  });

  it('reserve for several threads lets a batch add use them', () => {
    const index = createNativeIndex(options);
    reserve(index, 5000, 2);
    const count = 4000;
    const keys = BigUint64Array.from({ length: count }, (_, i) => BigInt(i));
    index.add(
      keys,
      Float32Array.from({ length: 4 * count }, (_, i) => Math.cos(i)),
      2,
    );
    expect(index.size()).toBe(count);
  });
});
