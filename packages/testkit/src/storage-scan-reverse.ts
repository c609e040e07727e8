import { ErrorCode, isKernelError, type StorageExtension } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { bytes, hex, show, utf8 } from './bytes.js';
import { callLoosely, describeCall, expectArgumentError, rejectionOf } from './call.js';
import type { Fixture } from './lifecycle.js';
import {
  dump,
  EMPTY,
  type Entry,
  keysOf,
  type OptionalStorageMethods,
  ORDERED_KEYS,
  RANGES,
  type SkipContext,
  shuffled,
} from './storage-shared.js';

type ScanReverse = (table: number, start: Uint8Array, end: Uint8Array, limit: number) => Promise<Entry[]>;

/** The instance's `scanReverse`, bound; skips the test when it has none. */
function reverseOf(store: StorageExtension, context: SkipContext): ScanReverse {
  const method = (store as OptionalStorageMethods).scanReverse;
  if (typeof method !== 'function') context.skip('this storage has no scanReverse()');
  return method.bind(store) as ScanReverse;
}

/** Registers the tests of the optional `scanReverse` (contract 1.1), each skipped when the instance has none. */
export function describeScanReverse(fixture: Fixture<StorageExtension>): void {
  describe('optional: scanReverse', () => {
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

    it('scanReverse, when present, rejects after shutdown with a KernelError coded SOCHDB_CLOSED', async (context) => {
      const store = fixture.ext;
      reverseOf(store, context);
      await store.put(0, utf8('a'), utf8('1'), 1);
      await fixture.shutdown();
      const args = [0, EMPTY, EMPTY, Number.POSITIVE_INFINITY];
      const what = `${describeCall('scanReverse', args)} after shutdown`;
      const error = await rejectionOf(() => callLoosely(store, 'scanReverse', args), what);
      expect(isKernelError(error), `${what} must reject with a KernelError; got ${show(error)}`).toBe(true);
      expect((error as { code?: unknown }).code, `${what}: error code`).toBe(ErrorCode.CLOSED);
    });
  });
}
