import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode, isKernelError, isPluginModule, KernelError, loadPlugin, PluginManager } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { hasSyncProperties, RocksDB } from '../src/binding.js';
import plugin, {
  type Entry,
  MAX_KEY_BYTES,
  RocksDBErrorCode,
  RocksDBStorage,
  type RocksDBStorageOptions,
  VERSION,
} from '../src/index.js';
import {
  bytes,
  DIST_ENTRY,
  directoryBytes,
  EMPTY,
  runModule,
  tempRoot,
  text,
  texts,
  utf8,
  waitForLine,
} from './helpers.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const nextPath = tempRoot('unit');

async function opened(path = nextPath(), options: Partial<RocksDBStorageOptions> = {}): Promise<RocksDBStorage> {
  const store = new RocksDBStorage({ path, ...options });
  await store.init();
  return store;
}

async function all(store: RocksDBStorage, table: number): Promise<string[]> {
  return texts(await store.scan(table, EMPTY, EMPTY, Infinity));
}

async function collect(iterator: AsyncIterable<Entry>): Promise<string[]> {
  const out: Entry[] = [];
  for await (const entry of iterator) out.push(entry);
  return texts(out);
}

describe('plugin module and options', () => {
  it('the default export is a plugin module for the storage capability', () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.capability).toBe('storage');
    expect(plugin.create({ path: nextPath() })).toBeInstanceOf(RocksDBStorage);
  });

  it("loadPlugin('@sochdb/storage-rocksdb', { path }) makes a storage a PluginManager opens, uses and closes", async () => {
    const path = nextPath();
    const storage = await loadPlugin('@sochdb/storage-rocksdb', { name: 'main', path }, packageDir);
    const manager = new PluginManager();
    await manager.register(storage);
    await manager.storage()?.put(3, utf8('k'), utf8('v'), 1);
    await manager.shutdownAll();
    await expect((storage as RocksDBStorage).get(3, utf8('k'))).rejects.toMatchObject({ code: ErrorCode.CLOSED });
    const again = await opened(path);
    expect(text(await again.get(3, utf8('k')))).toBe('v');
    await again.shutdown();
  });

  it('info carries the name, the package version and the storage capability', () => {
    const store = new RocksDBStorage({ path: nextPath(), name: 'disk' });
    expect(store.info).toMatchObject({ name: 'disk', version: VERSION, capabilities: ['storage'] });
    expect(new RocksDBStorage({ path: nextPath() }).info.name).toBe('rocksdb-storage');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });

  it('path is required: a TypeError naming options.path when missing, empty or not a string', () => {
    const make = (options: unknown) => () => new RocksDBStorage(options as RocksDBStorageOptions);
    expect(make(undefined)).toThrow(TypeError);
    expect(make(undefined)).toThrow(/options\.path is required/);
    expect(make({})).toThrow(/options\.path is required/);
    expect(make({ path: '' })).toThrow(/options\.path/);
    expect(make({ path: 5 })).toThrow(TypeError);
    expect(make({ name: 'x' })).toThrow(/options\.path/);
  });

  it('refuses unknown options and options of the wrong type, naming them', () => {
    const path = nextPath();
    const make = (options: unknown) => () => new RocksDBStorage({ path, ...(options as object) });
    expect(make({ pth: 'x' })).toThrow(/unknown option "pth"/);
    expect(make({ name: '' })).toThrow(/options\.name/);
    expect(make({ createIfMissing: 'yes' })).toThrow(/options\.createIfMissing/);
    expect(make({ blockCache: 1 })).toThrow(/options\.blockCache/);
    expect(make({ writeBufferSize: '1' })).toThrow(TypeError);
    expect(make({ writeBufferSize: 1000 })).toThrow(RangeError);
    expect(make({ writeBufferSize: 1.5e6 + 0.5 })).toThrow(/options\.writeBufferSize/);
    expect(() => new RocksDBStorage(null as unknown as RocksDBStorageOptions)).toThrow(/options must be an object/);
    expect(existsSync(path)).toBe(false);
  });

  it('createIfMissing: false refuses a missing database with KernelError io naming the path, creating nothing', async () => {
    const path = nextPath();
    const store = new RocksDBStorage({ path, createIfMissing: false });
    const error = await store.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isKernelError(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'io', code: RocksDBErrorCode.IO });
    expect((error as Error).message).toContain(path);
    expect(existsSync(path)).toBe(false);
  });

  it('createIfMissing (the default) creates missing parent folders', async () => {
    const path = `${nextPath()}/nested/deeper`;
    const store = await opened(path);
    await store.put(1, utf8('a'), utf8('b'), 0);
    await store.shutdown();
    expect(existsSync(`${path}/CURRENT`)).toBe(true);
  });

  it('blockCache: false and a small writeBufferSize open and work', async () => {
    const store = await opened(nextPath(), { blockCache: false, writeBufferSize: 64 * 1024 });
    for (let i = 0; i < 2000; i++) await store.put(1, utf8(`k${i}`), new Uint8Array(100).fill(i % 256), 0);
    expect((await store.scan(1, EMPTY, EMPTY, Infinity)).length).toBe(2000);
    await store.shutdown();
  });
});

describe('durability and the lock', () => {
  it('a new instance on the same path sees every flushed write, batches and deletes included', async () => {
    const path = nextPath();
    const first = await opened(path);
    await first.put(1, utf8('a'), utf8('1'), 0);
    await first.put(2, utf8('b'), utf8('2'), 0);
    await first.batch(
      [
        { type: 'put', table: 1, key: utf8('c'), value: utf8('3') },
        { type: 'delete', table: 2, key: utf8('b') },
      ],
      0,
    );
    await first.flush();
    await first.shutdown();
    const second = await opened(path);
    expect(await all(second, 1)).toEqual(['a=1', 'c=3']);
    expect(await all(second, 2)).toEqual([]);
    await second.shutdown();
  });

  it('shutdown flushes: writes never explicitly flushed are there after reopening', async () => {
    const path = nextPath();
    const first = await opened(path);
    for (let i = 0; i < 100; i++) await first.put(7, utf8(`k${String(i).padStart(3, '0')}`), utf8(`v${i}`), 0);
    await first.shutdown();
    const second = await opened(path);
    expect((await second.scan(7, EMPTY, EMPTY, Infinity)).length).toBe(100);
    expect(text(await second.get(7, utf8('k042')))).toBe('v42');
    await second.shutdown();
  });

  it('a second live instance in this process is refused with KernelError io naming the path; free again after shutdown', async () => {
    const path = nextPath();
    const first = await opened(path);
    await first.put(1, utf8('k'), utf8('v'), 0);
    const second = new RocksDBStorage({ path });
    const error = await second.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KernelError);
    expect(error).toMatchObject({ kind: 'io', code: RocksDBErrorCode.LOCKED });
    expect((error as Error).message).toContain(path);
    expect(text(await first.get(1, utf8('k')))).toBe('v');
    await first.shutdown();
    await second.init();
    expect(text(await second.get(1, utf8('k')))).toBe('v');
    await second.shutdown();
  });

  it('a directory held by another process is refused with KernelError io naming the path', async () => {
    const path = nextPath();
    const child = runModule(
      `import { RocksDBStorage } from ${JSON.stringify(DIST_ENTRY)};
       const store = new RocksDBStorage({ path: process.argv.at(-1) });
       await store.init();
       console.log('holding');
       setInterval(() => {}, 1000);`,
      [path],
    );
    try {
      await waitForLine(child, /^holding$/);
      const store = new RocksDBStorage({ path });
      const error = await store.init().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ kind: 'io', code: RocksDBErrorCode.LOCKED });
      expect((error as Error).message).toContain(path);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.once('exit', resolve));
    // The lock dies with its process: the directory opens now.
    const store = await opened(path);
    await store.shutdown();
  });
});

describe('tables are key prefixes', () => {
  it('a scan with an empty end stops at the end of its table, also for keys of 0xff bytes', async () => {
    const store = await opened();
    const high = bytes(0xff, 0xff, 0xff, 0xff, 0xff);
    for (const table of [0, 1, 2, 0xffff_fffe, 0xffff_ffff]) {
      await store.put(table, EMPTY, utf8(`t${table}-empty`), 0);
      await store.put(table, high, utf8(`t${table}-high`), 0);
    }
    for (const table of [0, 1, 2, 0xffff_fffe, 0xffff_ffff]) {
      const forward = await store.scan(table, EMPTY, EMPTY, Infinity);
      expect(forward.map(([, v]) => text(v))).toEqual([`t${table}-empty`, `t${table}-high`]);
      const backward = await store.scanReverse(table, EMPTY, EMPTY, Infinity);
      expect(backward.map(([, v]) => text(v))).toEqual([`t${table}-high`, `t${table}-empty`]);
      const walked = await collect(store.iterate(table, { reverse: true }));
      expect(walked).toHaveLength(2);
      expect(walked[0]).toContain(`t${table}-high`);
    }
    expect(await store.get(3, EMPTY)).toBeUndefined();
    await store.shutdown();
  });

  it('scanReverse with a limit from the end of a table never starts in the next table', async () => {
    const store = await opened();
    await store.put(1, utf8('a'), utf8('1'), 0);
    await store.put(2, utf8('a'), utf8('2'), 0);
    expect(texts(await store.scanReverse(1, EMPTY, EMPTY, 1))).toEqual(['a=1']);
    expect(texts(await store.scanReverse(1, utf8('b'), EMPTY, 1))).toEqual([]);
    await store.shutdown();
  });
});

describe('iterate is a RocksDB snapshot', () => {
  it('yields what the table held at the call, whatever is written afterwards', async () => {
    const store = await opened();
    for (const key of ['a', 'b', 'c']) await store.put(1, utf8(key), utf8(key.toUpperCase()), 0);
    const walk = store.iterate(1, { batchSize: 1 });
    await store.put(1, utf8('bb'), utf8('new'), 0);
    await store.delete(1, utf8('c'), 0);
    await store.put(1, utf8('a'), utf8('changed'), 0);
    expect(await collect(walk)).toEqual(['a=A', 'b=B', 'c=C']);
    await store.shutdown();
  });

  it('releases the snapshot on return(), also before the first next(), and at the end of the walk', async () => {
    const store = await opened();
    for (let i = 0; i < 50; i++) await store.put(1, utf8(`k${i}`), utf8('v'), 0);
    const snapshots = () => store.property('rocksdb.num-snapshots');
    expect(snapshots()).toBe('0');
    const unstarted = store.iterate(1);
    expect(snapshots()).toBe('1');
    await unstarted.return?.();
    expect(snapshots()).toBe('0');
    for await (const _ of store.iterate(1, { batchSize: 4 })) {
      expect(snapshots()).toBe('1');
      break;
    }
    expect(snapshots()).toBe('0');
    await collect(store.iterate(1));
    expect(snapshots()).toBe('0');
    await store.shutdown();
  });

  it('shutdown with a walk open releases it: shutdown resolves and the walk rejects with SOCHDB_CLOSED', async () => {
    const store = await opened();
    for (let i = 0; i < 20; i++) await store.put(1, utf8(`k${i}`), utf8('v'), 0);
    const walk = store.iterate(1, { batchSize: 2 });
    await walk.next();
    await store.shutdown();
    await expect(walk.next()).rejects.toMatchObject({ code: ErrorCode.CLOSED });
  });

  it('bad options reject the first next() and take no snapshot', async () => {
    const store = await opened();
    const walk = store.iterate(1, { batchSize: 0 });
    expect(store.property('rocksdb.num-snapshots')).toBe('0');
    await expect(walk.next()).rejects.toThrow(/options\.batchSize/);
    await expect(store.iterate(1, { limit: -1 }).next()).rejects.toThrow(RangeError);
    await store.shutdown();
  });
});

describe('bad input and lifecycle', () => {
  it('a batch with one bad op anywhere writes nothing, also after reopening', async () => {
    const path = nextPath();
    const store = await opened(path);
    await store.put(1, utf8('keep'), utf8('1'), 0);
    const good = { type: 'put', table: 1, key: utf8('x'), value: utf8('y') } as const;
    const bad: unknown[] = [
      { type: 'put', table: 1, key: utf8('z') },
      { type: 'remove', table: 1, key: utf8('z') },
      { type: 'delete', table: -1, key: utf8('z') },
      { type: 'put', table: 1, key: new Uint8Array(MAX_KEY_BYTES + 1), value: EMPTY },
      null,
    ];
    for (const op of bad) {
      await expect(store.batch([good, op as typeof good], 0)).rejects.toThrow(/ops\[1\]/);
    }
    await expect(store.batch([good], -1)).rejects.toThrow(/txn/);
    await expect(store.batch('nope' as unknown as [], 0)).rejects.toThrow(TypeError);
    await store.shutdown();
    const again = await opened(path);
    expect(await all(again, 1)).toEqual(['keep=1']);
    await again.shutdown();
  });

  it('a key over the documented maximum is a RangeError naming key, nothing written', async () => {
    const store = await opened();
    await expect(store.put(1, new Uint8Array(MAX_KEY_BYTES + 1), EMPTY, 0)).rejects.toThrow(RangeError);
    await expect(store.put(1, new Uint8Array(MAX_KEY_BYTES + 1), EMPTY, 0)).rejects.toThrow(/key/);
    await store.put(1, new Uint8Array(MAX_KEY_BYTES), utf8('max'), 0);
    expect((await store.scan(1, EMPTY, EMPTY, Infinity)).map(([k]) => k.length)).toEqual([MAX_KEY_BYTES]);
    await store.shutdown();
  });

  it('every call before init rejects with SOCHDB_PLUGIN_NOT_INITIALIZED and creates nothing', async () => {
    const path = nextPath();
    const store = new RocksDBStorage({ path });
    const calls = [
      store.get(1, utf8('k')),
      store.put(1, utf8('k'), utf8('v'), 0),
      store.delete(1, utf8('k'), 0),
      store.scan(1, EMPTY, EMPTY, 1),
      store.scanReverse(1, EMPTY, EMPTY, 1),
      store.batch([], 0),
      store.flush(),
      store.compact(),
      store.iterate(1).next(),
    ];
    for (const call of calls) {
      await expect(call).rejects.toMatchObject({ code: ErrorCode.PLUGIN_NOT_INITIALIZED });
    }
    expect(() => store.stats()).toThrow(/not open yet/);
    expect(existsSync(path)).toBe(false);
  });

  it('after shutdown every call rejects with SOCHDB_CLOSED naming the path, and nothing reaches the disk', async () => {
    const path = nextPath();
    const store = await opened(path);
    await store.put(1, utf8('k'), utf8('v'), 0);
    await store.shutdown();
    const calls = [
      store.get(1, utf8('k')),
      store.put(1, utf8('k2'), utf8('v'), 0),
      store.put(1, 'bad' as unknown as Uint8Array, utf8('v'), 0),
      store.delete(1, utf8('k'), 0),
      store.scan(1, EMPTY, EMPTY, 1),
      store.scanReverse(1, EMPTY, EMPTY, 1),
      store.batch([{ type: 'delete', table: 1, key: utf8('k') }], 0),
      store.flush(),
      store.compact(),
      store.init(),
      store.iterate(1).next(),
    ];
    for (const call of calls) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ kind: 'io', code: ErrorCode.CLOSED });
      expect((error as Error).message).toContain(path);
    }
    expect(() => store.stats()).toThrow(/shut down/);
    await store.shutdown();
    const again = await opened(path);
    expect(await all(again, 1)).toEqual(['k=v']);
    await again.shutdown();
  });

  it('shutdown while init is still opening closes what it opened and frees the directory', async () => {
    const path = nextPath();
    const store = new RocksDBStorage({ path });
    const opening = store.init();
    await store.shutdown();
    await expect(opening).rejects.toMatchObject({ code: ErrorCode.CLOSED });
    const again = await opened(path);
    await again.shutdown();
  });
});

describe('stats, compact and properties', () => {
  it('reads rocksdb-native internals synchronously (so stats are live): a binding upgrade that moves them fails here', async () => {
    const store = await opened();
    expect(store.property('rocksdb.estimate-num-keys')).toBe('0');
    expect(store.property('rocksdb.no-such-property')).toBeUndefined();
    await store.shutdown();
    const db = new RocksDB(nextPath(), {
      createIfMissing: true,
      enableStatistics: false,
      blockCache: true,
      tableCacheIndexAndFilterBlocks: true,
      writeBufferSize: 1 << 20,
      walRecoveryMode: RocksDB.constants.walRecoveryMode.POINT_IN_TIME,
    });
    await db.ready();
    expect(hasSyncProperties(db)).toBe(true);
    await db.close();
  });

  it('stats follow writes: keys, bytes, and a write amplification once data reached the disk', async () => {
    const store = await opened();
    expect(store.stats()).toEqual({
      bytesStored: expect.any(Number),
      keyCount: 0,
      pendingCompactionBytes: 0,
      writeAmplification: 0,
    });
    for (let i = 0; i < 1000; i++) await store.put(1, utf8(`key-${i}`), new Uint8Array(100).fill(7), 0);
    const before = store.stats();
    expect(before.keyCount).toBe(1000);
    expect(before.bytesStored).toBeGreaterThan(0);
    expect(before.writeAmplification).toBeGreaterThanOrEqual(1); // the log
    await store.flush();
    const after = store.stats();
    expect(after.keyCount).toBe(1000);
    expect(after.bytesStored).toBeGreaterThan(50_000);
    expect(after.writeAmplification).toBeGreaterThan(before.writeAmplification);
    await store.shutdown();
  });

  it('compact drops deleted data from the disk', async () => {
    const path = nextPath();
    const store = await opened(path);
    const value = new Uint8Array(1000).map((_, i) => (i * 7919) % 251);
    for (let i = 0; i < 2000; i++) await store.put(1, utf8(`k${i}`), value, 0);
    await store.flush();
    const full = directoryBytes(path);
    for (let i = 0; i < 2000; i++) await store.delete(1, utf8(`k${i}`), 0);
    await store.flush();
    await store.compact();
    const compacted = directoryBytes(path);
    expect(compacted).toBeLessThan(full / 2);
    expect(store.stats().keyCount).toBe(0);
    expect(await all(store, 1)).toEqual([]);
    await store.shutdown();
  });
});
