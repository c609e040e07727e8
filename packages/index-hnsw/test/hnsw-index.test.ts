import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isKernelError, isPluginModule, loadPlugin, PluginManager } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import plugin, { HnswIndex, type HnswIndexOptions, type Metric, VERSION } from '../src/index.js';

const EMPTY = new Uint8Array(0);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** The key bytes of a vector: little-endian float32 components. */
function vec(...components: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(components).buffer);
}

/** Everything observable about the index's contents: what "identical afterwards" compares. */
function snapshot(index: HnswIndex): unknown {
  return {
    all: index.range(EMPTY, EMPTY, Infinity),
    a: index.lookup(vec(1, 0)),
    near: index.nearest(vec(1, 0), 10),
    size: index.size,
    sizeBytes: index.sizeBytes(),
    table: index.table,
    column: index.column,
  };
}

describe('plugin module and options', () => {
  it('the default export is a plugin module for the index capability; create needs dimensions', () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.capability).toBe('index');
    expect(plugin.create({ dimensions: 3 })).toBeInstanceOf(HnswIndex);
    expect(() => plugin.create()).toThrow(TypeError);
  });

  it("loadPlugin('@sochdb/index-hnsw') makes an index a PluginManager registers under its name", async () => {
    const index = await loadPlugin('@sochdb/index-hnsw', { name: 'by-embedding', dimensions: 2 }, packageDir);
    const manager = new PluginManager();
    await manager.register(index);
    expect(manager.listIndexTypes()).toEqual(['hnsw']);
    const registered = manager.index('by-embedding');
    registered?.insert(vec(1, 0), 42);
    expect(registered?.nearest?.(vec(1, 0.1), 1)?.[0]?.[0]).toBe(42);
    await manager.shutdownAll();
    expect(() => (index as HnswIndex).lookup(vec(1, 0))).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
  });

  it('info carries the name, the package version and the index capability; indexType is hnsw', () => {
    const index = new HnswIndex({ dimensions: 2, name: 'docs_by_embedding' });
    expect(index.info).toMatchObject({ name: 'docs_by_embedding', version: VERSION, capabilities: ['index'] });
    expect(index.indexType).toBe('hnsw');
    expect(new HnswIndex({ dimensions: 2 }).info.name).toBe('hnsw-index');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(index).toMatchObject({ metric: 'cosine', M: 16, efConstruction: 128, efSearch: 64 });
  });

  it('refuses missing or bad options with a typed error naming the option', () => {
    const make = (options: unknown) => () => new HnswIndex(options as HnswIndexOptions);
    expect(make(undefined)).toThrow(TypeError);
    expect(make({})).toThrow(/options\.dimensions/);
    expect(make({ dimensions: 0 })).toThrow(RangeError);
    expect(make({ dimensions: 1.5 })).toThrow(/options\.dimensions/);
    expect(make({ dimensions: '4' })).toThrow(TypeError);
    expect(make({ dimensions: 4, metric: 'manhattan' })).toThrow(/options\.metric/);
    expect(make({ dimensions: 4, M: 1 })).toThrow(/options\.M/);
    expect(make({ dimensions: 4, efSearch: 0 })).toThrow(/options\.efSearch/);
    expect(make({ dimensions: 4, efConstruction: -1 })).toThrow(/options\.efConstruction/);
    expect(make({ dimensions: 4, maxElements: 10 })).toThrow(/unknown option "maxElements"/);
    expect(make({ dimensions: 4, capacity: -1 })).toThrow(RangeError);
    expect(make({ dimensions: 4, capacity: 2.5 })).toThrow(/options\.capacity must be an integer in \[0, 2\^30\]/);
    expect(make({ dimensions: 4, capacity: 2 ** 30 + 1 })).toThrow(/options\.capacity/);
    expect(make({ dimensions: 4, capacity: '10' })).toThrow(TypeError);
    expect(make({ dimensions: 4, capacity: '10' })).toThrow(/options\.capacity/);
    expect(make({ dimensions: 4, name: '' })).toThrow(/options\.name/);
    expect(make({ dimensions: 4, buildThreads: -1 })).toThrow(/options\.buildThreads/);
  });
});

describe('distances, as documented (a = [1, 0], b = [3, 4])', () => {
  // a·b = 3, |a| = 1, |b| = 5.
  const cases: Array<[Metric, number]> = [
    ['cosine', 1 - 3 / 5],
    ['l2', Math.sqrt(2 ** 2 + 4 ** 2)],
    ['inner-product', 1 - 3],
  ];
  for (const [metric, expected] of cases) {
    it(`${metric}: nearest reports ${expected.toFixed(4)} for query a against stored b`, () => {
      const index = new HnswIndex({ dimensions: 2, metric });
      index.insert(vec(3, 4), 7);
      const [[row, distance]] = index.nearest(vec(1, 0), 1) as [[number, number]];
      expect(row).toBe(7);
      expect(distance).toBeCloseTo(expected, 5);
    });
  }

  it('l2 on three components orders by Euclidean distance and reports it unsquared', () => {
    const index = new HnswIndex({ dimensions: 3, metric: 'l2' });
    index.build(1, 2, [
      [1, vec(0, 0, 0)],
      [2, vec(1, 2, 2)],
      [3, vec(0, 0, 10)],
    ]);
    const result = index.nearest(vec(0, 0, 0), 3);
    expect(result.map(([row]) => row)).toEqual([1, 2, 3]);
    expect(result.map(([, d]) => d)).toEqual([0, 3, 10]);
  });
});

describe('pairs', () => {
  it('a vector holds many rows; lookup is exact-vector, ascending; a present pair changes nothing', () => {
    const index = new HnswIndex({ dimensions: 2 });
    for (const row of [30, 2, 10, 2]) index.insert(vec(1, 0), row);
    index.insert(vec(1, 1e-7), 5);
    expect(index.lookup(vec(1, 0))).toEqual([2, 10, 30]);
    expect(index.lookup(vec(1, 1e-7))).toEqual([5]);
    expect(index.lookup(vec(0, 1))).toEqual([]);
    expect(index.size).toBe(4);
  });

  it('a row stored under several vectors comes back once, at its nearest vector', () => {
    const index = new HnswIndex({ dimensions: 2, metric: 'l2' });
    index.insert(vec(0, 0), 1);
    index.insert(vec(5, 0), 1);
    index.insert(vec(1, 0), 2);
    index.insert(vec(9, 0), 3);
    expect(index.nearest(vec(0, 0), 3)).toEqual([
      [1, 0],
      [2, 1],
      [3, 9],
    ]);
    expect(index.delete(vec(0, 0), 1)).toBe(true);
    expect(index.nearest(vec(0, 0), 3)).toEqual([
      [2, 1],
      [1, 5],
      [3, 9],
    ]);
  });

  it('a deleted pair never comes back from nearest, and can be inserted again', () => {
    const index = new HnswIndex({ dimensions: 2, metric: 'l2' });
    index.insert(vec(0, 0), 1);
    index.insert(vec(3, 0), 2);
    expect(index.delete(vec(0, 0), 1)).toBe(true);
    expect(index.delete(vec(0, 0), 1)).toBe(false);
    expect(index.nearest(vec(0, 0), 5)).toEqual([[2, 3]]);
    index.insert(vec(0, 0), 1);
    expect(index.nearest(vec(0, 0), 5)).toEqual([
      [1, 0],
      [2, 3],
    ]);
  });

  it('copies keys: mutating a key after insert or build changes nothing', () => {
    const index = new HnswIndex({ dimensions: 2, metric: 'l2' });
    const key = vec(1, 0);
    index.insert(key, 1);
    const built = vec(2, 0);
    index.build(0, 0, [[2, built]]);
    built.set(vec(9, 9));
    index.insert(key, 1);
    key.set(vec(7, 7));
    expect(index.lookup(vec(2, 0))).toEqual([2]);
    expect(index.lookup(vec(1, 0))).toEqual([1]);
    expect(index.nearest(vec(1, 0), 2)).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });

  it('reads only the bytes of a key view, aligned to 4 bytes or not', () => {
    const index = new HnswIndex({ dimensions: 2, metric: 'l2' });
    const backing = new Uint8Array(4 + 8 + 4).fill(0x7f);
    backing.set(vec(0.5, 0.25), 4);
    index.insert(backing.subarray(4, 12), 9);
    const odd = new Uint8Array(1 + 8 + 3).fill(0x7f);
    odd.set(vec(3, 4), 1);
    index.insert(odd.subarray(1, 9), 10);
    expect(index.lookup(vec(0.5, 0.25))).toEqual([9]);
    expect(index.lookup(vec(3, 4))).toEqual([10]);
    expect(index.nearest(odd.subarray(1, 9), 2)).toEqual([
      [10, 0],
      [9, expect.closeTo(Math.hypot(2.5, 3.75), 5)],
    ]);
    expect(index.nearest(backing.subarray(4, 12), 1)).toEqual([[9, 0]]);
    expect(index.delete(odd.subarray(1, 9), 10)).toBe(true);
  });

  it('build replaces the contents and records table and column', () => {
    const index = new HnswIndex({ dimensions: 2 });
    index.insert(vec(1, 0), 1);
    expect(index.table).toBeUndefined();
    index.build(3, 4, [
      [2, vec(0, 1)],
      [2, vec(0, 1)],
    ]);
    expect(index).toMatchObject({ table: 3, column: 4, size: 1 });
    expect(index.lookup(vec(1, 0))).toEqual([]);
    expect(index.nearest(vec(1, 0), 5).map(([row]) => row)).toEqual([2]);
  });

  it('sizeBytes grows with the vectors held, about dimensions * 4 bytes and the links per vector', () => {
    const small = new HnswIndex({ dimensions: 64 });
    const empty = small.sizeBytes();
    const data = Array.from(
      { length: 2000 },
      (_, i) => [i, vec(...Array.from({ length: 64 }, (_, j) => Math.sin(i * 64 + j)))] as const,
    );
    small.build(0, 0, data);
    const perVector = (small.sizeBytes() - empty) / 2000;
    expect(perVector).toBeGreaterThan(64 * 4 + 2 * 16 * 4);
    expect(perVector).toBeLessThan(2 * (64 * 4 + 2 * 16 * 4) + 400);
  });
});

describe('capacity', () => {
  /** `count` seeded pseudo-random points of the unit cube, rows 0.. */
  const vectors = (count: number) => {
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    };
    return Array.from({ length: count }, (_, i) => [i, vec(next(), next(), next())] as const);
  };
  /** How many stored vectors find their own row first (HNSW is approximate: nearly all, not surely all). */
  const selfHits = (index: HnswIndex, data: ReadonlyArray<readonly [number, Uint8Array]>) =>
    data.filter(([row, key]) => index.nearest(key, 1)[0]?.[0] === row).length;

  it('reserves room up front: an empty index with a capacity reports the slots in sizeBytes', () => {
    const bare = new HnswIndex({ dimensions: 3 }).sizeBytes();
    const reserved = new HnswIndex({ dimensions: 3, capacity: 10_000 });
    // usearch rounds the room up to a power of two (its key table to 1.5x that); each slot costs ~24 bytes.
    expect(reserved.sizeBytes() - bare).toBeGreaterThanOrEqual(10_000 * 24);
    expect(reserved.sizeBytes() - bare).toBeLessThanOrEqual(4 * 16_384 * 24);
    expect(reserved.size).toBe(0);
    expect(reserved.nearest(vec(1, 0, 0), 3)).toEqual([]);
  });

  it('grows past its capacity by itself, one insert at a time or in one build', () => {
    const index = new HnswIndex({ dimensions: 3, metric: 'l2', capacity: 100 });
    const data = vectors(1000);
    const atStart = index.sizeBytes();
    for (const [row, key] of data) index.insert(key, row);
    expect(index.size).toBe(1000);
    expect(index.sizeBytes()).toBeGreaterThan(atStart);
    for (const [row, key] of data) expect(index.lookup(key)).toEqual([row]);
    expect(selfHits(index, data)).toBeGreaterThanOrEqual(990);
    const built = new HnswIndex({ dimensions: 3, metric: 'l2', capacity: 100 });
    built.build(0, 0, data);
    expect(built.size).toBe(1000);
    for (const [row, key] of data) expect(built.lookup(key)).toEqual([row]);
    expect(selfHits(built, data)).toBeGreaterThanOrEqual(990);
  });

  it('build reserves at least the capacity, however few pairs it is given', () => {
    const index = new HnswIndex({ dimensions: 3, capacity: 10_000 });
    const reserved = index.sizeBytes();
    index.build(0, 0, vectors(10));
    expect(index.sizeBytes()).toBeGreaterThanOrEqual(reserved);
    const bare = new HnswIndex({ dimensions: 3 });
    bare.build(0, 0, vectors(10));
    expect(bare.sizeBytes()).toBeLessThan(reserved);
  });
});

describe('bad input is a typed error naming the argument, and changes nothing', () => {
  function filled(): HnswIndex {
    const index = new HnswIndex({ dimensions: 2 });
    index.build(1, 1, [
      [1, vec(1, 0)],
      [2, vec(0, 1)],
    ]);
    return index;
  }

  it('wrong key lengths, NaN or infinite components, bad rows, bad k', () => {
    const index = filled();
    const before = snapshot(index);
    const nan = vec(Number.NaN, 0);
    const calls: Array<[string, RegExp, new (...args: never[]) => Error, () => unknown]> = [
      ['insert short key', /^key/, RangeError, () => index.insert(new Uint8Array(7), 3)],
      ['insert long key', /^key/, RangeError, () => index.insert(vec(1, 2, 3), 3)],
      ['insert NaN', /^key.*finite/, RangeError, () => index.insert(nan, 3)],
      ['insert Infinity', /^key.*finite/, RangeError, () => index.insert(vec(Infinity, 0), 3)],
      ['insert not bytes', /^key/, TypeError, () => index.insert([1, 0] as unknown as Uint8Array, 3)],
      ['insert bad row', /rowId/, RangeError, () => index.insert(vec(1, 1), -1)],
      ['delete short key', /^key/, RangeError, () => index.delete(new Uint8Array(4), 1)],
      ['lookup long key', /^key/, RangeError, () => index.lookup(new Uint8Array(9))],
      ['nearest short query', /^query/, RangeError, () => index.nearest(new Uint8Array(4), 1)],
      ['nearest NaN query', /^query/, RangeError, () => index.nearest(nan, 1)],
      ['nearest k = -1', /^k /, RangeError, () => index.nearest(vec(1, 0), -1)],
      ['nearest k = 1.5', /^k /, RangeError, () => index.nearest(vec(1, 0), 1.5)],
      ['nearest k = NaN', /^k /, RangeError, () => index.nearest(vec(1, 0), Number.NaN)],
      ['nearest k = "3"', /^k /, TypeError, () => index.nearest(vec(1, 0), '3' as unknown as number)],
      [
        'build with a short key last',
        /data key/,
        RangeError,
        () =>
          index.build(2, 2, [
            [5, vec(1, 1)],
            [6, new Uint8Array(3)],
          ]),
      ],
      ['build with a NaN key', /data key/, RangeError, () => index.build(2, 2, [[5, nan]])],
      ['build with a bad row', /data rowId/, RangeError, () => index.build(2, 2, [[-5, vec(1, 1)]])],
    ];
    for (const [what, message, type, call] of calls) {
      expect(call, what).toThrow(type);
      expect(call, what).toThrow(message);
      expect(snapshot(index), what).toEqual(before);
    }
  });
});

describe('after shutdown', () => {
  it('every call throws a KernelError of kind io coded SOCHDB_CLOSED, bad arguments included', () => {
    const index = new HnswIndex({ dimensions: 2 });
    index.insert(vec(1, 0), 1);
    index.shutdown();
    const calls: Array<[string, () => unknown]> = [
      ['init', () => index.init()],
      ['build', () => index.build(1, 1, [])],
      ['insert', () => index.insert(vec(1, 0), 2)],
      ['delete', () => index.delete(vec(1, 0), 1)],
      ['lookup', () => index.lookup(vec(1, 0))],
      ['range', () => index.range(EMPTY, EMPTY, 1)],
      ['nearest', () => index.nearest(vec(1, 0), 1)],
      ['sizeBytes', () => index.sizeBytes()],
      ['size', () => index.size],
      ['nearest with a bad query', () => index.nearest('a' as unknown as Uint8Array, 1)],
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
  });
});
