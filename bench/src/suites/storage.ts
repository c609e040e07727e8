/**
 * `pnpm bench storage`: @sochdb/storage-memory beside memory-level (the Level
 * ecosystem's in-memory store, the same async contract) and sorted-btree used
 * directly with core's byte comparator (no promises, no copies, no checks).
 * 100k 16-byte keys to 100-byte values: bulk put, random get, 2,000 scans of
 * 100, delete half. Then heap bytes per entry after 250k entries.
 */
import { compareBytes } from '@sochdb/core';
import { MemoryStorage } from '@sochdb/storage-memory';
import { MemoryLevel } from 'memory-level';
import sortedBtree from 'sorted-btree';
import type { Bench, Contender, Figure, Suite } from '../harness.js';
import { bytesFrom, once, xorshift32 } from '../random.js';

const BTree = sortedBtree.default;
type RawTree = import('sorted-btree').default<Uint8Array, Uint8Array>;
type Level = MemoryLevel<Uint8Array, Uint8Array>;

// Every store here is a tree, so the ratios hardly move with the count (a lookup is log n deep):
// 100k keeps the suite within two minutes on a busy 2-core machine (200k took 1 min 42 s).
const KEYS = 100_000;
const KEY_BYTES = 16;
const VALUE_BYTES = 100;
const SCANS = 2_000;
const SCAN_LIMIT = 100;
const ROUNDS = 3;
const TABLE = 1;
const EMPTY = new Uint8Array(0);

/** The keys and values every contender sees, made when the suite runs (not when the runner lists the suites). */
const data = once(() => {
  const next = xorshift32(0x5eed);
  const keys = Array.from({ length: KEYS }, () => bytesFrom(next, KEY_BYTES));
  const values = Array.from({ length: KEYS }, () => bytesFrom(next, VALUE_BYTES));
  // Gets in an order unrelated to insertion; scans from random existing keys.
  const getOrder = Array.from({ length: KEYS }, () => next() % KEYS);
  const scanStarts = Array.from({ length: SCANS }, () => keys[next() % KEYS] as Uint8Array);
  return { keys, values, getOrder, scanStarts };
});

/** One contender's operations, so every case is written once. */
interface Store<S> {
  readonly name: string;
  readonly baseline?: boolean;
  make(): Promise<S>;
  put(s: S, key: Uint8Array, value: Uint8Array): Promise<void> | void;
  get(s: S, key: Uint8Array): Promise<unknown> | unknown;
  scan(s: S, start: Uint8Array, limit: number): Promise<unknown[]> | unknown[];
  delete(s: S, key: Uint8Array): Promise<void> | void;
  close(s: S): Promise<void> | void;
}

const storageMemory: Store<MemoryStorage> = {
  name: '@sochdb/storage-memory',
  async make() {
    const s = new MemoryStorage();
    await s.init();
    return s;
  },
  put: (s, key, value) => s.put(TABLE, key, value, 0),
  get: (s, key) => s.get(TABLE, key),
  scan: (s, start, limit) => s.scan(TABLE, start, EMPTY, limit),
  delete: (s, key) => s.delete(TABLE, key, 0),
  close: (s) => s.shutdown(),
};

const memoryLevel: Store<Level> = {
  name: 'memory-level',
  baseline: true,
  async make() {
    const db = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    return db;
  },
  put: (db, key, value) => db.put(key, value),
  get: (db, key) => db.get(key),
  scan: (db, start, limit) => db.iterator({ gte: start, limit }).all(),
  delete: (db, key) => db.del(key),
  close: (db) => db.close(),
};

/**
 * memory-level with `view` encodings keeps the caller's buffers and hands its
 * own back: no copy either way, which the contract forbids. This baseline
 * copies in and out as the contract requires, to show what the copies cost it.
 */
const memoryLevelCopying: Store<Level> = {
  ...memoryLevel,
  name: 'memory-level, copies in and out',
  put: (db, key, value) => db.put(key.slice(), value.slice()),
  get: async (db, key) => (await db.get(key))?.slice(),
  scan: async (db, start, limit) =>
    (await db.iterator({ gte: start, limit }).all()).map(([k, v]) => [k.slice(), v.slice()] as const),
};

function rawScan(tree: RawTree, start: Uint8Array, limit: number): Array<[Uint8Array, Uint8Array]> {
  const out: Array<[Uint8Array, Uint8Array]> = [];
  const max = tree.maxKey();
  if (max === undefined) return out;
  tree.forRange(start, max, true, (key, value) => {
    out.push([key, value]);
    if (out.length >= limit) return { break: out.length };
    return undefined;
  });
  return out;
}

const rawSortedBtree: Store<RawTree> = {
  name: 'sorted-btree (raw, compareBytes)',
  baseline: true,
  make: async () => new BTree<Uint8Array, Uint8Array>(undefined, compareBytes),
  put: (tree, key, value) => {
    tree.set(key, value);
  },
  get: (tree, key) => tree.get(key),
  scan: rawScan,
  delete: (tree, key) => {
    tree.delete(key);
  },
  close: (tree) => tree.clear(),
};

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of stores, each typed at its definition
const stores: ReadonlyArray<Store<any>> = [storageMemory, memoryLevel, memoryLevelCopying, rawSortedBtree];

async function filled<S>(store: Store<S>): Promise<S> {
  const { keys, values } = data();
  const s = await store.make();
  for (let i = 0; i < KEYS; i++) await store.put(s, keys[i] as Uint8Array, values[i] as Uint8Array);
  return s;
}

/**
 * Each contender's store, filled once (untimed) and shared by the get, scan
 * and delete cases: get and scan leave it as it was, and the delete case puts
 * back (untimed) what each round deleted. Filling a fresh store for every
 * round of every case took most of the suite's time.
 */
const shared = new Map<string, Promise<unknown>>();
function sharedStore<S>(store: Store<S>): Promise<S> {
  let made = shared.get(store.name) as Promise<S> | undefined;
  if (made === undefined) {
    made = filled(store);
    shared.set(store.name, made);
  }
  return made;
}

/** A fresh empty store each round, closed after it; or the shared filled one, with `teardown` after each round. */
function contender<S>(
  store: Store<S>,
  state: 'empty' | 'shared',
  run: (s: S) => Promise<void>,
  teardown?: (s: S) => Promise<void>,
): Contender<never> {
  const spec: Contender<S> = {
    name: store.name,
    ...(store.baseline ? { baseline: true } : {}),
    setup: () => (state === 'empty' ? store.make() : sharedStore(store)),
    run,
    ...(state === 'empty' ? { teardown: (s: S) => store.close(s) } : teardown ? { teardown } : {}),
  };
  // The harness's `Case` holds contenders of any state as `Contender<never>`.
  return spec as unknown as Contender<never>;
}

async function timings(bench: Bench): Promise<void> {
  const { keys, values, getOrder, scanStarts } = data();
  await bench.case({
    name: `put ${KEYS / 1000}k (awaited one by one)`,
    ops: KEYS,
    rounds: ROUNDS,
    contenders: stores.map((store) =>
      contender(store, 'empty', async (s) => {
        for (let i = 0; i < KEYS; i++) await store.put(s, keys[i] as Uint8Array, values[i] as Uint8Array);
      }),
    ),
  });
  await bench.case({
    name: `get ${KEYS / 1000}k random`,
    ops: KEYS,
    rounds: ROUNDS,
    contenders: stores.map((store) =>
      contender(store, 'shared', async (s) => {
        for (const i of getOrder) {
          if ((await store.get(s, keys[i] as Uint8Array)) === undefined) throw new Error(`${store.name}: key lost`);
        }
      }),
    ),
  });
  await bench.case({
    name: `scan ${SCANS} x ${SCAN_LIMIT}`,
    ops: SCANS,
    rounds: ROUNDS,
    contenders: stores.map((store) =>
      contender(store, 'shared', async (s) => {
        for (const start of scanStarts) {
          if ((await store.scan(s, start, SCAN_LIMIT)).length === 0) throw new Error(`${store.name}: empty scan`);
        }
      }),
    ),
  });
  await bench.case({
    name: `delete half (${KEYS / 2000}k; put back untimed after each round)`,
    ops: KEYS / 2,
    rounds: ROUNDS,
    contenders: stores.map((store) =>
      contender(
        store,
        'shared',
        async (s) => {
          for (let i = 0; i < KEYS; i += 2) await store.delete(s, keys[i] as Uint8Array);
        },
        async (s) => {
          for (let i = 0; i < KEYS; i += 2) await store.put(s, keys[i] as Uint8Array, values[i] as Uint8Array);
        },
      ),
    ),
  });
  for (const store of stores) {
    const s = await shared.get(store.name);
    if (s !== undefined) await store.close(s);
  }
  shared.clear();
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapNow(): number {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Per-entry figures do not depend on the count here: @sochdb/storage-memory
 * measured 178 B at 250k and at 1M, memory-level 555 B at 250k and 556 B in
 * the suite's 1M run. 1M took 45 s and 1.4 GB of the suite's budget.
 */
const MEMORY_ENTRIES = 250_000;

/**
 * Heap (plus ArrayBuffer) growth per entry after {@link MEMORY_ENTRIES} fresh random entries, put
 * in random order. The inputs are made inside the loop and dropped, so only
 * what the store keeps is counted (the raw tree keeps the caller's buffers).
 */
async function bytesPerEntry<S>(store: Store<S>, after?: (s: S) => Promise<void>): Promise<number> {
  const nextByte = xorshift32(0xb17e5);
  const before = heapNow();
  const s = await store.make();
  for (let i = 0; i < MEMORY_ENTRIES; i++) {
    await store.put(s, bytesFrom(nextByte, KEY_BYTES), bytesFrom(nextByte, VALUE_BYTES));
  }
  await after?.(s);
  const perEntry = (heapNow() - before) / MEMORY_ENTRIES;
  await store.close(s);
  return perEntry;
}

async function memory(bench: Bench): Promise<void> {
  if (!gc) {
    console.log('\n  (memory figures skipped: run with node --expose-gc)');
    return;
  }
  const raw = KEY_BYTES + VALUE_BYTES;
  const figures: Figure[] = [];
  const note = (value: number) => `${value.toFixed(1)} B; raw key+value ${raw} B, target <= ${raw + 64} B`;
  const plain = await bytesPerEntry(storageMemory);
  figures.push({ name: '@sochdb/storage-memory', value: plain, unit: 'B/entry', note: note(plain) });
  const compacted = await bytesPerEntry(storageMemory, (s) => s.compact());
  figures.push({
    name: '@sochdb/storage-memory after compact()',
    value: compacted,
    unit: 'B/entry',
    note: note(compacted),
  });
  figures.push({ name: 'memory-level', value: await bytesPerEntry(memoryLevel), unit: 'B/entry' });
  figures.push({
    name: 'sorted-btree (raw, Uint8Array entries)',
    value: await bytesPerEntry(rawSortedBtree),
    unit: 'B/entry',
  });
  bench.figures(
    `heap + ArrayBuffer bytes per entry after ${MEMORY_ENTRIES / 1000}k random puts (16 B keys, 100 B values)`,
    figures,
  );
}

const suite: Suite = {
  name: 'storage',
  description: `@sochdb/storage-memory vs memory-level and raw sorted-btree: ${KEYS / 1000}k ${KEY_BYTES}-byte keys to ${VALUE_BYTES}-byte values`,
  async run(bench) {
    const only = process.env.SOCHDB_BENCH_ONLY;
    if (only !== 'memory') await timings(bench);
    if (only !== 'timings') await memory(bench);
  },
};

export default suite;
