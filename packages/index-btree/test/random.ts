/**
 * A small seeded generator (mulberry32) for the property tests: the same seed
 * gives the same operation sequence on every machine, so a failure names a
 * seed that reproduces it.
 */
export function seeded(seed: number): () => number {
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
export function below(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** One element of `items`. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[below(random, items.length)] as T;
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
  if (random() < 0.5) return (pick(random, EDGE_KEYS) as Uint8Array).slice();
  const out = new Uint8Array(below(random, 5));
  for (let i = 0; i < out.length; i++) out[i] = pick(random, ALPHABET);
  return out;
}

/** Random bytes of a random length up to `max`. */
export function randomBytes(random: () => number, max: number): Uint8Array {
  const out = new Uint8Array(below(random, max + 1));
  for (let i = 0; i < out.length; i++) out[i] = below(random, 256);
  return out;
}
