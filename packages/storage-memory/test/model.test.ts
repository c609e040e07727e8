import { compareBytes } from '@sochdb/core';
import { randomBytes, randomInt, randomKey, randomPick, seededRandom } from '@sochdb/testkit';
import { describe, expect, it } from 'vitest';
import { type Entry, MemoryStorage } from '../src/index.js';

/**
 * The reference model: per table, a plain array of entries kept sorted with
 * core's compareBytes, searched linearly. Slow and obviously right.
 */
class Model {
  readonly tables = new Map<number, Entry[]>();

  #table(table: number): Entry[] {
    let entries = this.tables.get(table);
    if (entries === undefined) {
      entries = [];
      this.tables.set(table, entries);
    }
    return entries;
  }

  put(table: number, key: Uint8Array, value: Uint8Array): void {
    const entries = this.#table(table);
    const at = entries.findIndex(([k]) => compareBytes(k, key) >= 0);
    const copy: Entry = [key.slice(), value.slice()];
    if (at === -1) entries.push(copy);
    else if (compareBytes((entries[at] as Entry)[0], key) === 0) entries[at] = copy;
    else entries.splice(at, 0, copy);
  }

  delete(table: number, key: Uint8Array): void {
    const entries = this.#table(table);
    const at = entries.findIndex(([k]) => compareBytes(k, key) === 0);
    if (at !== -1) entries.splice(at, 1);
  }

  get(table: number, key: Uint8Array): Uint8Array | undefined {
    return this.#table(table).find(([k]) => compareBytes(k, key) === 0)?.[1];
  }

  range(table: number, start: Uint8Array, end: Uint8Array): Entry[] {
    return this.#table(table).filter(
      ([k]) => compareBytes(k, start) >= 0 && (end.length === 0 || compareBytes(k, end) < 0),
    );
  }

  stats(): { bytesStored: number; keyCount: number } {
    let bytesStored = 0;
    let keyCount = 0;
    for (const entries of this.tables.values()) {
      keyCount += entries.length;
      for (const [k, v] of entries) bytesStored += k.length + v.length;
    }
    return { bytesStored, keyCount };
  }
}

const hex = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');
const hexEntries = (entries: readonly Entry[]): string[] => entries.map(([k, v]) => `${hex(k)}=${hex(v)}`);
const take = (entries: readonly Entry[], limit: number): Entry[] => entries.slice(0, Math.min(entries.length, limit));

const TABLES = [0, 1, 7, 2 ** 32 - 1];
const LIMITS = [0, 1, 2, 3, 5, 100, Number.POSITIVE_INFINITY];
const SEQUENCES = 10_000;

/** A random `[start, end)`: ordered, or with an empty (unbounded) end. */
function randomRange(random: () => number): [Uint8Array, Uint8Array] {
  const a = randomKey(random);
  const b = random() < 0.2 ? new Uint8Array(0) : randomKey(random);
  if (b.length > 0 && compareBytes(a, b) > 0) return [b, a];
  return [a, b];
}

async function runSequence(seed: number): Promise<number> {
  const random = seededRandom(seed);
  const store = new MemoryStorage();
  await store.init();
  const model = new Model();
  const length = 1 + randomInt(random, 24);
  let checks = 0;
  for (let step = 0; step < length; step++) {
    const where = `seed ${seed}, step ${step}`;
    const table = randomPick(random, TABLES);
    const roll = random();
    if (roll < 0.4) {
      const key = randomKey(random);
      const value = randomBytes(random, 8);
      await store.put(table, key, value, randomInt(random, 100));
      model.put(table, key, value);
    } else if (roll < 0.55) {
      const key = randomKey(random);
      await store.delete(table, key, 0);
      model.delete(table, key);
    } else if (roll < 0.7) {
      const key = randomKey(random);
      expect(hex(await store.get(table, key)), where).toBe(hex(model.get(table, key)));
      checks++;
    } else if (roll < 0.85) {
      const [start, end] = randomRange(random);
      const limit = randomPick(random, LIMITS);
      const expected = take(model.range(table, start, end), limit);
      expect(hexEntries(await store.scan(table, start, end, limit)), where).toEqual(hexEntries(expected));
      checks++;
    } else if (roll < 0.93) {
      const [start, end] = randomRange(random);
      const limit = randomPick(random, LIMITS);
      const expected = take(model.range(table, start, end).reverse(), limit);
      expect(hexEntries(await store.scanReverse(table, start, end, limit)), where).toEqual(hexEntries(expected));
      checks++;
    } else if (roll < 0.98) {
      const [start, end] = randomRange(random);
      const limit = randomPick(random, LIMITS);
      const reverse = random() < 0.5;
      const batchSize = 1 + randomInt(random, 3);
      const walked: Entry[] = [];
      for await (const entry of store.iterate(table, { start, end, reverse, limit, batchSize })) walked.push(entry);
      const all = model.range(table, start, end);
      const expected = take(reverse ? all.reverse() : all, limit);
      expect(hexEntries(walked), where).toEqual(hexEntries(expected));
      checks++;
    } else {
      await store.compact();
    }
    expect(store.stats(), where).toEqual({ ...model.stats(), pendingCompactionBytes: 0, writeAmplification: 1 });
    checks++;
  }
  // The whole of every table, at the end of every sequence.
  for (const table of TABLES) {
    const all = await store.scan(table, new Uint8Array(0), new Uint8Array(0), Number.POSITIVE_INFINITY);
    expect(hexEntries(all), `seed ${seed}, final table ${table}`).toEqual(
      hexEntries(model.range(table, new Uint8Array(0), new Uint8Array(0))),
    );
  }
  await store.shutdown();
  return checks;
}

describe('MemoryStorage against a reference model (sorted arrays, compareBytes)', () => {
  it(`agrees on every get, scan, scanReverse, iterate and stats answer over ${SEQUENCES} seeded random sequences`, async () => {
    let checks = 0;
    for (let seed = 1; seed <= SEQUENCES; seed++) checks += await runSequence(seed);
    // A guard against a generator that stopped checking anything.
    expect(checks).toBeGreaterThan(SEQUENCES * 10);
  }, 120_000);

  it('agrees over long sequences that grow the trees past many node splits', async () => {
    const random = seededRandom(42);
    const store = new MemoryStorage();
    const model = new Model();
    for (let i = 0; i < 8_000; i++) {
      const key = randomBytes(random, 6);
      if (random() < 0.75) {
        const value = randomBytes(random, 4);
        await store.put(1, key, value, 0);
        model.put(1, key, value);
      } else {
        await store.delete(1, key, 0);
        model.delete(1, key);
      }
    }
    expect(store.stats()).toMatchObject(model.stats());
    const everything = model.range(1, new Uint8Array(0), new Uint8Array(0));
    expect(hexEntries(await store.scan(1, new Uint8Array(0), new Uint8Array(0), Infinity))).toEqual(
      hexEntries(everything),
    );
    const walked: Entry[] = [];
    for await (const entry of store.iterate(1, { reverse: true, batchSize: 97 })) walked.push(entry);
    expect(hexEntries(walked)).toEqual(hexEntries(everything.slice().reverse()));
    for (let i = 0; i < 200; i++) {
      const [start, end] = [randomBytes(random, 3), randomBytes(random, 3)].sort(compareBytes) as [
        Uint8Array,
        Uint8Array,
      ];
      expect(hexEntries(await store.scan(1, start, end, 50))).toEqual(hexEntries(take(model.range(1, start, end), 50)));
    }
  }, 60_000);
});
