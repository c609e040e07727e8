/**
 * usearch's native index, called directly. The `usearch` package's `Index`
 * class is a thin wrapper over a compiled `CompiledIndex` (its lib.cpp); this
 * module loads that compiled class the way the wrapper does (`node-gyp-build`
 * on the package's directory: the same prebuilt binary, loaded once) and
 * calls it without the wrapper, for two reasons:
 *
 * - speed: the wrapper re-checks and re-wraps every call (a search builds a
 *   `BatchMatches`, then slices it into a `Matches`: three more typed arrays
 *   per query); this package checks its arguments itself;
 * - reservation: the wrapper has no `reserve`, and neither has the binding, but
 *   the binding's `add` reserves `ceil2(size + n)` slots for `n` keys before it
 *   looks at the vectors; {@link reserve} uses that (see there).
 *
 * The binding is not a public API: `usearch` is pinned to an exact version in
 * package.json, and the tests cover every call made here.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** usearch's `CompiledIndex` (javascript/lib.cpp of usearch 2.21.4). */
export interface NativeIndex {
  /** Adds `keys.length` vectors, read from `vectors` (exactly `keys.length * dimensions` values), on `threads` threads (0: one per core). */
  add(keys: BigUint64Array, vectors: Float32Array | Uint8Array, threads: number): void;
  /** The `k` nearest of one query (`dimensions` values): matched keys, their distances, and the count found. */
  search(
    vector: Float32Array,
    k: number,
    threads: number,
  ): [keys: BigUint64Array, distances: Float32Array, counts: BigUint64Array];
  /** Removes each key; per key, how many entries were removed. */
  remove(keys: BigUint64Array): number[];
  /** Vectors held. */
  size(): number;
  /** Slots reserved. */
  capacity(): number;
}

interface Binding {
  CompiledIndex: new (
    dimensions: number,
    metric: string,
    quantization: string,
    connectivity: number,
    expansionAdd: number,
    expansionSearch: number,
    multi: boolean,
  ) => NativeIndex;
}

const require = createRequire(import.meta.url);
// The CommonJS entry, javascript/dist/cjs/usearch.js: the package's directory is three levels up.
const usearchEntry = require.resolve('usearch');
const nodeGypBuild = createRequire(usearchEntry)('node-gyp-build') as (directory: string) => Binding;
const binding = nodeGypBuild(join(dirname(usearchEntry), '..', '..', '..'));

/** The graph parameters of a new index. */
export interface NativeOptions {
  readonly dimensions: number;
  /** usearch's metric name: `cos`, `l2sq` or `ip`. */
  readonly metric: 'cos' | 'l2sq' | 'ip';
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
}

/** A new, empty native index of float32 vectors, one vector per key. */
export function createNativeIndex(options: NativeOptions): NativeIndex {
  return new binding.CompiledIndex(
    options.dimensions,
    options.metric,
    'f32',
    options.connectivity,
    options.expansionAdd,
    options.expansionSearch,
    false,
  );
}

const NO_VECTORS = new Uint8Array(0);
const UNSUPPORTED = 'Unsupported TypedArray';

/**
 * Reserves room for `members` vectors (usearch rounds up to a power of two)
 * and per-thread state for `threads` threads (0: one per core), in an empty
 * index. The binding's `add` reserves `ceil2(size + keys.length)` slots and
 * `threads` contexts first, then refuses vectors that are not float32,
 * float64 or int8 without adding anything: so an `add` of `members` keys and
 * no vectors (a `Uint8Array`) reserves and adds nothing. Checked: if usearch
 * ever stops doing so, the capacity stays short and this throws.
 */
export function reserve(index: NativeIndex, members: number, threads: number): void {
  if (members <= index.capacity() - index.size()) return;
  try {
    index.add(new BigUint64Array(members), NO_VECTORS, threads);
  } catch (error) {
    if (!(error instanceof TypeError && error.message.startsWith(UNSUPPORTED))) throw error;
  }
  if (index.capacity() < index.size() + members) {
    throw new Error(`usearch did not reserve ${members} slots (capacity ${index.capacity()})`);
  }
}
