import { ErrorCode, extensionProblem, isKernelError, type StorageExtension } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, hex, show, utf8 } from './bytes.js';
import { callLoosely, describeCall, expectArgumentError, rejectionOf } from './call.js';
import { checkFactory, type Factory, freshInstance } from './lifecycle.js';

/** Options of {@link storageConformance}. */
export interface StorageConformanceOptions {
  /**
   * Set when `stats().keyCount` is an estimate (as in LSM engines): the suite
   * then only checks that every figure is a non-negative number, not that
   * `keyCount` follows puts and deletes exactly. Default `false`.
   */
  readonly approximateStats?: boolean;
}

const EMPTY = new Uint8Array(0);

type Entry = [key: Uint8Array, value: Uint8Array];
/** The options of the optional `iterate(table, options)` method, as `@sochdb/storage-memory` defines them. */
interface IterateOptions {
  start?: Uint8Array;
  end?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}
/** What a test's context offers to skip itself when an optional method is missing. */
interface SkipContext {
  skip(note?: string): never;
}

/** Every entry of `table`, as `[hex key, hex value]` pairs, in the order `scan` gave them. */
async function dump(store: StorageExtension, table: number): Promise<Array<[string, string]>> {
  const entries = await store.scan(table, EMPTY, EMPTY, Number.POSITIVE_INFINITY);
  return entries.map(([key, value]) => [hex(key), hex(value)]);
}

async function keysOf(promise: Promise<Array<[Uint8Array, Uint8Array]>>): Promise<string[]> {
  return (await promise).map(([key]) => hex(key));
}

async function storedHex(store: StorageExtension, table: number, key: Uint8Array): Promise<string | undefined> {
  const value = await store.get(table, key);
  if (value === undefined) return undefined;
  expect(value, `get(${table}, ${show(key)}) must resolve to a Uint8Array or undefined`).toBeInstanceOf(Uint8Array);
  return hex(value);
}

/** Keys in ascending unsigned bytewise order: prefixes first, 0x7f before 0x80. */
const ORDERED_KEYS: readonly Uint8Array[] = [
  bytes(),
  bytes(0x00),
  bytes(0x00, 0x00),
  bytes(0x00, 0x01),
  bytes(0x01),
  bytes(0x41),
  bytes(0x41, 0x00),
  bytes(0x42),
  bytes(0x61),
  bytes(0x7f),
  bytes(0x7f, 0xff),
  bytes(0x80),
  bytes(0x80, 0x00),
  bytes(0xc3, 0xa9),
  bytes(0xfe),
  bytes(0xff),
  bytes(0xff, 0x00),
  bytes(0xff, 0xff),
];

/** `[start, end)` ranges over {@link ORDERED_KEYS}: open, bounded, prefix-bounded, empty, beyond the last key. */
const RANGES: ReadonlyArray<readonly [Uint8Array, Uint8Array]> = [
  [EMPTY, EMPTY],
  [bytes(0x01), bytes(0x80)],
  [bytes(0x41), bytes(0x41, 0x00)],
  [bytes(0x7f), EMPTY],
  [EMPTY, bytes(0x00)],
  [bytes(0x42), bytes(0x42)],
  [bytes(0xff, 0xff, 0x00), EMPTY],
];

/** A fixed shuffle, so the insertion order is neither sorted nor reverse sorted. */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let state = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const NOT_BYTES: ReadonlyArray<readonly [string, unknown]> = [
  ['a string', 'abc'],
  ['an array of numbers', [1, 2, 3]],
  ['an ArrayBuffer', new ArrayBuffer(3)],
  ['a DataView', new DataView(new ArrayBuffer(3))],
  ['null', null],
  ['undefined', undefined],
  ['a number', 7],
];
const BAD_TABLES: readonly unknown[] = [-1, 1.5, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY, '1', undefined, null];
const BAD_TXNS: readonly unknown[] = [-1, 0.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, '1', undefined];
const BAD_LIMITS: readonly unknown[] = [-1, 1.5, Number.NaN, Number.NEGATIVE_INFINITY, '10', undefined, null];

/**
 * The conformance suite for a {@link StorageExtension}: registers a vitest
 * `describe` block whose tests check every rule of the `@sochdb/core` 1.x
 * storage contract on a fresh instance each.
 *
 * Covered: per-table key spaces (including table ids 0 and 2^32-1); unsigned
 * bytewise key order with prefixes first; `scan` over `[start, end)` with an
 * empty `end` unbounded and `limit` 0, exact and `Infinity`; the empty key and
 * empty values; overwrite, delete and delete of an absent key; no aliasing of
 * buffers passed in or handed out; bad arguments rejected (never thrown) with a
 * `TypeError`/`RangeError` naming the argument and the store left unchanged;
 * `flush`, and `compact`/`stats` when present; after `shutdown`, every method
 * rejects with a `KernelError` coded `SOCHDB_CLOSED`.
 *
 * Methods beyond the contract are tested when the instance has them, under
 * the names `@sochdb/storage-memory` gives them: `scanReverse(table, start,
 * end, limit)` (the range of `scan`, descending, the highest `limit` keys) and
 * `iterate(table, { start, end, reverse, limit })` (an async iterator over the
 * same entries, with bad arguments rejecting the first `next()`).
 *
 * @param name - shown in the `describe` title, e.g. the package name
 * @param factory - makes a fresh, empty, uninitialised instance; called once per test. The suite calls `init()` and `shutdown()` itself.
 * @param options - see {@link StorageConformanceOptions}
 */
export function storageConformance(
  name: string,
  factory: () => StorageExtension | Promise<StorageExtension>,
  options: StorageConformanceOptions = {},
): void {
  checkFactory('storageConformance', 'storage', factory);
  describe(`${name} — storage conformance (@sochdb/core 1.x)`, () => {
    const fixture = freshInstance<StorageExtension>(factory as Factory<StorageExtension>, 'storage');

    describe('shape', () => {
      it('is a storage extension: valid info declaring "storage" and every required method', () => {
        expect(extensionProblem(fixture.ext, 'storage')).toBeUndefined();
      });
    });

    describe('reads and writes', () => {
      it('get of an absent key resolves to undefined', async () => {
        expect(await fixture.ext.get(0, utf8('absent'))).toBeUndefined();
      });

      it('get returns the value put under the key', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('k'), utf8('v'), 1);
        expect(await storedHex(store, 0, utf8('k'))).toBe(hex(utf8('v')));
      });

      it('put overwrites the previous value of a key', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('k'), utf8('first'), 1);
        await store.put(0, utf8('k'), utf8('second'), 2);
        expect(await storedHex(store, 0, utf8('k'))).toBe(hex(utf8('second')));
        expect(await dump(store, 0)).toEqual([[hex(utf8('k')), hex(utf8('second'))]]);
      });

      it('put of a shorter value after a longer one stores only the shorter value', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('k'), utf8('a long first value'), 1);
        await store.put(0, utf8('k'), utf8('short'), 2);
        expect(await storedHex(store, 0, utf8('k'))).toBe(hex(utf8('short')));
      });

      it('delete removes the key from get and scan', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('a'), utf8('1'), 1);
        await store.put(0, utf8('b'), utf8('2'), 1);
        await store.delete(0, utf8('a'), 2);
        expect(await store.get(0, utf8('a'))).toBeUndefined();
        expect(await dump(store, 0)).toEqual([[hex(utf8('b')), hex(utf8('2'))]]);
      });

      it('delete of an absent key resolves and changes nothing', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('a'), utf8('1'), 1);
        await expect(store.delete(0, utf8('absent'), 2)).resolves.toBeUndefined();
        await expect(store.delete(5, utf8('a'), 2)).resolves.toBeUndefined();
        expect(await dump(store, 0)).toEqual([[hex(utf8('a')), hex(utf8('1'))]]);
      });

      it('a key can be put again after it was deleted', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('k'), utf8('1'), 1);
        await store.delete(0, utf8('k'), 2);
        await store.put(0, utf8('k'), utf8('2'), 3);
        expect(await storedHex(store, 0, utf8('k'))).toBe(hex(utf8('2')));
      });

      it('the empty key is a valid key', async () => {
        const store = fixture.ext;
        await store.put(0, EMPTY, utf8('empty-key'), 1);
        await store.put(0, bytes(0x00), utf8('zero'), 1);
        expect(await storedHex(store, 0, EMPTY)).toBe(hex(utf8('empty-key')));
        expect(await dump(store, 0)).toEqual([
          ['', hex(utf8('empty-key'))],
          ['00', hex(utf8('zero'))],
        ]);
        await store.delete(0, new Uint8Array(0), 2);
        expect(await store.get(0, EMPTY)).toBeUndefined();
        expect(await storedHex(store, 0, bytes(0x00))).toBe(hex(utf8('zero')));
      });

      it('an empty value is stored and read back as an empty Uint8Array, not as absent', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('k'), new Uint8Array(0), 1);
        expect(await storedHex(store, 0, utf8('k'))).toBe('');
        expect(await dump(store, 0)).toEqual([[hex(utf8('k')), '']]);
      });

      it('stores keys and values with every byte value, including 0x00 and 0xff', async () => {
        const store = fixture.ext;
        const all = Uint8Array.from({ length: 256 }, (_, i) => i);
        await store.put(0, all, all.slice().reverse(), 1);
        expect(await storedHex(store, 0, all)).toBe(hex(all.slice().reverse()));
      });

      it('stores a 1 MiB value', async () => {
        const store = fixture.ext;
        const value = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31) & 0xff);
        await store.put(0, utf8('big'), value, 1);
        const got = await store.get(0, utf8('big'));
        expect(got?.length).toBe(value.length);
        const differs = got === undefined || got.some((byte, i) => byte !== value[i]);
        expect(differs, 'the 1 MiB value read back differs from the one put').toBe(false);
      });

      it('concurrent puts to distinct keys all land', async () => {
        const store = fixture.ext;
        const keys = Array.from({ length: 50 }, (_, i) => utf8(`key-${String(i).padStart(2, '0')}`));
        await Promise.all(keys.map((key, i) => store.put(0, key, bytes(i), i + 1)));
        expect(await dump(store, 0)).toEqual(keys.map((key, i) => [hex(key), hex(bytes(i))]));
      });
    });

    describe('tables', () => {
      it('each table is its own key space', async () => {
        const store = fixture.ext;
        await store.put(1, utf8('k'), utf8('one'), 1);
        await store.put(2, utf8('k'), utf8('two'), 1);
        await store.put(2, utf8('only-in-2'), utf8('x'), 1);
        expect(await storedHex(store, 1, utf8('k'))).toBe(hex(utf8('one')));
        expect(await storedHex(store, 2, utf8('k'))).toBe(hex(utf8('two')));
        expect(await store.get(1, utf8('only-in-2'))).toBeUndefined();
        expect(await store.get(3, utf8('k'))).toBeUndefined();
        expect(await dump(store, 1)).toEqual([[hex(utf8('k')), hex(utf8('one'))]]);
        await store.delete(1, utf8('k'), 2);
        expect(await storedHex(store, 2, utf8('k'))).toBe(hex(utf8('two')));
        expect(await dump(store, 1)).toEqual([]);
      });

      it('table ids 0 and 2^32-1 are valid and distinct', async () => {
        const store = fixture.ext;
        const last = 2 ** 32 - 1;
        await store.put(0, utf8('k'), utf8('first'), 1);
        await store.put(last, utf8('k'), utf8('last'), 1);
        expect(await storedHex(store, 0, utf8('k'))).toBe(hex(utf8('first')));
        expect(await storedHex(store, last, utf8('k'))).toBe(hex(utf8('last')));
        expect(await dump(store, last)).toEqual([[hex(utf8('k')), hex(utf8('last'))]]);
      });

      it('transaction ids 0 and 2^53-1 are valid', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('a'), utf8('1'), 0);
        await store.put(0, utf8('b'), utf8('2'), Number.MAX_SAFE_INTEGER);
        await store.delete(0, utf8('a'), Number.MAX_SAFE_INTEGER);
        expect(await dump(store, 0)).toEqual([[hex(utf8('b')), hex(utf8('2'))]]);
      });
    });

    describe('order and scan', () => {
      it('keys are ordered unsigned bytewise, a prefix before every longer key', async () => {
        const store = fixture.ext;
        for (const key of shuffled(ORDERED_KEYS)) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, EMPTY, EMPTY, Number.POSITIVE_INFINITY))).toEqual(ORDERED_KEYS.map(hex));
      });

      it('scan returns each key with its own value', async () => {
        const store = fixture.ext;
        for (const key of shuffled(ORDERED_KEYS)) await store.put(0, key, utf8(`v${hex(key)}`), 1);
        const entries = await store.scan(0, EMPTY, EMPTY, Number.POSITIVE_INFINITY);
        for (const [key, value] of entries) {
          expect(key, 'scan keys must be Uint8Arrays').toBeInstanceOf(Uint8Array);
          expect(value, 'scan values must be Uint8Arrays').toBeInstanceOf(Uint8Array);
          expect(hex(value)).toBe(hex(utf8(`v${hex(key)}`)));
        }
        expect(entries.length).toBe(ORDERED_KEYS.length);
      });

      it('scan treats start as inclusive', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, bytes(0x7f), EMPTY, Number.POSITIVE_INFINITY))).toEqual(
          ORDERED_KEYS.slice(ORDERED_KEYS.findIndex((k) => hex(k) === '7f')).map(hex),
        );
      });

      it('scan treats end as exclusive', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, bytes(0x01), bytes(0x80), Number.POSITIVE_INFINITY))).toEqual([
          '01',
          '41',
          '4100',
          '42',
          '61',
          '7f',
          '7fff',
        ]);
        expect(await keysOf(store.scan(0, EMPTY, bytes(0x00), Number.POSITIVE_INFINITY))).toEqual(['']);
      });

      it('scan with an end that is a prefix excludes every longer key starting with it', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, bytes(0x41), bytes(0x41, 0x00), Number.POSITIVE_INFINITY))).toEqual(['41']);
        expect(await keysOf(store.scan(0, bytes(0xff), bytes(0xff, 0xff), Number.POSITIVE_INFINITY))).toEqual([
          'ff',
          'ff00',
        ]);
      });

      it('scan with an empty end has no upper bound', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, bytes(0xfe), EMPTY, Number.POSITIVE_INFINITY))).toEqual([
          'fe',
          'ff',
          'ff00',
          'ffff',
        ]);
      });

      it('scan with start equal to end returns nothing', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
        expect(await store.scan(0, bytes(0x41), bytes(0x41), Number.POSITIVE_INFINITY)).toEqual([]);
      });

      it('scan of a range with no keys returns an empty array', async () => {
        const store = fixture.ext;
        await store.put(0, bytes(0x10), bytes(1), 1);
        await store.put(0, bytes(0x30), bytes(3), 1);
        expect(await store.scan(0, bytes(0x11), bytes(0x2f), Number.POSITIVE_INFINITY)).toEqual([]);
        expect(await store.scan(7, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).toEqual([]);
      });

      it('scan with limit 0 returns nothing', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
        expect(await store.scan(0, EMPTY, EMPTY, 0)).toEqual([]);
      });

      it('scan returns exactly limit entries, the first ones in order', async () => {
        const store = fixture.ext;
        for (const key of shuffled(ORDERED_KEYS)) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, EMPTY, EMPTY, 1))).toEqual(['']);
        expect(await keysOf(store.scan(0, EMPTY, EMPTY, 5))).toEqual(ORDERED_KEYS.slice(0, 5).map(hex));
        expect(await keysOf(store.scan(0, bytes(0x7f), bytes(0xff), 3))).toEqual(['7f', '7fff', '80']);
      });

      it('scan with a limit larger than the range returns the whole range', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, EMPTY, EMPTY, ORDERED_KEYS.length))).toEqual(ORDERED_KEYS.map(hex));
        expect(await keysOf(store.scan(0, EMPTY, EMPTY, 1000))).toEqual(ORDERED_KEYS.map(hex));
        expect(await keysOf(store.scan(0, bytes(0xff), EMPTY, 10))).toEqual(['ff', 'ff00', 'ffff']);
      });

      it('scan with limit Infinity returns every entry of the range', async () => {
        const store = fixture.ext;
        const keys = Array.from({ length: 300 }, (_, i) => bytes(i >> 8, i & 0xff));
        for (const key of shuffled(keys)) await store.put(0, key, key, 1);
        expect(await keysOf(store.scan(0, EMPTY, EMPTY, Number.POSITIVE_INFINITY))).toEqual(keys.map(hex));
      });

      it('scan sees overwrites and does not see deleted keys', async () => {
        const store = fixture.ext;
        for (const key of ORDERED_KEYS) await store.put(0, key, bytes(1), 1);
        await store.put(0, bytes(0x41), bytes(2), 2);
        await store.delete(0, bytes(0x42), 2);
        await store.delete(0, EMPTY, 2);
        const entries = await dump(store, 0);
        expect(entries.map(([key]) => key)).toEqual(ORDERED_KEYS.map(hex).filter((key) => key !== '42' && key !== ''));
        expect(entries.find(([key]) => key === '41')).toEqual(['41', '02']);
      });
    });

    describe('no aliasing', () => {
      it('mutating the key and value buffers after put does not change what is stored', async () => {
        const store = fixture.ext;
        const key = utf8('key');
        const value = utf8('value');
        await store.put(0, key, value, 1);
        key.fill(0x7a);
        value.fill(0x21);
        expect(await storedHex(store, 0, utf8('key'))).toBe(hex(utf8('value')));
        expect(await store.get(0, key)).toBeUndefined();
        expect(await dump(store, 0)).toEqual([[hex(utf8('key')), hex(utf8('value'))]]);
      });

      it('put stores only the bytes of a view, not the rest of its buffer', async () => {
        const store = fixture.ext;
        const backing = utf8('xxKEYxxVALUExx');
        await store.put(0, backing.subarray(2, 5), backing.subarray(7, 12), 1);
        expect(await storedHex(store, 0, utf8('KEY'))).toBe(hex(utf8('VALUE')));
        expect(await dump(store, 0)).toEqual([[hex(utf8('KEY')), hex(utf8('VALUE'))]]);
      });

      it('get, delete and scan read only the bytes of a view', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('b'), utf8('2'), 1);
        await store.put(0, utf8('c'), utf8('3'), 1);
        const backing = utf8('abcd');
        expect(await storedHex(store, 0, backing.subarray(1, 2))).toBe(hex(utf8('2')));
        expect(await keysOf(store.scan(0, backing.subarray(1, 2), backing.subarray(2, 3), 10))).toEqual([
          hex(utf8('b')),
        ]);
        await store.delete(0, backing.subarray(2, 3), 2);
        expect(await dump(store, 0)).toEqual([[hex(utf8('b')), hex(utf8('2'))]]);
      });

      it('mutating a buffer returned by get does not change what is stored', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('k'), utf8('value'), 1);
        const first = await store.get(0, utf8('k'));
        first?.fill(0);
        expect(await storedHex(store, 0, utf8('k'))).toBe(hex(utf8('value')));
      });

      it('mutating buffers returned by scan does not change what is stored', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('a'), utf8('1'), 1);
        await store.put(0, utf8('b'), utf8('2'), 1);
        const entries = await store.scan(0, EMPTY, EMPTY, Number.POSITIVE_INFINITY);
        for (const [key, value] of entries) {
          key.fill(0x7a);
          value.fill(0x7a);
        }
        entries.length = 0;
        expect(await dump(store, 0)).toEqual([
          [hex(utf8('a')), hex(utf8('1'))],
          [hex(utf8('b')), hex(utf8('2'))],
        ]);
        expect(await storedHex(store, 0, utf8('a'))).toBe(hex(utf8('1')));
      });

      it('two reads of one key return distinct buffers', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('k'), utf8('value'), 1);
        const first = await store.get(0, utf8('k'));
        const second = await store.get(0, utf8('k'));
        first?.fill(0);
        expect(hex(second ?? EMPTY)).toBe(hex(utf8('value')));
      });
    });

    describe('bad arguments', () => {
      const key = utf8('k1');
      const value = utf8('v1');
      const seeded = new WeakSet<StorageExtension>();

      /** Seeds two tables, runs `call`, checks it rejected naming the argument, and that nothing changed. */
      async function expectRejectedAndUnchanged(
        method: string,
        args: readonly unknown[],
        argumentNames: readonly string[],
        kind?: typeof TypeError | typeof RangeError,
      ): Promise<void> {
        const store = fixture.ext;
        if (!seeded.has(store)) {
          // Once per test: the rejected calls must not change it, so it stays the same.
          await store.put(0, key, value, 1);
          await store.put(0, utf8('k2'), utf8('v2'), 1);
          await store.put(1, key, utf8('other table'), 1);
          seeded.add(store);
        }
        const before = [await dump(store, 0), await dump(store, 1)];
        const what = describeCall(method, args);
        const error = await rejectionOf(() => callLoosely(store, method, args), what);
        expectArgumentError(error, argumentNames, what, kind);
        expect([await dump(store, 0), await dump(store, 1)], `${what} must leave the store unchanged`).toEqual(before);
      }

      it('every method rejects a table id that is not an integer in [0, 2^32), naming table', async () => {
        for (const table of BAD_TABLES) {
          await expectRejectedAndUnchanged('get', [table, key], ['table']);
          await expectRejectedAndUnchanged('put', [table, key, utf8('new'), 2], ['table']);
          await expectRejectedAndUnchanged('delete', [table, key, 2], ['table']);
          await expectRejectedAndUnchanged('scan', [table, EMPTY, EMPTY, 10], ['table']);
        }
      });

      it('every method rejects a key that is not a Uint8Array, naming key', async () => {
        for (const [, bad] of NOT_BYTES) {
          await expectRejectedAndUnchanged('get', [0, bad], ['key']);
          await expectRejectedAndUnchanged('put', [0, bad, utf8('new'), 2], ['key']);
          await expectRejectedAndUnchanged('delete', [0, bad, 2], ['key']);
        }
      });

      it('put rejects a value that is not a Uint8Array, naming value, keeping the old value', async () => {
        for (const [, bad] of NOT_BYTES) {
          await expectRejectedAndUnchanged('put', [0, key, bad, 2], ['value']);
          await expectRejectedAndUnchanged('put', [0, utf8('new-key'), bad, 2], ['value']);
        }
      });

      it('put and delete reject a transaction id that is not a safe integer >= 0, naming txn', async () => {
        for (const txn of BAD_TXNS) {
          await expectRejectedAndUnchanged('put', [0, key, utf8('new'), txn], ['txn']);
          await expectRejectedAndUnchanged('put', [0, utf8('new-key'), utf8('new'), txn], ['txn']);
          await expectRejectedAndUnchanged('delete', [0, key, txn], ['txn']);
        }
      });

      it('scan rejects start and end that are not Uint8Arrays, naming them', async () => {
        for (const [, bad] of NOT_BYTES) {
          await expectRejectedAndUnchanged('scan', [0, bad, EMPTY, 10], ['start']);
          await expectRejectedAndUnchanged('scan', [0, EMPTY, bad, 10], ['end']);
        }
      });

      it('scan rejects a limit that is not a non-negative integer or Infinity, naming limit', async () => {
        for (const limit of BAD_LIMITS) {
          await expectRejectedAndUnchanged('scan', [0, EMPTY, EMPTY, limit], ['limit']);
        }
      });

      it('scan rejects start after a non-empty end with a RangeError', async () => {
        await expectRejectedAndUnchanged('scan', [0, bytes(0x02), bytes(0x01), 10], ['start', 'end'], RangeError);
        await expectRejectedAndUnchanged('scan', [0, bytes(0x80), bytes(0x7f), 10], ['start', 'end'], RangeError);
        await expectRejectedAndUnchanged('scan', [0, bytes(0x01, 0x00), bytes(0x01), 10], ['start', 'end'], RangeError);
      });
    });

    describe('maintenance', () => {
      it('flush resolves and keeps every entry', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('a'), utf8('1'), 1);
        await store.put(3, utf8('b'), utf8('2'), 1);
        await expect(store.flush()).resolves.toBeUndefined();
        expect(await dump(store, 0)).toEqual([[hex(utf8('a')), hex(utf8('1'))]]);
        expect(await dump(store, 3)).toEqual([[hex(utf8('b')), hex(utf8('2'))]]);
      });

      it('compact, when present, resolves and keeps every entry', async (context) => {
        const store = fixture.ext;
        if (typeof store.compact !== 'function') context.skip('this storage has no compact()');
        for (let i = 0; i < 20; i++) await store.put(0, bytes(i), bytes(i), 1);
        for (let i = 0; i < 20; i += 2) await store.delete(0, bytes(i), 2);
        await expect(store.compact?.()).resolves.toBeUndefined();
        expect(await keysOf(store.scan(0, EMPTY, EMPTY, Number.POSITIVE_INFINITY))).toEqual(
          Array.from({ length: 10 }, (_, i) => hex(bytes(2 * i + 1))),
        );
      });

      it('stats, when present, reports non-negative finite figures', async (context) => {
        const store = fixture.ext;
        if (typeof store.stats !== 'function') context.skip('this storage has no stats()');
        await store.put(0, utf8('a'), utf8('1'), 1);
        const stats = store.stats?.();
        for (const field of ['bytesStored', 'keyCount', 'pendingCompactionBytes', 'writeAmplification'] as const) {
          const figure = stats?.[field];
          expect(typeof figure, `stats().${field} must be a number`).toBe('number');
          expect(Number.isFinite(figure) && (figure as number) >= 0, `stats().${field} is ${figure}`).toBe(true);
        }
      });

      it('stats().keyCount, when present, counts keys over every table through puts, overwrites and deletes', async (context) => {
        const store = fixture.ext;
        if (typeof store.stats !== 'function') context.skip('this storage has no stats()');
        if (options.approximateStats === true) context.skip('options.approximateStats: keyCount is an estimate');
        expect(store.stats?.().keyCount).toBe(0);
        await store.put(0, utf8('a'), utf8('1'), 1);
        await store.put(0, utf8('b'), utf8('1'), 1);
        await store.put(1, utf8('a'), utf8('1'), 1);
        expect(store.stats?.().keyCount).toBe(3);
        await store.put(0, utf8('a'), utf8('2'), 2);
        expect(store.stats?.().keyCount).toBe(3);
        await store.delete(0, utf8('b'), 3);
        await store.delete(0, utf8('absent'), 3);
        expect(store.stats?.().keyCount).toBe(2);
      });
    });

    describe('optional: scanReverse', () => {
      type Reverse = (table: number, start: Uint8Array, end: Uint8Array, limit: number) => Promise<Entry[]>;
      function reverseOf(store: StorageExtension, context: SkipContext): Reverse {
        const method = (store as { scanReverse?: unknown }).scanReverse;
        if (typeof method !== 'function') context.skip('this storage has no scanReverse()');
        return (method as Reverse).bind(store);
      }

      it('scanReverse, when present, returns the range of scan in descending order', async (context) => {
        const store = fixture.ext;
        const scanReverse = reverseOf(store, context);
        for (const key of shuffled(ORDERED_KEYS)) await store.put(0, key, key, 1);
        for (const [start, end] of RANGES) {
          const forward = await keysOf(store.scan(0, start, end, Number.POSITIVE_INFINITY));
          const what = `scanReverse(0, ${show(start)}, ${show(end)}, Infinity)`;
          expect(await keysOf(scanReverse(0, start, end, Number.POSITIVE_INFINITY)), what).toEqual(forward.reverse());
        }
      });

      it('scanReverse, when present, returns the highest limit keys of the range, end exclusive', async (context) => {
        const store = fixture.ext;
        const scanReverse = reverseOf(store, context);
        for (const key of shuffled(ORDERED_KEYS)) await store.put(0, key, utf8(`v${hex(key)}`), 1);
        expect(await keysOf(scanReverse(0, bytes(0x01), bytes(0x80), 3))).toEqual(['7fff', '7f', '61']);
        expect(await keysOf(scanReverse(0, EMPTY, EMPTY, 2))).toEqual(['ffff', 'ff00']);
        expect(await scanReverse(0, EMPTY, EMPTY, 0)).toEqual([]);
        const [entry] = await scanReverse(0, EMPTY, bytes(0x41), 1);
        expect(entry && [hex(entry[0]), hex(entry[1])]).toEqual(['01', hex(utf8('v01'))]);
      });

      it('scanReverse, when present, hands out copies the caller may mutate', async (context) => {
        const store = fixture.ext;
        const scanReverse = reverseOf(store, context);
        await store.put(0, utf8('a'), utf8('1'), 1);
        for (const [key, value] of await scanReverse(0, EMPTY, EMPTY, Number.POSITIVE_INFINITY)) {
          key.fill(0);
          value.fill(0);
        }
        expect(await dump(store, 0)).toEqual([[hex(utf8('a')), hex(utf8('1'))]]);
      });

      it('scanReverse, when present, rejects bad arguments like scan, naming them', async (context) => {
        const store = fixture.ext;
        reverseOf(store, context);
        const cases: Array<[unknown[], string[]]> = [
          [[-1, EMPTY, EMPTY, 1], ['table']],
          [[0, 'a', EMPTY, 1], ['start']],
          [[0, EMPTY, null, 1], ['end']],
          [[0, EMPTY, EMPTY, -1], ['limit']],
          [[0, EMPTY, EMPTY, Number.NaN], ['limit']],
          [
            [0, bytes(2), bytes(1), 1],
            ['start', 'end'],
          ],
        ];
        for (const [args, names] of cases) {
          const what = describeCall('scanReverse', args);
          expectArgumentError(await rejectionOf(() => callLoosely(store, 'scanReverse', args), what), names, what);
        }
      });
    });

    describe('optional: iterate', () => {
      type Iterate = (table: number, options?: IterateOptions) => AsyncIterator<Entry> & AsyncIterable<Entry>;
      function iterateOf(store: StorageExtension, context: SkipContext): Iterate {
        const method = (store as { iterate?: unknown }).iterate;
        if (typeof method !== 'function') context.skip('this storage has no iterate()');
        return (method as Iterate).bind(store);
      }
      async function collect(iterable: AsyncIterable<Entry>): Promise<Array<[string, string]>> {
        const out: Array<[string, string]> = [];
        for await (const [key, value] of iterable) out.push([hex(key), hex(value)]);
        return out;
      }

      it('iterate, when present, walks the entries scan returns, ascending or descending, with limit', async (context) => {
        const store = fixture.ext;
        const iterate = iterateOf(store, context);
        for (const key of shuffled(ORDERED_KEYS)) await store.put(0, key, utf8(`v${hex(key)}`), 1);
        for (const [start, end] of RANGES) {
          for (const limit of [0, 1, 3, Number.POSITIVE_INFINITY]) {
            const forward = (await store.scan(0, start, end, Number.POSITIVE_INFINITY)).map(
              ([key, value]): [string, string] => [hex(key), hex(value)],
            );
            const what = `iterate(0, { start: ${show(start)}, end: ${show(end)}, limit: ${limit}`;
            expect(await collect(iterate(0, { start, end, limit })), `${what} })`).toEqual(forward.slice(0, limit));
            expect(
              await collect(iterate(0, { start, end, limit, reverse: true })),
              `${what}, reverse: true })`,
            ).toEqual(forward.reverse().slice(0, limit));
          }
        }
        expect(await collect(iterate(0))).toEqual(await dump(store, 0));
      });

      it('iterate, when present, walks a range larger than one batch without repeating or skipping keys', async (context) => {
        const store = fixture.ext;
        const iterate = iterateOf(store, context);
        const keys = Array.from({ length: 1500 }, (_, i) => bytes(i >> 8, i & 0xff));
        for (const key of keys) await store.put(2, key, key, 1);
        expect((await collect(iterate(2))).map(([key]) => key)).toEqual(keys.map(hex));
        expect((await collect(iterate(2, { reverse: true }))).map(([key]) => key)).toEqual(keys.map(hex).reverse());
      });

      it('iterate, when present, reports bad arguments as a rejected next(), naming them', async (context) => {
        const store = fixture.ext;
        iterateOf(store, context);
        const cases: Array<[unknown[], string[]]> = [
          [[-1], ['table']],
          [[0, { start: 'a' }], ['start']],
          [[0, { end: 5 }], ['end']],
          [[0, { limit: -1 }], ['limit']],
          [
            [0, { start: bytes(2), end: bytes(1) }],
            ['start', 'end'],
          ],
        ];
        for (const [args, names] of cases) {
          const what = `${describeCall('iterate', args)}.next()`;
          const error = await rejectionOf(() => {
            const iterator = callLoosely(store, 'iterate', args) as AsyncIterator<Entry>;
            return iterator.next();
          }, what);
          expectArgumentError(error, names, what);
        }
      });
    });

    describe('after shutdown', () => {
      it('every method rejects with a KernelError coded SOCHDB_CLOSED', async () => {
        const store = fixture.ext;
        await store.put(0, utf8('a'), utf8('1'), 1);
        await fixture.shutdown();
        const calls: Array<[string, unknown[]]> = [
          ['get', [0, utf8('a')]],
          ['put', [0, utf8('b'), utf8('2'), 2]],
          ['delete', [0, utf8('a'), 2]],
          ['scan', [0, EMPTY, EMPTY, Number.POSITIVE_INFINITY]],
          ['flush', []],
        ];
        if (typeof store.compact === 'function') calls.push(['compact', []]);
        if (typeof (store as { scanReverse?: unknown }).scanReverse === 'function') {
          calls.push(['scanReverse', [0, EMPTY, EMPTY, Number.POSITIVE_INFINITY]]);
        }
        for (const [method, args] of calls) {
          const what = `${describeCall(method, args)} after shutdown`;
          const error = await rejectionOf(() => callLoosely(store, method, args), what);
          expect(isKernelError(error), `${what} must reject with a KernelError; got ${show(error)}`).toBe(true);
          expect((error as { code?: unknown }).code, `${what}: error code`).toBe(ErrorCode.CLOSED);
        }
        if (typeof (store as { iterate?: unknown }).iterate === 'function') {
          const what = 'iterate(0).next() after shutdown';
          const error = await rejectionOf(
            () => (callLoosely(store, 'iterate', [0]) as AsyncIterator<Entry>).next(),
            what,
          );
          expect(isKernelError(error), `${what} must reject with a KernelError; got ${show(error)}`).toBe(true);
          expect((error as { code?: unknown }).code, `${what}: error code`).toBe(ErrorCode.CLOSED);
        }
      });
    });
  });
}
