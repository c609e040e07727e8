import { ErrorCode, extensionProblem, isKernelError, type StorageExtension } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, hex, show, utf8 } from './bytes.js';
import { callLoosely, describeCall, expectArgumentError, rejectionOf } from './call.js';
import { checkFactory, type Factory, freshInstance } from './lifecycle.js';
import { describeBatch } from './storage-batch.js';
import { describeDurability, type Reopen } from './storage-durability.js';
import { describeIterate } from './storage-iterate.js';
import { describeScanReverse } from './storage-scan-reverse.js';
import { dump, EMPTY, keysOf, largeValue, ORDERED_KEYS, sameBytes, shuffled, storedHex } from './storage-shared.js';

/** Options of {@link storageConformance}; `S` is the type the factory makes. */
export interface StorageConformanceOptions<S extends StorageExtension = StorageExtension> {
  /**
   * Set when `stats().keyCount` is an estimate (as in LSM engines): the suite
   * then only checks that every figure is a non-negative number, not that
   * `keyCount` follows puts and deletes exactly. Default `false`.
   */
  readonly approximateStats?: boolean;
  /**
   * For a durable store: makes a new, uninitialised instance on the same
   * location (directory, database) as `previous`. The suite calls `init()`
   * and `shutdown()` on what it returns, as it does for the factory's. With
   * it, the durability tests run: flushed writes survive a shutdown and a
   * reopen, shutdown flushes, nothing is written after `shutdown`, and a
   * second live instance on the location is refused with a `KernelError` of
   * kind `io`. Without it they are skipped.
   *
   * @example
   * ```ts
   * storageConformance('my-storage', () => new MyStorage({ path: tempDir() }), {
   *   reopen: (previous) => new MyStorage({ path: previous.path }),
   * });
   * ```
   */
  readonly reopen?: (previous: S) => S | Promise<S>;
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

/** The largest key and value every backend must accept (contract 1.1). */
const MAX_KEY_BYTES = 1024;
const MAX_VALUE_BYTES = 16 * 1024 * 1024;
let sixteenMiBValue: Uint8Array | undefined;
/** The 16 MiB value, made once per test file (the suite never changes it). */
function sixteenMiB(): Uint8Array {
  sixteenMiBValue ??= largeValue(MAX_VALUE_BYTES);
  return sixteenMiBValue;
}

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
 * Sizes: a 1 KiB key with a 16 MiB value; returned buffers are the caller's
 * own (transferring one with `structuredClone` leaves every other result and
 * later calls intact).
 *
 * The optional methods of contract 1.1 are tested when the instance has them:
 * `scanReverse(table, start, end, limit)` (the range of `scan`, descending),
 * `iterate(table, { start, end, reverse, limit })` (a snapshot, options copied
 * at the call, a bad one rejecting the first `next()`, the event loop let run
 * during a long walk, `return()` ending it) and `batch(ops, txn)` (atomic,
 * nothing applied when one op is bad). Only their own tests call them: a store
 * whose method of that name has another signature fails those tests, never
 * the required ones. With `options.reopen`, durability is checked too.
 *
 * @param name - shown in the `describe` title, e.g. the package name
 * @param factory - makes a fresh, empty, uninitialised instance; called once per test. The suite calls `init()` and `shutdown()` itself.
 * @param options - see {@link StorageConformanceOptions}
 */
export function storageConformance<S extends StorageExtension>(
  name: string,
  factory: () => S | Promise<S>,
  options: StorageConformanceOptions<S> = {},
): void {
  checkFactory('storageConformance', 'storage', factory);
  const reopen: Reopen<S> | undefined = options.reopen;
  if (reopen !== undefined && typeof reopen !== 'function') {
    throw new TypeError(
      `storageConformance: options.reopen must be a function (previous) => new instance on the same location; got ${show(reopen)}`,
    );
  }
  describe(`${name} — storage conformance (@sochdb/core 1.x)`, () => {
    const fixture = freshInstance<S>(factory as Factory<S>, 'storage');

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

      it('accepts keys up to 1 KiB and values up to 16 MiB', async () => {
        const store = fixture.ext;
        const key = Uint8Array.from({ length: MAX_KEY_BYTES }, (_, i) => (i * 7) & 0xff);
        const value = sixteenMiB();
        await store.put(0, key, value, 1);
        await store.put(0, utf8('small'), utf8('v'), 1);
        const got = await store.get(0, key);
        expect(got?.length, 'get of the 16 MiB value: length').toBe(value.length);
        expect(got !== undefined && sameBytes(got, value), 'the 16 MiB value read back differs from the one put').toBe(
          true,
        );
        const [entry] = await store.scan(0, key, EMPTY, 1);
        expect(entry && hex(entry[0]), 'scan: the 1 KiB key').toBe(hex(key));
        expect(entry !== undefined && sameBytes(entry[1], value), 'scan: the 16 MiB value').toBe(true);
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

      it('a returned buffer transferred away (structuredClone with transfer) changes no other result and no later call', async () => {
        const store = fixture.ext;
        const keys = ['a', 'b', 'c', 'd'];
        for (const key of keys) await store.put(0, utf8(key), utf8(`value of ${key}`), 1);
        const expected = keys.map((key) => [hex(utf8(key)), hex(utf8(`value of ${key}`))]);
        const entries = await store.scan(0, EMPTY, EMPTY, Number.POSITIVE_INFINITY);
        const single = await store.get(0, utf8('b'));
        const transfer = (buffer: Uint8Array, what: string): void => {
          try {
            structuredClone(buffer, { transfer: [buffer.buffer as ArrayBuffer] });
          } catch (error) {
            expect.fail(`${what} cannot be transferred (${String(error)}): results must own plain ArrayBuffers`);
          }
        };
        /** Every result but the transferred ones must still hold its bytes. */
        const expectOthersIntact = (transferred: ReadonlySet<string>, after: string): void => {
          entries.forEach(([key, value], i) => {
            if (!transferred.has(`key ${i}`)) {
              expect(hex(key), `scan entry ${i}'s key after transferring ${after}`).toBe(expected[i]?.[0]);
            }
            if (!transferred.has(`value ${i}`)) {
              expect(hex(value), `scan entry ${i}'s value after transferring ${after}`).toBe(expected[i]?.[1]);
            }
          });
          expect(hex(single ?? EMPTY), `the value get returned, after transferring ${after}`).toBe(
            hex(utf8('value of b')),
          );
        };
        expect(entries.map(([key, value]) => [hex(key), hex(value)])).toEqual(expected);
        transfer((entries[1] as [Uint8Array, Uint8Array])[1], "the second scan entry's value");
        expectOthersIntact(new Set(['value 1']), "the second scan entry's value (results must not share memory)");
        transfer((entries[2] as [Uint8Array, Uint8Array])[0], "the third scan entry's key");
        expectOthersIntact(new Set(['value 1', 'key 2']), "the third scan entry's key (results must not share memory)");
        transfer(single ?? EMPTY, 'the value returned by get');
        expect(await dump(store, 0), 'a later scan').toEqual(expected);
        expect(await storedHex(store, 0, utf8('b')), 'a later get').toBe(hex(utf8('value of b')));
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
        for (const [method, args] of calls) {
          const what = `${describeCall(method, args)} after shutdown`;
          const error = await rejectionOf(() => callLoosely(store, method, args), what);
          expect(isKernelError(error), `${what} must reject with a KernelError; got ${show(error)}`).toBe(true);
          expect((error as { code?: unknown }).code, `${what}: error code`).toBe(ErrorCode.CLOSED);
        }
      });
    });

    describeScanReverse(fixture);
    describeIterate(fixture);
    describeBatch(fixture);
    describeDurability(fixture, reopen);
  });
}
