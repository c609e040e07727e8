import { describe, expect, it } from 'vitest';
import { SpanTable } from '../src/span-table.js';

// The ring has 1024 slots: these tests cross it, so spans live in both the
// ring and the overflow, and check the table against a plain Map as the model.
describe('SpanTable (the manager’s open spans)', () => {
  it('agrees with a Map under random starts and ends, across the ring and the overflow', () => {
    const table = new SpanTable<string>();
    const model = new Map<number, string>();
    let next = 1;
    let state = 12345;
    const random = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    const open: number[] = [];
    for (let step = 0; step < 50_000; step++) {
      // Keep between a few and a few thousand spans open, some for a long time.
      if (open.length < 5 || random() < (open.length > 3000 ? 0.3 : 0.55)) {
        const id = next++;
        table.add(id, `span ${id}`);
        model.set(id, `span ${id}`);
        open.push(id);
      } else {
        const [id] = open.splice(Math.floor(random() ** 3 * open.length), 1) as [number];
        expect(table.delete(id)).toBe(true);
        model.delete(id);
        expect(table.delete(id)).toBe(false);
        expect(table.get(id)).toBeUndefined();
      }
      if (step % 997 === 0) {
        expect(table.size).toBe(model.size);
        for (const id of open) expect(table.get(id)).toBe(model.get(id));
        expect([...table.values()].sort()).toEqual([...model.values()].sort());
        expect(table.oldest()?.[0]).toBe(Math.min(...open));
      }
    }
  });

  it('oldest() follows the ids as the oldest spans end, whether they sit in the ring or were displaced', () => {
    const table = new SpanTable<number>();
    for (let id = 1; id <= 3000; id++) table.add(id, id);
    for (let expected = 1; expected <= 3000; expected++) {
      expect(table.oldest()).toEqual([expected, expected]);
      table.delete(expected);
    }
    expect(table.oldest()).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('finds ids past 2^32 (low bits of any safe integer), and clear() forgets everything', () => {
    const table = new SpanTable<string>();
    const big = 2 ** 40 + 7;
    table.add(big, 'big');
    table.add(big + 1024, 'next lap');
    expect(table.get(big)).toBe('big');
    expect(table.get(big + 1024)).toBe('next lap');
    expect(table.get(7)).toBeUndefined();
    expect(table.size).toBe(2);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get(big + 1024)).toBeUndefined();
    expect([...table.values()]).toEqual([]);
  });
});
