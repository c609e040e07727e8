import { describe, expect, it } from 'vitest';
import { HnswIndex, type Metric } from '../src/index.js';

// Seeded clustered Gaussian data, as the issue asks, sized so the three metrics
// build and check in a few seconds each on a shared 2-core machine.
const DIMENSIONS = 64;
const COUNT = 10_000;
const QUERIES = 200;
const CLUSTERS = 50;
const K = 10;

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

/** `count` vectors around `CLUSTERS` Gaussian centres, one Float32Array of `count * DIMENSIONS`. */
function clustered(count: number, seed: number, unit: boolean): Float32Array {
  const next = random(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const centresRandom = random(1234);
  const centres = Array.from({ length: CLUSTERS }, () =>
    Array.from({ length: DIMENSIONS }, () => (centresRandom() - 0.5) * 4),
  );
  const out = new Float32Array(count * DIMENSIONS);
  for (let i = 0; i < count; i++) {
    const centre = centres[Math.floor(next() * CLUSTERS)] as number[];
    let norm = 0;
    for (let j = 0; j < DIMENSIONS; j++) {
      const value = (centre[j] as number) + gaussian();
      out[i * DIMENSIONS + j] = value;
      norm += value * value;
    }
    if (unit) {
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < DIMENSIONS; j++) out[i * DIMENSIONS + j] = (out[i * DIMENSIONS + j] as number) * scale;
    }
  }
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

/** Exact k nearest rows (row i = vector i) among `alive`, by brute force. */
function bruteForce(metric: Metric, data: Float32Array, alive: Uint8Array, queries: Float32Array, q: number): number[] {
  const scored: Array<[number, number]> = [];
  for (let i = 0; i < COUNT; i++) if (alive[i]) scored.push([i, distance(metric, queries, q, data, i)]);
  scored.sort((x, y) => x[1] - y[1]);
  return scored.slice(0, K).map(([row]) => row);
}

describe.each<Metric>(['cosine', 'l2', 'inner-product'])('recall@10 against brute force (%s)', (metric) => {
  // inner-product is meant for unit vectors (then it ranks as cosine does).
  const unit = metric === 'inner-product';
  const data = clustered(COUNT, 42, unit);
  const queries = clustered(QUERIES, 7, unit);

  it(`>= 0.95 on ${COUNT} vectors of ${DIMENSIONS} dimensions; after deleting 10%, none of them returned and still >= 0.95`, () => {
    const index = new HnswIndex({ dimensions: DIMENSIONS, metric });
    index.build(
      0,
      0,
      (function* () {
        for (let i = 0; i < COUNT; i++) yield [i, keyOf(data, i)] as const;
      })(),
    );
    const alive = new Uint8Array(COUNT).fill(1);

    const recall = (): number => {
      let hits = 0;
      for (let q = 0; q < QUERIES; q++) {
        const found = index.nearest(keyOf(queries, q), K);
        expect(found).toHaveLength(K);
        for (const [row, d] of found) {
          expect(alive[row], `row ${row} was deleted`).toBe(1);
          // The reported distance is the documented one (float32 arithmetic in usearch).
          expect(d).toBeCloseTo(distance(metric, queries, q, data, row), 3);
        }
        const truth = new Set(bruteForce(metric, data, alive, queries, q));
        for (const [row] of found) if (truth.has(row)) hits++;
      }
      return hits / (QUERIES * K);
    };

    expect(recall()).toBeGreaterThanOrEqual(0.95);

    const next = random(99);
    let deleted = 0;
    while (deleted < COUNT / 10) {
      const row = Math.floor(next() * COUNT);
      if (!alive[row]) continue;
      expect(index.delete(keyOf(data, row), row)).toBe(true);
      alive[row] = 0;
      deleted++;
    }
    expect(index.size).toBe(COUNT - deleted);
    expect(recall()).toBeGreaterThanOrEqual(0.95);
  });
});
