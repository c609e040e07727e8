/**
 * `pnpm bench hnsw`: @sochdb/index-hnsw beside usearch used directly and an
 * exact brute-force scan over one `Float32Array`, on seeded clustered Gaussian
 * vectors of 128 dimensions (cosine):
 *   - build of N vectors (one usearch add, on every core and on one thread) vs inserting them one by one,
 *   - nearest (k = 10) queries per second, and recall@10 against brute force,
 *   - memory per vector (sizeBytes() and the process's RSS growth),
 *   - build of 50k vectors timed once (every core), extrapolated to 1M.
 * hnswlib-node, the other candidate, is absent: it compiles at install and this
 * repository installs no compiler-built dependency.
 * Data is made inside `run`, so other suites do not pay for it.
 */
import { HnswIndex } from '@sochdb/index-hnsw';
import { MetricKind, ScalarKind, Index as UsearchIndex } from 'usearch';
import type { Bench, Suite } from '../harness.js';
import { xorshift32 } from '../random.js';

const DIMENSIONS = 128;
const N = 10_000;
const QUERIES = 500;
const K = 10;
const BIG = 50_000;
const CLUSTERS = 100;

/** `count` clustered Gaussian vectors, flat, deterministic for a seed. */
function clustered(count: number, seed: number): Float32Array {
  const next = xorshift32(seed);
  const uniform = () => (next() + 1) / 2 ** 32;
  const gaussian = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const centresNext = xorshift32(0xc0ffee);
  const centres = Array.from({ length: CLUSTERS }, () =>
    Float32Array.from({ length: DIMENSIONS }, () => (centresNext() / 2 ** 32 - 0.5) * 4),
  );
  const out = new Float32Array(count * DIMENSIONS);
  for (let i = 0; i < count; i++) {
    const centre = centres[next() % CLUSTERS] as Float32Array;
    for (let j = 0; j < DIMENSIONS; j++) out[i * DIMENSIONS + j] = (centre[j] as number) + gaussian();
  }
  return out;
}

function keyOf(vectors: Float32Array, i: number): Uint8Array {
  return new Uint8Array(vectors.buffer, i * DIMENSIONS * 4, DIMENSIONS * 4);
}

function pairs(vectors: Float32Array, count: number): Iterable<readonly [number, Uint8Array]> {
  return {
    *[Symbol.iterator]() {
      for (let i = 0; i < count; i++) yield [i, keyOf(vectors, i)] as const;
    },
  };
}

function rawIndex(): UsearchIndex {
  return new UsearchIndex({
    dimensions: DIMENSIONS,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: 16,
    expansion_add: 128,
    expansion_search: 64,
    multi: false,
  });
}

/** Exact k nearest by cosine distance: the floor every ANN index must beat. */
function bruteForce(data: Float32Array, norms: Float32Array, count: number, query: Float32Array): number[] {
  let qn = 0;
  for (let j = 0; j < DIMENSIONS; j++) qn += (query[j] as number) ** 2;
  qn = Math.sqrt(qn);
  const best: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    let dot = 0;
    const base = i * DIMENSIONS;
    for (let j = 0; j < DIMENSIONS; j++) dot += (data[base + j] as number) * (query[j] as number);
    const d = 1 - dot / (qn * (norms[i] as number));
    if (best.length < K || d < (best[best.length - 1] as [number, number])[1]) {
      best.push([i, d]);
      best.sort((a, b) => a[1] - b[1]);
      if (best.length > K) best.pop();
    }
  }
  return best.map(([row]) => row);
}

async function run(bench: Bench): Promise<void> {
  const data = clustered(BIG, 0x5eed);
  const queries = clustered(QUERIES, 0x9e7);
  const norms = new Float32Array(BIG);
  for (let i = 0; i < BIG; i++) {
    let n = 0;
    for (let j = 0; j < DIMENSIONS; j++) n += (data[i * DIMENSIONS + j] as number) ** 2;
    norms[i] = Math.sqrt(n);
  }
  const flat = data.subarray(0, N * DIMENSIONS);
  const rawKeys = BigUint64Array.from({ length: N }, (_, i) => BigInt(i));

  await bench.case({
    name: `build ${N / 1000}k x ${DIMENSIONS}d`,
    ops: N,
    rounds: 3,
    contenders: [
      { name: 'raw usearch add (batch, every core)', baseline: true, run: () => rawIndex().add(rawKeys, flat, 0) },
      {
        name: '@sochdb/index-hnsw build',
        run: () => new HnswIndex({ dimensions: DIMENSIONS }).build(0, 0, pairs(data, N)),
      },
      {
        name: '@sochdb/index-hnsw build, buildThreads 1',
        run: () => new HnswIndex({ dimensions: DIMENSIONS, buildThreads: 1 }).build(0, 0, pairs(data, N)),
      },
      {
        name: '@sochdb/index-hnsw insert one by one',
        run: () => {
          const index = new HnswIndex({ dimensions: DIMENSIONS });
          for (let i = 0; i < N; i++) index.insert(keyOf(data, i), i);
        },
      },
    ],
  });

  const index = new HnswIndex({ dimensions: DIMENSIONS });
  index.build(0, 0, pairs(data, N));
  const raw = rawIndex();
  raw.add(rawKeys, flat, 0);
  const queryVectors = Array.from({ length: QUERIES }, (_, q) => queries.slice(q * DIMENSIONS, (q + 1) * DIMENSIONS));
  const queryKeys = queryVectors.map((v) => new Uint8Array(v.buffer));

  await bench.case({
    name: `nearest k=${K}, ${QUERIES} queries over ${N / 1000}k`,
    ops: QUERIES,
    rounds: 3,
    contenders: [
      {
        name: 'raw usearch search (1 thread)',
        baseline: true,
        run: () => {
          for (const q of queryVectors) raw.search(q, K, 1);
        },
      },
      {
        name: '@sochdb/index-hnsw nearest',
        run: () => {
          for (const q of queryKeys) index.nearest(q, K);
        },
      },
      {
        name: 'brute force Float32Array scan',
        run: () => {
          for (const q of queryVectors) bruteForce(data, norms, N, q);
        },
      },
    ],
  });

  let hits = 0;
  for (let q = 0; q < QUERIES; q++) {
    const truth = new Set(bruteForce(data, norms, N, queryVectors[q] as Float32Array));
    for (const [row] of index.nearest(queryKeys[q] as Uint8Array, K)) if (truth.has(row)) hits++;
  }
  const recall = hits / (QUERIES * K);

  // The 100k build, once: RSS growth measures the native memory sizeBytes() models.
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  const big = new HnswIndex({ dimensions: DIMENSIONS });
  const start = performance.now();
  big.build(0, 0, pairs(data, BIG));
  const bigMs = performance.now() - start;
  (globalThis as { gc?: () => void }).gc?.();
  const rssGrowth = process.memoryUsage().rss - rssBefore;
  // HNSW build is O(n log n): scale by 1M / BIG and by log(1M) / log(BIG).
  const millionSeconds = ((bigMs / 1000) * (1e6 / BIG) * Math.log(1e6)) / Math.log(BIG);

  bench.figures(`@sochdb/index-hnsw, ${DIMENSIONS}d cosine, M=16, efConstruction=128, efSearch=64`, [
    { name: `recall@${K} vs brute force, ${N / 1000}k vectors`, value: recall, unit: '' },
    { name: `build ${BIG / 1000}k vectors`, value: bigMs / 1000, unit: 's' },
    { name: 'build 1M vectors (extrapolated, n log n)', value: millionSeconds, unit: 's' },
    { name: `sizeBytes() per vector at ${BIG / 1000}k`, value: big.sizeBytes() / BIG, unit: 'B' },
    {
      name: `RSS growth per vector at ${BIG / 1000}k`,
      value: rssGrowth / BIG,
      unit: 'B',
      note: `raw vector ${DIMENSIONS * 4} B`,
    },
  ]);
  big.shutdown();
}

const suite: Suite = {
  name: 'hnsw',
  description: `@sochdb/index-hnsw vs raw usearch and brute force: ${N / 1000}k x ${DIMENSIONS}d, build, nearest, recall, memory`,
  run,
};

export default suite;
