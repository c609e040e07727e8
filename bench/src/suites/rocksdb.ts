/**
 * `pnpm bench rocksdb`: @sochdb/storage-rocksdb beside the binding it is
 * built on used directly (rocksdb-native, target >= 0.9x), the other RocksDB
 * binding considered (@nxtedition/rocksdb), classic-level (LevelDB, the Level
 * ecosystem's durable store, target >= 1x) and @sochdb/storage-memory
 * (reported). 200k 16-byte keys to 100-byte values, each store on disk in a
 * temporary folder, every call awaited: put, get, scan of 100, batched puts of
 * 1,000, a walk of the whole 200k and delete; then a 1M-entry walk (plugin vs
 * the binding on the same directory), disk bytes per entry after compact and
 * peak RSS of a child process that writes and walks 1M entries.
 *
 * Kept under two minutes: every contender fills its store once (in batches,
 * untimed) and each timed round works on a slice of it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '@sochdb/storage-memory';
import { RocksDBStorage } from '@sochdb/storage-rocksdb';
import { ClassicLevel } from 'classic-level';
import type { Bench, Contender, Figure, Suite } from '../harness.js';
import { bytesFrom, xorshift32 } from '../random.js';

const require = createRequire(import.meta.url);

/** The slice of rocksdb-native used here (it ships no types). */
interface Native {
  ready(): Promise<void>;
  close(): Promise<void>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array | null>;
  delete(key: Uint8Array): Promise<void>;
  write(options?: { capacity?: number; autoDestroy?: boolean }): {
    tryPut(k: Uint8Array, v: Uint8Array): void;
    flush(): Promise<void>;
  };
  iterator(range: object, options?: object): AsyncIterable<{ key: Uint8Array; value: Uint8Array }>;
  snapshot(): Native;
}
const NativeRocksDB = require('rocksdb-native') as new (path: string) => Native;

/** The slice of @nxtedition/rocksdb (abstract-level 1) used here. */
interface Nx {
  open(): Promise<void>;
  close(): Promise<void>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  get(key: Uint8Array): Promise<Uint8Array>;
  del(key: Uint8Array): Promise<void>;
  batch(ops: Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }>): Promise<void>;
  iterator(options: object): AsyncIterable<[Uint8Array, Uint8Array]> & { all(): Promise<unknown[]> };
}
const { RocksLevel } = require('@nxtedition/rocksdb') as {
  RocksLevel: new (path: string, options: object) => Nx;
};
type Classic = ClassicLevel<Uint8Array, Uint8Array>;

const KEYS = Number(process.env.SOCHDB_BENCH_KEYS ?? 200_000);
const KEY_BYTES = 16;
const VALUE_BYTES = 100;
const SLICE = Math.min(10_000, KEYS / 10); // awaited puts, gets and deletes per timed round
const SCANS = 300;
const SCAN_LIMIT = 100;
const BATCHES = 10;
const BATCH_SIZE = 1_000;
const ROUNDS = 2;
const TABLE = 1;
const EMPTY = new Uint8Array(0);
const WALK_ENTRIES = Number(process.env.SOCHDB_BENCH_WALK ?? 1_000_000);

// The data and the folder every contender uses, made by makeData() when the suite runs (not when the runner lists the suites).
let keys: Uint8Array[] = [];
let values: Uint8Array[] = [];
let getOrder: number[] = [];
let scanStarts: Uint8Array[] = [];
let root = '';
function makeData(): void {
  const next = xorshift32(0x70c4);
  keys = Array.from({ length: KEYS }, () => bytesFrom(next, KEY_BYTES));
  values = Array.from({ length: KEYS }, () => bytesFrom(next, VALUE_BYTES));
  getOrder = Array.from({ length: SLICE }, () => next() % KEYS);
  scanStarts = Array.from({ length: SCANS }, () => keys[next() % KEYS] as Uint8Array);
  root = mkdtempSync(join(tmpdir(), 'sochdb-bench-rocksdb-'));
}
let folders = 0;
const folder = () => join(root, `db-${folders++}`);

/** One contender's operations. */
interface Store<S> {
  readonly name: string;
  readonly baseline?: boolean;
  open(): Promise<S>;
  put(s: S, key: Uint8Array, value: Uint8Array): Promise<unknown>;
  get(s: S, key: Uint8Array): Promise<unknown>;
  scan(s: S, start: Uint8Array, limit: number): Promise<number>;
  batch(s: S, from: number, count: number): Promise<unknown>;
  walk(s: S): Promise<number>;
  delete(s: S, key: Uint8Array): Promise<unknown>;
  close(s: S): Promise<unknown>;
}

async function count(iterable: AsyncIterable<unknown>, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let n = 0;
  for await (const _ of iterable) if (++n >= limit) break;
  return n;
}

/** `n` puts of the bench's entries from `from` on, as abstract-level's `batch` takes them. */
function putOps(from: number, n: number): Array<{ type: 'put'; key: Uint8Array; value: Uint8Array }> {
  return Array.from({ length: n }, (_, i) => ({
    type: 'put' as const,
    key: keys[(from + i) % KEYS] as Uint8Array,
    value: values[(from + i) % KEYS] as Uint8Array,
  }));
}

const plugin: Store<RocksDBStorage> = {
  name: '@sochdb/storage-rocksdb',
  async open() {
    const s = new RocksDBStorage({ path: folder() });
    await s.init();
    return s;
  },
  put: (s, key, value) => s.put(TABLE, key, value, 0),
  get: (s, key) => s.get(TABLE, key),
  scan: async (s, start, limit) => (await s.scan(TABLE, start, EMPTY, limit)).length,
  batch: (s, from, n) =>
    s.batch(
      Array.from({ length: n }, (_, i) => ({
        type: 'put' as const,
        table: TABLE,
        key: keys[(from + i) % KEYS] as Uint8Array,
        value: values[(from + i) % KEYS] as Uint8Array,
      })),
      0,
    ),
  walk: (s) => count(s.iterate(TABLE)),
  delete: (s, key) => s.delete(TABLE, key, 0),
  close: (s) => s.shutdown(),
};

const native: Store<Native> = {
  name: 'rocksdb-native (direct)',
  baseline: true,
  async open() {
    const db = new NativeRocksDB(folder());
    await db.ready();
    return db;
  },
  put: (db, key, value) => db.put(key, value),
  get: (db, key) => db.get(key),
  scan: (db, start, limit) => count(db.iterator({ gte: start, limit }, { capacity: limit })),
  async batch(db, from, n) {
    const w = db.write({ capacity: n, autoDestroy: true });
    for (let i = 0; i < n; i++)
      w.tryPut(keys[(from + i) % KEYS] as Uint8Array, values[(from + i) % KEYS] as Uint8Array);
    await w.flush();
  },
  async walk(db) {
    const snapshot = db.snapshot();
    const n = await count(snapshot.iterator({}, { capacity: 256 }));
    await snapshot.close();
    return n;
  },
  delete: (db, key) => db.delete(key),
  close: (db) => db.close(),
};

const nx: Store<Nx> = {
  name: '@nxtedition/rocksdb',
  async open() {
    const db = new RocksLevel(folder(), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return db;
  },
  put: (db, key, value) => db.put(key, value),
  get: (db, key) => db.get(key),
  scan: async (db, start, limit) => (await db.iterator({ gte: start, limit }).all()).length,
  batch: (db, from, n) => db.batch(putOps(from, n)),
  walk: (db) => count(db.iterator({})),
  delete: (db, key) => db.del(key),
  close: (db) => db.close(),
};

const classic: Store<Classic> = {
  name: 'classic-level',
  baseline: true,
  async open() {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(folder(), { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    return db;
  },
  put: (db, key, value) => db.put(key, value),
  get: (db, key) => db.get(key),
  scan: async (db, start, limit) => (await db.iterator({ gte: start, limit }).all()).length,
  batch: (db, from, n) => db.batch(putOps(from, n)),
  walk: (db) => count(db.iterator()),
  delete: (db, key) => db.del(key),
  close: (db) => db.close(),
};

const memory: Store<MemoryStorage> = {
  name: '@sochdb/storage-memory (in memory)',
  async open() {
    const s = new MemoryStorage();
    await s.init();
    return s;
  },
  put: (s, key, value) => s.put(TABLE, key, value, 0),
  get: (s, key) => s.get(TABLE, key),
  scan: async (s, start, limit) => (await s.scan(TABLE, start, EMPTY, limit)).length,
  batch: async (s, from, n) => {
    for (let i = 0; i < n; i++)
      await s.put(TABLE, keys[(from + i) % KEYS] as Uint8Array, values[(from + i) % KEYS] as Uint8Array, 0);
  },
  walk: (s) => count(s.iterate(TABLE)),
  delete: (s, key) => s.delete(TABLE, key, 0),
  close: (s) => s.shutdown(),
};

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of stores, each typed at its definition
const stores: ReadonlyArray<Store<any>> = [plugin, native, nx, classic, memory];

/** Each contender's store, opened and filled (in batches, untimed) once and reused by every case. */
const opened = new Map<string, Promise<unknown>>();
function filled<S>(store: Store<S>): Promise<S> {
  let made = opened.get(store.name) as Promise<S> | undefined;
  if (made === undefined) {
    made = (async () => {
      const s = await store.open();
      for (let i = 0; i < KEYS; i += BATCH_SIZE) await store.batch(s, i, BATCH_SIZE);
      return s;
    })();
    opened.set(store.name, made);
  }
  return made;
}

/** A case over every store; `run` gets the store, its state and the round number. */
function contenders(run: <S>(store: Store<S>, s: S, round: number) => Promise<void>): Contender<never>[] {
  return stores.map((store) => {
    let round = 0;
    const spec: Contender<unknown> = {
      name: store.name,
      ...(store.baseline ? { baseline: true } : {}),
      setup: () => filled(store),
      run: (s) => run(store, s, round++),
    };
    return spec as unknown as Contender<never>;
  });
}

async function timings(bench: Bench): Promise<void> {
  await bench.case({
    name: `put ${SLICE / 1000}k awaited (into ${KEYS / 1000}k)`,
    ops: SLICE,
    rounds: ROUNDS,
    contenders: contenders(async (store, s, round) => {
      const from = (round * SLICE) % KEYS;
      for (let i = from; i < from + SLICE; i++) await store.put(s, keys[i] as Uint8Array, values[i] as Uint8Array);
    }),
  });
  await bench.case({
    name: `get ${SLICE / 1000}k random of ${KEYS / 1000}k`,
    ops: SLICE,
    rounds: ROUNDS,
    contenders: contenders(async (store, s) => {
      for (const i of getOrder) {
        if ((await store.get(s, keys[i] as Uint8Array)) == null) throw new Error(`${store.name}: key lost`);
      }
    }),
  });
  await bench.case({
    name: `scan ${SCANS} x ${SCAN_LIMIT}`,
    ops: SCANS,
    rounds: ROUNDS,
    contenders: contenders(async (store, s) => {
      for (const start of scanStarts) if ((await store.scan(s, start, SCAN_LIMIT)) === 0) throw new Error('empty scan');
    }),
  });
  await bench.case({
    name: `batched puts: ${BATCHES} batches of ${BATCH_SIZE}`,
    ops: BATCHES * BATCH_SIZE,
    rounds: ROUNDS,
    contenders: contenders(async (store, s, round) => {
      for (let b = 0; b < BATCHES; b++) await store.batch(s, (round * BATCHES + b) * BATCH_SIZE, BATCH_SIZE);
    }),
  });
  await bench.case({
    name: `walk all ${KEYS / 1000}k (iterate / iterator)`,
    ops: KEYS,
    rounds: ROUNDS,
    contenders: contenders(async (store, s) => {
      if ((await store.walk(s)) !== KEYS) throw new Error(`${store.name}: walk lost keys`);
    }),
  });
  await bench.case({
    name: `delete ${SLICE / 1000}k awaited`,
    ops: SLICE,
    rounds: ROUNDS,
    contenders: contenders(async (store, s, round) => {
      const from = (round * SLICE) % KEYS;
      for (let i = from; i < from + SLICE; i++) await store.delete(s, keys[i] as Uint8Array);
    }),
  });
  for (const store of stores) {
    const s = await opened.get(store.name);
    if (s !== undefined) {
      if (process.env.SOCHDB_BENCH_DEBUG) console.log(`closing ${store.name}`);
      await store.close(s);
    }
  }
}

/** What the child run of {@link millionChild} reports. */
interface MillionReport {
  path: string;
  maxRssBytes: number;
  baselineRssBytes: number;
  diskBytesAfterCompact: number;
  fillMs: number;
}

// A child process writes 1M entries through the plugin (batches of 1,000),
// walks them with iterate, compacts, and reports its peak RSS and the disk
// bytes: a process of its own, so the peak is the store's and not the bench's.
const MILLION_CHILD = `
import { RocksDBStorage } from '@sochdb/storage-rocksdb';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
// The peak RSS of this process: VmHWM on Linux (getrusage's maxRSS can carry the parent's peak across exec).
const peakRss = () => {
  try {
    return Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  } catch {
    return process.resourceUsage().maxRSS * 1024;
  }
};
const path = process.argv.at(-1);
const baselineRssBytes = peakRss();
const store = new RocksDBStorage({ path });
await store.init();
let x = 0x1e6;
const rand = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
const bytes = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = rand() & 255; return b; };
const start = performance.now();
for (let i = 0; i < ${WALK_ENTRIES}; i += 1000) {
  const ops = [];
  for (let j = 0; j < 1000; j++) ops.push({ type: 'put', table: 1, key: bytes(${KEY_BYTES}), value: bytes(${VALUE_BYTES}) });
  await store.batch(ops, 0);
}
const fillMs = performance.now() - start;
let n = 0;
for await (const _ of store.iterate(1)) n++;
if (n !== ${WALK_ENTRIES}) throw new Error('walked ' + n);
await store.flush();
await store.compact();
let diskBytesAfterCompact = 0;
for (const name of readdirSync(path)) if (/\\.(sst|log)$/.test(name)) diskBytesAfterCompact += statSync(join(path, name)).size;
await store.shutdown();
console.log(JSON.stringify({ path, maxRssBytes: peakRss(), baselineRssBytes, diskBytesAfterCompact, fillMs }));
`;

function millionChild(path: string): MillionReport {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', MILLION_CHILD, '--', path], {
    cwd: new URL('../..', import.meta.url),
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`1M child failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) as string) as MillionReport;
}

async function million(bench: Bench): Promise<void> {
  const report = millionChild(folder());
  const directory = report.path;
  bench.figures(
    `${WALK_ENTRIES / 1e6}M random entries (16 B keys, 100 B values) written through @sochdb/storage-rocksdb in batches of 1,000`,
    [
      {
        name: 'disk bytes per entry after compact',
        value: report.diskBytesAfterCompact / WALK_ENTRIES,
        unit: 'B/entry',
        note: `raw key+value ${KEY_BYTES + VALUE_BYTES} B + 4 B table prefix; no SST compression in rocksdb-native`,
      },
      {
        name: 'peak RSS of the writing process',
        value: report.maxRssBytes / 2 ** 20,
        unit: 'MiB',
        note: `node alone: ${(report.baselineRssBytes / 2 ** 20).toFixed(0)} MiB`,
      },
      { name: 'fill rate (batches of 1,000)', value: (WALK_ENTRIES / report.fillMs) * 1000, unit: 'entries/s' },
    ] satisfies Figure[],
  );
  // The same directory walked by the plugin and by rocksdb-native over the plugin's stored keys.
  await bench.case({
    name: `walk ${WALK_ENTRIES / 1e6}M entries`,
    ops: WALK_ENTRIES,
    rounds: 1,
    contenders: [
      {
        name: '@sochdb/storage-rocksdb iterate',
        async setup() {
          const s = new RocksDBStorage({ path: directory });
          await s.init();
          return s;
        },
        async run(s: RocksDBStorage) {
          if ((await count(s.iterate(TABLE))) !== WALK_ENTRIES) throw new Error('walk lost keys');
        },
        teardown: (s: RocksDBStorage) => s.shutdown(),
      } as Contender<RocksDBStorage>,
      {
        name: 'rocksdb-native (direct) snapshot iterator',
        baseline: true,
        async setup() {
          const db = new NativeRocksDB(directory);
          await db.ready();
          return db;
        },
        run: async (db: Native) => {
          if ((await native.walk(db)) !== WALK_ENTRIES) throw new Error('walk lost keys');
        },
        teardown: (db: Native) => db.close(),
      } as Contender<Native>,
    ] as unknown as Contender<never>[],
  });
}

const suite: Suite = {
  name: 'rocksdb',
  description: `@sochdb/storage-rocksdb vs rocksdb-native direct, @nxtedition/rocksdb, classic-level and storage-memory: ${KEYS / 1000}k ${KEY_BYTES}-byte keys to ${VALUE_BYTES}-byte values on disk`,
  async run(bench) {
    makeData();
    try {
      const only = process.env.SOCHDB_BENCH_ONLY;
      if (only !== 'million') await timings(bench);
      if (only !== 'timings') await million(bench);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

export default suite;
