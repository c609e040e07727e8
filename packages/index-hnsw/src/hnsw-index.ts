import {
  assertColumnId,
  assertLimit,
  assertRange,
  assertRowId,
  assertTableId,
  type ColumnId,
  ErrorCode,
  type ExtensionInfo,
  type IndexExtension,
  KernelError,
  type RowId,
  type TableId,
} from '@sochdb/core';
import { assertBytes, assertOptions } from '@sochdb/core/plugin-kit';
import { compareBinaryStrings, toBinaryString } from './binary-string.js';
import { METRICS, type Metric, toDistance } from './metric.js';
import { createNativeIndex, type NativeIndex, reserve } from './native.js';
import { BTree } from './sorted-btree.js';
import { VERSION } from './version.js';

/** Options of {@link HnswIndex} (and of the plugin module's `create`). */
export interface HnswIndexOptions {
  /** Number of float32 components per vector (required): every key is `4 * dimensions` bytes. */
  readonly dimensions: number;
  /** How `nearest` measures distance; see {@link Metric}. Default `"cosine"`. */
  readonly metric?: Metric;
  /** Graph links per node (usearch `connectivity`, hnswlib `M`). Default 16. */
  readonly M?: number;
  /** Candidates kept while linking a new node (usearch `expansion_add`). Default 128. */
  readonly efConstruction?: number;
  /** Candidates kept while searching (usearch `expansion_search`); raised to `k` when smaller. Default 64. */
  readonly efSearch?: number;
  /**
   * Threads `build` adds vectors with; 0 lets usearch take one per core.
   * Default 0. On a loaded machine 1 can be faster (see the README's figures).
   */
  readonly buildThreads?: number;
  /**
   * Vectors to reserve the graph's slots for up front, when the index is made
   * and in every `build`: a hint, never a limit, since past it the room
   * doubles by itself (as it does from 0). usearch rounds the room up (1-4x
   * the capacity, about 24 bytes per slot, counted by `sizeBytes`). Integer in
   * [0, 2^30]; default 0.
   */
  readonly capacity?: number;
  /** The extension's name, unique in a `PluginManager`. Default `"hnsw-index"`. */
  readonly name?: string;
}

const OPTION_NAMES = [
  'dimensions',
  'metric',
  'M',
  'efConstruction',
  'efSearch',
  'buildThreads',
  'capacity',
  'name',
] as const;

/** The defaults of the graph parameters (usearch's own defaults, named here). */
export const HNSW_DEFAULTS = Object.freeze({ metric: 'cosine' as Metric, M: 16, efConstruction: 128, efSearch: 64 });

const USEARCH_METRIC = { cosine: 'cos', l2: 'l2sq', 'inner-product': 'ip' } as const;

/** The largest `capacity`: 2^30 slots (reserving them takes tens of GiB). */
const MAX_CAPACITY = 2 ** 30;

/** Row ids stored under one vector, each with the graph label of its node. */
type Rows = Map<RowId, number>;

// sizeBytes() model of the JavaScript side, 64-bit V8: a key is a one-byte
// string (16-byte header) plus its share of a B+ tree leaf slot (~26 bytes);
// a Map of rows costs ~120 bytes plus ~40 per entry; the label table entry ~40.
const TREE_BYTES_PER_KEY = 26;
const ROWS_MAP_BYTES = 120;
const BYTES_PER_PAIR = 40 + 40;
// usearch's memory per node (usearch/index.hpp): the vector, a 8-byte key, a
// 2-byte level, base-layer neighbour list (2M 4-byte slots plus a 4-byte
// count) and, for the ~1/ln(M) share of nodes with upper levels, M slots each;
// plus, per slot of capacity, a node pointer, a vector pointer, a lock bit and
// a share of the key table: 24 bytes measured (RSS growth of reserving 1M-8M
// slots in an empty index).
const USEARCH_NODE_HEADER = 8 + 2 + 4;
const USEARCH_SLOT_BYTES = 24;

function closedError(operation: string): KernelError {
  return new KernelError(
    'io',
    ErrorCode.CLOSED,
    `HnswIndex.${operation}: the index has been shut down; create a new HnswIndex (and register it)`,
  );
}

function integerIn(value: unknown, name: string, min: number, max: number): number {
  const range = `an integer in [${min}, ${max === MAX_CAPACITY ? '2^30' : max}]`;
  if (typeof value !== 'number') throw new TypeError(`${name} must be ${range}; got ${typeof value}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be ${range}; got ${String(value)}`);
  }
  return value;
}

function positiveInteger(value: unknown, name: string, max: number): number {
  return integerIn(value, name, 1, max);
}

/** Vectors `build` hands the graph per batch add. */
const BUILD_CHUNK = 8192;

/** One graph key, reused by every single insert and delete (the binding reads it synchronously). */
const ONE_KEY = new BigUint64Array(1);

/** The graph, its labels and the exact-match side structure, replaced as one by `build`. */
interface State {
  graph: NativeIndex;
  /** Vector (binary string) -> rows under it -> graph label. */
  keys: BTree<string, Rows>;
  /** Graph label -> row id, for `nearest`. Deleted labels are removed. */
  rowOfLabel: Map<number, RowId>;
  /** Row id -> how many vectors it is stored under. */
  vectorsOfRow: Map<RowId, number>;
  /** How many rows are stored under more than one vector (then `nearest` dedupes). */
  multiRows: number;
  /** Next graph label: labels are never reused, so a removed node never aliases a new one. */
  nextLabel: number;
  pairs: number;
}

/**
 * A vector index: an HNSW graph (usearch, native, prebuilt) over
 * `(vector, rowId)` pairs, for approximate nearest-neighbour search with
 * {@link HnswIndex.nearest}.
 *
 * A key is a vector of `dimensions` float32 components, little-endian (a
 * `Float32Array`'s bytes on every platform Node runs on), so
 * `key.byteLength === 4 * dimensions`; other lengths and NaN or infinite
 * components are a `RangeError` naming the argument. A vector may hold many
 * rows and a row many vectors: every distinct pair is one graph node.
 *
 * Beside the graph a B+ tree of the keys answers {@link HnswIndex.lookup}
 * (rows stored under exactly this vector) and {@link HnswIndex.range}, which
 * the contract requires: it walks keys in bytewise order, correct but of
 * little use for vectors, since bytewise order of float32 bytes follows no
 * geometry.
 *
 * After {@link HnswIndex.shutdown} the graph is released and every call
 * throws a `KernelError` of kind `io` and code `SOCHDB_CLOSED`.
 */
export class HnswIndex implements IndexExtension {
  /** Name, version, description and the `index` capability. */
  readonly info: ExtensionInfo;
  /** Always `"hnsw"`. */
  readonly indexType = 'hnsw';
  /** Components per vector. */
  readonly dimensions: number;
  /** The distance `nearest` reports. */
  readonly metric: Metric;
  /** Graph links per node. */
  readonly M: number;
  /** Candidates kept while linking a node. */
  readonly efConstruction: number;
  /** Candidates kept while searching (at least `k` per query). */
  readonly efSearch: number;
  /** Threads `build` uses; 0: one per core. */
  readonly buildThreads: number;
  /** Vectors room is reserved for up front (the graph grows past it by itself). */
  readonly capacity: number;

  #state: State | undefined;
  #table: TableId | undefined;
  #column: ColumnId | undefined;

  /** @param options - see {@link HnswIndexOptions}; `dimensions` is required. */
  constructor(options: HnswIndexOptions) {
    if (options === undefined) throw new TypeError('options must be an object with dimensions; got undefined');
    assertOptions(options, OPTION_NAMES, 'HnswIndex');
    this.dimensions = positiveInteger(options.dimensions, 'options.dimensions', 65_536);
    const metric = options.metric ?? HNSW_DEFAULTS.metric;
    if (!METRICS.includes(metric)) {
      throw new RangeError(`options.metric must be one of ${METRICS.join(', ')}; got ${JSON.stringify(metric)}`);
    }
    this.metric = metric;
    this.M = positiveInteger(options.M ?? HNSW_DEFAULTS.M, 'options.M', 1024);
    if (this.M < 2) throw new RangeError('options.M must be an integer in [2, 1024]; got 1');
    this.efConstruction = positiveInteger(
      options.efConstruction ?? HNSW_DEFAULTS.efConstruction,
      'options.efConstruction',
      1_000_000,
    );
    this.efSearch = positiveInteger(options.efSearch ?? HNSW_DEFAULTS.efSearch, 'options.efSearch', 1_000_000);
    this.buildThreads = integerIn(options.buildThreads ?? 0, 'options.buildThreads', 0, 1024);
    this.capacity = integerIn(options.capacity ?? 0, 'options.capacity', 0, MAX_CAPACITY);
    const name = options.name ?? 'hnsw-index';
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`options.name must be a non-empty string; got ${JSON.stringify(name)}`);
    }
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: `HNSW vector index (usearch), ${this.dimensions} dimensions, ${this.metric} distance`,
      author: 'SochDB',
      capabilities: Object.freeze(['index'] as const),
    });
    this.#state = this.#emptyState();
    reserve(this.#state.graph, this.capacity, 1);
  }

  /** The table the last {@link build} covered; `undefined` before any build. */
  get table(): TableId | undefined {
    return this.#table;
  }

  /** The column the last {@link build} covered; `undefined` before any build. */
  get column(): ColumnId | undefined {
    return this.#column;
  }

  /** The number of `(vector, rowId)` pairs held. */
  get size(): number {
    return this.#open('size').pairs;
  }

  /** Nothing to open; throws `SOCHDB_CLOSED` once the index has been shut down. */
  init(): void {
    this.#open('init');
  }

  /** Drops the graph. Later calls throw `SOCHDB_CLOSED`; a second `shutdown` does nothing. */
  shutdown(): void {
    this.#state = undefined;
  }

  /**
   * Replaces the contents with `data`, `[rowId, vector]` pairs (repeats count
   * once), and records `table` and `column`. Every pair is checked before
   * anything changes. The graph is built by usearch batch adds of 8,192
   * vectors at a time on `buildThreads` threads, faster than inserting them
   * one by one, after reserving room for `capacity` vectors (it grows past
   * that by itself).
   */
  build(table: TableId, column: ColumnId, data: Iterable<readonly [RowId, Uint8Array]>): void {
    this.#open('build');
    assertTableId(table);
    assertColumnId(column);
    if (data === null || typeof data !== 'object' || typeof data[Symbol.iterator] !== 'function') {
      throw new TypeError(
        `data must be an iterable of [rowId, key] pairs; got ${data === null ? 'null' : typeof data}`,
      );
    }
    const state = this.#emptyState();
    reserve(state.graph, this.capacity, this.buildThreads);
    // Vectors go to the graph BUILD_CHUNK at a time through one reused buffer:
    // gathering all of them first would copy every vector into a growing
    // array (0.4 s and 67 MB for 100k of 128 dimensions). The graph is
    // published only at the end, so a bad pair still changes nothing.
    const dimensions = this.dimensions;
    const vectors = new Float32Array(BUILD_CHUNK * dimensions);
    const labels = new BigUint64Array(BUILD_CHUNK);
    let filled = 0;
    const flush = (): void => {
      if (filled === 0) return;
      state.graph.add(labels.subarray(0, filled), vectors.subarray(0, filled * dimensions), this.buildThreads);
      filled = 0;
    };
    for (const pair of data) {
      if (!Array.isArray(pair) || pair.length < 2) throw new TypeError('data must yield [rowId, key] pairs');
      const [rowId, key] = pair as readonly [unknown, unknown];
      assertRowId(rowId, 'data rowId');
      const vector = this.#vectorOf(key, 'data key');
      const label = this.#remember(state, toBinaryString(key as Uint8Array), rowId);
      if (label === undefined) continue;
      vectors.set(vector, filled * dimensions);
      labels[filled++] = BigInt(label);
      if (filled === BUILD_CHUNK) flush();
    }
    flush();
    this.#state = state;
    this.#table = table;
    this.#column = column;
  }

  /** Adds the pair; a pair already present changes nothing. */
  insert(key: Uint8Array, rowId: RowId): void {
    const state = this.#open('insert');
    const vector = this.#vectorOf(key, 'key');
    assertRowId(rowId);
    const label = this.#remember(state, toBinaryString(key), rowId);
    if (label === undefined) return;
    ONE_KEY[0] = BigInt(label);
    state.graph.add(ONE_KEY, vector, 1);
  }

  /** Removes the pair; true if it was present. The row is never returned by {@link nearest} for this vector again. */
  delete(key: Uint8Array, rowId: RowId): boolean {
    const state = this.#open('delete');
    this.#vectorOf(key, 'key');
    assertRowId(rowId);
    const k = toBinaryString(key);
    const rows = state.keys.get(k);
    const label = rows?.get(rowId);
    if (rows === undefined || label === undefined) return false;
    rows.delete(rowId);
    if (rows.size === 0) state.keys.delete(k);
    state.rowOfLabel.delete(label);
    const vectors = state.vectorsOfRow.get(rowId) ?? 1;
    if (vectors === 1) state.vectorsOfRow.delete(rowId);
    else state.vectorsOfRow.set(rowId, vectors - 1);
    if (vectors === 2) state.multiRows--;
    ONE_KEY[0] = BigInt(label);
    state.graph.remove(ONE_KEY);
    state.pairs--;
    return true;
  }

  /** Every row id stored under exactly this vector (bytewise equal), ascending, in a fresh array. */
  lookup(key: Uint8Array): RowId[] {
    const state = this.#open('lookup');
    this.#vectorOf(key, 'key');
    const rows = state.keys.get(toBinaryString(key));
    return rows === undefined ? [] : [...rows.keys()].sort(compareNumbers);
  }

  /**
   * Row ids of keys in `[start, end)` in bytewise order of the vectors' bytes
   * (an empty `end`: no upper bound), then by row id, at most `limit`. Required
   * by the contract; bytewise order of float32 bytes is not a geometric order,
   * so use {@link nearest} to find similar vectors.
   */
  range(start: Uint8Array, end: Uint8Array, limit: number): RowId[] {
    const state = this.#open('range');
    assertRange(start, end);
    assertLimit(limit);
    const out: RowId[] = [];
    if (limit === 0) return out;
    const low = toBinaryString(start);
    const bounded = end.length > 0;
    const high = bounded ? toBinaryString(end) : state.keys.maxKey();
    if (high === undefined || (bounded && low >= high)) return out;
    state.keys.forRange(low, high, !bounded, (_key, rows) => {
      const sorted = [...rows.keys()].sort(compareNumbers);
      for (const rowId of sorted) {
        if (out.push(rowId) >= limit) return { break: 0 };
      }
      return undefined;
    });
    return out;
  }

  /**
   * Up to `k` `[rowId, distance]` pairs nearest `query` first, each row once
   * (at its nearest vector), never a deleted pair. Approximate: HNSW may miss a
   * true neighbour (recall@10 >= 0.95 at the defaults in this package's tests).
   * Distances are as {@link Metric} defines them.
   *
   * @param query - a vector, `4 * dimensions` bytes
   * @param k - a non-negative integer; 0 returns `[]`
   */
  nearest(query: Uint8Array, k: number): Array<[rowId: RowId, distance: number]> {
    const state = this.#open('nearest');
    const vector = this.#vectorOf(query, 'query');
    if (typeof k !== 'number') throw new TypeError(`k must be a non-negative integer; got ${typeof k}`);
    if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer; got ${String(k)}`);
    const rows = state.vectorsOfRow.size;
    const want = Math.min(k, rows);
    if (want === 0) return [];
    const nodes = state.pairs;
    const metric = this.metric;
    // A row stored under several vectors can come back several times: ask for
    // more until `want` distinct rows are found or every node was returned.
    let ask = Math.min(nodes, want + state.multiRows);
    for (;;) {
      const [labels, distances, counts] = state.graph.search(vector, ask, 1);
      const found = Number(counts[0]);
      const out: Array<[RowId, number]> = [];
      const seen = state.multiRows > 0 ? new Set<RowId>() : undefined;
      for (let i = 0; i < found && out.length < want; i++) {
        const rowId = state.rowOfLabel.get(Number(labels[i]));
        if (rowId === undefined) continue;
        if (seen !== undefined) {
          if (seen.has(rowId)) continue;
          seen.add(rowId);
        }
        out.push([rowId, toDistance(metric, distances[i] as number)]);
      }
      if (out.length >= want || ask >= nodes) return out;
      ask = Math.min(nodes, ask * 2);
    }
  }

  /**
   * An estimate of the memory held, in bytes: usearch's nodes (vector, links
   * and per-slot overhead at its current capacity, from usearch's node layout)
   * plus the JavaScript side (keys, rows, labels). O(1).
   */
  sizeBytes(): number {
    const state = this.#open('sizeBytes');
    const graph = state.graph;
    const nodes = graph.size();
    const upperShare = 1 / Math.log(this.M);
    const linkBytes = 4 + 2 * this.M * 4 + upperShare * (4 + this.M * 4);
    const nodeBytes = USEARCH_NODE_HEADER + this.dimensions * 4 + linkBytes;
    const native = nodes * nodeBytes + graph.capacity() * USEARCH_SLOT_BYTES;
    const keyBytes = 16 + 4 * this.dimensions + TREE_BYTES_PER_KEY + ROWS_MAP_BYTES;
    return Math.round(native + state.keys.size * keyBytes + state.pairs * BYTES_PER_PAIR);
  }

  /** Records the pair in the side structures; its new graph label, or undefined if it was present. */
  #remember(state: State, k: string, rowId: RowId): number | undefined {
    let rows = state.keys.get(k);
    if (rows === undefined) {
      rows = new Map();
      state.keys.set(k, rows);
    } else if (rows.has(rowId)) {
      return undefined;
    }
    const label = state.nextLabel++;
    rows.set(rowId, label);
    const vectors = (state.vectorsOfRow.get(rowId) ?? 0) + 1;
    state.vectorsOfRow.set(rowId, vectors);
    if (vectors === 2) state.multiRows++;
    state.rowOfLabel.set(label, rowId);
    state.pairs++;
    return label;
  }

  /**
   * Checks `key` is a vector of this index and returns its components: a view
   * of the key's bytes when they are 4-byte aligned (every caller is done with
   * it before returning), else a copy.
   */
  #vectorOf(value: unknown, name: string): Float32Array {
    assertBytes(value, name);
    const key: Uint8Array = value;
    const dimensions = this.dimensions;
    if (key.byteLength !== 4 * dimensions) {
      throw new RangeError(
        `${name} must be a vector of ${dimensions} float32 values (${4 * dimensions} bytes); got ${key.byteLength} bytes`,
      );
    }
    let vector: Float32Array;
    if (key.byteOffset % 4 === 0) {
      vector = new Float32Array(key.buffer, key.byteOffset, dimensions);
    } else {
      vector = new Float32Array(dimensions);
      new Uint8Array(vector.buffer).set(key);
    }
    // x * 0 is 0 for every finite x and NaN for NaN and the infinities.
    let zero = 0;
    for (let i = 0; i < dimensions; i++) zero += (vector[i] as number) * 0;
    if (zero !== 0) {
      const i = vector.findIndex((component) => !Number.isFinite(component));
      throw new RangeError(`${name} must hold finite float32 values; component ${i} is ${String(vector[i])}`);
    }
    return vector;
  }

  #emptyState(): State {
    return {
      graph: createNativeIndex({
        dimensions: this.dimensions,
        metric: USEARCH_METRIC[this.metric],
        connectivity: this.M,
        expansionAdd: this.efConstruction,
        expansionSearch: this.efSearch,
      }),
      keys: new BTree<string, Rows>(undefined, compareBinaryStrings, 64),
      rowOfLabel: new Map(),
      vectorsOfRow: new Map(),
      multiRows: 0,
      nextLabel: 0,
      pairs: 0,
    };
  }

  #open(operation: string): State {
    const state = this.#state;
    if (state === undefined) throw closedError(operation);
    return state;
  }
}

function compareNumbers(a: number, b: number): number {
  return a - b;
}
