import { describe, expect, it } from 'vitest';
import { type BatchOp, MemoryStorage } from '../src/index.js';

const EMPTY = new Uint8Array(0);
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined) => (value === undefined ? undefined : new TextDecoder().decode(value));

async function contents(store: MemoryStorage, table: number): Promise<string[]> {
  return (await store.scan(table, EMPTY, EMPTY, Infinity)).map(([k, v]) => `${text(k)}=${text(v)}`);
}

describe('batch', () => {
  it('applies puts and deletes in order, across tables, and counts them in stats', async () => {
    const store = new MemoryStorage();
    await store.put(1, utf8('gone'), utf8('x'), 0);
    await store.batch(
      [
        { type: 'put', table: 1, key: utf8('a'), value: utf8('1') },
        { type: 'put', table: 2, key: utf8('b'), value: utf8('2') },
        { type: 'delete', table: 1, key: utf8('gone') },
        { type: 'put', table: 1, key: utf8('a'), value: utf8('3') },
        { type: 'delete', table: 9, key: utf8('absent') },
      ],
      7,
    );
    expect(await contents(store, 1)).toEqual(['a=3']);
    expect(await contents(store, 2)).toEqual(['b=2']);
    expect(store.stats()).toMatchObject({ keyCount: 2, bytesStored: 4 });
    await store.batch([], 0);
  });

  it('checks every op first: a bad one rejects naming it, and nothing is applied', async () => {
    const store = new MemoryStorage();
    await store.put(1, utf8('a'), utf8('A'), 0);
    const good: BatchOp = { type: 'put', table: 1, key: utf8('b'), value: utf8('B') };
    const bad: Array<[unknown, unknown, RegExp]> = [
      [[good, { type: 'put', table: 1, key: 'c', value: utf8('C') }], 0, /ops\[1\]\.key/],
      [[good, { type: 'put', table: -1, key: utf8('c'), value: utf8('C') }], 0, /ops\[1\]\.table/],
      [[good, { type: 'put', table: 1, key: utf8('c') }], 0, /ops\[1\]\.value/],
      [[good, { type: 'merge', table: 1, key: utf8('c') }], 0, /ops\[1\]\.type/],
      [[good, null], 0, /ops\[1\]/],
      [[good, { type: 'delete', table: 1, key: utf8('a'), value: utf8('x') }], 0, /ops\[1\].*value/],
      [[good], -1, /txn/],
      ['not an array', 0, /ops/],
      [[good, { type: 'put', table: 1, key: new Uint8Array(1 << 20), value: EMPTY }], 0, /ops\[1\]\.key/],
    ];
    for (const [ops, txn, message] of bad) {
      await expect(store.batch(ops as BatchOp[], txn as number)).rejects.toThrow(message);
      expect(await contents(store, 1)).toEqual(['a=A']);
      expect(store.stats()).toMatchObject({ keyCount: 1, bytesStored: 2 });
    }
  });

  it('no reader sees part of a batch: an iterate snapshot and a scan started around it see none or all', async () => {
    const store = new MemoryStorage();
    const before = store.iterate(1);
    const ops: BatchOp[] = Array.from({ length: 1000 }, (_, i) => ({
      type: 'put',
      table: 1,
      key: utf8(`k${String(i).padStart(4, '0')}`),
      value: utf8('v'),
    }));
    const applying = store.batch(ops, 0);
    const during = store.scan(1, EMPTY, EMPTY, Infinity);
    await applying;
    expect((await during).length).toBe(1000);
    let seen = 0;
    for await (const _ of before) seen++;
    expect(seen).toBe(0);
  });

  it('copies keys and values in: the caller may reuse its buffers', async () => {
    const store = new MemoryStorage();
    const key = utf8('k');
    const value = utf8('v');
    await store.batch([{ type: 'put', table: 1, key, value }], 0);
    key[0] = 0;
    value[0] = 0;
    expect(await contents(store, 1)).toEqual(['k=v']);
  });

  it('rejects after shutdown with SOCHDB_CLOSED', async () => {
    const store = new MemoryStorage();
    await store.shutdown();
    await expect(store.batch([], 0)).rejects.toMatchObject({ code: 'SOCHDB_CLOSED' });
  });
});
