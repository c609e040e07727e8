/**
 * The exposition checks that depend on prom-client's version: the same calls
 * through the extension and through prom-client itself give the same text,
 * an overflowing counter is +Inf, an OpenMetrics registry is honoured, and
 * promtool accepts the result. Run at the top of the peer range by
 * metrics.test.ts and at its bottom by prom-client-lowest.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusObservability } from '../src/index.js';
import { hasTool, openMetricsRegistry, parseExposition, sampleValue } from './helpers.js';

/** The JSON view with absent exemplars (`null` or `undefined`) left out. */
function withoutExemplars(metrics: unknown): unknown {
  return JSON.parse(JSON.stringify(metrics, (key, value) => (key === 'exemplar' && value == null ? undefined : value)));
}

/** Defines the version-dependent exposition tests in the calling test file. */
export function expositionSuite(): void {
  const made: PrometheusObservability[] = [];
  function extension(options: ConstructorParameters<typeof PrometheusObservability>[0] = {}): PrometheusObservability {
    const ext = new PrometheusObservability({ onError: () => {}, ...options });
    made.push(ext);
    return ext;
  }
  afterEach(async () => {
    for (const ext of made.splice(0)) await ext.shutdown();
  });

  describe('exposition matches what prom-client itself writes for the same calls', () => {
    it('counters: labelled and unlabelled, summed per series', async () => {
      const ext = extension();
      const raw = new Registry();
      const counter = new Counter({
        name: 'sochdb_txn_commit_total',
        help: 'SochDB counter "txn.commit"',
        labelNames: ['table', 'op'],
        registers: [raw],
      });
      const plain = new Counter({
        name: 'sochdb_wal_syncs_total',
        help: 'SochDB counter "wal.syncs"',
        registers: [raw],
      });
      const calls: Array<[number, { table: string; op: string }]> = [
        [1, { table: 'users', op: 'put' }],
        [2, { table: 'users', op: 'put' }],
        [5, { table: 'orders', op: 'get' }],
        [0, { table: 'empty', op: 'get' }],
      ];
      for (const [value, labels] of calls) {
        ext.counterInc('txn.commit', value, labels);
        counter.inc(labels, value);
      }
      ext.counterInc('wal.syncs', 3);
      plain.inc(3);
      expect(await ext.metrics()).toBe(await raw.metrics());
    });

    it('gauges: the last value set wins, negative values allowed', async () => {
      const ext = extension();
      const raw = new Registry();
      const gauge = new Gauge({
        name: 'sochdb_pool_pages',
        help: 'SochDB gauge "pool.pages"',
        labelNames: ['pool'],
        registers: [raw],
      });
      for (const [value, pool] of [
        [3, 'main'],
        [-7, 'main'],
        [0.5, 'temp'],
      ] as const) {
        ext.gaugeSet('pool.pages', value, { pool });
        gauge.set({ pool }, value);
      }
      expect(await ext.metrics()).toBe(await raw.metrics());
    });

    it('histograms: cumulative buckets, +Inf, sum and count, with default and per-metric buckets', async () => {
      const ext = extension({ buckets: { perMetric: { 'page.bytes': [512, 4096, 65536] } } });
      const raw = new Registry();
      const latency = new Histogram({
        name: 'sochdb_query_seconds',
        help: 'SochDB histogram "query.seconds"',
        labelNames: ['kind'],
        registers: [raw],
      });
      const bytes = new Histogram({
        name: 'sochdb_page_bytes',
        help: 'SochDB histogram "page.bytes"',
        buckets: [512, 4096, 65536],
        registers: [raw],
      });
      // Negative values are dropped by the extension (core-api.md), so the comparison leaves them out.
      const values = [0, 0.005, 0.0051, 0.3, 1, 9.99, 10, 11, 1e6];
      for (const value of values) {
        for (const kind of ['scan', 'point']) {
          ext.histogramObserve('query.seconds', value, { kind });
          latency.observe({ kind }, value);
        }
        ext.histogramObserve('page.bytes', value * 1000);
        bytes.observe(value * 1000);
      }
      expect(await ext.metrics()).toBe(await raw.metrics());
      // And the JSON view (what cluster aggregation reads) agrees too.
      // (Versions differ in whether an absent exemplar is `null` or `undefined`; neither is an exemplar.)
      expect(withoutExemplars(await ext.registry.getMetricsAsJSON())).toEqual(
        withoutExemplars(await raw.getMetricsAsJSON()),
      );
    });

    it('label values with quotes, backslashes, newlines and non-ASCII text are escaped exactly as prom-client escapes them', async () => {
      const ext = extension();
      const raw = new Registry();
      const counter = new Counter({
        name: 'sochdb_odd_total',
        help: 'SochDB counter "odd"',
        labelNames: ['v'],
        registers: [raw],
      });
      const odd = [
        'say "hi"',
        'back\\slash',
        'line\nbreak',
        'tab\tand\rcr',
        'ünïcødé 名前 🚀',
        '',
        '\\n literally',
        'x'.repeat(2000),
      ];
      for (const v of odd) {
        ext.counterInc('odd', 1, { v });
        counter.inc({ v }, 1);
      }
      const text = await ext.metrics();
      expect(text).toBe(await raw.metrics());
      const samples = parseExposition(text);
      for (const v of odd) expect(sampleValue(samples, 'sochdb_odd_total', { v })).toBe(1);
    });
  });

  describe('at this prom-client version', () => {
    it('the registry and metric classes are the ones under test', () => {
      expect(extension().registry).toBeInstanceOf(Registry);
    });

    it('an overflowing counter and histogram sum are +Inf; an OpenMetrics registry gets its format', async () => {
      const ext = extension();
      ext.counterInc('bytes', 1e308);
      ext.counterInc('bytes', 1e308);
      ext.histogramObserve('size', 1e308, { k: 'v' });
      ext.histogramObserve('size', 1e308, { k: 'v' });
      const samples = parseExposition(await ext.metrics());
      expect(sampleValue(samples, 'sochdb_bytes_total')).toBe(Number.POSITIVE_INFINITY);
      expect(sampleValue(samples, 'sochdb_size_sum', { k: 'v' })).toBe(Number.POSITIVE_INFINITY);
      const om = extension({ registry: openMetricsRegistry() });
      om.counterInc('c', 2);
      om.histogramObserve('h', 0.3);
      const text = await om.metrics();
      expect(text).toMatch(/^# TYPE sochdb_c counter\nsochdb_c_total 2$/m);
      expect(text).toMatch(/^sochdb_h_bucket\{le="0\.5"\} 1$/m);
      expect(text.endsWith('# EOF\n')).toBe(true);
    });

    it.skipIf(!hasTool('promtool'))('promtool accepts the exposition', async () => {
      const ext = extension();
      ext.counterInc('commits', 1, { a: 'x' });
      ext.counterInc('commits', 1, { b: 'y' });
      ext.gaugeSet('pool_pages', -1);
      ext.histogramObserve('latency_seconds', 0.2, { kind: 'scan' });
      ext.gaugeSet('bad_pages', Number.NaN);
      const result = spawnSync('promtool', ['check', 'metrics'], { input: await ext.metrics(), encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    });
  });
}
