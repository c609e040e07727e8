import { ErrorCode, isKernelError, type StorageExtension } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { hex, show, utf8 } from './bytes.js';
import { expectArgumentError, rejectionOf } from './call.js';
import type { Fixture } from './lifecycle.js';
import { type BatchOp, dump, numberedKey, type OptionalStorageMethods, type SkipContext } from './storage-shared.js';

type Batch = (ops: readonly BatchOp[], txn: number) => Promise<void>;

/** The instance's `batch`, bound; skips the test when it has none. */
function batchOf(store: StorageExtension, context: SkipContext): Batch {
  const method = (store as OptionalStorageMethods).batch;
  if (typeof method !== 'function') context.skip('this storage has no batch()');
  return method.bind(store) as Batch;
}

const put = (table: number, key: string, value: string): BatchOp => ({
  type: 'put',
  table,
  key: utf8(key),
  value: utf8(value),
});
const del = (table: number, key: string): BatchOp => ({ type: 'delete', table, key: utf8(key) });

/** Registers the tests of the optional `batch` (contract 1.1), each skipped when the instance has none. */
export function describeBatch(fixture: Fixture<StorageExtension>): void {
  describe('optional: batch', () => {
    it('batch, when present, applies puts and deletes across tables, in order, the last op on a key winning', async (context) => {
      const store = fixture.ext;
      const batch = batchOf(store, context);
      await store.put(0, utf8('old'), utf8('1'), 1);
      await store.put(1, utf8('gone'), utf8('1'), 1);
      await expect(
        batch(
          [
            put(0, 'a', '1'),
            put(3, 'a', 'three'),
            del(0, 'old'),
            del(1, 'gone'),
            put(0, 'b', 'first'),
            put(0, 'b', 'second'),
            put(0, 'c', 'put then deleted'),
            del(0, 'c'),
            del(0, 'd'),
            put(0, 'd', 'deleted then put'),
            del(0, 'absent'),
          ],
          2,
        ),
      ).resolves.toBeUndefined();
      expect(await dump(store, 0)).toEqual([
        [hex(utf8('a')), hex(utf8('1'))],
        [hex(utf8('b')), hex(utf8('second'))],
        [hex(utf8('d')), hex(utf8('deleted then put'))],
      ]);
      expect(await dump(store, 1)).toEqual([]);
      expect(await dump(store, 3)).toEqual([[hex(utf8('a')), hex(utf8('three'))]]);
      await expect(batch([], 3), 'batch([]) must resolve').resolves.toBeUndefined();
      expect((await dump(store, 0)).length).toBe(3);
    });

    it('batch, when present, with one bad op anywhere rejects naming it and applies nothing', async (context) => {
      const store = fixture.ext;
      const batch = batchOf(store, context);
      await store.put(0, utf8('a'), utf8('1'), 1);
      await store.put(1, utf8('b'), utf8('2'), 1);
      const good: BatchOp[] = [put(0, 'new', 'x'), del(0, 'a'), put(1, 'b', 'changed'), del(1, 'b')];
      const cases: Array<[string, unknown, unknown, string[]]> = [
        [
          'a table id out of range',
          [...good, { type: 'put', table: -1, key: utf8('k'), value: utf8('v') }],
          2,
          ['table'],
        ],
        ['a table id that is not an integer', [{ type: 'delete', table: 1.5, key: utf8('k') }, ...good], 2, ['table']],
        [
          'a key that is not a Uint8Array',
          [...good.slice(0, 2), { type: 'put', table: 0, key: 'k', value: utf8('v') }, ...good.slice(2)],
          2,
          ['key'],
        ],
        ['a delete without a key', [...good, { type: 'delete', table: 0 }], 2, ['key']],
        [
          'a value that is not a Uint8Array',
          [...good, { type: 'put', table: 0, key: utf8('k'), value: [1] }],
          2,
          ['value'],
        ],
        ['an unknown op type', [...good, { type: 'merge', table: 0, key: utf8('k'), value: utf8('v') }], 2, ['type']],
        ['an op that is not an object', [...good, null], 2, ['ops']],
        ['ops that are not an array', 'put a', 2, ['ops']],
        ['a bad transaction id', good, -1, ['txn']],
      ];
      const before = [await dump(store, 0), await dump(store, 1)];
      for (const [problem, ops, txn, names] of cases) {
        const what = `batch with ${problem}`;
        const error = await rejectionOf(() => (batch as (ops: unknown, txn: unknown) => unknown)(ops, txn), what);
        expectArgumentError(error, names, what);
        expect([await dump(store, 0), await dump(store, 1)], `${what} must apply none of its ops`).toEqual(before);
      }
    });

    it('batch, when present, is atomic: no reader sees some of its ops and not others', async (context) => {
      const store = fixture.ext;
      const batch = batchOf(store, context);
      const count = 200;
      for (let i = 0; i < count; i++) await store.put(0, numberedKey(i), utf8('old'), 1);
      const ops: BatchOp[] = [];
      for (let i = 0; i < count; i++) {
        ops.push(
          i % 2 === 0
            ? { type: 'put', table: 0, key: numberedKey(i), value: utf8('new') }
            : { type: 'delete', table: 0, key: numberedKey(i) },
        );
      }
      const before = await dump(store, 0);
      const after = before.filter((_, i) => i % 2 === 0).map(([key]): [string, string] => [key, hex(utf8('new'))]);
      const whole = [JSON.stringify(before), JSON.stringify(after)];
      let reads = 0;
      const partial: string[] = [];
      // Records what each read saw; asserted once every read has settled.
      const check = async (read: Promise<Array<[string, string]>>): Promise<void> => {
        const seen = await read;
        reads++;
        if (!whole.includes(JSON.stringify(seen))) partial.push(`read ${reads} saw ${seen.length} keys`);
      };
      let settled = false;
      const applying = batch(ops, 2).finally(() => {
        settled = true;
      });
      // Readers started right after the call, then one per turn of the event loop until the batch settles.
      const first = Array.from({ length: 5 }, () => check(dump(store, 0)));
      while (!settled) {
        await check(dump(store, 0));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await applying;
      await Promise.all(first);
      expect(
        partial,
        `reads made during the batch saw part of it (before: ${count} keys, after: ${after.length})`,
      ).toEqual([]);
      expect(await dump(store, 0)).toEqual(after);
    });

    it('batch, when present, copies its ops at the call: changing them afterwards changes nothing', async (context) => {
      const store = fixture.ext;
      const batch = batchOf(store, context);
      const ops: BatchOp[] = [put(0, 'a', '1'), put(0, 'b', '2'), put(0, 'gone', 'x'), del(0, 'gone')];
      const applying = batch(ops, 1);
      (ops[0] as { key: Uint8Array }).key.fill(0x7a);
      (ops[1] as { value: Uint8Array }).value.fill(0x7a);
      ops.push(del(0, 'a'));
      ops[3] = put(0, 'c', '3');
      await applying;
      expect(await dump(store, 0), 'batch must copy the ops and their buffers when it is called').toEqual([
        [hex(utf8('a')), hex(utf8('1'))],
        [hex(utf8('b')), hex(utf8('2'))],
      ]);
    });

    it('batch, when present, rejects after shutdown with a KernelError coded SOCHDB_CLOSED', async (context) => {
      const store = fixture.ext;
      const batch = batchOf(store, context);
      await store.put(0, utf8('a'), utf8('1'), 1);
      await fixture.shutdown();
      const what = 'batch([put a], 2) after shutdown';
      const error = await rejectionOf(() => batch([put(0, 'a', '2'), del(0, 'x')], 2), what);
      expect(isKernelError(error), `${what} must reject with a KernelError; got ${show(error)}`).toBe(true);
      expect((error as { code?: unknown }).code, `${what}: error code`).toBe(ErrorCode.CLOSED);
    });
  });
}
