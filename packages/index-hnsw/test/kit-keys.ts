import type { RowId } from '@sochdb/core';
import { HnswIndex, type HnswIndexOptions } from '../src/index.js';

/**
 * The conformance kit writes short byte-string keys ("k", "other", the empty
 * key, ...) while this index only takes vectors of `4 * dimensions` bytes. So
 * the kit runs against {@link KitKeyedHnswIndex}, the real index behind an
 * encoding of each kit key into a vector that is injective and keeps bytewise
 * order, and every pair, range and error rule is checked on the real index.
 *
 * Input byte `i` becomes float `i`, bytes `[1, 0, b, 0x3f]` (a value in
 * [0.5, 2), finite, so usearch's distances stay sane); positions past the
 * key's end are `[0, 0, 0, 0]`. Comparing two encodings bytewise compares the
 * presence flag and then `b` at each position: the order of the original keys,
 * a prefix first. The empty `end` of `range` ("no upper bound") stays empty.
 */
export const KIT_KEY_BYTES = 16;

/** The vector standing for kit key `key`; non-Uint8Array values pass through so argument checks still fire. */
export function encodeKitKey<T>(key: T): T | Uint8Array {
  if (!(key instanceof Uint8Array)) return key;
  if (key.length > KIT_KEY_BYTES) throw new Error(`kit key of ${key.length} bytes: raise KIT_KEY_BYTES`);
  const out = new Uint8Array(KIT_KEY_BYTES * 4);
  for (let i = 0; i < key.length; i++) {
    out[i * 4] = 1;
    out[i * 4 + 2] = key[i] as number;
    out[i * 4 + 3] = 0x3f;
  }
  return out;
}

/** An {@link HnswIndex} of {@link KIT_KEY_BYTES} dimensions whose methods take kit keys. */
export class KitKeyedHnswIndex extends HnswIndex {
  constructor(options: Omit<HnswIndexOptions, 'dimensions'> = {}) {
    super({ ...options, dimensions: KIT_KEY_BYTES });
  }
  override insert(key: Uint8Array, rowId: RowId): void {
    super.insert(encodeKitKey(key) as Uint8Array, rowId);
  }
  override delete(key: Uint8Array, rowId: RowId): boolean {
    return super.delete(encodeKitKey(key) as Uint8Array, rowId);
  }
  override lookup(key: Uint8Array): RowId[] {
    return super.lookup(encodeKitKey(key) as Uint8Array);
  }
  override range(start: Uint8Array, end: Uint8Array, limit: number): RowId[] {
    const upper = end instanceof Uint8Array && end.length === 0 ? end : encodeKitKey(end);
    return super.range(encodeKitKey(start) as Uint8Array, upper as Uint8Array, limit);
  }
  override nearest(query: Uint8Array, k: number): Array<[RowId, number]> {
    return super.nearest(encodeKitKey(query) as Uint8Array, k);
  }
  override build(table: number, column: number, data: Iterable<readonly [RowId, Uint8Array]>): void {
    const encoded =
      data !== null && typeof data === 'object' && typeof data[Symbol.iterator] === 'function'
        ? (function* () {
            for (const pair of data) {
              yield Array.isArray(pair) ? ([pair[0], encodeKitKey(pair[1])] as const) : pair;
            }
          })()
        : data;
    super.build(table, column, encoded as Iterable<readonly [RowId, Uint8Array]>);
  }
}
