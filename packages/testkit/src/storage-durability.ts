import { extensionProblem, isKernelError, type StorageExtension } from '@sochdb/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hex, show, utf8 } from './bytes.js';
import { describeCall } from './call.js';
import type { Fixture } from './lifecycle.js';
import { type BatchOp, dump, type OptionalStorageMethods, type SkipContext } from './storage-shared.js';

/** Makes a new, uninitialised instance on the location of `previous`. */
export type Reopen<S extends StorageExtension> = (previous: S) => S | Promise<S>;

const LAST_TABLE = 2 ** 32 - 1;

/**
 * Registers the durability tests: run only when the suite was given
 * `options.reopen` (skipped, with a note, otherwise).
 */
export function describeDurability<S extends StorageExtension>(
  fixture: Fixture<S>,
  reopen: Reopen<S> | undefined,
): void {
  /** A reopened instance, made and initialised by the suite, shut down after the test unless the test did. */
  interface Reopened {
    readonly ext: S;
    shutdown(): Promise<void>;
  }

  /** Calls `reopen(previous)` and checks what it made; does not `init` it. */
  async function make(previous: S, context: SkipContext): Promise<S> {
    if (reopen === undefined) context.skip('options.reopen not given: durability is checked for stores that persist');
    const made = await reopen(previous);
    const problem = extensionProblem(made, 'storage');
    if (problem !== undefined) throw new TypeError(`options.reopen made something that is not a storage: ${problem}`);
    expect(made, 'options.reopen must return a new instance, not the one it was given').not.toBe(previous);
    return made;
  }

  /** A new instance on the location of `previous`, initialised (the previous one must be shut down). */
  async function reopened(previous: S, context: SkipContext): Promise<Reopened> {
    const made = await make(previous, context);
    await made.init?.();
    let down = false;
    const shutdown = async (): Promise<void> => {
      if (down) return;
      down = true;
      await made.shutdown?.();
    };
    onTestFinished(shutdown);
    return { ext: made, shutdown };
  }

  describe('durability (with options.reopen)', () => {
    it('writes that resolved before flush survive shutdown and a reopen, over every table', async (context) => {
      if (reopen === undefined) context.skip('options.reopen not given: durability is checked for stores that persist');
      const store = fixture.ext;
      await store.put(0, utf8('a'), utf8('1'), 1);
      await store.put(0, utf8('b'), utf8('2'), 1);
      await store.put(0, utf8('c'), utf8('3'), 1);
      await store.put(7, utf8('a'), utf8('seven'), 1);
      await store.put(LAST_TABLE, new Uint8Array(0), utf8('last'), 1);
      await store.put(0, utf8('a'), utf8('1 again'), 2);
      await store.delete(0, utf8('b'), 2);
      await store.flush();
      const expected = [await dump(store, 0), await dump(store, 7), await dump(store, LAST_TABLE)];
      await fixture.shutdown();
      const next = (await reopened(store, context)).ext;
      expect(
        [await dump(next, 0), await dump(next, 7), await dump(next, LAST_TABLE)],
        'what a reopened instance holds',
      ).toEqual(expected);
    });

    it('shutdown flushes: writes that resolved before shutdown survive a reopen', async (context) => {
      if (reopen === undefined) context.skip('options.reopen not given: durability is checked for stores that persist');
      const store = fixture.ext;
      await store.put(0, utf8('flushed'), utf8('1'), 1);
      await store.flush();
      await store.put(0, utf8('after flush'), utf8('2'), 2);
      await store.delete(0, utf8('flushed'), 2);
      await fixture.shutdown();
      const next = (await reopened(store, context)).ext;
      expect(await dump(next, 0), 'shutdown must flush what resolved before it').toEqual([
        [hex(utf8('after flush')), hex(utf8('2'))],
      ]);
    });

    it('nothing is written after shutdown: every call rejects and a reopened instance does not see them', async (context) => {
      if (reopen === undefined) context.skip('options.reopen not given: durability is checked for stores that persist');
      const store = fixture.ext;
      await store.put(0, utf8('kept'), utf8('1'), 1);
      await fixture.shutdown();
      const calls: Array<[string, () => unknown]> = [
        [describeCall('put', [0, utf8('late'), utf8('2'), 2]), () => store.put(0, utf8('late'), utf8('2'), 2)],
        [describeCall('put', [0, utf8('kept'), utf8('3'), 2]), () => store.put(0, utf8('kept'), utf8('3'), 2)],
        [describeCall('delete', [0, utf8('kept'), 2]), () => store.delete(0, utf8('kept'), 2)],
        ['flush()', () => store.flush()],
      ];
      const batch = (store as OptionalStorageMethods).batch;
      if (typeof batch === 'function') {
        const ops: BatchOp[] = [
          { type: 'put', table: 0, key: utf8('late batch'), value: utf8('4') },
          { type: 'delete', table: 0, key: utf8('kept') },
        ];
        calls.push(['batch([put "late batch", delete "kept"], 2)', () => batch.call(store, ops, 2)]);
      }
      for (const [what, call] of calls) {
        let outcome = 'resolved';
        try {
          await call();
        } catch {
          outcome = 'rejected';
        }
        expect(outcome, `${what} after shutdown`).toBe('rejected');
      }
      const next = (await reopened(store, context)).ext;
      expect(await dump(next, 0), 'a reopened instance must hold only what was written before shutdown').toEqual([
        [hex(utf8('kept')), hex(utf8('1'))],
      ]);
    });

    it('a second live instance on the location is refused with a KernelError of kind io, and the first keeps working', async (context) => {
      const store = fixture.ext;
      await store.put(0, utf8('a'), utf8('1'), 1);
      const second = await make(store, context);
      let refusal: unknown;
      let opened = false;
      try {
        await second.init?.();
        opened = true;
      } catch (error) {
        refusal = error;
      }
      if (opened) onTestFinished(async () => second.shutdown?.());
      expect(opened, 'init() of a second instance on a location held by a live one must be refused').toBe(false);
      expect(isKernelError(refusal), `the refusal must be a KernelError; got ${show(refusal)}`).toBe(true);
      expect((refusal as { kind?: unknown }).kind, 'the refusal must be of kind io').toBe('io');
      await store.put(0, utf8('b'), utf8('2'), 2);
      expect(await dump(store, 0), 'the first instance after the refusal').toEqual([
        [hex(utf8('a')), hex(utf8('1'))],
        [hex(utf8('b')), hex(utf8('2'))],
      ]);
    });

    it('shutdown releases the location: it reopens again and again, each instance seeing the last', async (context) => {
      if (reopen === undefined) context.skip('options.reopen not given: durability is checked for stores that persist');
      let previous = fixture.ext;
      await previous.put(0, utf8('0'), utf8('0'), 1);
      await fixture.shutdown();
      for (let round = 1; round <= 3; round++) {
        const next = await reopened(previous, context);
        expect((await dump(next.ext, 0)).length, `instance ${round} must see the ${round} keys written before it`).toBe(
          round,
        );
        await next.ext.put(0, utf8(String(round)), utf8(String(round)), round + 1);
        await next.shutdown();
        previous = next.ext;
      }
    });
  });
}
