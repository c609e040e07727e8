/**
 * The demo kernel: load the configured plugins, store every row compressed in
 * the active storage, index one column, query through the index, report
 * health, and gather the figures the summary prints. An index with `nearest`
 * (a vector index) covers a column of number arrays and is queried by
 * nearest neighbours; any other index covers the column's text and is queried
 * by exact keys and ranges. Built only
 * on the public interfaces of `@sochdb/core`; plugin-specific extras
 * (`metrics()`, `serve()`) are found by shape, as any application would.
 */
import { isAbsolute } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type CompressionExtension,
  type Extension,
  type IndexExtension,
  isKernelError,
  loadPlugin,
  PluginManager,
  type StorageExtension,
} from '@sochdb/core';
import { ConfigError, type DemoConfig } from './config.js';
import { DataError, type Row } from './dataset.js';
import { distance, exactKthDistance, isMetric, vectorKey, vectorOf } from './vectors.js';

const TABLE = 1;
const COLUMN = 0;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Figures for one compression plugin over every row value. */
export interface CodecFigures {
  algorithm: string;
  rawBytes: number;
  compressedBytes: number;
  ratio: number;
  compressMBps: number;
  decompressMBps: number;
}

/** Everything the summary prints. */
export interface DemoSummary {
  plugins: Array<{ name: string; capabilities: readonly string[] }>;
  rows: number;
  source: string;
  storedWith: string;
  storeSeconds: number;
  storedBytes: number;
  /** Rows already in the storage when the demo started: a durable storage keeps the last run's. */
  earlierRows: number;
  codecs: CodecFigures[];
  index: {
    type: string;
    column: string;
    buildMs: number;
    keys: number;
    sizeBytes: number;
    /** Rows that have no value in the column: indexed under the empty key, or not at all by a vector index. */
    rowsWithoutColumn: number;
    /** `"vector"`: the index has `nearest` and covers number arrays; `"key"`: it covers the column's text. */
    kind: 'key' | 'vector';
  };
  /** Exact lookups: every distinct key (a sample of 1,000 for a vector index), each row fetched and checked. */
  lookups: { keys: number; rowsVerified: number; seconds: number };
  /** Range queries, for a key index (a bytewise range over vectors means little). */
  ranges?: { queries: number; rows: number; ms: number };
  /**
   * Nearest-neighbour queries, for a vector index: each answer's rows fetched
   * and their distance recomputed; `recall` is the share of answers within the
   * exact k-th distance (when the index's `metric` is one the demo knows).
   */
  nearest?: { queries: number; k: number; rowsVerified: number; ms: number; metric?: string; recall?: number };
  healthReportedTo: number;
  metricSeries: string[];
}

/** Progress callback: a phase name and the fraction done. */
export type Progress = (phase: string, done: number) => void;

/** A plugin that can expose `/metrics`, found by shape. */
export interface MetricsServer extends Extension {
  metrics(): Promise<string>;
  serve(options: { port: number; host?: string }): Promise<{ url: string }>;
}

function isMetricsServer(ext: unknown): ext is MetricsServer {
  const candidate = ext as Partial<MetricsServer> | undefined;
  return typeof candidate?.metrics === 'function' && typeof candidate.serve === 'function';
}

function rowKey(rowId: number): Uint8Array {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, BigInt(rowId));
  return key;
}

/** Loads and registers every configured plugin; a failure is one line naming the plugin. */
export async function loadPlugins(config: DemoConfig): Promise<{ plugins: PluginManager; extensions: Extension[] }> {
  const plugins = new PluginManager();
  const extensions: Extension[] = [];
  for (const entry of config.plugins) {
    try {
      // Packages are the demo's own dependencies, resolved as its own imports are;
      // paths are relative to the configuration file.
      const isPath = /^(\.|file:)/.test(entry.module) || isAbsolute(entry.module);
      const ext = await loadPlugin(entry.module, entry.options, isPath ? config.directory : import.meta.url);
      await plugins.register(ext);
      extensions.push(ext);
    } catch (error) {
      await plugins.shutdownAll().catch(() => {});
      const message = isKernelError(error) || error instanceof Error ? error.message : String(error);
      throw new ConfigError(`plugin "${entry.module}": ${message.split('\n')[0]}`);
    }
  }
  return { plugins, extensions };
}

/** The kernel loop over `rows`; returns the summary figures. */
export async function runKernel(
  config: DemoConfig,
  plugins: PluginManager,
  extensions: readonly Extension[],
  rows: readonly Row[],
  source: string,
  progress: Progress,
): Promise<DemoSummary> {
  const storage = plugins.storage() as StorageExtension | undefined;
  if (!storage) throw new ConfigError('no storage plugin is configured (add @sochdb/storage-memory)');
  const codec = plugins.compression(config.codec) as CompressionExtension | undefined;
  if (!codec) {
    throw new ConfigError(
      `"codec": "${config.codec}" is not a configured compression plugin (configured: ${plugins.listCompression().join(', ') || 'none'})`,
    );
  }
  const indexInfo = plugins.listExtensions().find((info) => info.capabilities.includes('index'));
  const index = indexInfo ? (plugins.index(indexInfo.name) as IndexExtension) : undefined;
  if (!index) throw new ConfigError('no index plugin is configured (add @sochdb/index-btree)');
  const vectorIndex = typeof index.nearest === 'function';

  plugins.logInfo('kernel demo started', { rows: String(rows.length), source, codec: config.codec });
  const values = rows.map((row) => encoder.encode(JSON.stringify(row)));

  // A durable storage (e.g. @sochdb/storage-rocksdb) still holds the rows of an earlier run.
  const earlierRows = (await storage.scan(TABLE, new Uint8Array(0), new Uint8Array(0), Number.POSITIVE_INFINITY))
    .length;

  // Store every row, compressed with the configured codec.
  const load = plugins.spanStart('load');
  const storeStart = performance.now();
  let storedBytes = 0;
  const step = Math.max(1, Math.floor(values.length / 20));
  for (let rowId = 0; rowId < values.length; rowId++) {
    const compressed = codec.compress(values[rowId] as Uint8Array);
    storedBytes += compressed.length;
    await storage.put(TABLE, rowKey(rowId), compressed, rowId + 1);
    plugins.counterInc('rows.put', 1, { table: 'demo' });
    plugins.histogramObserve('row.value_bytes', (values[rowId] as Uint8Array).length, { table: 'demo' });
    if (rowId % step === 0) progress('storing rows', rowId / values.length);
  }
  await storage.flush();
  const storeSeconds = (performance.now() - storeStart) / 1000;
  plugins.spanEvent(load, 'rows stored', { rows: String(values.length) });
  plugins.spanEnd(load);
  progress('storing rows', 1);

  // Every registered codec over the same values, for the comparison table.
  const rawBytes = values.reduce((sum, value) => sum + value.length, 0);
  const codecs: CodecFigures[] = [];
  for (const algorithm of plugins.listCompression()) {
    const ext = plugins.compression(algorithm) as CompressionExtension;
    const span = plugins.spanStart('codec', load);
    let start = performance.now();
    const frames = values.map((value) => ext.compress(value));
    const compressSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    for (let i = 0; i < frames.length; i++) {
      const back = ext.decompress(frames[i] as Uint8Array);
      if (back.length !== (values[i] as Uint8Array).length) throw new Error(`${algorithm} changed row ${i}`);
    }
    const decompressSeconds = (performance.now() - start) / 1000;
    plugins.spanEnd(span);
    const compressedBytes = frames.reduce((sum, frame) => sum + frame.length, 0);
    codecs.push({
      algorithm,
      rawBytes,
      compressedBytes,
      ratio: rawBytes / compressedBytes,
      compressMBps: rawBytes / 1e6 / compressSeconds,
      decompressMBps: rawBytes / 1e6 / decompressSeconds,
    });
    plugins.gaugeSet('codec.ratio', rawBytes / compressedBytes, { codec: algorithm });
    progress('comparing codecs', codecs.length / plugins.listCompression().length);
  }

  // Index the configured column, then query through it. A vector index gets
  // each row's number array as float32 bytes and skips rows without one; a
  // key index gets the column's text, the empty key when it is missing.
  const column = config.indexColumn;
  // A vector index that says how many components it takes (as index-hnsw's `dimensions` does) gets
  // a wrong-length vector reported with its row.
  const dimensions = (index as { dimensions?: unknown }).dimensions;
  const keyOf = (row: Row, rowId: number): Uint8Array | undefined => {
    if (!vectorIndex) return encoder.encode(String(row[column] ?? ''));
    const key = vectorKey(row, column, rowId);
    if (key !== undefined && typeof dimensions === 'number' && key.length !== 4 * dimensions) {
      throw new DataError(
        `row ${rowId}: "${column}" has ${key.length / 4} numbers; index "${index.info.name}" takes ${dimensions} (its dimensions option)`,
      );
    }
    return key;
  };
  const entries: Array<readonly [number, Uint8Array]> = [];
  for (const [rowId, row] of rows.entries()) {
    const key = keyOf(row, rowId);
    if (key !== undefined) entries.push([rowId, key]);
  }
  let start = performance.now();
  try {
    index.build(TABLE, COLUMN, entries);
  } catch (error) {
    // A vector of the wrong length is the data's mistake (or the index's `dimensions` option's).
    if (vectorIndex && error instanceof RangeError) {
      throw new DataError(`the "${column}" vectors do not fit index "${index.info.name}": ${error.message}`);
    }
    throw error;
  }
  const buildMs = performance.now() - start;
  const keyText = (key: Uint8Array) => (vectorIndex ? key.join(',') : decoder.decode(key));
  const distinct = new Map<string, Uint8Array>();
  for (const [, key] of entries) distinct.set(keyText(key), key);
  const rowsWithoutColumn = rows.filter((row) => row[column] === undefined || row[column] === null).length;
  progress('building the index', 1);

  // Every distinct key of a key index; a sample of a vector index's (nearly every vector is distinct).
  const allKeys = [...distinct.values()];
  const LOOKUP_SAMPLE = 1_000;
  const lookupKeys = vectorIndex
    ? allKeys
        .filter((_, i) => i % Math.max(1, Math.floor(allKeys.length / LOOKUP_SAMPLE)) === 0)
        .slice(0, LOOKUP_SAMPLE)
    : allKeys.sort((a, b) => Buffer.compare(a, b));
  const fetchRow = async (rowId: number): Promise<Row> => {
    const stored = await storage.get(TABLE, rowKey(rowId));
    if (!stored) throw new Error(`row ${rowId} is in the index but not in storage`);
    return JSON.parse(decoder.decode(codec.decompress(stored))) as Row;
  };
  const query = plugins.spanStart('lookups');
  start = performance.now();
  let rowsVerified = 0;
  for (const [i, key] of lookupKeys.entries()) {
    for (const rowId of index.lookup(key)) {
      const stored = keyOf(await fetchRow(rowId), rowId);
      if (stored === undefined || keyText(stored) !== keyText(key)) {
        throw new Error(
          `row ${rowId} has ${column}=${String(stored && keyText(stored))}, the index says ${keyText(key)}`,
        );
      }
      rowsVerified++;
    }
    plugins.counterInc('index.lookups', 1, { index: index.info.name });
    progress(vectorIndex ? 'looking up sampled vectors' : 'looking up every key', (i + 1) / lookupKeys.length);
  }
  const lookupSeconds = (performance.now() - start) / 1000;
  plugins.spanEnd(query);

  /** Range queries between keys three apart, every row fetched. */
  const rangeQueries = async (sorted: readonly Uint8Array[]): Promise<NonNullable<DemoSummary['ranges']>> => {
    const RANGES = 200;
    const started = performance.now();
    let found = 0;
    for (let i = 0; i < RANGES; i++) {
      const from = sorted[i % sorted.length] as Uint8Array;
      const to = sorted[(i + 3) % sorted.length] as Uint8Array;
      const [low, high] = Buffer.compare(from, to) <= 0 ? [from, to] : [to, from];
      for (const rowId of index.range(low, high, 100)) {
        if (await storage.get(TABLE, rowKey(rowId))) found++;
      }
      plugins.counterInc('index.ranges', 1, { index: index.info.name });
    }
    return { queries: RANGES, rows: found, ms: performance.now() - started };
  };

  /**
   * Nearest-neighbour queries with the vectors of rows spread over the table:
   * every answer's row is fetched, decompressed, and its distance recomputed
   * from the stored vector; answers are compared with an exact search.
   */
  const nearestQueries = async (keys: readonly Uint8Array[]): Promise<NonNullable<DemoSummary['nearest']>> => {
    const QUERIES = Math.min(200, keys.length);
    const K = 10;
    const metric = (index as { metric?: unknown }).metric;
    const queries = Array.from(
      { length: QUERIES },
      (_, i) => keys[Math.floor((i * keys.length) / QUERIES)] as Uint8Array,
    );
    const span = plugins.spanStart('nearest');
    const started = performance.now();
    const answers = queries.map((q) => index.nearest?.(q, K) ?? []);
    const ms = performance.now() - started;
    plugins.spanEnd(span);
    let verified = 0;
    for (const [q, answer] of answers.entries()) {
      for (const [rowId, reported] of answer) {
        const key = keyOf(await fetchRow(rowId), rowId);
        if (key === undefined) throw new Error(`row ${rowId} is a nearest neighbour but has no "${column}"`);
        if (isMetric(metric)) {
          const actual = distance(metric, vectorOf(queries[q] as Uint8Array), vectorOf(key));
          if (Math.abs(actual - reported) > 1e-4 + 1e-3 * Math.abs(actual)) {
            throw new Error(`row ${rowId}: the index says ${metric} distance ${reported}, its vector gives ${actual}`);
          }
        }
        verified++;
      }
      plugins.counterInc('index.nearest', 1, { index: index.info.name });
      progress('nearest-neighbour queries', (q + 1) / QUERIES);
    }
    if (!isMetric(metric)) return { queries: QUERIES, k: K, rowsVerified: verified, ms };
    // Recall@K: answers within the exact K-th distance (ties count as found).
    const vectors = entries.map(([, key]) => vectorOf(key));
    let within = 0;
    let expected = 0;
    for (const [q, answer] of answers.entries()) {
      const kth = exactKthDistance(metric, vectors, vectorOf(queries[q] as Uint8Array), K);
      expected += Math.min(K, vectors.length);
      within += answer.filter(([, d]) => d <= kth + 1e-4 + 1e-3 * Math.abs(kth)).length;
    }
    return { queries: QUERIES, k: K, rowsVerified: verified, ms, metric, recall: within / expected };
  };

  const ranges = vectorIndex ? undefined : await rangeQueries(lookupKeys);
  const nearest = vectorIndex ? await nearestQueries(allKeys) : undefined;

  const stats = storage.stats?.();
  const memory = process.memoryUsage();
  plugins.reportHealth({
    operational: true,
    walSizeBytes: stats?.bytesStored ?? storedBytes,
    activeTxns: 0,
    bufferPoolUsage: memory.heapUsed / memory.heapTotal,
    checkpointAgeSecs: storeSeconds,
  });
  const healthReportedTo = extensions.filter(
    (ext) => typeof (ext as { reportHealth?: unknown }).reportHealth === 'function',
  ).length;
  plugins.logInfo('kernel demo finished', { rows: String(rows.length), lookups: String(rowsVerified) });

  const exporter = extensions.find(isMetricsServer);
  // The demo's own series first, then the plugins' bookkeeping series.
  const metricSeries = exporter
    ? (await exporter.metrics())
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .sort((a, b) => Number(!/rows_put|codec_ratio|index_/.test(a)) - Number(!/rows_put|codec_ratio|index_/.test(b)))
    : [];

  return {
    plugins: plugins.listExtensions().map((info) => ({ name: info.name, capabilities: info.capabilities })),
    rows: rows.length,
    source,
    storedWith: config.codec,
    storeSeconds,
    storedBytes,
    earlierRows,
    codecs,
    index: {
      type: index.indexType,
      column,
      buildMs,
      keys: distinct.size,
      sizeBytes: index.sizeBytes(),
      rowsWithoutColumn,
      kind: vectorIndex ? 'vector' : 'key',
    },
    lookups: { keys: lookupKeys.length, rowsVerified, seconds: lookupSeconds },
    ...(ranges && { ranges }),
    ...(nearest && { nearest }),
    healthReportedTo,
    metricSeries,
  };
}

/** The first loaded extension that can serve `/metrics`, if any. */
export function metricsServer(extensions: readonly Extension[]): MetricsServer | undefined {
  return extensions.find(isMetricsServer);
}
