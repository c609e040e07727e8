/**
 * A real Prometheus server (the Debian `prometheus` binary) scrapes our
 * serve() endpoint every second (negotiating OpenMetrics, gzip), and its HTTP
 * query API must return our counter with its labels and value, hostile label
 * values included, an overflowing counter as +Inf, and lone-surrogate label
 * values as one series.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusObservability } from '../src/index.js';
import { requireTool } from './helpers.js';

const present = requireTool('prometheus');

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!present)('a real Prometheus server scraping serve()', () => {
  const ext = new PrometheusObservability({ onError: () => {} });
  let prometheus: ChildProcess | undefined;
  let dir = '';
  let api = '';
  let log = '';

  async function query(promql: string): Promise<QueryResult[]> {
    const response = await fetch(`${api}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as { status: string; data: { result: QueryResult[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`);
    return body.data.result;
  }

  /** Polls `promql` until `done` holds for its result, for at most ~30 s. */
  async function poll(promql: string, done: (result: QueryResult[]) => boolean): Promise<QueryResult[]> {
    const deadline = Date.now() + 30_000;
    let last: QueryResult[] = [];
    let problem = '';
    while (Date.now() < deadline) {
      if (prometheus?.exitCode !== null) throw new Error(`prometheus exited (${prometheus?.exitCode}):\n${log}`);
      try {
        last = await query(promql);
        if (done(last)) return last;
      } catch (error) {
        problem = String(error); // not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(
      `no answer for ${promql} within 30 s; last result ${JSON.stringify(last)} ${problem}\n${log.slice(-3000)}`,
    );
  }

  beforeAll(async () => {
    ext.counterInc('txn.commit', 3, { table: 'users', op: 'put' });
    ext.counterInc('txn.commit', 4, { table: 'say "hi" \\ back\nslash ünï 名前', op: 'get' });
    ext.histogramObserve('query.seconds', 0.2, { kind: 'scan' });
    // Issue 11: a counter that overflows to +Inf, and label values that differ only in lone surrogates.
    ext.counterInc('bytes', 1e308);
    ext.counterInc('bytes', 1e308);
    for (const v of ['a\ud800', 'a\udc00', 'a\ufffd']) ext.counterInc('surrogates', 1, { v });
    const { port } = await ext.serve({ port: 0 });
    dir = await mkdtemp(join(tmpdir(), 'sochdb-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: sochdb',
        '    scrape_interval: 1s',
        '    scrape_timeout: 1s',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${port}']`,
        '',
      ].join('\n'),
    );
    const webPort = await freePort();
    api = `http://127.0.0.1:${webPort}`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    prometheus.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    prometheus.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
  }, 40_000);

  afterAll(async () => {
    const child = prometheus;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await ext.shutdown();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  }, 20_000);

  it('its query API returns our counter with its labels and value', async () => {
    const result = await poll('sochdb_txn_commit_total', (r) => r.length === 2);
    const byTable = Object.fromEntries(result.map((r) => [r.metric.table, r]));
    expect(byTable.users?.metric).toEqual({
      __name__: 'sochdb_txn_commit_total',
      instance: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      job: 'sochdb',
      op: 'put',
      table: 'users',
    });
    expect(byTable.users?.value[1]).toBe('3');
    // The escaped label value reached Prometheus intact.
    expect(byTable['say "hi" \\ back\nslash ünï 名前']?.value[1]).toBe('4');
    const up = await query('up{job="sochdb"}');
    expect(up[0]?.value[1]).toBe('1');
  }, 40_000);

  it('sees later increments and reads our histogram as a histogram', async () => {
    ext.counterInc('txn.commit', 10, { table: 'users', op: 'put' });
    const result = await poll('sochdb_txn_commit_total{table="users"}', (r) => r[0]?.value[1] === '13');
    expect(result[0]?.value[1]).toBe('13');
    const quantile = await poll('histogram_quantile(0.5, sochdb_query_seconds_bucket)', (r) => r.length === 1);
    const median = Number(quantile[0]?.value[1]);
    expect(median).toBeGreaterThan(0.1);
    expect(median).toBeLessThanOrEqual(0.25);
  }, 40_000);

  it('keeps scraping with an overflowing counter (+Inf) and reads lone-surrogate labels as one series', async () => {
    const bytes = await poll('sochdb_bytes_total', (r) => r.length === 1);
    expect(bytes[0]?.value[1]).toBe('+Inf');
    const surrogates = await poll('sochdb_surrogates_total', (r) => r.length >= 1);
    expect(surrogates.map((r) => [r.metric.v, r.value[1]])).toEqual([['a\ufffd', '3']]);
    const up = await query('up{job="sochdb"}');
    expect(up[0]?.value[1]).toBe('1');
    // Prometheus asked for OpenMetrics and got it: its scrape_samples_scraped counts our samples.
    const scraped = await query('scrape_samples_scraped{job="sochdb"}');
    expect(Number(scraped[0]?.value[1])).toBeGreaterThan(10);
  }, 40_000);
});
