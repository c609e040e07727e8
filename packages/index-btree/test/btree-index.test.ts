import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isKernelError, isPluginModule, loadPlugin, PluginManager } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import plugin, { BTreeIndex, type BTreeIndexOptions, VERSION } from '../src/index.js';

const EMPTY = new Uint8Array(0);
const utf8 = (text: string) => new TextEncoder().encode(text);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Everything observable about the index's contents: what "identical afterwards" compares. */
function snapshot(index: BTreeIndex): unknown {
  return {
    all: index.range(EMPTY, EMPTY, Infinity),
    a: index.lookup(utf8('a')),
    b: index.lookup(utf8('b')),
    size: index.size,
    sizeBytes: index.sizeBytes(),
    table: index.table,
    column: index.column,
  };
}

describe('plugin module and options', () => {
  it('the default export is a plugin module for the index capability', () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.capability).toBe('index');
    expect(plugin.create()).toBeInstanceOf(BTreeIndex);
  });

  it("loadPlugin('@sochdb/index-btree') makes an index a PluginManager registers under its name", async () => {
    const index = await loadPlugin('@sochdb/index-btree', { name: 'by-email' }, packageDir);
    const manager = new PluginManager();
    await manager.register(index);
    expect(manager.listIndexTypes()).toEqual(['btree']);
    const registered = manager.index('by-email');
    registered?.insert(utf8('x@example.org'), 42);
    expect(registered?.lookup(utf8('x@example.org'))).toEqual([42]);
    await manager.shutdownAll();
    expect(() => (index as BTreeIndex).lookup(utf8('x'))).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
  });

  it('info carries the name, the package version and the index capability; indexType is btree', () => {
    const index = new BTreeIndex({ name: 'orders_by_date' });
    expect(index.info).toMatchObject({ name: 'orders_by_date', version: VERSION, capabilities: ['index'] });
    expect(index.indexType).toBe('btree');
    expect(new BTreeIndex().info.name).toBe('btree-index');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect('nearest' in index).toBe(false);
  });

  it('refuses a name that is not a non-empty string', () => {
    expect(() => new BTreeIndex({ name: '' })).toThrow(/options\.name/);
    expect(() => new BTreeIndex(7 as unknown as BTreeIndexOptions)).toThrow(/options must be an object/);
  });
});

describe('insert, delete, lookup, range', () => {
  it('keeps row ids per key ascending, ignores a repeated pair, and reports whether a delete found the pair', () => {
    const index = new BTreeIndex();
    for (const rowId of [5, 1, 9, 1, 3]) index.insert(utf8('a'), rowId);
    index.insert(utf8('b'), 2);
    expect(index.lookup(utf8('a'))).toEqual([1, 3, 5, 9]);
    expect(index.size).toBe(5);
    expect(index.delete(utf8('a'), 4)).toBe(false);
    expect(index.delete(utf8('a'), 3)).toBe(true);
    expect(index.delete(utf8('a'), 3)).toBe(false);
    expect(index.delete(utf8('c'), 1)).toBe(false);
    expect(index.lookup(utf8('a'))).toEqual([1, 5, 9]);
    expect(index.range(EMPTY, EMPTY, Infinity)).toEqual([1, 5, 9, 2]);
    expect(index.lookup(utf8('zz'))).toEqual([]);
  });

  it('holds row ids across the whole safe range, past the small-integer boundary', () => {
    const index = new BTreeIndex();
    const rows = [Number.MAX_SAFE_INTEGER, 2 ** 31, 2 ** 31 - 1, 0, 2 ** 40];
    for (const rowId of rows) index.insert(utf8('k'), rowId);
    expect(index.lookup(utf8('k'))).toEqual(rows.slice().sort((a, b) => a - b));
    index.insert(utf8('single'), Number.MAX_SAFE_INTEGER);
    expect(index.lookup(utf8('single'))).toEqual([Number.MAX_SAFE_INTEGER]);
  });

  it('orders keys unsigned bytewise, the empty key first and a prefix before its extensions', () => {
    const index = new BTreeIndex();
    const keys = [[0xff], [0x80], [0x7f], [0x00, 0x00], [0x00], [], [0x7f, 0xff]].map((k) => Uint8Array.from(k));
    keys.forEach((key, rowId) => {
      index.insert(key, rowId);
    });
    // [] 5, [00] 4, [00 00] 3, [7f] 2, [7f ff] 6, [80] 1, [ff] 0
    expect(index.range(EMPTY, EMPTY, Infinity)).toEqual([5, 4, 3, 2, 6, 1, 0]);
    expect(index.range(Uint8Array.of(0x00), Uint8Array.of(0x7f), Infinity)).toEqual([4, 3]);
    expect(index.range(Uint8Array.of(0x7f), Uint8Array.of(0x7f), Infinity)).toEqual([]);
    expect(index.range(Uint8Array.of(0x7f), EMPTY, 2)).toEqual([2, 6]);
  });

  it('range stops at limit in the middle of a key, and limit 0 returns nothing', () => {
    const index = new BTreeIndex();
    for (let rowId = 0; rowId < 10; rowId++) index.insert(utf8('a'), rowId);
    for (let rowId = 0; rowId < 1000; rowId++) index.insert(utf8('b'), rowId);
    expect(index.range(EMPTY, EMPTY, 3)).toEqual([0, 1, 2]);
    expect(index.range(EMPTY, EMPTY, 12)).toEqual([...Array.from({ length: 10 }, (_, i) => i), 0, 1]);
    expect(index.range(utf8('b'), EMPTY, 600)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(index.range(EMPTY, EMPTY, 0)).toEqual([]);
  });

  it('shares no buffers or arrays with the caller', () => {
    const index = new BTreeIndex();
    const key = utf8('key');
    index.insert(key, 1);
    index.insert(key, 2);
    key.fill(0);
    expect(index.lookup(utf8('key'))).toEqual([1, 2]);
    const found = index.lookup(utf8('key'));
    found.push(99);
    found[0] = 7;
    expect(index.lookup(utf8('key'))).toEqual([1, 2]);
    const ranged = index.range(EMPTY, EMPTY, Infinity);
    ranged.length = 0;
    expect(index.range(EMPTY, EMPTY, Infinity)).toEqual([1, 2]);
  });
});

describe('build', () => {
  it('replaces the contents, drops repeated pairs, and records the table and column', () => {
    const index = new BTreeIndex();
    expect(index.table).toBeUndefined();
    index.insert(utf8('old'), 1);
    index.build(4, 2, [
      [3, utf8('b')],
      [1, utf8('a')],
      [2, utf8('b')],
      [3, utf8('b')],
      [0, EMPTY],
    ]);
    expect(index.lookup(utf8('old'))).toEqual([]);
    expect(index.range(EMPTY, EMPTY, Infinity)).toEqual([0, 1, 2, 3]);
    expect(index.size).toBe(4);
    expect([index.table, index.column]).toEqual([4, 2]);
    index.build(5, 0, []);
    expect(index.size).toBe(0);
    expect([index.table, index.column]).toEqual([5, 0]);
    index.insert(utf8('a'), 1);
    expect(index.lookup(utf8('a'))).toEqual([1]);
  });

  it('takes any iterable, reads it once, and copies the keys', () => {
    const index = new BTreeIndex();
    const shared = new Uint8Array(1);
    let reads = 0;
    function* rows(): Generator<readonly [number, Uint8Array]> {
      reads++;
      for (let i = 0; i < 2000; i++) {
        // One buffer reused for every pair, as a streaming reader would.
        shared[0] = i % 50;
        yield [i, shared];
      }
    }
    index.build(1, 1, rows());
    expect(reads).toBe(1);
    expect(index.lookup(Uint8Array.of(7))).toEqual(Array.from({ length: 40 }, (_, i) => 7 + 50 * i));
    expect(index.size).toBe(2000);
  });

  it('gives the same answers as inserting the pairs one by one, rows per key past 512 included', () => {
    const data: Array<[number, Uint8Array]> = [];
    for (let i = 0; i < 5000; i++) data.push([(i * 7919) % 5000, Uint8Array.of(i % 3, i % 7)]);
    for (let i = 0; i < 1500; i++) data.push([10_000 + ((i * 31) % 1500), utf8('hot')]);
    const built = new BTreeIndex();
    built.build(1, 1, data);
    const inserted = new BTreeIndex();
    for (const [rowId, key] of data) inserted.insert(key, rowId);
    expect(built.range(EMPTY, EMPTY, Infinity)).toEqual(inserted.range(EMPTY, EMPTY, Infinity));
    expect(built.lookup(utf8('hot'))).toEqual(inserted.lookup(utf8('hot')));
    expect(built.lookup(utf8('hot'))).toHaveLength(1500);
    expect(built.size).toBe(inserted.size);
    expect(built.delete(utf8('hot'), 10_000)).toBe(true);
    expect(built.lookup(utf8('hot'))).toHaveLength(1499);
  });

  it('groups and orders keys that share long prefixes, are prefixes of each other, or sit in views', () => {
    // Many distinct keys (the grouping table and key slab grow several times),
    // keys alike in their first bytes (ordered by the tie-break, not the packed
    // prefix), the empty key, 1- and 2-byte keys, 0x00 and 0xFF runs, and keys
    // handed in as Buffers and as views at an offset into a larger buffer.
    const keys: Uint8Array[] = [
      EMPTY,
      Uint8Array.of(0),
      Uint8Array.of(0, 0),
      Uint8Array.of(0xff),
      Uint8Array.of(0xff, 0xff),
    ];
    for (let i = 0; i < 3000; i++) keys.push(utf8(`user:${(i * 7919) % 3000}`));
    for (let i = 0; i < 300; i++) keys.push(Uint8Array.of(1, 2, 3, i & 0xff, i >> 8));
    for (let i = 0; i < 300; i++) keys.push(Uint8Array.of(1, 2, 3).subarray(0, i % 4));
    const data: Array<[number, Uint8Array]> = [];
    keys.forEach((key, i) => {
      data.push([i, key]);
      data.push([i + 100_000, Buffer.from(key)]);
      const backing = new Uint8Array(key.length + 16).fill(0xaa);
      backing.set(key, 7);
      data.push([i + 200_000, backing.subarray(7, 7 + key.length)]);
    });
    const built = new BTreeIndex();
    built.build(1, 1, data);
    const inserted = new BTreeIndex();
    for (const [rowId, key] of data) inserted.insert(key, rowId);
    expect(built.size).toBe(inserted.size);
    expect(built.range(EMPTY, EMPTY, Infinity)).toEqual(inserted.range(EMPTY, EMPTY, Infinity));
    for (const key of keys) expect(built.lookup(key)).toEqual(inserted.lookup(key));
    expect(built.range(utf8('user:1'), utf8('user:2'), Infinity)).toEqual(
      inserted.range(utf8('user:1'), utf8('user:2'), Infinity),
    );
    expect(built.sizeBytes()).toBe(inserted.sizeBytes());
  });
});

describe('bad input changes nothing', () => {
  function seeded(): BTreeIndex {
    const index = new BTreeIndex();
    index.build(3, 4, [
      [1, utf8('a')],
      [2, utf8('a')],
      [3, utf8('b')],
    ]);
    return index;
  }

  it('every bad call throws a TypeError or RangeError naming the argument, and the index is identical afterwards', () => {
    const index = seeded();
    const before = snapshot(index);
    const i = index as unknown as Record<string, (...args: unknown[]) => unknown>;
    const notBytes = ['a', [1], null, undefined, 1, new Uint16Array(1), new ArrayBuffer(2), { length: 0 }];
    const badRows: Array<[unknown, ErrorConstructor]> = [
      [-1, RangeError],
      [1.5, RangeError],
      [2 ** 53, RangeError],
      [Number.NaN, RangeError],
      [Number.POSITIVE_INFINITY, RangeError],
      ['1', TypeError],
      [1n, TypeError],
      [null, TypeError],
    ];
    const calls: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [];
    for (const bad of notBytes) {
      calls.push(['insert key', () => i.insert?.(bad, 9), TypeError, /key/]);
      calls.push(['delete key', () => i.delete?.(bad, 1), TypeError, /key/]);
      calls.push(['lookup key', () => i.lookup?.(bad), TypeError, /key/]);
      calls.push(['range start', () => i.range?.(bad, EMPTY, 1), TypeError, /start/]);
      calls.push(['range end', () => i.range?.(EMPTY, bad, 1), TypeError, /end/]);
    }
    for (const [rowId, type] of badRows) {
      calls.push(['insert rowId', () => i.insert?.(utf8('a'), rowId), type, /rowId/]);
      calls.push(['delete rowId', () => i.delete?.(utf8('a'), rowId), type, /rowId/]);
    }
    for (const [limit, type] of [
      [-1, RangeError],
      [Number.NaN, RangeError],
      [0.5, RangeError],
      ['3', TypeError],
    ] as const) {
      calls.push(['range limit', () => i.range?.(EMPTY, EMPTY, limit), type, /limit/]);
    }
    calls.push(['range start > end', () => index.range(utf8('b'), utf8('a'), 1), RangeError, /start/]);
    calls.push(['build table', () => index.build(-1, 0, []), RangeError, /table/]);
    calls.push(['build table type', () => i.build?.('1', 0, []), TypeError, /table/]);
    calls.push(['build column', () => index.build(0, 2 ** 16, []), RangeError, /column/]);
    calls.push(['build data', () => i.build?.(0, 0, 5), TypeError, /data/]);
    calls.push(['build data null', () => i.build?.(0, 0, null), TypeError, /data/]);
    // A bad pair after good ones: nothing of the good ones lands.
    calls.push([
      'build pair key',
      () =>
        i.build?.(9, 9, [
          [7, utf8('new')],
          [8, 'x'],
        ]),
      TypeError,
      /data\[1\]\[1\] \(key\)/,
    ]);
    calls.push([
      'build pair rowId',
      () =>
        i.build?.(9, 9, [
          [7, utf8('new')],
          [-8, utf8('x')],
        ]),
      RangeError,
      /data\[1\]\[0\] \(rowId\)/,
    ]);
    calls.push(['build pair shape', () => i.build?.(9, 9, [[7, utf8('new')], 3]), TypeError, /data\[1\]/]);
    for (const [what, call, type, message] of calls) {
      expect(call, what).toThrow(type);
      expect(call, what).toThrow(message);
    }
    // An iterable that fails half-way leaves the index as it was too.
    function* failing(): Generator<readonly [number, Uint8Array]> {
      yield [100, utf8('new')];
      throw new Error('source failed');
    }
    expect(() => index.build(9, 9, failing())).toThrow('source failed');
    expect(snapshot(index)).toEqual(before);
  });
});

describe('after shutdown', () => {
  it('every call throws a KernelError of kind io coded SOCHDB_CLOSED, bad arguments included', () => {
    const index = new BTreeIndex();
    index.insert(utf8('a'), 1);
    index.shutdown();
    const calls: Array<[string, () => unknown]> = [
      ['init', () => index.init()],
      ['build', () => index.build(1, 1, [])],
      ['insert', () => index.insert(utf8('a'), 2)],
      ['delete', () => index.delete(utf8('a'), 1)],
      ['lookup', () => index.lookup(utf8('a'))],
      ['range', () => index.range(EMPTY, EMPTY, 1)],
      ['sizeBytes', () => index.sizeBytes()],
      ['size', () => index.size],
      ['lookup with a bad key', () => index.lookup('a' as unknown as Uint8Array)],
    ];
    for (const [what, call] of calls) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(isKernelError(error), what).toBe(true);
      expect(error, what).toMatchObject({ kind: 'io', code: ErrorCode.CLOSED });
      expect((error as Error).message, what).toContain(what.split(' ')[0]);
    }
    expect(() => index.shutdown()).not.toThrow();
    expect(index.indexType).toBe('btree');
  });
});
