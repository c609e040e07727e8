/**
 * Tools for property tests against a reference model, as `@sochdb/storage-memory`
 * and `@sochdb/index-btree` run them: a seeded generator and the keys that find
 * ordering bugs.
 */

/**
 * A small seeded generator (mulberry32), numbers in `[0, 1)`: the same seed
 * gives the same operation sequence on every machine, so a failure names a
 * seed that reproduces it.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in `[0, n)`. */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** One element of `items`. */
export function randomPick<T>(random: () => number, items: readonly T[]): T {
  return items[randomInt(random, items.length)] as T;
}

/**
 * Keys that find ordering bugs: the empty key, runs of 0x00 and 0xff, keys
 * that are prefixes of each other, and bytes on either side of 0x80 (a signed
 * comparison gets those wrong).
 */
export const EDGE_KEYS: readonly Uint8Array[] = [
  [],
  [0x00],
  [0x00, 0x00],
  [0x00, 0x00, 0x00],
  [0x00, 0xff],
  [0x01],
  [0x01, 0x00],
  [0x01, 0x00, 0x00],
  [0x01, 0x02, 0x03],
  [0x7f],
  [0x7f, 0xff],
  [0x80],
  [0x80, 0x00],
  [0xfe],
  [0xff],
  [0xff, 0x00],
  [0xff, 0xff],
  [0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0xff],
].map((bytes) => Uint8Array.from(bytes));

const ALPHABET = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/** An edge key, or a short key over a tiny alphabet (so prefixes and repeats are common). */
export function randomKey(random: () => number): Uint8Array {
  if (random() < 0.5) return (randomPick(random, EDGE_KEYS) as Uint8Array).slice();
  const out = new Uint8Array(randomInt(random, 5));
  for (let i = 0; i < out.length; i++) out[i] = randomPick(random, ALPHABET);
  return out;
}

/** Random bytes of a random length up to `max`. */
export function randomBytes(random: () => number, max: number): Uint8Array {
  const out = new Uint8Array(randomInt(random, max + 1));
  for (let i = 0; i < out.length; i++) out[i] = randomInt(random, 256);
  return out;
}
