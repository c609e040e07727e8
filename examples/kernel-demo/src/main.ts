/**
 * `pnpm demo [--config file] [--data rows.jsonl] [--rows n] [--serve] [--port n] [--json]`
 *
 * Runs the kernel demo and prints its summary. `--serve` keeps `/metrics` up
 * for a Prometheus to scrape until Ctrl-C, then shuts every plugin down.
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, readConfig } from './config.js';
import { generateRows, type Row, readRows } from './dataset.js';
import { type DemoSummary, loadPlugins, metricsServer, runKernel } from './kernel.js';

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
const count = (n: number) => n.toLocaleString('en-US');

function print(summary: DemoSummary, logFile: string | undefined): void {
  const lines = [
    'SochDB kernel demo',
    `  plugins   ${summary.plugins.map((p) => `${p.name} (${p.capabilities.join(', ')})`).join(', ')}`,
    `  rows      ${count(summary.rows)} (${summary.source})`,
    ...(summary.earlierRows > 0
      ? [`  earlier   ${count(summary.earlierRows)} rows found in the storage from an earlier run`]
      : []),
    `  stored    with ${summary.storedWith}: ${mb(summary.codecs[0]?.rawBytes ?? 0)} raw -> ${mb(summary.storedBytes)} in ${summary.storeSeconds.toFixed(2)} s`,
    '  codecs    algorithm      raw    compressed   ratio   compress   decompress',
    ...summary.codecs.map(
      (c) =>
        `            ${c.algorithm.padEnd(9)} ${mb(c.rawBytes).padStart(9)} ${mb(c.compressedBytes).padStart(12)} ${c.ratio.toFixed(2).padStart(7)} ${`${c.compressMBps.toFixed(0)} MB/s`.padStart(10)} ${`${c.decompressMBps.toFixed(0)} MB/s`.padStart(12)}`,
    ),
    `  index     ${summary.index.type} on "${summary.index.column}": built in ${summary.index.buildMs.toFixed(1)} ms, ${count(summary.index.keys)} keys, ${mb(summary.index.sizeBytes)}`,
    `  lookups   ${count(summary.lookups.keys)} keys -> ${count(summary.lookups.rowsVerified)} rows fetched, decompressed and checked in ${summary.lookups.seconds.toFixed(2)} s`,
    `  ranges    ${summary.ranges.queries} range queries (limit 100) -> ${count(summary.ranges.rows)} rows in ${summary.ranges.ms.toFixed(1)} ms`,
    `  health    reported to ${summary.healthReportedTo} extension(s)`,
    `  metrics   ${summary.metricSeries.length} series${summary.metricSeries.length > 0 ? `, e.g. ${summary.metricSeries.slice(0, 3).join(' | ')}` : ''}`,
  ];
  if (logFile) lines.push(`  logs      ${logFile}`);
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

async function main(): Promise<number> {
  const { values: args } = parseArgs({
    options: {
      config: { type: 'string', default: fileURLToPath(new URL('../sochdb.config.json', import.meta.url)) },
      data: { type: 'string' },
      rows: { type: 'string' },
      serve: { type: 'boolean', default: false },
      port: { type: 'string', default: '9464' },
      json: { type: 'boolean', default: false },
    },
  });
  const config = readConfig(args.config);
  let rows: Row[];
  let source: string;
  if (args.data) {
    rows = await readRows(args.data);
    source = args.data;
  } else {
    const n = args.rows === undefined ? config.rows : Number(args.rows);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--rows must be a positive integer; got ${args.rows}`);
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
    else print(summary, logFile);
    const exporter = metricsServer(extensions);
    if (args.serve) {
      if (!exporter)
        throw new ConfigError('--serve needs a metrics plugin that can serve /metrics (add @sochdb/prometheus)');
      const { url } = await exporter.serve({ port: Number(args.port), host: '127.0.0.1' });
      console.log(`\nServing ${url} for Prometheus; press Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
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
    // A bad configuration is one clear line; anything else keeps its stack.
    if (error instanceof ConfigError) console.error(`kernel-demo: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
