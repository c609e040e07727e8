/**
 * `pnpm demo [options]`: runs the kernel demo and prints its summary. The
 * options are in {@link USAGE} and the README.
 */

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, readConfig } from './config.js';
import { DataError, generateRows, type Row, readRows } from './dataset.js';
import { type DemoSummary, loadPlugins, metricsServer, runKernel } from './kernel.js';

const USAGE = `Usage: pnpm demo [options]

Loads the plugins listed in a configuration file, stores rows compressed, indexes a column, queries
through the index (exact keys and ranges, or nearest neighbours for a vector index) and prints what
each plugin did.

Options:
  --config <file>  the configuration: plugins to load and their options, codec, indexed column
                   (default: examples/kernel-demo/sochdb.config.json; next to it, sochdb.vector.config.json
                   indexes the rows' embeddings with @sochdb/index-hnsw and sochdb.rocksdb.config.json
                   keeps them on disk)
  --data <file>    rows from a JSON Lines file (one JSON object a line) instead of generated ones
  --rows <n>       how many rows to generate (default: "rows" in the configuration, 100000)
  --serve          keep /metrics up for Prometheus after the run, until Enter (or Ctrl-C)
  --port <n>       the port of --serve (default 9464; 0 picks a free one)
  --json           print the summary as JSON
  -h, --help       this text

Paths are relative to the folder you run the command in.`;

const SHIPPED_CONFIG = fileURLToPath(new URL('../sochdb.config.json', import.meta.url));

/** A mistake on the command line, printed as one line. */
class UsageError extends Error {}

/** A byte count in the unit that shows it best: `512 B`, `12.3 kB`, `4.56 MB`. */
function size(bytes: number): string {
  if (bytes < 1_000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

/** A throughput; below 100 kB the time is too short to mean anything, so `n/a` instead of `0 MB/s`. */
function rate(megabytesPerSecond: number, bytes: number): string {
  if (bytes < 100_000 || !Number.isFinite(megabytesPerSecond)) return 'n/a';
  return `${megabytesPerSecond.toFixed(0)} MB/s`;
}

const count = (n: number) => n.toLocaleString('en-US');

function print(summary: DemoSummary, configFile: string, logFile: string | undefined): void {
  const { index } = summary;
  const lines = [
    'SochDB kernel demo',
    `  config    ${configFile}`,
    `  plugins   ${summary.plugins.map((p) => `${p.name} (${p.capabilities.join(', ')})`).join(', ')}`,
    `  rows      ${count(summary.rows)} (${summary.source})`,
    ...(summary.earlierRows > 0
      ? [`  earlier   ${count(summary.earlierRows)} rows found in the storage from an earlier run`]
      : []),
    `  stored    with ${summary.storedWith}: ${size(summary.codecs[0]?.rawBytes ?? 0)} raw -> ${size(summary.storedBytes)} in ${summary.storeSeconds.toFixed(2)} s`,
    '  codecs    algorithm      raw    compressed   ratio   compress   decompress',
    ...summary.codecs.map(
      (c) =>
        `            ${c.algorithm.padEnd(9)} ${size(c.rawBytes).padStart(9)} ${size(c.compressedBytes).padStart(12)} ${c.ratio.toFixed(2).padStart(7)} ${rate(c.compressMBps, c.rawBytes).padStart(10)} ${rate(c.decompressMBps, c.rawBytes).padStart(12)}`,
    ),
    `  index     ${index.type} on "${index.column}": built in ${index.buildMs.toFixed(1)} ms, ${count(index.keys)} keys, ${size(index.sizeBytes)}`,
  ];
  if (index.rowsWithoutColumn > 0) {
    const how = index.kind === 'vector' ? 'not indexed' : 'indexed under the empty key';
    lines.push(`            ${count(index.rowsWithoutColumn)} row(s) have no "${index.column}": ${how}`);
  }
  const { lookups, ranges, nearest } = summary;
  lines.push(
    `  lookups   ${count(lookups.keys)} ${index.kind === 'vector' ? 'sampled vectors' : 'keys'} -> ${count(lookups.rowsVerified)} rows fetched, decompressed and checked in ${lookups.seconds.toFixed(2)} s`,
  );
  if (ranges) {
    lines.push(
      `  ranges    ${ranges.queries} range queries (limit 100) -> ${count(ranges.rows)} rows in ${ranges.ms.toFixed(1)} ms`,
    );
  }
  if (nearest) {
    const recall =
      nearest.recall === undefined
        ? ''
        : `; recall@${nearest.k} ${nearest.recall.toFixed(3)} against an exact search (${nearest.metric})`;
    lines.push(
      `  nearest   ${nearest.queries} queries (k=${nearest.k}) in ${nearest.ms.toFixed(1)} ms -> ${count(nearest.rowsVerified)} rows fetched, distances checked${recall}`,
    );
  }
  lines.push(
    `  health    reported to ${summary.healthReportedTo} extension(s)`,
    `  metrics   ${summary.metricSeries.length} series${summary.metricSeries.length > 0 ? `, e.g. ${summary.metricSeries.slice(0, 3).join(' | ')}` : ''}`,
  );
  if (logFile) lines.push(`  logs      ${logFile}`);
  lines.push(
    '',
    'Next: --serve to scrape /metrics with Prometheus, --data rows.jsonl for your own rows, the vector',
    'index (--config examples/kernel-demo/sochdb.vector.config.json), or copy a config file and swap a',
    'plugin (pnpm demo --help; examples/kernel-demo/README.md).',
  );
  console.log(lines.join('\n'));
}

function progressBar(enabled: boolean) {
  let last = '';
  return (phase: string, done: number) => {
    if (!enabled) return;
    const text = `${phase} ${Math.round(done * 100)}%`;
    if (text === last) return;
    last = text;
    process.stderr.write(`\r\x1b[2K${text}${done >= 1 ? '\n' : ''}`);
  };
}

/** The folder the user ran the command in: pnpm runs scripts elsewhere and says where in INIT_CWD. */
function userPath(path: string): string {
  return isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

function readArguments(argv: string[]) {
  try {
    return parseArgs({
      // `pnpm demo -- --rows 5` passes the separator on.
      args: argv.filter((arg) => arg !== '--'),
      options: {
        config: { type: 'string' },
        data: { type: 'string' },
        rows: { type: 'string' },
        serve: { type: 'boolean', default: false },
        port: { type: 'string', default: '9464' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
}

async function main(): Promise<number> {
  const args = readArguments(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be an integer in [0, 65535]; got ${args.port}`);
  }
  const configFile = args.config === undefined ? SHIPPED_CONFIG : userPath(args.config);
  const config = readConfig(configFile);
  let rows: Row[];
  let source: string;
  if (args.data !== undefined) {
    if (args.rows !== undefined) throw new UsageError('--rows and --data exclude each other');
    source = userPath(args.data);
    rows = await readRows(source);
  } else {
    const n = args.rows === undefined ? config.rows : Number(args.rows);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--rows must be a positive integer; got ${args.rows}`);
    rows = [...generateRows(n)];
    source = 'generated';
  }
  const { plugins, extensions } = await loadPlugins(config);
  const logFile = config.plugins.map((p) => p.options.destination).find((d): d is string => typeof d === 'string');
  try {
    const summary = await runKernel(
      config,
      plugins,
      extensions,
      rows,
      source,
      progressBar(!args.json && process.stderr.isTTY),
    );
    if (args.json) console.log(JSON.stringify({ ...summary, logFile }, null, 2));
    else print(summary, configFile, logFile);
    const exporter = metricsServer(extensions);
    if (args.serve) {
      if (!exporter)
        throw new ConfigError('--serve needs a metrics plugin that can serve /metrics (add @sochdb/prometheus)');
      const { url } = await exporter.serve({ port, host: '127.0.0.1' }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE' || /EADDRINUSE/.test(String(error.message))) {
          throw new UsageError(`port ${port} is already in use: pass another with --port (0 picks a free one)`);
        }
        throw error;
      });
      // Enter stops cleanly; Ctrl-C works too, but pnpm gets the signal as well and reports it as a failure.
      const interactive = process.stdin.isTTY === true;
      console.log(`\nServing ${url} for Prometheus; press ${interactive ? 'Enter' : 'Ctrl-C'} to stop.`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (interactive) process.stdin.once('data', done);
      });
      process.stdin.pause();
      console.log('\nShutting down...');
    }
  } finally {
    await plugins.shutdownAll();
  }
  if (args.serve) console.log('Every plugin shut down.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // The user's mistakes (command line, configuration, data, a busy port) are one line; a bug keeps its stack.
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof DataError) {
      console.error(`kernel-demo: ${error.message}`);
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
