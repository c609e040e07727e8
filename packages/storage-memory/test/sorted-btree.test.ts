import { describe, expect, it } from 'vitest';
import { compareBinaryStrings } from '../src/binary-string.js';
import { BTree, deleteInOneWalk, setInOneWalk, treeFromSortedSlices } from '../src/sorted-btree.js';

function xorshift(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('the sorted-btree helpers keep the library’s invariants', () => {
  it('setInOneWalk and deleteInOneWalk agree with a Map, report what they replaced, and leave a valid tree (snapshots too)', () => {
    const next = xorshift(42);
    const tree = new BTree<string, string>(undefined, compareBinaryStrings, 64);
    const model = new Map<string, string>();
    let snapshot = tree.clone();
    let snapshotModel = new Map(model);
    for (let i = 0; i < 60_000; i++) {
      const key = `k${next() % 5000}`;
      if (next() % 4 === 0) {
        expect(deleteInOneWalk(tree, key)).toBe(model.get(key));
        model.delete(key);
      } else {
        const value = `v${i}`;
        expect(setInOneWalk(tree, key, value)).toBe(model.get(key));
        model.set(key, value);
      }
      if (i % 7000 === 0) {
        expect(snapshot.toArray()).toEqual([...snapshotModel].sort(([a], [b]) => compareBinaryStrings(a, b)));
        snapshot = tree.clone();
        snapshotModel = new Map(model);
      }
    }
    tree.checkValid(true);
    expect(tree.toArray()).toEqual([...model].sort(([a], [b]) => compareBinaryStrings(a, b)));
  });

  it('treeFromSortedSlices builds a valid tree of any size from slices', async () => {
    for (const size of [0, 1, 31, 64, 65, 96, 4095, 64 * 64 + 1, 64 * 64 * 64 + 17]) {
      const keys = Array.from({ length: size }, (_, i) => `k${String(i).padStart(8, '0')}`);
      let at = 0;
      const tree = await treeFromSortedSlices<string, string>(compareBinaryStrings, 64, async () => {
        if (at >= size) return undefined;
        const slice = keys.slice(at, at + 64 * 8);
        at += slice.length;
        return { keys: slice, values: slice.map((k) => k.toUpperCase()) };
      });
      expect(tree).toBeDefined();
      tree?.checkValid(true);
      expect(tree?.size).toBe(size);
      expect(tree?.keysArray()).toEqual(keys);
      if (size > 0) expect(tree?.get(keys[size >> 1] as string)).toBe((keys[size >> 1] as string).toUpperCase());
    }
  });
});
