import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES, MemoryStorage } from '../src/index.js';

const EMPTY = new Uint8Array(0);
const MIB = 1024 * 1024;
// V8's longest string: the limit a binary-string store must not leak.
const V8_STRING_MAX = 2 ** 29 - 24;

describe('sizes', () => {
  it('documents maxima at or above the contract minimums (keys 1 KiB, values 16 MiB)', () => {
    expect(MAX_KEY_BYTES).toBeGreaterThanOrEqual(1024);
    expect(MAX_VALUE_BYTES).toBeGreaterThanOrEqual(16 * MIB);
  });

  it('stores a key and a value of exactly the maximum size', async () => {
    const s = new MemoryStorage();
    const key = new Uint8Array(MAX_KEY_BYTES).fill(7);
    const value = new Uint8Array(16 * MIB).fill(9);
    await s.put(1, key, value, 0);
    const got = (await s.get(1, key)) as Uint8Array;
    expect(got.length).toBe(value.length);
    expect(got[got.length - 1]).toBe(9);
    expect((await s.scan(1, key, EMPTY, 1))[0]?.[0].length).toBe(MAX_KEY_BYTES);
  });

  it('refuses a larger key or value with a RangeError naming it, before anything changes', async () => {
    const s = new MemoryStorage();
    await s.put(1, new Uint8Array([1]), new Uint8Array([2]), 0);
    const before = s.stats();
    const tooLongKey = new Uint8Array(MAX_KEY_BYTES + 1);
    const huge = new Uint8Array(V8_STRING_MAX); // never written to: the pages are never touched
    await expect(s.put(1, tooLongKey, EMPTY, 0)).rejects.toThrow(RangeError);
    await expect(s.put(1, tooLongKey, EMPTY, 0)).rejects.toThrow(/key/);
    await expect(s.put(1, huge, EMPTY, 0)).rejects.toThrow(/key.*bytes/);
    await expect(s.put(1, EMPTY, huge, 0)).rejects.toThrow(RangeError);
    await expect(s.put(1, EMPTY, huge, 0)).rejects.toThrow(/value.*bytes/);
    await expect(s.put(1, EMPTY, new Uint8Array(MAX_VALUE_BYTES + 1), 0)).rejects.toThrow(/value/);
    await expect(s.get(1, huge)).rejects.toThrow(/key/);
    await expect(s.delete(1, huge, 0)).rejects.toThrow(/key/);
    await expect(s.scan(1, huge, EMPTY, 1)).rejects.toThrow(/start/);
    await expect(s.scan(1, EMPTY, huge, 1)).rejects.toThrow(/end/);
    await expect(s.batch([{ type: 'put', table: 1, key: EMPTY, value: huge }], 0)).rejects.toThrow(/value/);
    await expect(s.iterate(1, { start: huge }).next()).rejects.toThrow(/start/);
    expect(s.stats()).toEqual(before);
  });

  it('returns results larger than the longest string: eight 64 MiB values (past 2^29 - 24 bytes) through scan and iterate', async () => {
    const s = new MemoryStorage();
    const value = new Uint8Array(64 * MIB);
    for (let i = 0; i < 8; i++) {
      value.fill(i + 1);
      await s.put(1, new Uint8Array([i]), value, 0);
    }
    const check = (entries: Array<[Uint8Array, Uint8Array]>) => {
      expect(entries.map(([k]) => k[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      for (const [k, v] of entries) {
        expect(v.length).toBe(64 * MIB);
        expect(v[0]).toBe((k[0] as number) + 1);
        expect(v[v.length - 1]).toBe((k[0] as number) + 1);
      }
    };
    check(await s.scan(1, EMPTY, EMPTY, Infinity));
    const walked: Array<[Uint8Array, Uint8Array]> = [];
    for await (const entry of s.iterate(1)) walked.push(entry);
    check(walked);
    await s.shutdown();
  }, 180_000);
});
