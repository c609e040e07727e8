import { assertBytes, assertRowId, type RowId } from '@sochdb/core';
import { binaryStringOf } from './binary-string.js';

/**
 * The pairs of a `build`, grouped by key: `keys` ascending (bytewise, as
 * binary strings), and the row ids of `keys[i]` in
 * `rows[bounds[i] .. bounds[i + 1])`, in input order, repeats kept.
 */
export interface GroupedPairs {
  readonly keys: string[];
  readonly rows: Float64Array;
  readonly bounds: Int32Array;
}

/** The test of core's `assertRowId`, without building a message. */
function isRowId(value: unknown): value is RowId {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function grownInt32(array: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(Math.max(length, array.length * 2));
  out.set(array);
  return out;
}

// A sort key packs a key's first three bytes (24 bits) above its group number
// (29 bits): 53 bits, exact in a double, so one native numeric sort of a
// Float64Array orders the groups by prefix. Ties (keys sharing three bytes, or
// shorter) are then ordered by comparing their strings.
const GROUP_BITS = 2 ** 29;

/**
 * Reads `data` once, checking every pair, and groups the row ids by key.
 *
 * Why not a `Map` keyed by each pair's binary string (the obvious way): a CPU
 * profile of that put 80% of a build into making a string per pair and hashing
 * it, and sorting the distinct strings with a comparator was most of the rest.
 * Here each pair's bytes are hashed in place (FNV-1a from a per-call random
 * seed, so no fixed input collides everywhere) into an open-addressing table;
 * only a key's first occurrence is copied, into one byte slab, and each
 * distinct key becomes a string once. The distinct keys are sorted by a packed
 * numeric prefix (native typed-array sort), strings only breaking ties.
 * Measured on 200k pairs over 20k keys: see the README.
 *
 * @throws TypeError / RangeError naming `data[i]` for a bad pair, before the caller changes anything.
 */
export function groupPairs(data: Iterable<readonly [RowId, Uint8Array]>): GroupedPairs {
  const seed = (Math.random() * 0x1_0000_0000) | 0;
  // An array says how many pairs are coming: no regrowing then.
  const expected = Array.isArray(data) ? Math.max(data.length, 16) : 1024;
  let pairGroup = new Int32Array(expected);
  let pairRow = new Float64Array(expected);
  let pairs = 0;
  // Open addressing, two ints a slot: the hash, and group + 1 (0: empty). The
  // hash beside the group saves a second cache miss per probe.
  let table = new Int32Array(2048);
  let mask = table.length / 2 - 1;
  let hashes = new Int32Array(256);
  let counts = new Int32Array(256);
  let keyStarts = new Int32Array(257); // group g's bytes: keyStarts[g] .. keyStarts[g + 1]
  let keyBytes = new Uint8Array(4096);
  let groups = 0;

  for (const pair of data) {
    if (pair === null || typeof pair !== 'object') {
      throw new TypeError(`data[${pairs}] must be a [rowId, key] pair; got ${pair === null ? 'null' : typeof pair}`);
    }
    const rowId = pair[0];
    const key = pair[1];
    // The checks with their messages run only when the quick test fails:
    // building "data[i]" names for every pair would cost more than the rest.
    if (!(key instanceof Uint8Array) || !isRowId(rowId)) {
      assertRowId(rowId, `data[${pairs}][0] (rowId)`);
      assertBytes(key, `data[${pairs}][1] (key)`);
    }
    const length = key.length;
    let hash = seed ^ length;
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      const word =
        (key[i] as number) |
        ((key[i + 1] as number) << 8) |
        ((key[i + 2] as number) << 16) |
        ((key[i + 3] as number) << 24);
      hash = Math.imul(hash ^ word, 0x01000193);
    }
    for (; i < length; i++) hash = Math.imul(hash ^ (key[i] as number), 0x01000193);
    hash ^= hash >>> 15;
    hash = Math.imul(hash, 0x2c1b3c6d);
    hash ^= hash >>> 12;
    let slot = hash & mask;
    let group = -1;
    for (let entry = table[2 * slot + 1] as number; entry !== 0; entry = table[2 * slot + 1] as number) {
      const candidate = entry - 1;
      if (table[2 * slot] === hash) {
        const start = keyStarts[candidate] as number;
        if ((keyStarts[candidate + 1] as number) - start === length) {
          let same = 0;
          while (same < length && keyBytes[start + same] === key[same]) same++;
          if (same === length) {
            group = candidate;
            break;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    if (group < 0) {
      group = groups++;
      if (groups >= hashes.length) {
        hashes = grownInt32(hashes, groups + 1);
        counts = grownInt32(counts, groups + 1);
        keyStarts = grownInt32(keyStarts, groups + 2);
      }
      const start = keyStarts[group] as number;
      if (start + length > keyBytes.length) {
        const bigger = new Uint8Array(Math.max(start + length, keyBytes.length * 2));
        bigger.set(keyBytes.subarray(0, start));
        keyBytes = bigger;
      }
      keyBytes.set(key, start);
      keyStarts[group + 1] = start + length;
      hashes[group] = hash;
      table[2 * slot] = hash;
      table[2 * slot + 1] = group + 1;
      // Keep the table at most half full: probes stay short.
      if (groups > table.length / 4) {
        table = new Int32Array(table.length * 2);
        mask = table.length / 2 - 1;
        for (let g = 0; g < groups; g++) {
          const h = hashes[g] as number;
          let s = h & mask;
          while (table[2 * s + 1] !== 0) s = (s + 1) & mask;
          table[2 * s] = h;
          table[2 * s + 1] = g + 1;
        }
      }
    }
    counts[group] = (counts[group] as number) + 1;
    if (pairs === pairGroup.length) {
      pairGroup = grownInt32(pairGroup, pairs + 1);
      const rows = new Float64Array(pairs * 2);
      rows.set(pairRow);
      pairRow = rows;
    }
    pairGroup[pairs] = group;
    pairRow[pairs] = rowId;
    pairs++;
  }

  if (groups > GROUP_BITS) throw new RangeError(`data has more than ${GROUP_BITS} distinct keys`);
  // Each phase is its own function with one loop, so V8 optimizes each as a
  // whole: as one function, the later loops ran unoptimized for the first few
  // builds (each OSR entry deoptimized on reaching code not run before).
  const { keys, order } = sortedKeys(keyBytes, keyStarts, groups);
  const { rows, bounds } = rowsInKeyOrder(order, counts, pairGroup, pairRow, pairs);
  return { keys, rows, bounds };
}

/** The distinct keys as binary strings, ascending, and `order[i]`, the group of `keys[i]`. */
function sortedKeys(
  keyBytes: Uint8Array,
  keyStarts: Int32Array,
  groups: number,
): { keys: string[]; order: Int32Array<ArrayBuffer> } {
  // Packed three-byte prefixes first, then strings for ties.
  const packed = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const start = keyStarts[g] as number;
    const length = (keyStarts[g + 1] as number) - start;
    const prefix =
      (length > 0 ? (keyBytes[start] as number) << 16 : 0) |
      (length > 1 ? (keyBytes[start + 1] as number) << 8 : 0) |
      (length > 2 ? (keyBytes[start + 2] as number) : 0);
    packed[g] = prefix * GROUP_BITS + g;
  }
  packed.sort();
  const keys = new Array<string>(groups);
  const order = new Int32Array(groups);
  for (let i = 0; i < groups; i++) {
    const g = (packed[i] as number) % GROUP_BITS;
    order[i] = g;
    keys[i] = binaryStringOf(keyBytes, keyStarts[g] as number, keyStarts[g + 1] as number);
  }
  for (let i = 0; i < groups; ) {
    const prefix = Math.floor((packed[i] as number) / GROUP_BITS);
    let j = i + 1;
    while (j < groups && Math.floor((packed[j] as number) / GROUP_BITS) === prefix) j++;
    if (j - i > 1) sortTies(keys, order, i, j);
    i = j;
  }
  return { keys, order };
}

/** Counting sort of the pairs' row ids into key order: `rows` and each key's `bounds` in it. */
function rowsInKeyOrder(
  order: Int32Array,
  counts: Int32Array,
  pairGroup: Int32Array,
  pairRow: Float64Array,
  pairs: number,
): { rows: Float64Array; bounds: Int32Array } {
  const groups = order.length;
  const rankOf = new Int32Array(groups);
  const bounds = new Int32Array(groups + 1);
  for (let i = 0; i < groups; i++) {
    const g = order[i] as number;
    rankOf[g] = i;
    bounds[i + 1] = (bounds[i] as number) + (counts[g] as number);
  }
  const cursor = bounds.slice(0, groups);
  const rows = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const rank = rankOf[pairGroup[p] as number] as number;
    const at = cursor[rank] as number;
    rows[at] = pairRow[p] as number;
    cursor[rank] = at + 1;
  }
  return { rows, bounds };
}

/** Sorts `keys[from..to)` (distinct strings) and `order` alongside, by the strings. */
function sortTies(keys: string[], order: Int32Array, from: number, to: number): void {
  const run = Array.from({ length: to - from }, (_, i) => from + i);
  const runKeys = keys.slice(from, to);
  const runOrder = order.slice(from, to);
  run.sort((a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : 1));
  for (let i = 0; i < run.length; i++) {
    const at = (run[i] as number) - from;
    keys[from + i] = runKeys[at] as string;
    order[from + i] = runOrder[at] as number;
  }
}
