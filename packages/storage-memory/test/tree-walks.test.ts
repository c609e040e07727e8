import { describe, expect, it, vi } from 'vitest';

// Counts the comparisons the trees make: a walk from the root to a leaf costs
// about the same number each time, so the count says how many walks an operation made.
const counter = vi.hoisted(() => ({ comparisons: 0 }));
vi.mock('../src/binary-string.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/binary-string.js')>();
  return {
    ...original,
    compareBinaryStrings: (a: string, b: string) => {
      counter.comparisons++;
      return original.compareBinaryStrings(a, b);
    },
  };
});

const { MemoryStorage } = await import('../src/index.js');

const key = (i: number) => new TextEncoder().encode(`key-${String(i).padStart(6, '0')}`);

async function comparisons(run: () => Promise<unknown>): Promise<number> {
  const before = counter.comparisons;
  await run();
  return counter.comparisons - before;
}

describe('tree walks per operation', () => {
  it('an overwrite and a delete walk the tree once, as inserting a new key does', async () => {
    const store = new MemoryStorage();
    const value = new Uint8Array(10);
    for (let i = 0; i < 20_000; i++) await store.put(1, key((i * 7919) % 20_000), value, 0);
    let inserts = 0;
    let overwrites = 0;
    let deletes = 0;
    for (let i = 0; i < 200; i++) {
      const k = key(i * 97);
      inserts += await comparisons(() => store.put(1, key(100_000 + i * 97), value, 0));
      overwrites += await comparisons(() => store.put(1, k, new Uint8Array(i % 20), 0));
      deletes += await comparisons(() => store.delete(1, k, 0));
    }
    // One walk each, with room for a node's neighbour checks; two walks would be about 2x.
    expect(overwrites / inserts).toBeLessThan(1.5);
    expect(deletes / inserts).toBeLessThan(1.5);
    expect(store.stats().keyCount).toBe(20_000);
  });
});
