import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isKernelError, isPluginModule, loadPlugin, PluginManager } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import plugin, {
  type Entry,
  type IterateOptions,
  MemoryStorage,
  type MemoryStorageOptions,
  VERSION,
} from '../src/index.js';

const EMPTY = new Uint8Array(0);
const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));
const texts = (entries: readonly Entry[]) => entries.map(([k, v]) => `${text(k)}=${text(v)}`);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

async function filled(keys: readonly string[], table = 1): Promise<MemoryStorage> {
  const store = new MemoryStorage();
  await store.init();
  for (const key of keys) await store.put(table, utf8(key), utf8(key.toUpperCase()), 0);
  return store;
}

/** Every table's entries as text, plus the stats: what "identical afterwards" compares. */
async function snapshot(store: MemoryStorage, tables: readonly number[]): Promise<unknown> {
  const contents: Record<number, string[]> = {};
  for (const table of tables) contents[table] = texts(await store.scan(table, EMPTY, EMPTY, Infinity));
  return { contents, stats: store.stats() };
}

async function walk(iterator: AsyncIterable<Entry>): Promise<string[]> {
  const out: Entry[] = [];
  for await (const entry of iterator) out.push(entry);
  return texts(out);
}

describe('plugin module and options', () => {
  it('the default export is a plugin module for the storage capability', () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.capability).toBe('storage');
    expect(plugin.create({ name: 'x' })).toBeInstanceOf(MemoryStorage);
  });

  it("loadPlugin('@sochdb/storage-memory') makes a storage a PluginManager registers and uses", async () => {
    const storage = await loadPlugin('@sochdb/storage-memory', { name: 'main-store' }, packageDir);
    const manager = new PluginManager();
    await manager.register(storage);
    const active = manager.storage();
    expect(active?.info.name).toBe('main-store');
    await active?.put(3, utf8('k'), utf8('v'), 1);
    expect(text(await active?.get(3, utf8('k')))).toBe('v');
    await manager.shutdownAll();
    await expect(storage && (storage as MemoryStorage).get(3, utf8('k'))).rejects.toMatchObject({
      code: ErrorCode.CLOSED,
    });
  });

  it('info carries the name, the package version and the storage capability', () => {
    const store = new MemoryStorage({ name: 'cache' });
    expect(store.info).toMatchObject({ name: 'cache', version: VERSION, capabilities: ['storage'] });
    expect(new MemoryStorage().info.name).toBe('memory-storage');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });

  it('refuses a name that is not a non-empty string', () => {
    expect(() => new MemoryStorage({ name: '' })).toThrow(/options\.name/);
    expect(() => new MemoryStorage({ name: 5 as unknown as string })).toThrow(TypeError);
    expect(() => new MemoryStorage(null as unknown as MemoryStorageOptions)).toThrow(/options must be an object/);
  });
});

describe('scan', () => {
  it('hands out arrays that do not share bytes: writing one leaves the others and the store alone', async () => {
    const store = await filled(['a', 'b', 'c']);
    const first = await store.scan(1, EMPTY, EMPTY, Infinity);
    for (const [k, v] of first) {
      k.fill(0x7a);
      v.fill(0x7a);
    }
    const second = await store.scan(1, EMPTY, EMPTY, Infinity);
    expect(texts(second)).toEqual(['a=A', 'b=B', 'c=C']);
    expect(first.map(([k]) => text(k))).toEqual(['z', 'z', 'z']);
  });

  it('reads keys with every byte value in unsigned order, 0x80 after 0x7f', async () => {
    const store = new MemoryStorage();
    for (let b = 255; b >= 0; b--) await store.put(0, bytes(b), bytes(b), 0);
    const keys = (await store.scan(0, EMPTY, EMPTY, Infinity)).map(([k]) => k[0]);
    expect(keys).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });
});

describe('scanReverse', () => {
  it('walks [start, end) from the top down, with the same bounds as scan', async () => {
    const store = await filled(['a', 'b', 'ba', 'c', 'd']);
    expect(texts(await store.scanReverse(1, utf8('b'), utf8('d'), Infinity))).toEqual(['c=C', 'ba=BA', 'b=B']);
    expect(texts(await store.scanReverse(1, EMPTY, EMPTY, 2))).toEqual(['d=D', 'c=C']);
    expect(texts(await store.scanReverse(1, utf8('b'), utf8('b'), Infinity))).toEqual([]);
    expect(texts(await store.scanReverse(1, utf8('bb'), utf8('c'), Infinity))).toEqual([]);
    expect(texts(await store.scanReverse(1, EMPTY, utf8('ba'), 10))).toEqual(['b=B', 'a=A']);
    expect(texts(await store.scanReverse(2, EMPTY, EMPTY, 10))).toEqual([]);
  });

  it('checks its arguments like scan does', async () => {
    const store = await filled(['a']);
    await expect(store.scanReverse(1, utf8('b'), utf8('a'), 1)).rejects.toThrow(RangeError);
    await expect(store.scanReverse(1, EMPTY, EMPTY, -1)).rejects.toThrow(/limit/);
    await expect(store.scanReverse(-1, EMPTY, EMPTY, 1)).rejects.toThrow(/table/);
  });
});

describe('iterate', () => {
  it('walks a range ascending or descending, across many batches, with a limit', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(4, '0')}`);
    const store = await filled(keys);
    const all = keys.map((k) => `${k}=${k.toUpperCase()}`);
    expect(await walk(store.iterate(1))).toEqual(all);
    expect(await walk(store.iterate(1, { batchSize: 7 }))).toEqual(all);
    expect(await walk(store.iterate(1, { reverse: true, batchSize: 3 }))).toEqual(all.slice().reverse());
    expect(await walk(store.iterate(1, { start: utf8('k0100'), end: utf8('k0110'), batchSize: 4 }))).toEqual(
      all.slice(100, 110),
    );
    expect(await walk(store.iterate(1, { start: utf8('k0100'), limit: 5, reverse: true }))).toEqual(
      all.slice(-5).reverse(),
    );
    expect(await walk(store.iterate(1, { limit: 0 }))).toEqual([]);
    expect(await walk(store.iterate(9))).toEqual([]);
  });

  it('copies at most batchSize entries per step, so breaking early leaves the rest untouched', async () => {
    const store = await filled(Array.from({ length: 100 }, (_, i) => `k${i}`));
    const iterator = store.iterate(1, { batchSize: 2 });
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect((await iterator.next()).done).toBe(true);
  });

  it('reports bad arguments by rejecting the first next(), never by throwing from iterate()', async () => {
    const store = await filled(['a']);
    const bad: Array<[unknown, unknown, RegExp]> = [
      [-1, {}, /table/],
      [1, { start: 'a' }, /start/],
      [1, { end: [1] }, /end/],
      [1, { start: utf8('b'), end: utf8('a') }, /start must not sort after end/],
      [1, { limit: -2 }, /limit/],
      [1, { limit: Number.NaN }, /limit/],
      [1, { batchSize: 0 }, /batchSize/],
      [1, { batchSize: 1.5 }, /batchSize/],
      [1, { reverse: 'yes' }, /reverse/],
      [1, null, /options/],
    ];
    for (const [table, options, message] of bad) {
      const iterator = store.iterate(table as number, options as IterateOptions);
      await expect(iterator.next()).rejects.toThrow(message);
    }
  });

  it('rejects next() with SOCHDB_CLOSED when the storage shuts down mid-walk', async () => {
    const store = await filled(['a', 'b', 'c', 'd']);
    const iterator = store.iterate(1, { batchSize: 2 });
    expect(text((await iterator.next()).value?.[0])).toBe('a');
    await store.shutdown();
    await expect(iterator.next()).rejects.toMatchObject({ kind: 'io', code: ErrorCode.CLOSED });
  });
});

describe('stats, flush, compact', () => {
  it('counts key and value bytes and keys over all tables through overwrites and deletes', async () => {
    const store = new MemoryStorage();
    await store.put(1, utf8('ab'), utf8('xyz'), 0);
    await store.put(2, EMPTY, EMPTY, 0);
    expect(store.stats()).toEqual({ bytesStored: 5, keyCount: 2, pendingCompactionBytes: 0, writeAmplification: 1 });
    await store.put(1, utf8('ab'), utf8('x'), 0);
    expect(store.stats()).toMatchObject({ bytesStored: 3, keyCount: 2 });
    await store.delete(1, utf8('ab'), 0);
    await store.delete(1, utf8('ab'), 0);
    expect(store.stats()).toMatchObject({ bytesStored: 0, keyCount: 1 });
  });

  it('compact keeps every entry and the store keeps working after it', async () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `key-${(i * 7919) % 3000}`);
    const store = await filled(keys);
    for (let i = 0; i < 3000; i += 3) await store.delete(1, utf8(`key-${i}`), 0);
    await store.put(2, utf8('x'), utf8('y'), 0);
    await store.delete(2, utf8('x'), 0);
    const before = await snapshot(store, [1, 2]);
    await store.compact();
    expect(await snapshot(store, [1, 2])).toEqual(before);
    await store.put(1, utf8('key-0'), utf8('again'), 0);
    await store.put(2, utf8('x'), utf8('y'), 0);
    expect(text(await store.get(1, utf8('key-0')))).toBe('again');
    expect(text(await store.get(2, utf8('x')))).toBe('y');
    await expect(store.flush()).resolves.toBeUndefined();
  });
});

describe('bad input changes nothing', () => {
  it('every bad call rejects (never throws) with an error naming the argument, and the store is identical afterwards', async () => {
    const store = await filled(['a', 'b', 'c']);
    await store.put(2, utf8('x'), utf8('y'), 0);
    const before = await snapshot(store, [1, 2]);
    const notBytes = ['a', [1], null, undefined, 5, new Uint16Array(1), new ArrayBuffer(1)];
    const badTables: Array<[unknown, ErrorConstructor]> = [
      [-1, RangeError],
      [2 ** 32, RangeError],
      [1.5, RangeError],
      [Number.NaN, RangeError],
      ['1', TypeError],
      [null, TypeError],
    ];
    const badTxns: Array<[unknown, ErrorConstructor]> = [
      [-1, RangeError],
      [2 ** 53, RangeError],
      [0.5, RangeError],
      ['0', TypeError],
    ];
    const badLimits: Array<[unknown, ErrorConstructor]> = [
      [-1, RangeError],
      [Number.NaN, RangeError],
      [1.5, RangeError],
      [Number.NEGATIVE_INFINITY, RangeError],
      ['10', TypeError],
    ];
    type Call = () => Promise<unknown>;
    const calls: Array<[string, Call, ErrorConstructor, RegExp]> = [];
    const s = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const k = utf8('a');
    const v = utf8('new');
    for (const [table, type] of badTables) {
      calls.push(['get table', () => s.get?.(table, k) as Promise<unknown>, type, /table/]);
      calls.push(['put table', () => s.put?.(table, k, v, 0) as Promise<unknown>, type, /table/]);
      calls.push(['delete table', () => s.delete?.(table, k, 0) as Promise<unknown>, type, /table/]);
      calls.push(['scan table', () => s.scan?.(table, EMPTY, EMPTY, 1) as Promise<unknown>, type, /table/]);
      calls.push([
        'scanReverse table',
        () => s.scanReverse?.(table, EMPTY, EMPTY, 1) as Promise<unknown>,
        type,
        /table/,
      ]);
    }
    for (const bad of notBytes) {
      calls.push(['get key', () => s.get?.(1, bad) as Promise<unknown>, TypeError, /key/]);
      calls.push(['put key', () => s.put?.(1, bad, v, 0) as Promise<unknown>, TypeError, /key/]);
      calls.push(['put value', () => s.put?.(1, k, bad, 0) as Promise<unknown>, TypeError, /value/]);
      calls.push(['delete key', () => s.delete?.(1, bad, 0) as Promise<unknown>, TypeError, /key/]);
      calls.push(['scan start', () => s.scan?.(1, bad, EMPTY, 1) as Promise<unknown>, TypeError, /start/]);
      calls.push(['scan end', () => s.scan?.(1, EMPTY, bad, 1) as Promise<unknown>, TypeError, /end/]);
    }
    for (const [txn, type] of badTxns) {
      calls.push(['put txn', () => s.put?.(1, k, v, txn) as Promise<unknown>, type, /txn/]);
      calls.push(['delete txn', () => s.delete?.(1, k, txn) as Promise<unknown>, type, /txn/]);
    }
    for (const [limit, type] of badLimits) {
      calls.push(['scan limit', () => s.scan?.(1, EMPTY, EMPTY, limit) as Promise<unknown>, type, /limit/]);
      calls.push([
        'scanReverse limit',
        () => s.scanReverse?.(1, EMPTY, EMPTY, limit) as Promise<unknown>,
        type,
        /limit/,
      ]);
    }
    calls.push(['scan start > end', () => store.scan(1, utf8('b'), utf8('a'), 1), RangeError, /start/]);
    for (const [what, call, type, message] of calls) {
      let promise: Promise<unknown> | undefined;
      expect(() => {
        promise = call();
      }, what).not.toThrow();
      const error = await (promise as Promise<unknown>).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, what).toBeInstanceOf(type);
      expect((error as Error).message, what).toMatch(message);
    }
    expect(await snapshot(store, [1, 2])).toEqual(before);
  });
});

describe('after shutdown', () => {
  it('every call rejects (stats throws) with a KernelError of kind io coded SOCHDB_CLOSED, bad arguments included', async () => {
    const store = await filled(['a']);
    await store.shutdown();
    const calls: Array<[string, () => unknown]> = [
      ['init', () => store.init()],
      ['get', () => store.get(1, utf8('a'))],
      ['put', () => store.put(1, utf8('a'), utf8('b'), 0)],
      ['delete', () => store.delete(1, utf8('a'), 0)],
      ['scan', () => store.scan(1, EMPTY, EMPTY, 1)],
      ['scanReverse', () => store.scanReverse(1, EMPTY, EMPTY, 1)],
      ['iterate', () => store.iterate(1).next()],
      ['flush', () => store.flush()],
      ['compact', () => store.compact()],
      ['get with a bad table', () => store.get(-1, utf8('a'))],
    ];
    for (const [what, call] of calls) {
      const error = await (call() as Promise<unknown>).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKernelError(error), what).toBe(true);
      expect(error, what).toMatchObject({ kind: 'io', code: ErrorCode.CLOSED });
      expect((error as Error).message, what).toContain(what.split(' ')[0]);
    }
    expect(() => store.stats()).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
    await expect(store.shutdown()).resolves.toBeUndefined();
  });

  it('gives the memory back', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'run with node --expose-gc (vitest.config.ts passes it)').toBeTypeOf('function');
    const heap = () => {
      gc?.();
      gc?.();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    const store = new MemoryStorage();
    const value = new Uint8Array(200).fill(7);
    const key = new Uint8Array(8);
    const view = new DataView(key.buffer);
    for (let i = 0; i < 100_000; i++) {
      view.setUint32(0, i);
      await store.put(i % 4, key, value, 0);
    }
    const grown = heap() - before;
    expect(grown).toBeGreaterThan(100_000 * 200);
    await store.shutdown();
    // The instance itself stays referenced; only what it held may go.
    expect(heap() - before).toBeLessThan(grown * 0.05);
    expect(store.info.name).toBe('memory-storage');
  });
});
