import { describe, expect, it } from 'vitest';
import { BTreeIndex } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
const PAIRS = 1_000_000;

function heap(): number {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Heap growth while `fill` loads a fresh index, and what the index says it holds. */
function measure(fill: (index: BTreeIndex) => void): { grown: number; estimate: number; index: BTreeIndex } {
  const before = heap();
  const index = new BTreeIndex();
  fill(index);
  return { grown: heap() - before, estimate: index.sizeBytes(), index };
}

/** A 16-byte key for `n`, written into one reused buffer (the index copies keys). */
function keyOf(n: number, buffer: Uint8Array): Uint8Array {
  const view = new DataView(buffer.buffer);
  view.setUint32(0, Math.imul(n, 0x9e3779b1) >>> 0);
  view.setUint32(4, n);
  view.setUint32(8, n ^ 0x5bd1e995);
  view.setUint32(12, 0xffffffff - n);
  return buffer;
}

describe('sizeBytes', () => {
  it('runs with a garbage collector on demand (vitest.config.ts passes --expose-gc)', () => {
    expect(gc).toBeTypeOf('function');
  });

  it('is within 2x of the measured heap growth for 1M pairs over 100k keys, inserted one by one', () => {
    const buffer = new Uint8Array(16);
    const { grown, estimate, index } = measure((index) => {
      for (let i = 0; i < PAIRS; i++) {
        const rowId = (i * 7919) % PAIRS;
        index.insert(keyOf(rowId % 100_000, buffer), rowId);
      }
    });
    expect(index.size).toBe(PAIRS);
    expect(estimate).toBeGreaterThan(grown / 2);
    expect(estimate).toBeLessThan(grown * 2);
  }, 60_000);

  it('is within 2x of the measured heap growth for 1M pairs with unique keys, bulk-loaded, and row ids past 2^31', () => {
    const buffer = new Uint8Array(16);
    const { grown, estimate, index } = measure((index) => {
      index.build(1, 1, {
        *[Symbol.iterator]() {
          for (let i = 0; i < PAIRS; i++) yield [2 ** 32 + i, keyOf(i, buffer)] as const;
        },
      });
    });
    expect(index.size).toBe(PAIRS);
    expect(estimate).toBeGreaterThan(grown / 2);
    expect(estimate).toBeLessThan(grown * 2);
  }, 60_000);

  it('follows the contents down to 0 as pairs are deleted', () => {
    const buffer = new Uint8Array(16);
    const index = new BTreeIndex();
    for (let i = 0; i < 200_000; i++) index.insert(keyOf(i % 20_000, buffer), i);
    const full = index.sizeBytes();
    for (let i = 0; i < 200_000; i += 2) index.delete(keyOf(i % 20_000, buffer), i);
    expect(index.sizeBytes()).toBeLessThan(full * 0.75);
    for (let i = 1; i < 200_000; i += 2) index.delete(keyOf(i % 20_000, buffer), i);
    expect(index.size).toBe(0);
    expect(index.sizeBytes()).toBe(0);
  }, 60_000);

  it('shutdown gives the memory back', () => {
    const buffer = new Uint8Array(16);
    const before = heap();
    const index = new BTreeIndex();
    for (let i = 0; i < 200_000; i++) index.insert(keyOf(i % 20_000, buffer), i);
    const loaded = heap() - before;
    expect(loaded).toBeGreaterThan(200_000 * 8);
    index.shutdown();
    // The instance stays referenced; only what it held may go.
    expect(heap() - before).toBeLessThan(loaded * 0.05);
  }, 60_000);
});
