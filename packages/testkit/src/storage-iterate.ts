import { ErrorCode, isKernelError, type StorageExtension } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, hex, show, utf8 } from './bytes.js';
import { callLoosely, describeCall, expectArgumentError, rejectionOf } from './call.js';
import type { Fixture } from './lifecycle.js';
import {
  dump,
  type Entry,
  fill,
  type IterateOptions,
  numberedKey,
  type OptionalStorageMethods,
  ORDERED_KEYS,
  RANGES,
  type SkipContext,
  shuffled,
} from './storage-shared.js';

type Iterate = (table: number, options?: IterateOptions) => AsyncIterableIterator<Entry>;

/** The instance's `iterate`, bound; skips the test when it has none. */
function iterateOf(store: StorageExtension, context: SkipContext): Iterate {
  const method = (store as OptionalStorageMethods).iterate;
  if (typeof method !== 'function') context.skip('this storage has no iterate()');
  return method.bind(store) as Iterate;
}

/** Every entry the iterable yields, as `[hex key, hex value]`. */
async function collect(iterable: AsyncIterable<Entry>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for await (const [key, value] of iterable) out.push([hex(key), hex(value)]);
  return out;
}

/** Entries of a walk long enough that a store must let the event loop turn during it. */
const LONG_WALK = 20_000;

/**
 * Registers the tests of the optional `iterate` (contract 1.1), each skipped
 * when the instance has none.
 */
export function describeIterate(fixture: Fixture<StorageExtension>): void {
  describe('optional: iterate', () => {
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
          expect(await collect(iterate(0, { start, end, limit, reverse: true })), `${what}, reverse: true })`).toEqual(
            forward.reverse().slice(0, limit),
          );
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

    it('iterate, when present, is a snapshot: it yields what the store held at the call, whatever is written after', async (context) => {
      const store = fixture.ext;
      const iterate = iterateOf(store, context);
      await fill(store, 0, 1200);
      const before = await dump(store, 0);
      for (const reverse of [false, true]) {
        const iterator = iterate(0, { reverse });
        // Written after the call, before the first next(): a lazy snapshot sees these.
        await store.put(0, numberedKey(5000), utf8('new'), 2);
        await store.put(0, numberedKey(600), utf8('overwritten'), 2);
        await store.delete(0, numberedKey(1), 2);
        await store.delete(0, numberedKey(1198), 2);
        const seen: Array<[string, string]> = [];
        for (let step = 0; ; step++) {
          const next = await iterator.next();
          if (next.done === true) break;
          seen.push([hex(next.value[0]), hex(next.value[1])]);
          if (step === 10) {
            // Written mid-walk, ahead of the walk in both directions: a walk that re-reads the store sees these.
            await store.put(0, numberedKey(700), utf8('mid-walk'), 3);
            await store.delete(0, numberedKey(400), 3);
            await store.delete(0, numberedKey(800), 3);
            await store.put(0, bytes(0, 0, 2, 0x58, 0), utf8('inserted'), 3);
          }
        }
        expect(seen, `iterate(0, { reverse: ${reverse} }) must yield the store as it was at the call`).toEqual(
          reverse ? [...before].reverse() : before,
        );
        // Put the store back for the other direction.
        await store.delete(0, numberedKey(5000), 4);
        await store.delete(0, bytes(0, 0, 2, 0x58, 0), 4);
        await fill(store, 0, 1200);
        expect(await dump(store, 0)).toEqual(before);
      }
    });

    it('iterate, when present, copies its options at the call: changing them afterwards changes nothing', async (context) => {
      const store = fixture.ext;
      const iterate = iterateOf(store, context);
      for (const key of ORDERED_KEYS) await store.put(0, key, key, 1);
      const expected = (await collect(iterate(0, { start: bytes(0x41), end: bytes(0x80), limit: 4 }))).map(
        ([key]) => key,
      );
      expect(expected).toEqual(['41', '4100', '42', '61']);
      const options: IterateOptions = { start: bytes(0x41), end: bytes(0x80), limit: 4 };
      const start = options.start as Uint8Array;
      const end = options.end as Uint8Array;
      const iterator = iterate(0, options);
      start[0] = 0x00;
      end[0] = 0x42;
      options.limit = 1;
      options.reverse = true;
      options.start = bytes(0xfe);
      expect(
        (await collect(iterator)).map(([key]) => key),
        'iterate must copy its options and the start/end buffers when it is called',
      ).toEqual(expected);
    });

    it('iterate, when present, reports bad arguments as a rejected first next(), naming them', async (context) => {
      const store = fixture.ext;
      iterateOf(store, context);
      const cases: Array<[unknown[], string[]]> = [
        [[-1], ['table']],
        [[0, { start: 'a' }], ['start']],
        [[0, { end: 5 }], ['end']],
        [[0, { limit: -1 }], ['limit']],
        [[0, { limit: '3' }], ['limit']],
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

    it('iterate, when present, lets the event loop run during a long walk (a timer fires before it ends)', async (context) => {
      const store = fixture.ext;
      const iterate = iterateOf(store, context);
      await fill(store, 0, LONG_WALK);
      let seen = 0;
      let firedAt: number | undefined;
      for await (const _ of iterate(0)) {
        seen++;
        if (seen === 1) {
          // Armed once the walk is under way: it fires at the first turn of the event loop the walk allows.
          setImmediate(() => {
            firedAt = seen;
          });
        }
      }
      expect(seen).toBe(LONG_WALK);
      expect(
        firedAt,
        `a timer armed after the first of ${LONG_WALK} entries did not fire before the walk ended: iterate must let the event loop run between batches`,
      ).toBeLessThan(LONG_WALK);
    });

    it('iterate, when present, hands out buffers the caller may mutate', async (context) => {
      const store = fixture.ext;
      const iterate = iterateOf(store, context);
      await store.put(0, utf8('a'), utf8('1'), 1);
      await store.put(0, utf8('b'), utf8('2'), 1);
      for await (const [key, value] of iterate(0)) {
        key.fill(0x7a);
        value.fill(0x7a);
      }
      expect(await dump(store, 0)).toEqual([
        [hex(utf8('a')), hex(utf8('1'))],
        [hex(utf8('b')), hex(utf8('2'))],
      ]);
    });

    it('iterate, when present, ends the walk at return() (breaking out of for await): later next() calls are done', async (context) => {
      const store = fixture.ext;
      const iterate = iterateOf(store, context);
      await fill(store, 0, 600);
      for (let i = 0; i < 20; i++) {
        const iterator = iterate(0, { reverse: i % 2 === 1 });
        let taken = 0;
        for await (const _ of iterator) {
          if (++taken === 3) break;
        }
        const after = await iterator.next();
        expect(after.done, `next() after breaking out of iterate walk ${i} must be done`).toBe(true);
      }
      await store.put(0, utf8('after'), utf8('walks'), 2);
      expect(await store.get(0, utf8('after')), 'the store after 20 walks ended early').toBeDefined();
    });

    it('iterate, when present, rejects next() after shutdown with a KernelError coded SOCHDB_CLOSED', async (context) => {
      const store = fixture.ext;
      iterateOf(store, context);
      await store.put(0, utf8('a'), utf8('1'), 1);
      await fixture.shutdown();
      const what = 'iterate(0).next() after shutdown';
      const error = await rejectionOf(() => (callLoosely(store, 'iterate', [0]) as AsyncIterator<Entry>).next(), what);
      expect(isKernelError(error), `${what} must reject with a KernelError; got ${show(error)}`).toBe(true);
      expect((error as { code?: unknown }).code, `${what}: error code`).toBe(ErrorCode.CLOSED);
    });
  });
}
