import { compareBytes } from '@sochdb/core';
import { randomInt, randomKey, randomPick, seededRandom } from '@sochdb/testkit';
import { describe, expect, it } from 'vitest';
import { BTreeIndex } from '../src/index.js';

type Pair = readonly [key: Uint8Array, rowId: number];

const comparePairs = (a: Pair, b: Pair) => compareBytes(a[0], b[0]) || a[1] - b[1];

/**
 * The reference model: the set of `(key, rowId)` pairs as one array kept
 * sorted with core's compareBytes, then row id, searched linearly.
 */
class Model {
  pairs: Pair[] = [];

  #find(key: Uint8Array, rowId: number): number {
    return this.pairs.findIndex((p) => compareBytes(p[0], key) === 0 && p[1] === rowId);
  }

  insert(key: Uint8Array, rowId: number): void {
    if (this.#find(key, rowId) !== -1) return;
    this.pairs.push([key.slice(), rowId]);
    this.pairs.sort(comparePairs);
  }

  delete(key: Uint8Array, rowId: number): boolean {
    const at = this.#find(key, rowId);
    if (at === -1) return false;
    this.pairs.splice(at, 1);
    return true;
  }

  build(data: ReadonlyArray<readonly [number, Uint8Array]>): void {
    this.pairs = [];
    for (const [rowId, key] of data) this.insert(key, rowId);
  }

  lookup(key: Uint8Array): number[] {
    return this.pairs.filter((p) => compareBytes(p[0], key) === 0).map((p) => p[1]);
  }

  range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
    return this.pairs
      .filter((p) => compareBytes(p[0], start) >= 0 && (end.length === 0 || compareBytes(p[0], end) < 0))
      .slice(0, Math.min(this.pairs.length, limit))
      .map((p) => p[1]);
  }
}

// Row ids that find bugs: 0, both sides of the small-integer boundary V8 keeps
// unboxed (2^31), and the top of the safe range.
const EDGE_ROWS = [0, 1, 2, 3, 2 ** 31 - 1, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER];
const LIMITS = [0, 1, 2, 3, 7, 1000, Number.POSITIVE_INFINITY];
const SEQUENCES = 10_000;

function randomRow(random: () => number): number {
  return random() < 0.3 ? randomPick(random, EDGE_ROWS) : randomInt(random, 12);
}

function randomRange(random: () => number): [Uint8Array, Uint8Array] {
  const a = randomKey(random);
  const b = random() < 0.2 ? new Uint8Array(0) : randomKey(random);
  if (b.length > 0 && compareBytes(a, b) > 0) return [b, a];
  return [a, b];
}

function runSequence(seed: number): number {
  const random = seededRandom(seed);
  const index = new BTreeIndex();
  index.init();
  const model = new Model();
  const length = 1 + randomInt(random, 30);
  let checks = 0;
  for (let step = 0; step < length; step++) {
    const where = `seed ${seed}, step ${step}`;
    const roll = random();
    if (roll < 0.4) {
      const key = randomKey(random);
      const rowId = randomRow(random);
      index.insert(key, rowId);
      model.insert(key, rowId);
    } else if (roll < 0.6) {
      // Half the deletes aim at a pair that is present.
      const present = model.pairs.length > 0 && random() < 0.5;
      const [key, rowId] = present ? randomPick(random, model.pairs) : [randomKey(random), randomRow(random)];
      expect(index.delete(key.slice(), rowId), where).toBe(model.delete(key, rowId));
      checks++;
    } else if (roll < 0.75) {
      const key = randomKey(random);
      expect(index.lookup(key), where).toEqual(model.lookup(key));
      checks++;
    } else if (roll < 0.95) {
      const [start, end] = randomRange(random);
      const limit = randomPick(random, LIMITS);
      expect(index.range(start, end, limit), where).toEqual(model.range(start, end, limit));
      checks++;
    } else {
      const data = Array.from(
        { length: randomInt(random, 20) },
        () => [randomRow(random), randomKey(random)] as [number, Uint8Array],
      );
      index.build(randomInt(random, 3), randomInt(random, 3), data);
      model.build(data);
    }
    expect(index.size, where).toBe(model.pairs.length);
    checks++;
  }
  expect(index.range(new Uint8Array(0), new Uint8Array(0), Infinity), `seed ${seed}, final`).toEqual(
    model.range(new Uint8Array(0), new Uint8Array(0), Infinity),
  );
  index.shutdown();
  return checks;
}

describe('BTreeIndex against a reference model (sorted pairs, compareBytes)', () => {
  it(`agrees on every lookup, range, delete answer and size over ${SEQUENCES} seeded random sequences`, () => {
    let checks = 0;
    for (let seed = 1; seed <= SEQUENCES; seed++) checks += runSequence(seed);
    expect(checks).toBeGreaterThan(SEQUENCES * 10);
  }, 120_000);

  it('agrees when keys hold hundreds of rows, crossing from arrays to row sets and back', () => {
    const random = seededRandom(7);
    const index = new BTreeIndex();
    const model = new Model();
    const keys = [new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(1, 0), Uint8Array.of(0xff)];
    for (let i = 0; i < 6000; i++) {
      const key = randomPick(random, keys);
      const rowId = randomInt(random, 1500);
      if (random() < 0.7) {
        index.insert(key, rowId);
        model.insert(key, rowId);
      } else {
        expect(index.delete(key, rowId)).toBe(model.delete(key, rowId));
      }
      if (i % 500 === 0) {
        for (const k of keys) expect(index.lookup(k)).toEqual(model.lookup(k));
      }
    }
    expect(Math.max(...keys.map((k) => index.lookup(k).length))).toBeGreaterThan(512);
    for (const k of keys) expect(index.lookup(k)).toEqual(model.lookup(k));
    for (const limit of [0, 1, 100, 600, 2000, Infinity]) {
      expect(index.range(new Uint8Array(0), new Uint8Array(0), limit)).toEqual(
        model.range(new Uint8Array(0), new Uint8Array(0), limit),
      );
      expect(index.range(Uint8Array.of(1), Uint8Array.of(0xff), limit)).toEqual(
        model.range(Uint8Array.of(1), Uint8Array.of(0xff), limit),
      );
    }
    // Delete nearly everything: row sets shrink back to arrays and to single row ids.
    for (const [key, rowId] of model.pairs.slice()) {
      if (random() < 0.97) expect(index.delete(key, rowId)).toBe(model.delete(key, rowId));
    }
    for (const k of keys) expect(index.lookup(k)).toEqual(model.lookup(k));
    expect(index.size).toBe(model.pairs.length);
  }, 60_000);
});
