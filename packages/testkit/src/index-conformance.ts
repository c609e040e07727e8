import { compareBytes, describeValue, extensionProblem, type IndexExtension } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, hex, utf8 } from './bytes.js';
import { callLoosely, describeCall, expectArgumentError, throwOf } from './call.js';
import { checkFactory, type Factory, freshInstance } from './lifecycle.js';

/** Options of {@link indexConformance}. */
export interface IndexConformanceOptions {
  /**
   * How the suite's keys become keys the index takes, for an index that only
   * takes keys of its own form (a vector index takes `4 * dimensions` bytes,
   * not `"k"` or the empty key). The suite passes every key it makes through
   * `encode`: the keys of `insert`, `delete`, `lookup` and `build`, and the
   * `start` and non-empty `end` of `range`. An empty `end` ("no upper bound")
   * stays empty, and the vectors of the `nearest` tests come from
   * {@link IndexConformanceOptions.nearest} unencoded.
   *
   * `encode` must be injective and keep unsigned bytewise order (a prefix
   * before its extensions): for kit keys `a < b`, `encode(a) < encode(b)`.
   * The suite checks this on its own keys when it is defined and throws a
   * `RangeError` if not. The suite's keys are at most 16 bytes long. Default:
   * keys are passed as they are.
   */
  readonly keys?: {
    /** The index's key standing for the suite's `key`; a new array each call. */
    readonly encode: (key: Uint8Array) => Uint8Array;
  };
  /**
   * How the suite makes keys for `nearest`, for indexes that have it. The
   * default encodes each vector as `dimension` little-endian float32 values
   * (a `Float32Array`'s bytes).
   */
  readonly nearest?: {
    /** Number of components per vector. Default 4. */
    readonly dimension?: number;
    /** Turns a vector into the key bytes the index expects. */
    readonly encode?: (vector: readonly number[]) => Uint8Array;
  };
}

const EMPTY = new Uint8Array(0);
const ALL = Number.POSITIVE_INFINITY;

const NOT_BYTES: ReadonlyArray<unknown> = ['abc', [1, 2, 3], new ArrayBuffer(3), null, undefined, 7];
const BAD_ROW_IDS: readonly unknown[] = [-1, 1.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, '1', undefined, null];
const BAD_TABLES: readonly unknown[] = [-1, 1.5, 2 ** 32, Number.NaN, '1', undefined];
const BAD_COLUMNS: readonly unknown[] = [-1, 1.5, 2 ** 16, Number.NaN, '1', undefined];
const BAD_LIMITS: readonly unknown[] = [-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, '10', undefined];

/**
 * Every key the suite writes, in ascending bytewise order: what the keys
 * encoding is checked on (strictly ascending encodings: injective and
 * order-keeping on them).
 */
const SUITE_KEYS: readonly Uint8Array[] = [
  bytes(),
  ...Array.from({ length: 10 }, (_, value) => bytes(value)),
  bytes(0x01, 0x00),
  bytes(0x7f),
  bytes(0x80),
  bytes(0xff),
  ...[
    'a',
    'aaa',
    'ab',
    'abc',
    'absent',
    'b',
    'c',
    'j',
    'k',
    'key',
    'key-0',
    'key-999',
    'old',
    'other',
    'x',
    'y',
    'z',
  ].map(utf8),
].sort(compareBytes);

function checkKeyEncoding(encode: (key: Uint8Array) => Uint8Array): void {
  let previous: Uint8Array | undefined;
  let previousKey: Uint8Array | undefined;
  for (const key of SUITE_KEYS) {
    const encoded = encode(key.slice());
    if (!(encoded instanceof Uint8Array)) {
      throw new TypeError(
        `indexConformance: options.keys.encode must return a Uint8Array; got ${describeValue(encoded)} for <${hex(key)}>`,
      );
    }
    if (previous !== undefined && previousKey !== undefined && compareBytes(previous, encoded) >= 0) {
      throw new RangeError(
        `indexConformance: options.keys.encode must be injective and keep bytewise order, but <${hex(previousKey)}> < <${hex(key)}> encode to <${hex(previous)}> and <${hex(encoded)}>`,
      );
    }
    previous = encoded;
    previousKey = key;
  }
}

function float32(vector: readonly number[]): Uint8Array {
  const out = new Uint8Array(vector.length * 4);
  const view = new DataView(out.buffer);
  vector.forEach((component, i) => {
    view.setFloat32(i * 4, component, true);
  });
  return out;
}

/**
 * The conformance suite for an {@link IndexExtension}: registers a vitest
 * `describe` block whose tests check every rule of the `@sochdb/core` 1.x
 * index contract on a fresh instance each.
 *
 * Covered: set semantics of `(key, rowId)` pairs (a duplicate insert is a
 * no-op, a key maps to many rows); `lookup` ascending; `range` over
 * `[start, end)` in `(key, rowId)` order with an empty `end` unbounded and
 * `limit` 0, exact and `Infinity`; `delete` returning whether the pair was
 * there; `build` replacing the contents from any iterable (a generator too),
 * all or nothing; `sizeBytes` a non-negative number that grows with content;
 * no aliasing of key buffers; bad arguments throwing a `TypeError`/`RangeError`
 * naming the argument with the index unchanged; `nearest` when present (k
 * results by ascending distance); `table` and `column` readable after
 * `build` (contract 1.1).
 *
 * An index that takes keys of one form only (a vector index) runs the same
 * tests through `options.keys.encode`, which turns each of the suite's keys
 * into one of the index's, keeping their order.
 *
 * @param name - shown in the `describe` title, e.g. the package name
 * @param factory - makes a fresh, empty, uninitialised instance; called once per test. The suite calls `init()` and `shutdown()` itself.
 * @param options - see {@link IndexConformanceOptions}
 */
export function indexConformance(
  name: string,
  factory: () => IndexExtension | Promise<IndexExtension>,
  options: IndexConformanceOptions = {},
): void {
  const dimension = options.nearest?.dimension ?? 4;
  const encode = options.nearest?.encode ?? float32;
  const encodeKey = options.keys === undefined ? (key: Uint8Array) => key : options.keys.encode;
  if (typeof encodeKey !== 'function') {
    throw new TypeError('indexConformance: options.keys.encode must be a function from Uint8Array to Uint8Array');
  }
  if (options.keys !== undefined) checkKeyEncoding(encodeKey);
  /** The index's key for these bytes. */
  const keyOf = (...values: number[]): Uint8Array => encodeKey(bytes(...values));
  /** The index's key for the UTF-8 bytes of `value`. */
  const textKey = (value: string): Uint8Array => encodeKey(utf8(value));
  /** Every row id in the index, in `(key, rowId)` order. */
  const everything = (index: IndexExtension): number[] => index.range(keyOf(), EMPTY, ALL);
  /** A snapshot of what the index answers, to check a failed call changed nothing. */
  const snapshot = (index: IndexExtension, keys: readonly Uint8Array[]): unknown => ({
    all: everything(index),
    lookups: keys.map((k) => [hex(k), index.lookup(k)]),
  });
  /**
   * Overwrites the key buffer `buffer` with `replacement` (as the caller of an
   * index may reuse a buffer); a replacement of another length fills `buffer`
   * with its first byte.
   */
  const overwrite = (buffer: Uint8Array, replacement: Uint8Array): void => {
    if (replacement.length === buffer.length) buffer.set(replacement);
    else buffer.fill(replacement[0] ?? 0);
  };
  if (!Number.isSafeInteger(dimension) || dimension < 1) {
    throw new RangeError(
      `indexConformance: options.nearest.dimension must be a positive integer; got ${String(dimension)}`,
    );
  }
  if (typeof encode !== 'function') {
    throw new TypeError('indexConformance: options.nearest.encode must be a function from number[] to Uint8Array');
  }

  checkFactory('indexConformance', 'index', factory);
  describe(`${name} — index conformance (@sochdb/core 1.x)`, () => {
    const fixture = freshInstance<IndexExtension>(factory as Factory<IndexExtension>, 'index');

    describe('shape', () => {
      it('is an index extension: valid info declaring "index", an indexType and every required method', () => {
        expect(extensionProblem(fixture.ext, 'index')).toBeUndefined();
      });
    });

    describe('pairs', () => {
      it('a fresh index is empty', () => {
        const index = fixture.ext;
        expect(index.lookup(textKey('k'))).toEqual([]);
        expect(everything(index)).toEqual([]);
      });

      it('lookup returns every row id stored under the key, ascending', () => {
        const index = fixture.ext;
        for (const row of [42, 7, 1000, 0, 8]) index.insert(textKey('k'), row);
        index.insert(textKey('other'), 3);
        expect(index.lookup(textKey('k'))).toEqual([0, 7, 8, 42, 1000]);
        expect(index.lookup(textKey('other'))).toEqual([3]);
      });

      it('lookup orders row ids numerically, not as strings', () => {
        const index = fixture.ext;
        for (const row of [10, 9, 100, 2, Number.MAX_SAFE_INTEGER]) index.insert(textKey('k'), row);
        expect(index.lookup(textKey('k'))).toEqual([2, 9, 10, 100, Number.MAX_SAFE_INTEGER]);
      });

      it('lookup of an absent key returns an empty array', () => {
        const index = fixture.ext;
        index.insert(textKey('ab'), 1);
        expect(index.lookup(textKey('a'))).toEqual([]);
        expect(index.lookup(textKey('abc'))).toEqual([]);
        expect(index.lookup(keyOf())).toEqual([]);
      });

      it('inserting a pair that is present changes nothing', () => {
        const index = fixture.ext;
        index.insert(textKey('k'), 1);
        index.insert(textKey('k'), 2);
        const size = index.sizeBytes();
        index.insert(textKey('k'), 1);
        index.insert(textKey('k'), 2);
        expect(index.lookup(textKey('k'))).toEqual([1, 2]);
        expect(everything(index)).toEqual([1, 2]);
        expect(index.sizeBytes()).toBe(size);
      });

      it('one row id may be stored under many keys', () => {
        const index = fixture.ext;
        index.insert(textKey('a'), 5);
        index.insert(textKey('b'), 5);
        expect(index.lookup(textKey('a'))).toEqual([5]);
        expect(index.lookup(textKey('b'))).toEqual([5]);
        expect(everything(index)).toEqual([5, 5]);
      });

      it('the empty key is a valid key', () => {
        const index = fixture.ext;
        index.insert(keyOf(), 2);
        index.insert(keyOf(0x00), 1);
        expect(index.lookup(keyOf())).toEqual([2]);
        expect(everything(index)).toEqual([2, 1]);
        expect(index.delete(keyOf(), 2)).toBe(true);
        expect(index.lookup(keyOf())).toEqual([]);
      });

      it('row ids 0 and 2^53-1 are valid', () => {
        const index = fixture.ext;
        index.insert(textKey('k'), Number.MAX_SAFE_INTEGER);
        index.insert(textKey('k'), 0);
        expect(index.lookup(textKey('k'))).toEqual([0, Number.MAX_SAFE_INTEGER]);
      });

      it('delete returns true and removes only that pair when the pair was present', () => {
        const index = fixture.ext;
        index.insert(textKey('k'), 1);
        index.insert(textKey('k'), 2);
        index.insert(textKey('j'), 1);
        expect(index.delete(textKey('k'), 1)).toBe(true);
        expect(index.lookup(textKey('k'))).toEqual([2]);
        expect(index.lookup(textKey('j'))).toEqual([1]);
      });

      it('delete returns false and changes nothing when the pair is absent', () => {
        const index = fixture.ext;
        index.insert(textKey('k'), 1);
        expect(index.delete(textKey('k'), 2)).toBe(false);
        expect(index.delete(textKey('absent'), 1)).toBe(false);
        expect(index.delete(textKey('k'), 1)).toBe(true);
        expect(index.delete(textKey('k'), 1)).toBe(false);
        expect(everything(index)).toEqual([]);
      });

      it('a pair can be inserted again after it was deleted', () => {
        const index = fixture.ext;
        index.insert(textKey('k'), 1);
        index.delete(textKey('k'), 1);
        index.insert(textKey('k'), 1);
        expect(index.lookup(textKey('k'))).toEqual([1]);
      });
    });

    describe('order and range', () => {
      // Keys in ascending unsigned bytewise order, each with rows inserted out of order.
      const keys = [keyOf(), keyOf(0x00), keyOf(0x01), keyOf(0x01, 0x00), keyOf(0x7f), keyOf(0x80), keyOf(0xff)];
      function fill(index: IndexExtension): void {
        // key i gets rows 10*i+2 and 10*i+1 (inserted in that order), keys inserted back to front.
        for (let i = keys.length - 1; i >= 0; i--) {
          index.insert(keys[i] as Uint8Array, 10 * i + 2);
          index.insert(keys[i] as Uint8Array, 10 * i + 1);
        }
      }
      const rowsOf = (i: number): number[] => [10 * i + 1, 10 * i + 2];
      const rowsFrom = (from: number, to = keys.length): number[] =>
        Array.from({ length: to - from }, (_, j) => rowsOf(from + j)).flat();

      it('range walks keys in unsigned bytewise order, a prefix before longer keys', () => {
        const index = fixture.ext;
        fill(index);
        expect(everything(index)).toEqual(rowsFrom(0));
      });

      it('range orders rows by (key, rowId)', () => {
        const index = fixture.ext;
        index.insert(textKey('b'), 1);
        index.insert(textKey('a'), 9);
        index.insert(textKey('b'), 0);
        index.insert(textKey('a'), 3);
        expect(everything(index)).toEqual([3, 9, 0, 1]);
      });

      it('range treats start as inclusive', () => {
        const index = fixture.ext;
        fill(index);
        expect(index.range(keyOf(0x7f), EMPTY, ALL)).toEqual(rowsFrom(4));
      });

      it('range treats end as exclusive', () => {
        const index = fixture.ext;
        fill(index);
        expect(index.range(keyOf(0x00), keyOf(0x7f), ALL)).toEqual(rowsFrom(1, 4));
        expect(index.range(keyOf(0x01), keyOf(0x01, 0x00), ALL)).toEqual(rowsOf(2));
      });

      it('range with an empty end has no upper bound', () => {
        const index = fixture.ext;
        fill(index);
        expect(index.range(keyOf(0x80), EMPTY, ALL)).toEqual(rowsFrom(5));
      });

      it('range with start equal to end returns nothing', () => {
        const index = fixture.ext;
        fill(index);
        expect(index.range(keyOf(0x7f), keyOf(0x7f), ALL)).toEqual([]);
      });

      it('range with limit 0 returns nothing', () => {
        const index = fixture.ext;
        fill(index);
        expect(index.range(keyOf(), EMPTY, 0)).toEqual([]);
      });

      it('range returns exactly limit row ids, the first ones in (key, rowId) order', () => {
        const index = fixture.ext;
        fill(index);
        expect(index.range(keyOf(), EMPTY, 1)).toEqual([1]);
        expect(index.range(keyOf(), EMPTY, 3)).toEqual(rowsFrom(0).slice(0, 3));
        expect(index.range(keyOf(0x01), EMPTY, 4)).toEqual(rowsFrom(2).slice(0, 4));
      });

      it('range with a limit larger than the range returns the whole range', () => {
        const index = fixture.ext;
        fill(index);
        expect(index.range(keyOf(0x80), EMPTY, 100)).toEqual(rowsFrom(5));
        expect(index.range(keyOf(), EMPTY, keys.length * 2)).toEqual(rowsFrom(0));
      });

      it('range and lookup do not see deleted pairs', () => {
        const index = fixture.ext;
        fill(index);
        index.delete(keyOf(0x7f), 41);
        index.delete(keyOf(0x80), 51);
        index.delete(keyOf(0x80), 52);
        expect(index.range(keyOf(0x7f), EMPTY, ALL)).toEqual([42, ...rowsOf(6)]);
        expect(index.lookup(keyOf(0x80))).toEqual([]);
      });
    });

    describe('build', () => {
      it('build replaces the contents with the given pairs', () => {
        const index = fixture.ext;
        index.insert(textKey('old'), 1);
        index.build(1, 2, [
          [3, textKey('b')],
          [1, textKey('a')],
          [2, textKey('b')],
        ]);
        expect(index.lookup(textKey('old'))).toEqual([]);
        expect(index.lookup(textKey('b'))).toEqual([2, 3]);
        expect(everything(index)).toEqual([1, 2, 3]);
      });

      it('table and column are undefined before the first build and read back what build was given', () => {
        const index = fixture.ext as IndexExtension & { readonly table?: unknown; readonly column?: unknown };
        expect(index.table, 'table before the first build').toBeUndefined();
        expect(index.column, 'column before the first build').toBeUndefined();
        index.build(7, 3, [[1, textKey('a')]]);
        expect([index.table, index.column], '[table, column] after build(7, 3, ...)').toEqual([7, 3]);
        index.build(2 ** 32 - 1, 2 ** 16 - 1, []);
        expect([index.table, index.column], '[table, column] after build(2^32-1, 2^16-1, ...)').toEqual([
          2 ** 32 - 1,
          2 ** 16 - 1,
        ]);
        expect(() => index.build(-1, 0, []), 'a refused build').toThrow();
        expect([index.table, index.column], '[table, column] after a refused build').toEqual([
          2 ** 32 - 1,
          2 ** 16 - 1,
        ]);
      });

      it('build accepts any iterable, a generator included', () => {
        const index = fixture.ext;
        function* pairs(): Generator<readonly [number, Uint8Array]> {
          for (let row = 0; row < 100; row++) yield [row, keyOf(row % 10)];
        }
        index.build(0, 0, pairs());
        expect(index.lookup(keyOf(3))).toEqual([3, 13, 23, 33, 43, 53, 63, 73, 83, 93]);
        index.build(0, 0, new Map([[5, textKey('x')]]));
        expect(everything(index)).toEqual([5]);
      });

      it('build with an empty iterable empties the index', () => {
        const index = fixture.ext;
        index.insert(textKey('a'), 1);
        index.build(0, 0, []);
        expect(everything(index)).toEqual([]);
      });

      it('build keeps one copy of a duplicated pair', () => {
        const index = fixture.ext;
        index.build(0, 0, [
          [1, textKey('a')],
          [1, textKey('a')],
          [2, textKey('a')],
        ]);
        expect(index.lookup(textKey('a'))).toEqual([1, 2]);
        expect(index.delete(textKey('a'), 1)).toBe(true);
        expect(index.lookup(textKey('a'))).toEqual([2]);
      });

      it('the index keeps working after build', () => {
        const index = fixture.ext;
        index.build(0, 0, [[1, textKey('a')]]);
        index.insert(textKey('a'), 0);
        index.insert(textKey('b'), 2);
        expect(index.delete(textKey('a'), 1)).toBe(true);
        expect(everything(index)).toEqual([0, 2]);
      });
    });

    describe('no aliasing', () => {
      it('mutating a key buffer after insert does not change the index', () => {
        const index = fixture.ext;
        const key = textKey('key');
        index.insert(key, 1);
        overwrite(key, textKey('aaa'));
        expect(index.lookup(textKey('key'))).toEqual([1]);
        expect(index.lookup(key)).toEqual([]);
      });

      it('mutating key buffers after build does not change the index', () => {
        const index = fixture.ext;
        const a = textKey('a');
        const b = textKey('b');
        index.build(0, 0, [
          [1, a],
          [2, b],
        ]);
        overwrite(a, textKey('z'));
        overwrite(b, keyOf(0x00));
        expect(index.lookup(textKey('a'))).toEqual([1]);
        expect(index.lookup(textKey('b'))).toEqual([2]);
        expect(everything(index)).toEqual([1, 2]);
      });

      it('insert, lookup and range read only the bytes of a view', () => {
        const index = fixture.ext;
        // The keys of "x", "a", "b", "c", "x" back to back in one buffer ("xabcx" unencoded).
        const parts = ['x', 'a', 'b', 'c', 'x'].map(textKey);
        const backing = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
        const views: Uint8Array[] = [];
        let offset = 0;
        for (const part of parts) {
          backing.set(part, offset);
          views.push(backing.subarray(offset, offset + part.length));
          offset += part.length;
        }
        const [, a, b] = views as [Uint8Array, Uint8Array, Uint8Array];
        index.insert(a, 1);
        index.insert(b, 2);
        expect(index.lookup(textKey('a'))).toEqual([1]);
        expect(index.lookup(b)).toEqual([2]);
        expect(index.range(a, b, ALL)).toEqual([1]);
        expect(index.delete(a, 1)).toBe(true);
      });

      it('mutating an array returned by lookup or range does not change the index', () => {
        const index = fixture.ext;
        index.insert(textKey('k'), 1);
        index.insert(textKey('k'), 2);
        const looked = index.lookup(textKey('k'));
        looked.push(99);
        looked[0] = 42;
        const ranged = everything(index);
        ranged.length = 0;
        expect(index.lookup(textKey('k'))).toEqual([1, 2]);
        expect(everything(index)).toEqual([1, 2]);
      });
    });

    describe('size', () => {
      it('sizeBytes is a non-negative finite number that grows with content', () => {
        const index = fixture.ext;
        const empty = index.sizeBytes();
        expect(Number.isFinite(empty) && empty >= 0, `sizeBytes() of an empty index is ${empty}`).toBe(true);
        for (let row = 0; row < 1000; row++) index.insert(textKey(`key-${row}`), row);
        const full = index.sizeBytes();
        expect(Number.isFinite(full), `sizeBytes() is ${full}`).toBe(true);
        expect(full, 'sizeBytes() after 1000 inserts must exceed that of the empty index').toBeGreaterThan(empty);
      });

      it('sizeBytes does not grow on delete and shrinks when the index is rebuilt smaller', () => {
        const index = fixture.ext;
        for (let row = 0; row < 1000; row++) index.insert(textKey(`key-${row}`), row);
        const full = index.sizeBytes();
        for (let row = 0; row < 1000; row += 2) index.delete(textKey(`key-${row}`), row);
        // Deleting may or may not release memory (tombstones are allowed), but it never takes more.
        expect(index.sizeBytes(), 'sizeBytes() after deleting half of the pairs').toBeLessThanOrEqual(full);
        index.build(0, 0, [[1, textKey('a')]]);
        expect(index.sizeBytes(), 'sizeBytes() after build with one pair, down from 1000').toBeLessThan(full);
      });
    });

    describe('bad arguments', () => {
      const seedKeys = [textKey('a'), textKey('b'), keyOf()];
      function expectThrownAndUnchanged(
        method: string,
        args: readonly unknown[],
        argumentNames: readonly string[],
        kind?: typeof TypeError | typeof RangeError,
      ): void {
        const index = fixture.ext;
        if (everything(index).length === 0) {
          index.insert(textKey('a'), 1);
          index.insert(textKey('a'), 2);
          index.insert(textKey('b'), 3);
        }
        const before = snapshot(index, seedKeys);
        const size = index.sizeBytes();
        const what = describeCall(method, args);
        const error = throwOf(() => callLoosely(index, method, args), what);
        expectArgumentError(error, argumentNames, what, kind);
        expect(snapshot(index, seedKeys), `${what} must leave the index unchanged`).toEqual(before);
        expect(index.sizeBytes(), `${what} must leave sizeBytes() unchanged`).toBe(size);
      }

      it('insert, delete and lookup throw naming key for a key that is not a Uint8Array', () => {
        for (const bad of NOT_BYTES) {
          expectThrownAndUnchanged('insert', [bad, 9], ['key']);
          expectThrownAndUnchanged('delete', [bad, 1], ['key']);
          expectThrownAndUnchanged('lookup', [bad], ['key']);
        }
      });

      it('insert and delete throw naming rowId for a row id that is not a safe integer >= 0', () => {
        for (const bad of BAD_ROW_IDS) {
          expectThrownAndUnchanged('insert', [textKey('a'), bad], ['rowId']);
          expectThrownAndUnchanged('delete', [textKey('a'), bad], ['rowId']);
        }
      });

      it('range throws naming start or end when they are not Uint8Arrays', () => {
        for (const bad of NOT_BYTES) {
          expectThrownAndUnchanged('range', [bad, EMPTY, 10], ['start']);
          expectThrownAndUnchanged('range', [keyOf(), bad, 10], ['end']);
        }
      });

      it('range throws naming limit for a limit that is not a non-negative integer or Infinity', () => {
        for (const bad of BAD_LIMITS) expectThrownAndUnchanged('range', [keyOf(), EMPTY, bad], ['limit']);
      });

      it('range throws a RangeError when start sorts after a non-empty end', () => {
        expectThrownAndUnchanged('range', [keyOf(0x02), keyOf(0x01), 10], ['start', 'end'], RangeError);
        expectThrownAndUnchanged('range', [keyOf(0x80), keyOf(0x7f), 10], ['start', 'end'], RangeError);
      });

      it('build throws naming table or column for ids out of range, leaving the old contents', () => {
        for (const bad of BAD_TABLES) expectThrownAndUnchanged('build', [bad, 0, [[7, textKey('z')]]], ['table']);
        for (const bad of BAD_COLUMNS) expectThrownAndUnchanged('build', [0, bad, [[7, textKey('z')]]], ['column']);
      });

      it('build throws naming data when data is not iterable', () => {
        for (const bad of [null, undefined, 5, {}, 'ab']) {
          // A string is iterable, but its items are not [rowId, key] pairs.
          expectThrownAndUnchanged('build', [0, 0, bad], ['data', 'rowId', 'key']);
        }
      });

      it('build with one bad pair anywhere throws and leaves the old contents (all or nothing)', () => {
        const good: Array<readonly [unknown, unknown]> = [
          [7, textKey('y')],
          [8, textKey('z')],
        ];
        const badPairs: unknown[] = [[-1, textKey('x')], [1.5, textKey('x')], [1, 'x'], [1, null], 'not a pair', null];
        for (const bad of badPairs) {
          expectThrownAndUnchanged('build', [0, 0, [...good, bad]], ['data', 'rowId', 'key']);
          function* lazy(): Generator<unknown> {
            yield* good;
            yield bad;
          }
          expectThrownAndUnchanged('build', [0, 0, lazy()], ['data', 'rowId', 'key']);
        }
      });
    });

    describe('nearest', () => {
      /** 30 fixed pseudo-random vectors, rows 100..129. */
      function vectors(): number[][] {
        let state = 7;
        const next = (): number => {
          state = (state * 1103515245 + 12345) >>> 0;
          return state / 2 ** 32 - 0.5;
        };
        return Array.from({ length: 30 }, () => Array.from({ length: dimension }, next));
      }

      it('nearest, when present, returns k results ordered by ascending distance', (context) => {
        const index = fixture.ext;
        if (typeof index.nearest !== 'function') context.skip('this index has no nearest()');
        const data = vectors();
        index.build(
          0,
          0,
          data.map((vector, i) => [100 + i, encode(vector)] as const),
        );
        const result = index.nearest?.(encode(data[7] as number[]), 5) ?? [];
        expect(result).toHaveLength(5);
        const rows = result.map(([row]) => row);
        expect(new Set(rows).size, 'nearest must not repeat a row').toBe(5);
        for (const [row, distance] of result) {
          expect(row >= 100 && row < 130, `nearest returned row ${row}, which is not indexed`).toBe(true);
          expect(Number.isFinite(distance) && distance >= 0, `distance ${distance}`).toBe(true);
        }
        const distances = result.map(([, distance]) => distance);
        expect(distances, 'distances must ascend').toEqual([...distances].sort((a, b) => a - b));
        expect(rows[0], 'a query equal to a stored vector finds that vector first').toBe(107);
        expect(distances[0]).toBeLessThan(1e-5);
      });

      it('nearest, when present, returns at most as many rows as are indexed, and none for k = 0', (context) => {
        const index = fixture.ext;
        if (typeof index.nearest !== 'function') context.skip('this index has no nearest()');
        const data = vectors().slice(0, 4);
        index.build(
          0,
          0,
          data.map((vector, i) => [i, encode(vector)] as const),
        );
        expect(index.nearest?.(encode(data[0] as number[]), 10)).toHaveLength(4);
        expect(index.nearest?.(encode(data[0] as number[]), 0)).toEqual([]);
      });

      it('nearest, when present, does not return deleted rows', (context) => {
        const index = fixture.ext;
        if (typeof index.nearest !== 'function') context.skip('this index has no nearest()');
        const data = vectors().slice(0, 10);
        index.build(
          0,
          0,
          data.map((vector, i) => [i, encode(vector)] as const),
        );
        expect(index.delete(encode(data[3] as number[]), 3)).toBe(true);
        const rows = (index.nearest?.(encode(data[3] as number[]), 10) ?? []).map(([row]) => row);
        expect(rows).not.toContain(3);
        expect(rows).toHaveLength(9);
      });

      it('nearest, when present, throws naming k for a k that is not a non-negative integer', (context) => {
        const index = fixture.ext;
        if (typeof index.nearest !== 'function') context.skip('this index has no nearest()');
        const query = encode(vectors()[0] as number[]);
        index.insert(query, 1);
        for (const bad of [-1, 1.5, Number.NaN, '3', undefined]) {
          const what = describeCall('nearest', [query, bad]);
          expectArgumentError(
            throwOf(() => callLoosely(index, 'nearest', [query, bad]), what),
            ['k'],
            what,
          );
        }
      });
    });
  });
}
