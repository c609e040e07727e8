import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { type Entry, type IterateOptions, MemoryStorage } from '../src/index.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

async function filled(keys: readonly string[]): Promise<MemoryStorage> {
  const store = new MemoryStorage();
  for (const key of keys) await store.put(1, utf8(key), utf8(key.toUpperCase()), 0);
  return store;
}

async function walk(iterator: AsyncIterableIterator<Entry>): Promise<string[]> {
  const out: string[] = [];
  for await (const [key, value] of iterator) out.push(`${text(key)}=${text(value)}`);
  return out;
}

describe('iterate is a snapshot', () => {
  it('at the default batch size, yields what the store held at the call: no deleted, new or overwritten entry leaks in', async () => {
    const store = await filled(['b', 'd', 'f', 'h']);
    const seen: string[] = [];
    const iterator = store.iterate(1);
    await store.put(1, utf8('c'), utf8('before first next'), 0);
    for await (const [key, value] of iterator) {
      seen.push(`${text(key)}=${text(value)}`);
      if (text(key) === 'b') {
        await store.delete(1, utf8('f'), 0);
        await store.put(1, utf8('e'), utf8('new ahead'), 0);
        await store.put(1, utf8('h'), utf8('overwritten'), 0);
        await store.put(2, utf8('x'), utf8('other table'), 0);
      }
    }
    expect(seen).toEqual(['b=B', 'd=D', 'f=F', 'h=H']);
    // The store itself moved on.
    expect(await walk(store.iterate(1))).toEqual(['b=B', 'c=before first next', 'd=D', 'e=new ahead', 'h=overwritten']);
  });

  it('sees a table created or emptied after the call as it was at the call', async () => {
    const store = await filled(['a', 'b']);
    const before = store.iterate(3);
    const whole = store.iterate(1, { reverse: true });
    await store.put(3, utf8('x'), utf8('y'), 0);
    await store.delete(1, utf8('a'), 0);
    await store.delete(1, utf8('b'), 0);
    await store.compact();
    expect(await walk(before)).toEqual([]);
    expect(await walk(whole)).toEqual(['b=B', 'a=A']);
  });

  it('copies its options at the call: reusing the start and end buffers afterwards changes nothing', async () => {
    const store = await filled(['a', 'b', 'c', 'd', 'e']);
    const start = utf8('b');
    const end = utf8('d');
    const options: { start: Uint8Array; end: Uint8Array; limit: number } = { start, end, limit: 10 };
    const iterator = store.iterate(1, options);
    start[0] = 'a'.charCodeAt(0);
    end[0] = 'e'.charCodeAt(0);
    options.limit = 1;
    expect(await walk(iterator)).toEqual(['b=B', 'c=C']);
  });

  it('refuses unknown options (a typo, an array) by rejecting the first next()', async () => {
    const store = await filled(['a']);
    const bad: unknown[] = [{ revers: true }, { lt: utf8('b') }, [], { batchSize: -1 }];
    for (const options of bad) {
      await expect(store.iterate(1, options as IterateOptions).next()).rejects.toThrow(/option|batchSize/);
    }
    await expect(store.iterate(1, { revers: true } as IterateOptions).next()).rejects.toThrow(/revers/);
    await expect(store.iterate(1, { batchSize: -1 }).next()).rejects.toThrow(
      'options.batchSize must be a positive integer',
    );
    await expect(store.iterate(1, { batchSize: Infinity }).next()).rejects.toThrow(
      'options.batchSize must be a positive integer',
    );
  });

  it('lets the event loop run between batches: a 1 ms timer fires during a 300k-entry walk', async () => {
    const store = new MemoryStorage();
    const entries = 300_000;
    const value = new Uint8Array(8);
    const key = new Uint8Array(4);
    const view = new DataView(key.buffer);
    for (let i = 0; i < entries; i++) {
      view.setUint32(0, i);
      await store.put(1, key, value, 0);
    }
    let fired = 0;
    const timer = setInterval(() => fired++, 1);
    let count = 0;
    for await (const _ of store.iterate(1)) count++;
    clearInterval(timer);
    expect(count).toBe(entries);
    expect(fired).toBeGreaterThan(0);
  }, 60_000);

  it('return() releases the snapshot: overwritten values it held become collectable', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heldAfter = async (release: boolean): Promise<number> => {
      const store = new MemoryStorage();
      const value = new Uint8Array(4096);
      for (let i = 0; i < 4000; i++) await store.put(1, utf8(`k${i}`), value.fill(i & 255), 0);
      const iterator = store.iterate(1);
      await iterator.next();
      // Overwrite everything: only the snapshot still holds the old 16 MB.
      const other = new Uint8Array(16);
      for (let i = 0; i < 4000; i++) await store.put(1, utf8(`k${i}`), other, 0);
      if (release) await iterator.return?.();
      gc();
      gc();
      const used = process.memoryUsage().heapUsed;
      // Keep both alive until measured.
      expect(store.stats().keyCount).toBe(4000);
      expect(iterator).toBeDefined();
      return used;
    };
    const kept = await heldAfter(false);
    const released = await heldAfter(true);
    expect(kept - released).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('after return(), next() is done and writes go on', async () => {
    const store = await filled(['a', 'b', 'c']);
    const iterator = store.iterate(1, { batchSize: 1 });
    expect(text((await iterator.next()).value?.[0])).toBe('a');
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect((await iterator.next()).done).toBe(true);
    await store.put(1, utf8('d'), utf8('D'), 0);
    expect(await walk(store.iterate(1))).toEqual(['a=A', 'b=B', 'c=C', 'd=D']);
  });
});
