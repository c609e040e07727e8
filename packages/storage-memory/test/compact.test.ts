import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../src/index.js';

const EMPTY = new Uint8Array(0);

describe('compact', () => {
  it('lets the event loop run: a 1 ms timer fires while 300k entries are repacked', async () => {
    const store = new MemoryStorage();
    const key = new Uint8Array(4);
    const view = new DataView(key.buffer);
    const value = new Uint8Array(8);
    for (let i = 0; i < 300_000; i++) {
      view.setUint32(0, (i * 7919) % 300_000);
      await store.put(1, key, value, 0);
    }
    let fired = 0;
    const timer = setInterval(() => fired++, 1);
    await store.compact();
    clearInterval(timer);
    expect(fired).toBeGreaterThan(0);
    expect(store.stats().keyCount).toBe(300_000);
    expect((await store.scan(1, EMPTY, EMPTY, Infinity)).length).toBe(300_000);
  }, 60_000);

  it('loses no write made while it runs, and two calls share one run', async () => {
    const store = new MemoryStorage();
    const key = new Uint8Array(4);
    const view = new DataView(key.buffer);
    for (let i = 0; i < 100_000; i++) {
      view.setUint32(0, i * 2);
      await store.put(1, key, key, 0);
    }
    const first = store.compact();
    const second = store.compact();
    // Written while the first slices run.
    for (let i = 0; i < 1000; i++) {
      view.setUint32(0, i * 2 + 1);
      await store.put(1, key, key, 0);
      view.setUint32(0, i * 2);
      await store.delete(1, key, 0);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([first, second]);
    const all = await store.scan(1, EMPTY, EMPTY, Infinity);
    expect(all.length).toBe(100_000);
    expect(store.stats().keyCount).toBe(100_000);
    for (let i = 0; i < 1000; i++) {
      view.setUint32(0, i * 2 + 1);
      expect(await store.get(1, key)).toEqual(key);
      view.setUint32(0, i * 2);
      expect(await store.get(1, key)).toBeUndefined();
    }
  }, 60_000);
});
