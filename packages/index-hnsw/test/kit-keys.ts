/**
 * The conformance kit writes short byte-string keys ("k", "other", the empty
 * key, ...) while this index only takes vectors of `4 * dimensions` bytes. So
 * the kit runs with {@link encodeKitKey} as its keys encoding, on an index of
 * {@link KIT_KEY_BYTES} dimensions, and every pair, range and error rule is
 * checked on the real index.
 *
 * Input byte `i` becomes float `i`, bytes `[1, 0, b, 0x3f]` (a value in
 * [0.5, 2), finite, so usearch's distances stay sane); positions past the
 * key's end are `[0, 0, 0, 0]`. Comparing two encodings bytewise compares the
 * presence flag and then `b` at each position: the order of the original keys,
 * a prefix first, and injective. The kit leaves the empty `end` of `range`
 * ("no upper bound") empty.
 */
export const KIT_KEY_BYTES = 16;

/** The vector standing for kit key `key`. */
export function encodeKitKey(key: Uint8Array): Uint8Array {
  if (key.length > KIT_KEY_BYTES) throw new RangeError(`kit key of ${key.length} bytes: raise KIT_KEY_BYTES`);
  const out = new Uint8Array(KIT_KEY_BYTES * 4);
  for (let i = 0; i < key.length; i++) {
    out[i * 4] = 1;
    out[i * 4 + 2] = key[i] as number;
    out[i * 4 + 3] = 0x3f;
  }
  return out;
}
