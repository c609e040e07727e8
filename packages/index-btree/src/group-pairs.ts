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

// A sort key packs three bytes of a key (24 bits) above its group number (29
// bits): 53 bits, exact in a double, so one native numeric sort of a
// Float64Array orders a run of groups by those bytes (see sortGroups).
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
 * distinct key becomes a string once. The distinct keys are sorted by a radix
 * sort on their bytes, three at a time (native typed-array sorts, see
 * `sortGroups`), whatever prefix they share. Measured on 200k pairs over 20k keys: see the README.
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
  const order = new Int32Array(groups);
  for (let g = 0; g < groups; g++) order[g] = g;
  sortGroups(keyBytes, keyStarts, order);
  const keys: string[] = []; // by push: packed, as the leaves insert makes (see rowsPerKey)
  for (let i = 0; i < groups; i++) {
    const g = order[i] as number;
    keys.push(binaryStringOf(keyBytes, keyStarts[g] as number, keyStarts[g + 1] as number));
  }
  return { keys, order };
}

// Runs this short are sorted by comparing their bytes directly.
const SHORT_RUN = 16;

/**
 * Sorts the groups in `order` by their keys' bytes: a most-significant-digit
 * radix sort three bytes at a time. Each pass packs the next three bytes of
 * every key in a run (24 bits) above its group number (29 bits) into a double
 * and sorts the run with one native numeric sort; the keys that tie on those
 * bytes form a run for the next three. So keys sharing a long prefix (tenant
 * ids, timestamps) cost one more native pass per three shared bytes instead of
 * a comparator call per comparison, the way 0.1 fell back. Short runs are
 * sorted by comparing bytes.
 */
function sortGroups(keyBytes: Uint8Array, keyStarts: Int32Array, order: Int32Array): void {
  const runs: number[] = [0, order.length, 0]; // from, to, byte offset
  while (runs.length > 0) {
    const offset = runs.pop() as number;
    const to = runs.pop() as number;
    const from = runs.pop() as number;
    if (to - from <= SHORT_RUN) {
      sortShortRun(keyBytes, keyStarts, order, from, to, offset);
      continue;
    }
    const packed = new Float64Array(to - from);
    for (let i = from; i < to; i++) {
      const g = order[i] as number;
      const start = (keyStarts[g] as number) + offset;
      const left = (keyStarts[g + 1] as number) - start;
      const window =
        (left > 0 ? (keyBytes[start] as number) << 16 : 0) |
        (left > 1 ? (keyBytes[start + 1] as number) << 8 : 0) |
        (left > 2 ? (keyBytes[start + 2] as number) : 0);
      packed[i - from] = window * GROUP_BITS + g;
    }
    packed.sort();
    for (let i = from; i < to; i++) order[i] = (packed[i - from] as number) % GROUP_BITS;
    for (let i = 0; i < packed.length; ) {
      const window = Math.floor((packed[i] as number) / GROUP_BITS);
      let j = i + 1;
      while (j < packed.length && Math.floor((packed[j] as number) / GROUP_BITS) === window) j++;
      if (j - i > 1) splitTies(keyStarts, order, from + i, from + j, offset, runs);
      i = j;
    }
  }
}

/**
 * A run of keys equal in bytes `[offset, offset + 3)` (a missing byte counts
 * as 0). Keys that end within those bytes are prefixes of every longer key of
 * the run, so they come first, shortest first (no two have one length: they
 * would be the same key); the rest go on to the next three bytes.
 */
function splitTies(
  keyStarts: Int32Array,
  order: Int32Array,
  from: number,
  to: number,
  offset: number,
  runs: number[],
): void {
  const lengthOf = (g: number) => (keyStarts[g + 1] as number) - (keyStarts[g] as number);
  const ended: number[] = [];
  const longer: number[] = [];
  for (let i = from; i < to; i++) {
    const g = order[i] as number;
    if (lengthOf(g) <= offset + 3) ended.push(g);
    else longer.push(g);
  }
  if (ended.length > 1) ended.sort((a, b) => lengthOf(a) - lengthOf(b));
  let at = from;
  for (const g of ended) order[at++] = g;
  for (const g of longer) order[at++] = g;
  if (longer.length > 1) runs.push(from + ended.length, to, offset + 3);
}

/** Insertion sort of `order[from..to)` by key bytes from `offset` on (earlier bytes are equal). */
function sortShortRun(
  keyBytes: Uint8Array,
  keyStarts: Int32Array,
  order: Int32Array,
  from: number,
  to: number,
  offset: number,
): void {
  for (let i = from + 1; i < to; i++) {
    const g = order[i] as number;
    let j = i - 1;
    while (j >= from && compareFrom(keyBytes, keyStarts, order[j] as number, g, offset) > 0) {
      order[j + 1] = order[j] as number;
      j--;
    }
    order[j + 1] = g;
  }
}

/** Bytewise order of the keys of groups `a` and `b`, from byte `offset` on. */
function compareFrom(keyBytes: Uint8Array, keyStarts: Int32Array, a: number, b: number, offset: number): number {
  const aStart = (keyStarts[a] as number) + offset;
  const bStart = (keyStarts[b] as number) + offset;
  const aLength = (keyStarts[a + 1] as number) - aStart;
  const bLength = (keyStarts[b + 1] as number) - bStart;
  const common = Math.min(aLength, bLength);
  for (let i = 0; i < common; i++) {
    const difference = (keyBytes[aStart + i] as number) - (keyBytes[bStart + i] as number);
    if (difference !== 0) return difference;
  }
  return aLength - bLength;
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
