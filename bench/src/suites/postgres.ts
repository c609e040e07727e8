/**
 * `pnpm bench postgres`: @sochdb/storage-postgres beside the same SQL sent
 * through each driver directly (porsager's `postgres`, which the package
 * uses, and `pg` with its pool), with @sochdb/storage-memory reported for the
 * cost of sharing. A throwaway PostgreSQL cluster on 127.0.0.1 is started the
 * way the package's tests start theirs (fsync off: this measures the client
 * side and the protocol, not the disk).
 *
 * Every contender's table holds 200k 16-byte keys to 100-byte values
 * (bulk-loaded, untimed); each case then times 5,000 operations
 * against it: awaited puts (overwrites), batches of 1,000 puts, random gets,
 * scans of 100, deletes (re-inserted untimed after each round), and an 8-way
 * concurrent mix.
 */
import { MemoryStorage } from '@sochdb/storage-memory';
import { PostgresStorage } from '@sochdb/storage-postgres';
import pg from 'pg';
import postgres from 'postgres';
import type { Bench, Contender, Suite } from '../harness.js';
import { bytesFrom, xorshift32 } from '../random.js';

const KEYS = Number(process.env.SOCHDB_BENCH_PG_KEYS ?? 200_000);
// Each operation is a round trip to the server, so the ratios do not depend on the count:
// 5,000 per case keeps the suite within two minutes (10,000 took 2 min 12 s).
const OPS = Number(process.env.SOCHDB_BENCH_PG_OPS ?? 5_000);
const BATCH = 1_000;
const SCANS = OPS / 10;
const SCAN_LIMIT = 100;
const WORKERS = 8;
const ROUNDS = 3;
const POOL = 8;
const TABLE = 1;
const EMPTY = new Uint8Array(0);

// The data every contender sees, made by makeData() when the suite runs (not when the runner lists the suites).
let keys: Buffer[] = [];
let values: Buffer[] = [];
let newValues: Buffer[] = [];
let pick: number[] = [];
let deleteOrder: number[] = [];
function makeData(): void {
  const next = xorshift32(0x9e37);
  keys = Array.from({ length: KEYS }, () => Buffer.from(bytesFrom(next, 16)));
  values = Array.from({ length: KEYS }, () => Buffer.from(bytesFrom(next, 100)));
  newValues = Array.from({ length: OPS }, () => Buffer.from(bytesFrom(next, 100)));
  pick = Array.from({ length: OPS }, () => next() % KEYS);
  deleteOrder = [...new Set(pick)];
}

interface Cluster {
  readonly url: string;
  destroy(): Promise<void>;
}

/** The tests' throwaway cluster helper, loaded at run time (it lives beside the package's tests). */
async function startCluster(): Promise<Cluster> {
  const where = new URL('../../../packages/storage-postgres/test/throwaway-cluster.ts', import.meta.url).href;
  const module = (await import(where)) as { startThrowawayCluster(settings: string[]): Promise<Cluster> };
  return module.startThrowawayCluster(['fsync = off', 'full_page_writes = off', 'shared_buffers = 256MB']);
}

/** One contender's operations, written once for every case. */
interface Store {
  readonly name: string;
  readonly baseline?: boolean;
  put(key: Buffer, value: Buffer): Promise<unknown>;
  get(key: Buffer): Promise<unknown>;
  scan(start: Buffer, limit: number): Promise<unknown[]>;
  delete(key: Buffer): Promise<unknown>;
  /** Puts of `keys[i]` to `vals[i]` as one unit. */
  batch(ks: readonly Buffer[], vs: readonly Buffer[]): Promise<unknown>;
  close(): Promise<unknown>;
}

const DDL = (t: string) =>
  `CREATE TABLE IF NOT EXISTS ${t} (table_id bigint NOT NULL, key bytea NOT NULL, value bytea NOT NULL, PRIMARY KEY (table_id, key))`;
const UPSERT = 'ON CONFLICT (table_id, key) DO UPDATE SET value = EXCLUDED.value';

/** Bulk-loads `indices` of the data set into `table` through a plain pg pool (untimed). */
async function load(admin: pg.Pool, table: string, indices: readonly number[]): Promise<void> {
  for (let i = 0; i < indices.length; i += 5_000) {
    const chunk = indices.slice(i, i + 5_000);
    await admin.query(`INSERT INTO ${table} SELECT ${TABLE}, * FROM unnest($1::bytea[], $2::bytea[]) ${UPSERT}`, [
      chunk.map((j) => keys[j]),
      chunk.map((j) => values[j]),
    ]);
  }
}

function ours(url: string): { store: Store; open(): Promise<void> } {
  const s = new PostgresStorage({ connectionString: url, tableName: 'bench_sochdb', poolSize: POOL });
  return {
    open: () => s.init(),
    store: {
      name: '@sochdb/storage-postgres',
      put: (k, v) => s.put(TABLE, k, v, 0),
      get: (k) => s.get(TABLE, k),
      scan: (start, limit) => s.scan(TABLE, start, EMPTY, limit),
      delete: (k) => s.delete(TABLE, k, 0),
      batch: (ks, vs) =>
        s.batch(
          ks.map((key, i) => ({ type: 'put' as const, table: TABLE, key, value: vs[i] as Buffer })),
          0,
        ),
      close: () => s.shutdown(),
    },
  };
}

/** The same statements through pg's pool: named (prepared), bytea in text format (pg's binary mode decodes rows as UTF-8). */
function rawPg(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: POOL });
  pool.on('error', () => {});
  const t = 'bench_pg';
  return {
    name: 'pg (same SQL, pool)',
    baseline: true,
    put: (k, v) =>
      pool.query({ name: 'put', text: `INSERT INTO ${t} VALUES ($1, $2, $3) ${UPSERT}`, values: [TABLE, k, v] }),
    get: async (k) =>
      (
        await pool.query({
          name: 'get',
          text: `SELECT value FROM ${t} WHERE table_id = $1 AND key = $2`,
          values: [TABLE, k],
        })
      ).rows[0]?.value,
    scan: async (start, limit) =>
      (
        await pool.query({
          name: 'scan',
          text: `SELECT key, value FROM ${t} WHERE table_id = $1 AND key >= $2 ORDER BY key LIMIT $3`,
          values: [TABLE, start, limit],
        })
      ).rows,
    delete: (k) =>
      pool.query({ name: 'del', text: `DELETE FROM ${t} WHERE table_id = $1 AND key = $2`, values: [TABLE, k] }),
    // Hand-made multi-row insert: one VALUES list of 1,000 rows in one transaction.
    batch: async (ks, vs) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const rows = ks.map((_, i) => `($1, $${2 * i + 2}, $${2 * i + 3})`).join(', ');
        await client.query(`INSERT INTO ${t} VALUES ${rows} ${UPSERT}`, [TABLE, ...ks.flatMap((k, i) => [k, vs[i]])]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** The same statements through porsager's `postgres` (prepared, pipelined on its connections). */
function rawPostgres(url: string): Store {
  const sql = postgres(url, { max: POOL, onnotice: () => {} });
  const t = sql('bench_porsager');
  return {
    name: 'postgres (same SQL)',
    baseline: true,
    put: (k, v) =>
      sql`INSERT INTO ${t} VALUES (${TABLE}, ${k}, ${v}) ON CONFLICT (table_id, key) DO UPDATE SET value = EXCLUDED.value`,
    get: async (k) => (await sql`SELECT value FROM ${t} WHERE table_id = ${TABLE} AND key = ${k}`)[0]?.value,
    scan: async (start, limit) => [
      ...(await sql`SELECT key, value FROM ${t} WHERE table_id = ${TABLE} AND key >= ${start} ORDER BY key LIMIT ${limit}`),
    ],
    delete: (k) => sql`DELETE FROM ${t} WHERE table_id = ${TABLE} AND key = ${k}`,
    batch: (ks, vs) =>
      sql.begin(
        (tx) =>
          tx`INSERT INTO ${t} ${tx(ks.map((key, i) => ({ table_id: TABLE, key, value: vs[i] })))} ON CONFLICT (table_id, key) DO UPDATE SET value = EXCLUDED.value`,
      ),
    close: () => sql.end(),
  };
}

function memory(): { store: Store; open(): Promise<void> } {
  const s = new MemoryStorage();
  return {
    open: async () => {
      await s.init();
      for (let i = 0; i < KEYS; i++) await s.put(TABLE, keys[i] as Buffer, values[i] as Buffer, 0);
    },
    store: {
      name: '@sochdb/storage-memory (reported)',
      put: (k, v) => s.put(TABLE, k, v, 0),
      get: (k) => s.get(TABLE, k),
      scan: (start, limit) => s.scan(TABLE, start, EMPTY, limit),
      delete: (k) => s.delete(TABLE, k, 0),
      batch: async (ks, vs) => {
        for (let i = 0; i < ks.length; i++) await s.put(TABLE, ks[i] as Buffer, vs[i] as Buffer, 0);
      },
      close: async () => s.shutdown(),
    },
  };
}

function contenders(stores: readonly Store[], run: (s: Store) => Promise<void>, after?: (s: Store) => Promise<void>) {
  return stores.map(
    (store): Contender<unknown> => ({
      name: store.name,
      ...(store.baseline ? { baseline: true } : {}),
      run: () => run(store),
      ...(after ? { teardown: () => after(store) } : {}),
    }),
  );
}

async function timings(bench: Bench, stores: readonly Store[], restore: (s: Store) => Promise<void>): Promise<void> {
  await bench.case({
    name: `put ${OPS / 1000}k (awaited one by one, overwrites)`,
    ops: OPS,
    rounds: ROUNDS,
    contenders: contenders(stores, async (s) => {
      for (let i = 0; i < OPS; i++) await s.put(keys[pick[i] as number] as Buffer, newValues[i] as Buffer);
    }),
  });
  await bench.case({
    name: `batch of ${BATCH} puts x ${OPS / BATCH} (rows/s)`,
    ops: OPS,
    rounds: ROUNDS,
    contenders: contenders(stores, async (s) => {
      for (let b = 0; b < OPS; b += BATCH) {
        const idx = pick.slice(b, b + BATCH);
        const unique = [...new Set(idx)];
        await s.batch(
          unique.map((j) => keys[j] as Buffer),
          unique.map((j) => values[j] as Buffer),
        );
      }
    }),
  });
  await bench.case({
    name: `get ${OPS / 1000}k random`,
    ops: OPS,
    rounds: ROUNDS,
    contenders: contenders(stores, async (s) => {
      for (const i of pick) if ((await s.get(keys[i] as Buffer)) === undefined) throw new Error(`${s.name}: key lost`);
    }),
  });
  await bench.case({
    name: `scan ${SCANS} x ${SCAN_LIMIT}`,
    ops: SCANS,
    rounds: ROUNDS,
    contenders: contenders(stores, async (s) => {
      for (let i = 0; i < SCANS; i++) {
        if ((await s.scan(keys[pick[i] as number] as Buffer, SCAN_LIMIT)).length === 0) throw new Error('empty scan');
      }
    }),
  });
  await bench.case({
    name: `delete ${(deleteOrder.length / 1000).toFixed(1)}k (re-inserted untimed)`,
    ops: deleteOrder.length,
    rounds: ROUNDS,
    contenders: contenders(
      stores,
      async (s) => {
        for (const i of deleteOrder) await s.delete(keys[i] as Buffer);
      },
      restore,
    ),
  });
  await bench.case({
    name: `${WORKERS}-way concurrent mix ${OPS / 1000}k (60% get, 25% put, 10% delete, 5% scan of 10)`,
    ops: OPS,
    rounds: ROUNDS,
    contenders: contenders(
      stores,
      async (s) => {
        await Promise.all(
          Array.from({ length: WORKERS }, async (_, w) => {
            for (let i = w; i < OPS; i += WORKERS) {
              const key = keys[pick[i] as number] as Buffer;
              const r = i % 20;
              if (r < 12) await s.get(key);
              else if (r < 17) await s.put(key, newValues[i] as Buffer);
              else if (r < 19) await s.delete(key);
              else await s.scan(key, 10);
            }
          }),
        );
      },
      restore,
    ),
  });
}

const suite: Suite = {
  name: 'postgres',
  description: `@sochdb/storage-postgres vs the same SQL through pg and postgres directly, storage-memory reported: ${KEYS / 1000}k 16-byte keys to 100-byte values on a loopback throwaway cluster`,
  async run(bench) {
    let cluster: Cluster;
    try {
      cluster = await startCluster();
    } catch (error) {
      console.log(`\n  (skipped: no PostgreSQL server binaries: ${(error as Error).message})`);
      return;
    }
    const admin = new pg.Pool({ connectionString: cluster.url, max: 2 });
    try {
      makeData();
      const sochdb = ours(cluster.url);
      await sochdb.open();
      for (const t of ['bench_pg', 'bench_porsager']) await admin.query(DDL(t));
      const all = Array.from({ length: KEYS }, (_, i) => i);
      const start = performance.now();
      for (const t of ['bench_sochdb', 'bench_pg', 'bench_porsager']) await load(admin, t, all);
      console.log(`  loaded ${KEYS} rows into 3 tables in ${((performance.now() - start) / 1000).toFixed(1)} s`);
      await admin.query('VACUUM ANALYZE');
      const mem = memory();
      await mem.open();
      const stores = [sochdb.store, rawPg(cluster.url), rawPostgres(cluster.url), mem.store];
      const tableOf = new Map([
        [stores[0], 'bench_sochdb'],
        [stores[1], 'bench_pg'],
        [stores[2], 'bench_porsager'],
      ]);
      const restore = async (s: Store) => {
        const table = tableOf.get(s);
        if (table !== undefined) await load(admin, table, deleteOrder);
        else for (const i of deleteOrder) await s.put(keys[i] as Buffer, values[i] as Buffer);
      };
      await timings(bench, stores, restore);
      for (const s of stores) await s.close();
    } finally {
      await admin.end();
      await cluster.destroy();
    }
  },
};

export default suite;
