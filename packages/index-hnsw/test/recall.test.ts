import { beforeAll, describe, expect, it } from 'vitest';
import { HnswIndex, type Metric } from '../src/index.js';

// The recall test: seeded clustered Gaussian data, 128 dimensions, 50k
// vectors, 500 queries, recall@10 against exact brute force at the default
// efSearch for each metric, then again after deleting 10% of the rows.
//
// Cost: the exact answers are computed once for all three metrics (one pass
// of dot products over a Float32Array with precomputed norms: cosine and
// inner-product on the unit-scaled copy rank alike, l2 comes from the same
// dots), about 4 s; each index is built by usearch batch adds on every
// core, most of the rest. The file took 22-54 s on the shared 2-core machine
// under load (load average 3-7, 5 runs), hence the per-test timeouts below.
const DIMENSIONS = 128;
const COUNT = 50_000;
const QUERIES = 500;
const CLUSTERS = 100;
const K = 10;
/** Exact neighbours kept per query: enough that 10 survive deleting 10% of the rows. */
const KEPT = 40;
const DELETED = COUNT / 10;
const TIMEOUT_MS = 120_000;

/** Mulberry32: a small seeded PRNG, so a failure reproduces. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` vectors around `CLUSTERS` Gaussian centres (unit variance), flat. */
function clustered(count: number, seed: number): Float32Array {
  const next = random(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centresRandom = random(1234);
  const centres = Array.from({ length: CLUSTERS }, () =>
    Float64Array.from({ length: DIMENSIONS }, () => (centresRandom() - 0.5) * 4),
  );
  const out = new Float32Array(count * DIMENSIONS);
  for (let i = 0; i < count; i++) {
    const centre = centres[Math.floor(next() * CLUSTERS)] as Float64Array;
    for (let j = 0; j < DIMENSIONS; j++) out[i * DIMENSIONS + j] = (centre[j] as number) + gaussian();
  }
  return out;
}

function normsOf(vectors: Float32Array): Float64Array {
  const norms = new Float64Array(vectors.length / DIMENSIONS);
  for (let i = 0; i < norms.length; i++) {
    let sum = 0;
    for (let j = i * DIMENSIONS, end = j + DIMENSIONS; j < end; j++) sum += (vectors[j] as number) ** 2;
    norms[i] = Math.sqrt(sum);
  }
  return norms;
}

/** Each vector scaled to length 1 (inner-product is meant for unit vectors). */
function unitScaled(vectors: Float32Array, norms: Float64Array): Float32Array {
  const out = new Float32Array(vectors.length);
  for (let i = 0; i < out.length; i++) out[i] = (vectors[i] as number) / (norms[Math.floor(i / DIMENSIONS)] as number);
  return out;
}

function keyOf(vectors: Float32Array, i: number): Uint8Array {
  return new Uint8Array(vectors.buffer, i * DIMENSIONS * 4, DIMENSIONS * 4);
}

/** The distance as documented for `metric`, in float64. */
function distance(metric: Metric, a: Float32Array, ai: number, b: Float32Array, bi: number): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let j = 0; j < DIMENSIONS; j++) {
    const x = a[ai * DIMENSIONS + j] as number;
    const y = b[bi * DIMENSIONS + j] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
    l2 += (x - y) ** 2;
  }
  if (metric === 'cosine') return 1 - dot / Math.sqrt(na * nb);
  if (metric === 'l2') return Math.sqrt(l2);
  return 1 - dot;
}

/** Keeps the `KEPT` smallest scores seen, ascending (insertion into a short sorted list). */
class Nearest {
  readonly rows = new Int32Array(KEPT);
  readonly scores = new Float64Array(KEPT).fill(Number.POSITIVE_INFINITY);
  offer(row: number, score: number): void {
    if (score >= (this.scores[KEPT - 1] as number)) return;
    let at = KEPT - 1;
    while (at > 0 && (this.scores[at - 1] as number) > score) {
      this.scores[at] = this.scores[at - 1] as number;
      this.rows[at] = this.rows[at - 1] as number;
      at--;
    }
    this.scores[at] = score;
    this.rows[at] = row;
  }
}

/**
 * The exact `KEPT` nearest rows of every query, by cosine and by l2, from one
 * pass of dot products: cosine is `1 - dot / (|q| |x|)`, squared l2 is
 * `|x|² - 2 dot + |q|²`. Inner-product over the unit-scaled vectors ranks as
 * cosine over the originals (`q̂·x̂ = q·x / (|q| |x|)`), so it shares that list.
 */
function exactNeighbours(
  data: Float32Array,
  norms: Float64Array,
  queries: Float32Array,
  queryNorms: Float64Array,
): { cosine: Int32Array[]; l2: Int32Array[] } {
  const cosine: Int32Array[] = [];
  const l2: Int32Array[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const query = queries.subarray(q * DIMENSIONS, (q + 1) * DIMENSIONS);
    const qn = queryNorms[q] as number;
    const byCosine = new Nearest();
    const byL2 = new Nearest();
    for (let i = 0; i < COUNT; i++) {
      let dot = 0;
      for (let j = 0, base = i * DIMENSIONS; j < DIMENSIONS; j += 4, base += 4) {
        dot +=
          (data[base] as number) * (query[j] as number) +
          (data[base + 1] as number) * (query[j + 1] as number) +
          (data[base + 2] as number) * (query[j + 2] as number) +
          (data[base + 3] as number) * (query[j + 3] as number);
      }
      const n = norms[i] as number;
      byCosine.offer(i, 1 - dot / (qn * n));
      byL2.offer(i, n * n - 2 * dot);
    }
    cosine.push(byCosine.rows);
    l2.push(byL2.rows);
  }
  return { cosine, l2 };
}

interface Data {
  raw: Float32Array;
  unit: Float32Array;
  rawQueries: Float32Array;
  unitQueries: Float32Array;
  truth: { cosine: Int32Array[]; l2: Int32Array[] };
  /** Rows deleted in the second half of each test (the same 10% for every metric). */
  deleted: number[];
}

let data: Data;

beforeAll(() => {
  const raw = clustered(COUNT, 42);
  const rawQueries = clustered(QUERIES, 7);
  const norms = normsOf(raw);
  const queryNorms = normsOf(rawQueries);
  const next = random(99);
  const chosen = new Uint8Array(COUNT);
  const deleted: number[] = [];
  while (deleted.length < DELETED) {
    const row = Math.floor(next() * COUNT);
    if (chosen[row]) continue;
    chosen[row] = 1;
    deleted.push(row);
  }
  data = {
    raw,
    unit: unitScaled(raw, norms),
    rawQueries,
    unitQueries: unitScaled(rawQueries, queryNorms),
    truth: exactNeighbours(raw, norms, rawQueries, queryNorms),
    deleted,
  };
}, TIMEOUT_MS);

describe.each<Metric>(['cosine', 'l2', 'inner-product'])('recall@10 against brute force (%s)', (metric) => {
  it(
    `>= 0.95 on ${COUNT} vectors of ${DIMENSIONS} dimensions, ${QUERIES} queries; after deleting 10%, none of them returned and still >= 0.95`,
    () => {
      const vectors = metric === 'inner-product' ? data.unit : data.raw;
      const queries = metric === 'inner-product' ? data.unitQueries : data.rawQueries;
      const truth = metric === 'l2' ? data.truth.l2 : data.truth.cosine;
      const index = new HnswIndex({ dimensions: DIMENSIONS, metric });
      index.build(
        0,
        0,
        (function* () {
          for (let i = 0; i < COUNT; i++) yield [i, keyOf(vectors, i)] as const;
        })(),
      );
      const alive = new Uint8Array(COUNT).fill(1);

      const recall = (): number => {
        let hits = 0;
        for (let q = 0; q < QUERIES; q++) {
          const found = index.nearest(keyOf(queries, q), K);
          expect(found).toHaveLength(K);
          const exact = new Set<number>();
          for (const row of truth[q] as Int32Array) {
            if (alive[row]) exact.add(row);
            if (exact.size === K) break;
          }
          expect(exact.size, `query ${q}: fewer than ${K} of its ${KEPT} exact neighbours survived`).toBe(K);
          for (const [row, d] of found) {
            expect(alive[row], `row ${row} was deleted`).toBe(1);
            // The reported distance is the documented one (float32 arithmetic in usearch).
            expect(d).toBeCloseTo(distance(metric, queries, q, vectors, row), 3);
            if (exact.has(row)) hits++;
          }
        }
        return hits / (QUERIES * K);
      };

      const before = recall();
      for (const row of data.deleted) {
        expect(index.delete(keyOf(vectors, row), row)).toBe(true);
        alive[row] = 0;
      }
      expect(index.size).toBe(COUNT - DELETED);
      const after = recall();
      // A deleted row's own vector finds its live neighbours, never the row itself.
      for (const row of data.deleted.slice(0, QUERIES)) {
        for (const [found] of index.nearest(keyOf(vectors, row), K)) expect(alive[found], `row ${found}`).toBe(1);
      }
      index.shutdown();
      console.log(`recall@${K} ${metric}: ${before.toFixed(4)}, after deleting 10%: ${after.toFixed(4)}`);
      expect(before).toBeGreaterThanOrEqual(0.95);
      expect(after).toBeGreaterThanOrEqual(0.95);
    },
    TIMEOUT_MS,
  );
});
