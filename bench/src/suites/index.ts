/**
 * `pnpm bench index`: @sochdb/index-btree beside the three obvious layouts of
 * a non-unique ordered index on the same libraries, each keyed by the
 * caller's `Uint8Array` with core's `compareBytes`:
 *   - sorted-btree with composite `(key, rowId)` keys (set mode),
 *   - sorted-btree from key to a sorted array of row ids,
 *   - js-sdsl `OrderedMap` from key to a sorted array of row ids.
 * Like the index, every layout answers `lookup` and `range` with a fresh array
 * the caller owns. 200k pairs over 20k distinct 16-byte keys: insert one by one,
 * `build`, lookup of every key, 2,000 ranges of 100, delete half. Then heap
 * bytes per pair after 250k pairs.
 */
import { compareBytes } from '@sochdb/core';
import { BTreeIndex } from '@sochdb/index-btree';
import { OrderedMap } from 'js-sdsl';
import sortedBtree from 'sorted-btree';
import type { Bench, Contender, Figure, Suite } from '../harness.js';
import { bytesFrom, once, xorshift32 } from '../random.js';

const BTree = sortedBtree.default;
type SortedBtree<K, V> = import('sorted-btree').default<K, V>;

const PAIRS = 200_000;
const DISTINCT = 20_000;
const KEY_BYTES = 16;
const RANGES = 2_000;
const RANGE_LIMIT = 100;
const ROUNDS = 3;
// The build cases run right after the insert case, which has already run the
// index's insert path 4 x 200k times, so "insert one by one" is measured warm
// while build() would be measured on its first calls, before V8 has optimised
// its loops (the first rounds measured 2-3x slower than later ones). More rounds
// let the median compare warm code with warm code; the first call's time is
// printed after the cases, so the cold figure stays visible.
const BUILD_ROUNDS = 9;

/** Times the first call of `build` in the process (the harness's warm-up round). */
const coldBuildMs: Record<string, number> = {};
function timedBuild(label: string, index: BTreeIndex, data: Iterable<readonly [number, Uint8Array]>): void {
  if (label in coldBuildMs) {
    index.build(1, 0, data);
    return;
  }
  const start = performance.now();
  index.build(1, 0, data);
  coldBuildMs[label] = performance.now() - start;
}
const EMPTY = new Uint8Array(0);

/** The keys and pairs every contender sees, made when the suite runs (not when the runner lists the suites). */
const data = once(() => {
  const next = xorshift32(0x1dec5);
  const keys = Array.from({ length: DISTINCT }, () => bytesFrom(next, KEY_BYTES));
  // Pair i is (keys[i % DISTINCT], row i), inserted in a shuffled order.
  const order = Array.from({ length: PAIRS }, (_, i) => i);
  for (let i = PAIRS - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const pairs: Array<readonly [number, Uint8Array]> = order.map((row) => [row, keys[row % DISTINCT] as Uint8Array]);
  const rangeStarts = Array.from({ length: RANGES }, () => keys[next() % DISTINCT] as Uint8Array);
  return { keys, pairs, rangeStarts };
});

/** The operations every contender offers, the contract's. */
interface Layout {
  insert(key: Uint8Array, rowId: number): void;
  delete(key: Uint8Array, rowId: number): boolean;
  lookup(key: Uint8Array): number[];
  range(start: Uint8Array, end: Uint8Array, limit: number): number[];
}

function lowerBound(rows: readonly number[], rowId: number): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((rows[mid] as number) < rowId) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Inserts into / deletes from a sorted row-id array; the shared part of the two array layouts. */
function addRow(rows: number[], rowId: number): void {
  const at = lowerBound(rows, rowId);
  if (rows[at] !== rowId) rows.splice(at, 0, rowId);
}
function removeRow(rows: number[], rowId: number): boolean {
  const at = lowerBound(rows, rowId);
  if (rows[at] !== rowId) return false;
  rows.splice(at, 1);
  return true;
}

type Composite = readonly [key: Uint8Array, rowId: number];
function compareComposite(a: Composite, b: Composite): number {
  return compareBytes(a[0], b[0]) || a[1] - b[1];
}

class CompositeLayout implements Layout {
  readonly tree: SortedBtree<Composite, undefined> = new BTree<Composite, undefined>(undefined, compareComposite);
  insert(key: Uint8Array, rowId: number): void {
    this.tree.set([key, rowId], undefined);
  }
  delete(key: Uint8Array, rowId: number): boolean {
    return this.tree.delete([key, rowId]);
  }
  lookup(key: Uint8Array): number[] {
    const out: number[] = [];
    this.tree.forRange([key, -1], [key, Number.MAX_SAFE_INTEGER], true, (k) => {
      out.push(k[1]);
    });
    return out;
  }
  range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
    const out: number[] = [];
    const high: Composite | undefined = end.length > 0 ? [end, -1] : this.tree.maxKey();
    if (high === undefined || limit === 0) return out;
    this.tree.forRange([start, -1], high, end.length === 0, (k) => {
      if (out.push(k[1]) >= limit) return { break: 0 };
      return undefined;
    });
    return out;
  }
}

class BtreeArraysLayout implements Layout {
  readonly tree: SortedBtree<Uint8Array, number[]> = new BTree<Uint8Array, number[]>(undefined, compareBytes);
  insert(key: Uint8Array, rowId: number): void {
    const rows = this.tree.get(key);
    if (rows === undefined) this.tree.set(key, [rowId]);
    else addRow(rows, rowId);
  }
  delete(key: Uint8Array, rowId: number): boolean {
    const rows = this.tree.get(key);
    if (rows === undefined || !removeRow(rows, rowId)) return false;
    if (rows.length === 0) this.tree.delete(key);
    return true;
  }
  lookup(key: Uint8Array): number[] {
    return this.tree.get(key)?.slice() ?? [];
  }
  range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
    const out: number[] = [];
    const high = end.length > 0 ? end : this.tree.maxKey();
    if (high === undefined || limit === 0) return out;
    this.tree.forRange(start, high, end.length === 0, (_k, rows) => {
      for (const row of rows) if (out.push(row) >= limit) return { break: 0 };
      return undefined;
    });
    return out;
  }
}

class SdslArraysLayout implements Layout {
  readonly map = new OrderedMap<Uint8Array, number[]>([], compareBytes);
  insert(key: Uint8Array, rowId: number): void {
    const rows = this.map.getElementByKey(key);
    if (rows === undefined) this.map.setElement(key, [rowId]);
    else addRow(rows, rowId);
  }
  delete(key: Uint8Array, rowId: number): boolean {
    const rows = this.map.getElementByKey(key);
    if (rows === undefined || !removeRow(rows, rowId)) return false;
    if (rows.length === 0) this.map.eraseElementByKey(key);
    return true;
  }
  lookup(key: Uint8Array): number[] {
    return this.map.getElementByKey(key)?.slice() ?? [];
  }
  range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
    const out: number[] = [];
    if (limit === 0) return out;
    const stop = this.map.end();
    for (let it = this.map.lowerBound(start); !it.equals(stop); it.next()) {
      const [key, rows] = it.pointer;
      if (end.length > 0 && compareBytes(key, end) >= 0) break;
      for (const row of rows) if (out.push(row) >= limit) return out;
    }
    return out;
  }
}

interface Entrant {
  readonly name: string;
  readonly baseline?: boolean;
  make(): Layout;
}

const entrants: readonly Entrant[] = [
  { name: '@sochdb/index-btree', make: () => new BTreeIndex() },
  { name: 'sorted-btree composite (key, rowId)', baseline: true, make: () => new CompositeLayout() },
  { name: 'sorted-btree key -> rowId[]', baseline: true, make: () => new BtreeArraysLayout() },
  { name: 'js-sdsl OrderedMap key -> rowId[]', baseline: true, make: () => new SdslArraysLayout() },
];

/** The index filled by one build() call instead of inserts: lookups and deletes must not be slower on it. */
const builtIndex: Entrant = { name: '@sochdb/index-btree, filled by build()', make: () => new BTreeIndex() };

function filled(entrant: Entrant): Layout {
  const { pairs } = data();
  if (entrant === builtIndex) {
    const index = new BTreeIndex();
    index.build(1, 0, pairs);
    return index;
  }
  const layout = entrant.make();
  for (const [row, key] of pairs) layout.insert(key, row);
  return layout;
}

/** Types a contender's state; the harness's `Case` holds contenders of any state as `Contender<never>`. */
const typed = <State>(spec: Contender<State>) => spec as unknown as Contender<never>;

function contender(entrant: Entrant, fill: boolean, run: (layout: Layout) => void): Contender<never> {
  return typed<Layout>({
    name: entrant.name,
    ...(entrant.baseline ? { baseline: true } : {}),
    setup: () => (fill ? filled(entrant) : entrant.make()),
    run,
  });
}

async function timings(bench: Bench): Promise<void> {
  const { keys, pairs, rangeStarts } = data();
  await bench.case({
    name: `insert ${PAIRS / 1000}k pairs one by one`,
    ops: PAIRS,
    rounds: ROUNDS,
    contenders: entrants.map((entrant) =>
      contender(entrant, false, (layout) => {
        for (const [row, key] of pairs) layout.insert(key, row);
      }),
    ),
  });
  await bench.case({
    name: `build ${PAIRS / 1000}k pairs (bulk load) vs inserting them one by one`,
    ops: PAIRS,
    rounds: BUILD_ROUNDS,
    contenders: [
      typed<BTreeIndex>({
        name: '@sochdb/index-btree build()',
        setup: () => new BTreeIndex(),
        run: (index) => timedBuild('200k pairs over 20k keys', index, pairs),
      }),
      typed<BTreeIndex>({
        name: '@sochdb/index-btree insert one by one',
        baseline: true,
        setup: () => new BTreeIndex(),
        run: (index) => {
          for (const [row, key] of pairs) index.insert(key, row);
        },
      }),
    ],
  });
  // The same comparison where every key is distinct: each one-by-one insert then adds a tree entry.
  const uniquePairs = pairs.map(([row], i) => [row, bytesFrom(xorshift32(i + 1), KEY_BYTES)] as const);
  await bench.case({
    name: `build ${PAIRS / 1000}k pairs with unique keys vs inserting them one by one`,
    ops: PAIRS,
    rounds: BUILD_ROUNDS,
    contenders: [
      typed<BTreeIndex>({
        name: '@sochdb/index-btree build()',
        setup: () => new BTreeIndex(),
        run: (index) => timedBuild('200k pairs, unique keys', index, uniquePairs),
      }),
      typed<BTreeIndex>({
        name: '@sochdb/index-btree insert one by one',
        baseline: true,
        setup: () => new BTreeIndex(),
        run: (index) => {
          for (const [row, key] of uniquePairs) index.insert(key, row);
        },
      }),
    ],
  });
  // Keys sharing their first 4 bytes (a tenant id, a timestamp's high bytes): the same pairs, so the two builds compare.
  const prefixedPairs = pairs.map(([row, key]) => {
    const prefixed = key.slice();
    prefixed.set([0x74, 0x65, 0x6e, 0x01]);
    return [row, prefixed] as const;
  });
  await bench.case({
    name: `build ${PAIRS / 1000}k pairs: random keys vs keys sharing a 4-byte prefix`,
    ops: PAIRS,
    rounds: BUILD_ROUNDS,
    contenders: [
      typed<BTreeIndex>({
        name: '@sochdb/index-btree build(), shared 4-byte prefix',
        setup: () => new BTreeIndex(),
        run: (index) => index.build(1, 0, prefixedPairs),
      }),
      typed<BTreeIndex>({
        name: '@sochdb/index-btree build(), random keys',
        baseline: true,
        setup: () => new BTreeIndex(),
        run: (index) => index.build(1, 0, pairs),
      }),
    ],
  });
  bench.figures(
    'build(): its first call in the process (the warm-up round above, before V8 has optimised it)',
    Object.entries(coldBuildMs).map(([name, value]) => ({ name, value, unit: 'ms' })),
  );
  await bench.case({
    name: `lookup every key (${DISTINCT / 1000}k keys, ${PAIRS / DISTINCT} rows each)`,
    ops: DISTINCT,
    rounds: ROUNDS,
    contenders: [builtIndex, ...entrants].map((entrant) =>
      contender(entrant, true, (layout) => {
        for (const key of keys) if (layout.lookup(key).length === 0) throw new Error(`${entrant.name}: key lost`);
      }),
    ),
  });
  await bench.case({
    name: `range ${RANGES} x ${RANGE_LIMIT} row ids`,
    ops: RANGES,
    rounds: ROUNDS,
    contenders: entrants.map((entrant) =>
      contender(entrant, true, (layout) => {
        for (const start of rangeStarts)
          if (layout.range(start, EMPTY, RANGE_LIMIT).length === 0) throw new Error('empty');
      }),
    ),
  });
  await bench.case({
    name: `delete half (${PAIRS / 2000}k pairs)`,
    ops: PAIRS / 2,
    rounds: ROUNDS,
    contenders: [builtIndex, ...entrants].map((entrant) =>
      contender(entrant, true, (layout) => {
        for (let i = 0; i < PAIRS; i += 2) {
          const [row, key] = pairs[i] as readonly [number, Uint8Array];
          if (!layout.delete(key, row)) throw new Error(`${entrant.name}: pair lost`);
        }
      }),
    ),
  });
}

const gc = (globalThis as { gc?: () => void }).gc;

function heapNow(): number {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/**
 * Per-pair figures do not depend on the count: sizeBytes() gives the same
 * bytes per pair at 250k and 1M (24.2 B with 10 rows per key, 58.0 B unique).
 * 1M took 50 s of the suite's two minutes.
 */
const MEMORY_PAIRS = 250_000;

/**
 * Heap (plus ArrayBuffer) growth per pair after {@link MEMORY_PAIRS} pairs over `distinct` fresh
 * random keys, inserted in random order (or built in one call). The keys are
 * made before the `before` reading and counted for layouts that keep them.
 */
function bytesPerPair(
  distinct: number,
  how: 'insert' | 'build',
  make: () => Layout,
): { perPair: number; estimate?: number } {
  const nextByte = xorshift32(0xb17e5 + distinct);
  const before = heapNow();
  const memoryKeys = Array.from({ length: distinct }, () => bytesFrom(nextByte, KEY_BYTES));
  const keysBytes = heapNow() - before;
  const layout = make();
  if (how === 'build' && layout instanceof BTreeIndex) {
    layout.build(1, 0, {
      *[Symbol.iterator]() {
        for (let row = 0; row < MEMORY_PAIRS; row++) yield [row, memoryKeys[row % distinct] as Uint8Array] as const;
      },
    });
  } else {
    for (let i = 0; i < MEMORY_PAIRS; i++) {
      const row = (i * 7_919) % MEMORY_PAIRS; // a fixed permutation: 7919 is a prime that does not divide the count
      layout.insert(memoryKeys[row % distinct] as Uint8Array, row);
    }
  }
  // The index copies keys; the layouts keep the caller's: count those for them only.
  const grown = heapNow() - before - (layout instanceof BTreeIndex ? keysBytes : 0);
  const result = {
    perPair: grown / MEMORY_PAIRS,
    ...(layout instanceof BTreeIndex ? { estimate: layout.sizeBytes() / MEMORY_PAIRS } : {}),
  };
  memoryKeys.length = 0;
  return result;
}

function memory(bench: Bench): void {
  if (!gc) {
    console.log('\n  (memory figures skipped: run with node --expose-gc)');
    return;
  }
  const raw = KEY_BYTES + 8;
  const figures: Figure[] = [];
  for (const distinct of [MEMORY_PAIRS / 10, MEMORY_PAIRS]) {
    const shape = distinct === MEMORY_PAIRS ? 'unique keys' : `${MEMORY_PAIRS / distinct} rows per key`;
    for (const how of ['insert', 'build'] as const) {
      const { perPair, estimate } = bytesPerPair(distinct, how, () => new BTreeIndex());
      figures.push({
        name: `@sochdb/index-btree, ${shape}, ${how}`,
        value: perPair,
        unit: 'B/pair',
        note: `${perPair.toFixed(1)} B measured, sizeBytes() says ${estimate?.toFixed(1)}; raw key+rowId ${raw} B, target <= ${raw + 64} B`,
      });
    }
    for (const entrant of entrants.slice(1)) {
      figures.push({
        name: `${entrant.name}, ${shape}`,
        value: bytesPerPair(distinct, 'insert', entrant.make).perPair,
        unit: 'B/pair',
      });
    }
  }
  bench.figures(`heap + ArrayBuffer bytes per pair after ${MEMORY_PAIRS / 1000}k pairs (16 B keys)`, figures);
}

const suite: Suite = {
  name: 'index',
  description: `@sochdb/index-btree vs three layouts: ${PAIRS / 1000}k pairs over ${DISTINCT / 1000}k ${KEY_BYTES}-byte keys`,
  async run(bench) {
    const only = process.env.SOCHDB_BENCH_ONLY;
    if (only !== 'memory') await timings(bench);
    if (only !== 'timings') memory(bench);
  },
};

export default suite;
