/**
 * The demo kernel: load the configured plugins, store every row compressed in
 * the active storage, index one column with the B-tree, query through the
 * index, report health, and gather the figures the summary prints. Built only
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
import type { Row } from './dataset.js';

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
    /** Rows that have no value in the column: indexed under the empty key. */
    rowsWithoutColumn: number;
  };
  lookups: { keys: number; rowsVerified: number; seconds: number };
  ranges: { queries: number; rows: number; ms: number };
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

  // Index the configured column, then query through it.
  const column = config.indexColumn;
  const columnKey = (row: Row) => encoder.encode(String(row[column] ?? ''));
  let start = performance.now();
  index.build(
    TABLE,
    COLUMN,
    rows.map((row, rowId) => [rowId, columnKey(row)] as const),
  );
  const buildMs = performance.now() - start;
  const keys = [...new Set(rows.map((row) => String(row[column] ?? '')))].sort();
  const rowsWithoutColumn = rows.filter((row) => row[column] === undefined || row[column] === null).length;
  progress('building the index', 1);

  const query = plugins.spanStart('lookups');
  start = performance.now();
  let rowsVerified = 0;
  for (const [i, key] of keys.entries()) {
    for (const rowId of index.lookup(encoder.encode(key))) {
      const stored = await storage.get(TABLE, rowKey(rowId));
      if (!stored) throw new Error(`row ${rowId} is in the index but not in storage`);
      const row = JSON.parse(decoder.decode(codec.decompress(stored))) as Row;
      if (String(row[column] ?? '') !== key)
        throw new Error(`row ${rowId} has ${column}=${String(row[column])}, the index says ${key}`);
      rowsVerified++;
    }
    plugins.counterInc('index.lookups', 1, { index: index.info.name });
    progress('looking up every key', (i + 1) / keys.length);
  }
  const lookupSeconds = (performance.now() - start) / 1000;
  plugins.spanEnd(query);

  start = performance.now();
  let rangeRows = 0;
  const RANGES = 200;
  for (let i = 0; i < RANGES; i++) {
    const from = keys[i % keys.length] as string;
    const to = keys[(i + 3) % keys.length] as string;
    const [low, high] = from <= to ? [from, to] : [to, from];
    const ids = index.range(encoder.encode(low), encoder.encode(high), 100);
    for (const rowId of ids) if (await storage.get(TABLE, rowKey(rowId))) rangeRows++;
    plugins.counterInc('index.ranges', 1, { index: index.info.name });
  }
  const rangeMs = performance.now() - start;

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
      keys: keys.length,
      sizeBytes: index.sizeBytes(),
      rowsWithoutColumn,
    },
    lookups: { keys: keys.length, rowsVerified, seconds: lookupSeconds },
    ranges: { queries: RANGES, rows: rangeRows, ms: rangeMs },
    healthReportedTo,
    metricSeries,
  };
}

/** The first loaded extension that can serve `/metrics`, if any. */
export function metricsServer(extensions: readonly Extension[]): MetricsServer | undefined {
  return extensions.find(isMetricsServer);
}
