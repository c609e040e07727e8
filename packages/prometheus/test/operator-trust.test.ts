/**
 * Issue 11, "observability that operators can trust": each problem found by
 * trying the package from outside, reproduced. Every test here failed on the
 * code before the fix.
 */
import { gunzipSync } from 'node:zlib';
import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_OPEN_SPANS, PrometheusObservability, type PrometheusOptions } from '../src/index.js';
import { parseExposition, recorder, sampleValue } from './helpers.js';

const made: PrometheusObservability[] = [];
function extension(options: PrometheusOptions = {}): PrometheusObservability {
  const ext = new PrometheusObservability({ onError: () => {}, ...options });
  made.push(ext);
  return ext;
}
afterEach(async () => {
  for (const ext of made.splice(0)) await ext.shutdown();
});

type Loose = (name: unknown, value: unknown, labels?: unknown) => void;
const loose = (ext: PrometheusObservability, method: 'counterInc' | 'gaugeSet' | 'histogramObserve'): Loose =>
  ext[method].bind(ext) as Loose;

/** An object every property read of which throws (what fuzzing passed as a span name). */
const hostile = new Proxy(
  {},
  {
    get() {
      throw new Error('property read throws');
    },
    getPrototypeOf() {
      throw new Error('getPrototypeOf throws');
    },
  },
);

describe('a scrape never fails because of a value', () => {
  it('a counter that overflows is exported as +Inf and the application’s metrics in the registry stay', async () => {
    const registry = new Registry();
    const app = new Counter({ name: 'app_requests_total', help: 'app', registers: [registry] });
    app.inc(2);
    const ext = extension({ registry });
    ext.counterInc('bytes', 1e308);
    ext.counterInc('bytes', 1e308);
    ext.counterInc('bytes', 1e308, { table: 't' });
    ext.counterInc('bytes', 1e308, { table: 't' });
    ext.histogramObserve('size', 1e308);
    ext.histogramObserve('size', 1e308);
    const samples = parseExposition(await registry.metrics());
    expect(sampleValue(samples, 'sochdb_bytes_total', { table: '' })).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue(samples, 'sochdb_bytes_total', { table: 't' })).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue(samples, 'sochdb_size_sum')).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue(samples, 'sochdb_size_count')).toBe(2);
    expect(sampleValue(samples, 'app_requests_total')).toBe(2);
  });

  it('serve() answers 200 with +Inf for an overflowing counter', async () => {
    const ext = extension();
    ext.counterInc('bytes', 1e308);
    ext.counterInc('bytes', 1e308);
    const response = await fetch((await ext.serve({ port: 0 })).url);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^sochdb_bytes_total \+Inf$/m);
  });
});

describe('spanStart', () => {
  it('never throws for a name object whose property reads throw', () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    let id = 0;
    expect(() => {
      id = ext.spanStart(hostile as unknown as string);
    }).not.toThrow();
    expect(id).toBeGreaterThan(0);
    expect(() => ext.spanEnd(id)).not.toThrow();
    expect(errors.messages().join('\n')).toMatch(/name must be a string/);
  });
});

describe('label values in their well-formed form', () => {
  it('a\\ud800, a\\udc00 and a\\ufffd are one series', async () => {
    const ext = extension();
    ext.counterInc('c', 1, { v: 'a\ud800' });
    ext.counterInc('c', 1, { v: 'a\udc00' });
    ext.counterInc('c', 1, { v: 'a\ufffd' });
    const samples = parseExposition(await ext.metrics()).filter((s) => s.name === 'sochdb_c_total');
    expect(samples).toEqual([{ name: 'sochdb_c_total', labels: { v: 'a\ufffd' }, value: 3 }]);
  });
});

describe('label names that change between calls lose nothing', () => {
  it('a metric first used without labels, then with: every call is in a series of its own labels', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.counterInc('ops', 1);
    ext.counterInc('ops', 1, { table: 'a' });
    ext.counterInc('ops', 1, { table: 'b' });
    ext.counterInc('ops', 1, { table: 'b', op: 'get' });
    ext.counterInc('ops', 1, { op: 'get' });
    // Two new label names in one call, the second set while the first is left out.
    ext.counterInc('ops', 1, { x: '', y: 'z' });
    const samples = parseExposition(await ext.metrics()).filter((s) => s.name === 'sochdb_ops_total');
    expect(samples.map((s) => [s.labels.table, s.labels.op, s.value])).toEqual([
      ['', '', 1],
      ['a', '', 1],
      ['b', '', 1],
      ['b', 'get', 1],
      ['', 'get', 1],
      ['', '', 1],
    ]);
    expect(samples.at(-1)?.labels).toEqual({ table: '', op: '', x: '', y: 'z' });
    // Each new label name is reported once.
    const added = errors.messages().filter((m) => /added the label/.test(m));
    expect(added).toHaveLength(4);
  });
});

describe("the plugin's own metrics", () => {
  it('a first span event (two label names at once on a new metric) is not reported as a label added', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    const span = ext.spanStart('load');
    ext.spanEvent(span, 'rows stored');
    ext.spanEnd(span);
    const samples = parseExposition(await ext.metrics()).filter((s) => s.name === 'sochdb_span_events_total');
    expect(samples.map((s) => s.labels)).toEqual([{ span: 'load', event: 'rows stored' }]);
    expect(errors.messages()).toEqual([]);
  });
});

describe('caps: maxMetrics, overflow series, a dropped-values counter', () => {
  it('past maxSeriesPerMetric values go to one overflow series and are counted in sochdb_dropped_values_total', async () => {
    const errors = recorder();
    const ext = extension({ maxSeriesPerMetric: 2, onError: errors.onError });
    for (let i = 0; i < 5; i++) ext.counterInc('c', 1, { id: String(i) });
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_c_total', { id: '0' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_c_total', { sochdb_overflow: 'true' })).toBe(3);
    expect(sampleValue(samples, 'sochdb_dropped_values_total', { metric: 'c', reason: 'cardinality' })).toBe(3);
    expect(ext.drops.count('c', 'cardinality')).toBe(3);
    expect(errors.calls).toHaveLength(1);
  });

  it('past maxMetrics new names go to the overflow metric of their kind, counted and reported once', async () => {
    const errors = recorder();
    const ext = extension({ maxMetrics: 2, onError: errors.onError });
    for (let i = 0; i < 50; i++) ext.counterInc(`name_${i}`, 1);
    for (let i = 0; i < 5; i++) ext.gaugeSet(`g_${i}`, i);
    const text = await ext.metrics();
    const samples = parseExposition(text);
    expect(sampleValue(samples, 'sochdb_name_0_total')).toBe(1);
    expect(sampleValue(samples, 'sochdb_name_1_total')).toBe(1);
    expect(sampleValue(samples, 'sochdb_name_2_total')).toBeUndefined();
    expect(sampleValue(samples, 'sochdb_metric_overflow_total')).toBe(48);
    expect(sampleValue(samples, 'sochdb_metric_overflow_gauge')).toBe(4);
    expect(
      samples
        .filter((s) => s.name === 'sochdb_dropped_values_total' && s.labels.reason === 'metric-cap')
        .reduce((sum, s) => sum + s.value, 0),
    ).toBe(53);
    expect(errors.messages().filter((m) => /maxMetrics/.test(m)).length).toBeLessThanOrEqual(2);
  });

  it('maxMetrics is checked like the other caps', () => {
    expect(() => new PrometheusObservability({ maxMetrics: 0 })).toThrow(RangeError);
    expect(() => new PrometheusObservability({ maxMetrics: '5' as never })).toThrow(/options\.maxMetrics/);
  });
});

describe('drops are counted and reported once per (metric, reason)', () => {
  it('two NaN gauges give two reports; the same one twice gives one; every value is counted', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.gaugeSet('a', Number.NaN);
    ext.gaugeSet('a', Number.NaN);
    ext.gaugeSet('b', Number.NaN);
    loose(ext, 'gaugeSet')('b', '1');
    ext.counterInc('c', -1);
    ext.histogramObserve('h', -0.5);
    expect(errors.calls).toHaveLength(5);
    expect(ext.drops.count('a', 'not-finite')).toBe(2);
    expect(ext.drops.count('b', 'not-a-number')).toBe(1);
    expect(ext.drops.count('c', 'negative')).toBe(1);
    expect(ext.drops.count('h', 'negative')).toBe(1);
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_dropped_values_total', { metric: 'a', reason: 'not-finite' })).toBe(2);
    expect(sampleValue(samples, 'sochdb_h_count')).toBeUndefined();
  });
});

describe('one rule with the other backends', () => {
  it('maxOpenSpans defaults to the manager’s 100,000; a span past it is counted (span-cap) and reported once', () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    expect(DEFAULT_MAX_OPEN_SPANS).toBe(100_000);
    for (let i = 0; i < 100_002; i++) ext.spanStart('open');
    expect(ext.drops.count('span_duration_seconds', 'span-cap')).toBe(2);
    expect(errors.messages()).toEqual([expect.stringMatching(/more than 100000 spans open/)]);
  });
});

describe('names that collide after mapping', () => {
  it('é and _ (both sochdb___total) are detected and reported, not merged', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.counterInc('é', 1);
    ext.counterInc('_', 5);
    ext.counterInc('a.b', 1);
    ext.counterInc('a_b', 7);
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb___total')).toBe(1);
    expect(sampleValue(samples, 'sochdb_a_b_total')).toBe(1);
    expect(errors.messages().join('\n')).toMatch(/"_".*clashes with.*"é"/);
    expect(ext.drops.count('_', 'name-clash')).toBe(1);
    expect(ext.drops.count('a_b', 'name-clash')).toBe(1);
  });
});

describe('serve()', () => {
  it('gzips the exposition for a client that accepts gzip', async () => {
    const ext = extension();
    ext.counterInc('c', 1);
    const { port } = await ext.serve({ port: 0 });
    const { request } = await import('node:http');
    const body = await new Promise<{ encoding: string | undefined; data: Buffer }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/metrics', headers: { 'accept-encoding': 'gzip' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ encoding: response.headers['content-encoding'], data: Buffer.concat(chunks) }),
        );
      })
        .on('error', reject)
        .end();
    });
    expect(body.encoding).toBe('gzip');
    expect(gunzipSync(body.data).toString()).toBe(await ext.metrics());
  });

  it('answers OpenMetrics to a client that asks for it (as Prometheus does)', async () => {
    const ext = extension();
    ext.counterInc('c', 2);
    ext.gaugeSet('g', 1);
    const response = await fetch((await ext.serve({ port: 0 })).url, {
      headers: {
        accept:
          'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      },
    });
    expect(response.headers.get('content-type')).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE sochdb_c counter$/m);
    expect(text).toMatch(/^sochdb_c_total 2$/m);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('OpenMetrics from a shared registry: the application’s counters follow it, and the registry is left as it was', async () => {
    const registry = new Registry();
    new Counter({ name: 'app_requests', help: 'app "quoted" help', registers: [registry] }).inc(3);
    new Counter({ name: 'app_errors_total', help: 'app', registers: [registry] }).inc(1);
    const ext = extension({ registry });
    ext.counterInc('c', 2);
    ext.histogramObserve('h', 0.3, { k: 'v' });
    const before = await registry.metrics();
    const response = await fetch((await ext.serve({ port: 0 })).url, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    const text = await response.text();
    expect(text).toMatch(
      /^# HELP app_requests app \\"quoted\\" help\n# TYPE app_requests counter\napp_requests_total 3$/m,
    );
    expect(text).toMatch(/^# TYPE app_errors counter\napp_errors_total 1$/m);
    expect(text).toMatch(/^sochdb_h_bucket\{le="0\.5",k="v"\} 1$/m);
    expect(await registry.metrics()).toBe(before);
    // A client that does not ask for OpenMetrics gets the registry's format.
    const plain = await fetch((await ext.serve({ port: 0 })).url, { headers: { accept: 'text/plain' } });
    expect(plain.headers.get('content-type')).toBe(Registry.PROMETHEUS_CONTENT_TYPE);
    expect(await plain.text()).toBe(before);
  });

  it('a second serve() with other options is refused; with the same options it gives the same address', async () => {
    const ext = extension();
    const first = await ext.serve({ port: 0 });
    expect(await ext.serve({ port: 0 })).toEqual(first);
    expect(await ext.serve({ port: first.port })).toEqual(first);
    await expect(ext.serve({ port: 0, host: '::1' })).rejects.toThrow(/already serving/);
  });
});

describe('health gauges', () => {
  it('carry their own help texts', async () => {
    const ext = extension();
    ext.reportHealth({
      operational: true,
      walSizeBytes: 1,
      activeTxns: 2,
      bufferPoolUsage: 0.5,
      checkpointAgeSecs: 3,
    });
    const text = await ext.metrics();
    expect(text).toMatch(/^# HELP sochdb_health_operational Whether the kernel accepts work \(1\) or not \(0\)\.$/m);
    expect(text).toMatch(/^# HELP sochdb_health_active_transactions Transactions open now\.$/m);
  });
});
