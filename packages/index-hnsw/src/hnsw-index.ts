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
import { MetricKind, ScalarKind, Index as UsearchIndex } from 'usearch';
import { compareBinaryStrings, toBinaryString } from './binary-string.js';
import { METRICS, type Metric, toDistance } from './metric.js';
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
  /** The extension's name, unique in a `PluginManager`. Default `"hnsw-index"`. */
  readonly name?: string;
}

const OPTION_NAMES = ['dimensions', 'metric', 'M', 'efConstruction', 'efSearch', 'buildThreads', 'name'] as const;

/** The defaults of the graph parameters (usearch's own defaults, named here). */
export const HNSW_DEFAULTS = Object.freeze({ metric: 'cosine' as Metric, M: 16, efConstruction: 128, efSearch: 64 });

const USEARCH_METRIC: Record<Metric, MetricKind> = {
  cosine: MetricKind.Cos,
  l2: MetricKind.L2sq,
  'inner-product': MetricKind.IP,
};

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
// plus a node pointer and lock bit per slot of capacity.
const USEARCH_NODE_HEADER = 8 + 2 + 4;
const USEARCH_SLOT_BYTES = 8 + 1;

function closedError(operation: string): KernelError {
  return new KernelError(
    'io',
    ErrorCode.CLOSED,
    `HnswIndex.${operation}: the index has been shut down; create a new HnswIndex (and register it)`,
  );
}

function positiveInteger(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be an integer in [1, ${max}]; got ${typeof value}`);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer in [1, ${max}]; got ${String(value)}`);
  }
  return value;
}

/** The graph, its labels and the exact-match side structure, replaced as one by `build`. */
interface State {
  graph: UsearchIndex;
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
    const threads = options.buildThreads ?? 0;
    this.buildThreads = threads === 0 ? 0 : positiveInteger(threads, 'options.buildThreads', 1024);
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
   * anything changes. The graph is built by one usearch `add` of all vectors
   * on `buildThreads` threads, faster than inserting them one by one.
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
    const labels: number[] = [];
    let vectors = new Float32Array(1024 * this.dimensions);
    for (const pair of data) {
      if (!Array.isArray(pair) || pair.length < 2) throw new TypeError('data must yield [rowId, key] pairs');
      const [rowId, key] = pair as readonly [unknown, unknown];
      assertRowId(rowId, 'data rowId');
      const vector = this.#vectorOf(key, 'data key');
      const k = toBinaryString(key as Uint8Array);
      const label = this.#remember(state, k, rowId);
      if (label === undefined) continue;
      if ((labels.length + 1) * this.dimensions > vectors.length) {
        const grown = new Float32Array(vectors.length * 2);
        grown.set(vectors);
        vectors = grown;
      }
      vectors.set(vector, labels.length * this.dimensions);
      labels.push(label);
    }
    if (labels.length > 0) {
      const keys = BigUint64Array.from(labels, (label) => BigInt(label));
      state.graph.add(keys, vectors.subarray(0, labels.length * this.dimensions), this.buildThreads);
    }
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
    if (label !== undefined) state.graph.add(BigInt(label), vector, 1);
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
    state.graph.remove(BigInt(label));
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
    const out: Array<[RowId, number]> = [];
    const nodes = state.pairs;
    const want = Math.min(k, state.vectorsOfRow.size);
    if (want === 0) return out;
    // A row stored under several vectors can come back several times: ask for
    // more until `want` distinct rows are found or every node was returned.
    let ask = Math.min(nodes, want + state.multiRows);
    for (;;) {
      const found = state.graph.search(vector, ask, 1);
      out.length = 0;
      const seen = state.multiRows > 0 ? new Set<RowId>() : undefined;
      for (let i = 0; i < found.keys.length && out.length < want; i++) {
        const rowId = state.rowOfLabel.get(Number(found.keys[i]));
        if (rowId === undefined) continue;
        if (seen !== undefined) {
          if (seen.has(rowId)) continue;
          seen.add(rowId);
        }
        out.push([rowId, toDistance(this.metric, found.distances[i] as number)]);
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

  /** Checks `key` is a vector of this index and returns its components. */
  #vectorOf(value: unknown, name: string): Float32Array {
    assertBytes(value, name);
    const key: Uint8Array = value;
    const expected = 4 * this.dimensions;
    if (key.byteLength !== expected) {
      throw new RangeError(
        `${name} must be a vector of ${this.dimensions} float32 values (${expected} bytes); got ${key.byteLength} bytes`,
      );
    }
    const vector = new Float32Array(this.dimensions);
    new Uint8Array(vector.buffer).set(key);
    for (let i = 0; i < vector.length; i++) {
      if (!Number.isFinite(vector[i])) {
        throw new RangeError(`${name} must hold finite float32 values; component ${i} is ${String(vector[i])}`);
      }
    }
    return vector;
  }

  #emptyState(): State {
    return {
      graph: new UsearchIndex({
        dimensions: this.dimensions,
        metric: USEARCH_METRIC[this.metric],
        connectivity: this.M,
        expansion_add: this.efConstruction,
        expansion_search: this.efSearch,
        quantization: ScalarKind.F32,
        multi: false,
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
