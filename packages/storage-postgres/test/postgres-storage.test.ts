import { isKernelError, type KernelError, loadPlugin, PluginManager } from '@sochdb/core';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_KEY_BYTES,
  PostgresErrorCode,
  PostgresStorage,
  SCHEMA_VERSION,
  VERSION,
  VERSION_TABLE,
} from '../src/index.js';
import { noServer, openStorage, serverUrl, storage, uniqueTable } from './server.js';

const EMPTY = new Uint8Array(0);
const hex = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));
const utf8 = (text: string) => new TextEncoder().encode(text);

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A postgres() instance whose statements, transactions and reserved connections are counted. */
function countingSql(): { sql: postgres.Sql; calls: () => number } {
  const real = postgres(serverUrl as string, { max: 3, onnotice: () => {} });
  let calls = 0;
  const counted = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'unsafe' || property === 'begin' || property === 'reserve') {
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value;
    },
  });
  return { sql: counted, calls: () => calls };
}

describe('options', () => {
  it('refuses a tableName that is not a plain identifier, naming the option, before connecting', () => {
    for (const bad of ['', '1abc', 'a-b', 'x"; DROP TABLE t; --', 'a b', 'é', 'a'.repeat(64)]) {
      expect(() => new PostgresStorage({ tableName: bad }), bad).toThrow(/options\.tableName/);
    }
    expect(() => new PostgresStorage({ tableName: 3 as never })).toThrow(TypeError);
  });

  it('refuses unknown options, bad pool sizes, and a pool together with a connectionString', () => {
    expect(() => new PostgresStorage({ tablename: 'x' } as never)).toThrow(/unknown option "tablename"/);
    expect(() => new PostgresStorage({ poolSize: 0 })).toThrow(/options\.poolSize/);
    expect(() => new PostgresStorage({ poolSize: 1.5 })).toThrow(RangeError);
    expect(() => new PostgresStorage({ connectionString: '' })).toThrow(/options\.connectionString/);
    expect(() => new PostgresStorage({ sql: {} as never })).toThrow(/options\.sql must be a postgres\(\) instance/);
    const sql = postgres('postgres://x@localhost/z');
    expect(() => new PostgresStorage({ sql, connectionString: 'postgres://x@y/z' })).toThrow(
      /cannot be combined with options\.connectionString/,
    );
  });

  it('has the package version in info and reports where it connects, without credentials', () => {
    const s = new PostgresStorage({ connectionString: 'postgres://ann:hunter2@db.example:6543/app' });
    expect(s.info.version).toBe(VERSION);
    expect(s.info.capabilities).toEqual(['storage']);
    expect(s.server).toEqual({ host: 'db.example', port: 6543, database: 'app' });
    expect(JSON.stringify(s.info)).not.toContain('hunter2');
  });
});

describe.skipIf(noServer())('on a PostgreSQL server', () => {
  const open: PostgresStorage[] = [];
  afterAll(async () => {
    await Promise.all(open.map((s) => s.shutdown()));
  });
  async function fresh(options: Parameters<typeof openStorage>[0] = {}): Promise<PostgresStorage> {
    const s = await openStorage(options);
    open.push(s);
    return s;
  }

  describe('schema', () => {
    it('creates the table at init and records its schema version', async () => {
      const s = await fresh();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        const { rows } = await client.query(`SELECT version FROM ${VERSION_TABLE} WHERE table_name = $1`, [
          s.tableName,
        ]);
        expect(rows).toEqual([{ version: SCHEMA_VERSION }]);
        const columns = await client.query(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
          [s.tableName],
        );
        expect(columns.rows).toEqual([
          { column_name: 'table_id', data_type: 'bigint' },
          { column_name: 'key', data_type: 'bytea' },
          { column_name: 'value', data_type: 'bytea' },
        ]);
      } finally {
        await client.end();
      }
    });

    it('keeps the case of a mixed-case table name (quoted), apart from its lower-case twin', async () => {
      const name = `Mixed_${uniqueTable()}`;
      const upper = await fresh({ tableName: name });
      const lower = await fresh({ tableName: name.toLowerCase() });
      await upper.put(1, utf8('k'), utf8('upper'), 0);
      expect(await lower.get(1, utf8('k'))).toBeUndefined();
      expect(hex(await upper.get(1, utf8('k')))).toBe(hex(utf8('upper')));
    });

    it('refuses a table recorded with a newer schema version, as a catalog error', async () => {
      const s = await fresh();
      await s.shutdown();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`UPDATE ${VERSION_TABLE} SET version = 99 WHERE table_name = $1`, [s.tableName]);
      await client.end();
      const again = storage({ tableName: s.tableName });
      const error = (await again.init().catch((e: unknown) => e)) as KernelError;
      expect(isKernelError(error)).toBe(true);
      expect(error.kind).toBe('catalog');
      expect(error.code).toBe(PostgresErrorCode.SCHEMA_VERSION);
      expect(error.message).toMatch(/schema version 99/);
    });

    it('eight instances initialising one new table at once all succeed', async () => {
      const tableName = uniqueTable();
      const all = Array.from({ length: 8 }, () => storage({ tableName, poolSize: 1 }));
      await Promise.all(all.map((s) => s.init()));
      await all[0]?.put(1, utf8('a'), utf8('b'), 0);
      expect(hex(await all[7]?.get(1, utf8('a')))).toBe(hex(utf8('b')));
      await Promise.all(all.map((s) => s.shutdown()));
    });
  });

  describe('keys and values', () => {
    it(`accepts keys up to ${MAX_KEY_BYTES} bytes and refuses a longer one with a RangeError before any round trip`, async () => {
      const { sql, calls } = countingSql();
      const s = new PostgresStorage({ sql, tableName: uniqueTable() });
      await s.init();
      const longest = randomBytes(MAX_KEY_BYTES, 7);
      await s.put(3, longest, utf8('v'), 0);
      expect(hex(await s.get(3, longest))).toBe(hex(utf8('v')));
      const before = calls();
      const tooLong = randomBytes(MAX_KEY_BYTES + 1, 8);
      for (const call of [
        () => s.put(3, tooLong, utf8('v'), 0),
        () => s.get(3, tooLong),
        () => s.delete(3, tooLong, 0),
        () => s.batch([{ type: 'put', table: 3, key: tooLong, value: EMPTY }], 0),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(/key must be at most 2048 bytes/);
      }
      expect(calls()).toBe(before);
      await s.shutdown();
      await sql.end();
    });

    it('round-trips hostile keys and values exactly: every byte value, the empty key, 1 KiB keys, 16 MiB values', async () => {
      const s = await fresh();
      const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);
      const reversed = everyByte.slice().reverse();
      const singles = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));
      const kib = [randomBytes(1024, 1), randomBytes(1024, 2), Uint8Array.from({ length: 1024 }, () => 0xff)];
      const big = randomBytes(16 * 1024 * 1024, 3);
      const entries: Array<[Uint8Array, Uint8Array]> = [
        [EMPTY, everyByte],
        [everyByte, reversed],
        [reversed, EMPTY],
        ...singles.map((key, i): [Uint8Array, Uint8Array] => [key, Uint8Array.of(i, 0, 255, 0x5c, 0x78)]),
        ...kib.map((key, i): [Uint8Array, Uint8Array] => [key, randomBytes(1024, 10 + i)]),
        [utf8('\\x00'), utf8('\\\\x41')], // looks like bytea's own text escapes
        [utf8('big'), big],
      ];
      for (const [key, value] of entries) await s.put(9, key, value, 1);
      for (const [key, value] of entries) expect(hex(await s.get(9, key)), hex(key)).toBe(hex(value));
      const expected = [...entries].map(([k, v]) => [hex(k), hex(v)]).sort(([a], [b]) => compareHex(a, b));
      const scanned = (await s.scan(9, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).map(([k, v]) => [hex(k), hex(v)]);
      expect(scanned.length).toBe(expected.length);
      expect(scanned).toEqual(expected);
      // The small ones again through one batch, in another table, read back by iterate (16 MiB moves slowly on a busy machine).
      const small = entries.filter(([, value]) => value.length < 1 << 20);
      await s.batch(
        small.map(([key, value]) => ({ type: 'put' as const, table: 10, key, value })),
        2,
      );
      const walked: string[][] = [];
      for await (const [k, v] of s.iterate(10, { batchSize: 7 })) walked.push([hex(k) as string, hex(v) as string]);
      expect(walked).toEqual(expected.filter(([key]) => key !== hex(utf8('big'))));
    });

    it('hands out buffers of its own: no two results share memory, and a transfer touches nothing else', async () => {
      const s = await fresh();
      for (let i = 0; i < 20; i++) await s.put(1, Uint8Array.of(i), Uint8Array.of(i, i), 0);
      const rows = await s.scan(1, EMPTY, EMPTY, 20);
      const buffers = new Set(rows.flatMap(([k, v]) => [k.buffer, v.buffer]));
      expect(buffers.size).toBe(40);
      const first = rows[0]?.[1] as Uint8Array;
      structuredClone(first, { transfer: [first.buffer as ArrayBuffer] });
      expect(hex(rows[1]?.[1])).toBe('0101');
      const got = (await s.get(1, Uint8Array.of(5))) as Uint8Array;
      expect(got.byteOffset).toBe(0);
      expect(got.buffer.byteLength).toBe(2);
    });
  });

  describe('ordering of one instance’s own calls', () => {
    it('unawaited writes to one key take effect in call order, and a read after them sees the last', async () => {
      const s = await fresh({ poolSize: 8 });
      const key = utf8('k');
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) {
        calls.push(s.put(1, key, Uint8Array.of(i), 0));
        if (i % 10 === 9) calls.push(s.delete(1, key, 0));
      }
      calls.push(s.put(1, key, Uint8Array.of(200), 0));
      const read = s.get(1, key);
      const scanned = s.scan(1, EMPTY, EMPTY, 10);
      await Promise.all(calls);
      expect(hex(await read)).toBe('c8');
      expect((await scanned).map(([, v]) => hex(v))).toEqual(['c8']);
    });

    it('flush resolves after every write called before it has committed', async () => {
      const s = await fresh({ poolSize: 4 });
      const other = await fresh({ tableName: s.tableName, poolSize: 1 });
      for (let i = 0; i < 200; i++) void s.put(1, Uint8Array.of(i >> 8, i & 0xff), utf8('v'), 0);
      await s.flush();
      expect((await other.scan(1, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).length).toBe(200);
    });
  });

  describe('iterate', () => {
    it('is a snapshot: writes by this or another instance after the call are not seen', async () => {
      const s = await fresh();
      const other = await fresh({ tableName: s.tableName });
      for (let i = 0; i < 600; i++) await s.put(1, Uint8Array.of(i >> 8, i & 0xff), Uint8Array.of(1), 0);
      const walk = s.iterate(1, { batchSize: 50 });
      // This instance's write issued after the call, before the first next(): never in the walk.
      void s.put(1, Uint8Array.of(0, 1), Uint8Array.of(2), 0);
      let count = 0;
      for await (const [key, value] of walk) {
        expect(hex(value)).toBe('01');
        // Another instance's writes made once the walk has started (its snapshot is then taken on the
        // server; one racing the call itself may land either side, as the README says).
        if (count === 0) {
          await other.delete(1, Uint8Array.of(0, 2), 0);
          await other.put(1, Uint8Array.of(9, 9), Uint8Array.of(3), 0);
        }
        if (count === 100) await other.batch([{ type: 'delete', table: 1, key: Uint8Array.of(2, 0) }], 0);
        expect(key.length).toBe(2);
        count++;
      }
      expect(count).toBe(600);
      expect(hex(await s.get(1, Uint8Array.of(0, 1)))).toBe('02');
    });

    it('return() (breaking out of for await) releases the connection and the transaction', async () => {
      const s = await fresh({ poolSize: 1, connectionTimeoutMillis: 3000 });
      for (let i = 0; i < 10; i++) await s.put(1, Uint8Array.of(i), EMPTY, 0);
      for (let round = 0; round < 3; round++) {
        for await (const _ of s.iterate(1, { batchSize: 2 })) break;
      }
      // With one connection, this hangs (then times out) if the walk kept it.
      expect((await s.scan(1, EMPTY, EMPTY, 100)).length).toBe(10);
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name = $1`,
        [`sochdb:${s.info.name}`],
      );
      await client.end();
      expect(rows[0].n).toBe(0);
    });

    it('walks descending with a limit, in batches, and an empty range yields nothing', async () => {
      const s = await fresh();
      for (let i = 0; i < 30; i++) await s.put(4, Uint8Array.of(i), Uint8Array.of(i), 0);
      const keys: number[] = [];
      for await (const [key] of s.iterate(4, { reverse: true, limit: 7, batchSize: 3, end: Uint8Array.of(20) })) {
        keys.push(key[0] as number);
      }
      expect(keys).toEqual([19, 18, 17, 16, 15, 14, 13]);
      let n = 0;
      for await (const _ of s.iterate(4, { start: Uint8Array.of(5), end: Uint8Array.of(5) })) n++;
      expect(n).toBe(0);
    });
  });

  describe('batch', () => {
    it('is atomic for readers of another instance: they see none of it or all of it', async () => {
      const writer = await fresh();
      const reader = await fresh({ tableName: writer.tableName });
      const ops = Array.from({ length: 6000 }, (_, i) => ({
        type: 'put' as const,
        table: 2,
        key: Uint8Array.of(i >> 8, i & 0xff),
        value: randomBytes(100, i + 1),
      }));
      const done = writer.batch(ops, 5);
      const seen = new Set<number>();
      let finished = false;
      void done.then(() => {
        finished = true;
      });
      while (!finished) seen.add((await reader.scan(2, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).length);
      await done;
      seen.add((await reader.scan(2, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).length);
      expect([...seen].every((n) => n === 0 || n === 6000)).toBe(true);
      expect(seen.has(6000)).toBe(true);
    });

    it('applies the last op of each key, mixing puts and deletes over several tables', async () => {
      const s = await fresh();
      await s.put(1, utf8('gone'), utf8('x'), 0);
      await s.batch(
        [
          { type: 'put', table: 1, key: utf8('a'), value: utf8('1') },
          { type: 'delete', table: 1, key: utf8('a') },
          { type: 'put', table: 1, key: utf8('b'), value: utf8('1') },
          { type: 'put', table: 1, key: utf8('b'), value: utf8('2') },
          { type: 'delete', table: 1, key: utf8('gone') },
          { type: 'delete', table: 2, key: utf8('c') },
          { type: 'put', table: 2, key: utf8('c'), value: utf8('3') },
        ],
        0,
      );
      expect((await s.scan(1, EMPTY, EMPTY, 10)).map(([k, v]) => [hex(k), hex(v)])).toEqual([[hex(utf8('b')), '32']]);
      expect(hex(await s.get(2, utf8('c')))).toBe('33');
    });

    it('checks every op first: a bad op anywhere rejects, naming it, with nothing applied', async () => {
      const s = await fresh();
      const good = { type: 'put' as const, table: 1, key: utf8('a'), value: utf8('1') };
      const bad: unknown[] = [
        { ...good, table: -1 },
        { ...good, key: 'a' },
        { ...good, value: null },
        { type: 'upsert', table: 1, key: utf8('a') },
        null,
      ];
      for (const op of bad) {
        const error = (await s.batch([good, op as never], 0).catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(Error);
        expect(error.message).toMatch(/ops\[1\]/);
      }
      expect(await s.get(1, utf8('a'))).toBeUndefined();
    });
  });

  describe('stats and compact', () => {
    it('reports PostgreSQL figures for the table; compact (VACUUM) keeps every entry', async () => {
      const s = await fresh();
      for (let i = 0; i < 300; i++) await s.put(1, Uint8Array.of(i >> 8, i & 0xff), randomBytes(200, i + 1), 0);
      for (let i = 0; i < 300; i += 2) await s.delete(1, Uint8Array.of(i >> 8, i & 0xff), 0);
      await s.compact();
      const stats = await s.readStats();
      expect(stats.keyCount).toBe(150);
      expect(stats.bytesStored).toBeGreaterThan(150 * 200);
      expect(stats.pendingCompactionBytes).toBe(0);
      expect(s.stats()).toEqual(stats);
      expect((await s.scan(1, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).length).toBe(150);
    });
  });

  describe('as a plugin', () => {
    it('loads through loadPlugin with a connectionString and serves the manager', async () => {
      const plugins = new PluginManager();
      const ext = await loadPlugin(
        '@sochdb/storage-postgres',
        { connectionString: serverUrl, tableName: uniqueTable(), name: 'pg' },
        new URL('..', import.meta.url),
      );
      await plugins.register(ext);
      const store = plugins.storage();
      await store?.put(1, utf8('a'), utf8('b'), 1);
      expect(hex(await store?.get(1, utf8('a')))).toBe(hex(utf8('b')));
      await plugins.shutdownAll();
      const error = (await store?.get(1, utf8('a')).catch((e: unknown) => e)) as KernelError;
      expect(error.code).toBe('SOCHDB_CLOSED');
    });

    it('a new instance on the same table sees everything flushed by a previous one', async () => {
      const first = await fresh();
      for (let i = 0; i < 50; i++) void first.put(1, Uint8Array.of(i), Uint8Array.of(i), 0);
      await first.flush();
      await first.shutdown();
      const second = await fresh({ tableName: first.tableName });
      expect((await second.scan(1, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).length).toBe(50);
    });

    it('leaves a postgres() instance it was given open at shutdown', async () => {
      const sql = postgres(serverUrl as string, { max: 2, onnotice: () => {} });
      const s = new PostgresStorage({ sql, tableName: uniqueTable() });
      await s.init();
      await s.put(1, utf8('a'), utf8('b'), 0);
      await s.shutdown();
      expect([...(await sql`SELECT 1 AS one`)]).toEqual([{ one: 1 }]);
      await sql.end();
    });
  });
});

function compareHex(a: string | undefined, b: string | undefined): number {
  return Buffer.compare(Buffer.from(a ?? '', 'hex'), Buffer.from(b ?? '', 'hex'));
}
