/**
 * "Hostile input" (issue 5): every case on which prom-client throws or writes
 * a broken exposition, and what the extension does instead. Each test also
 * checks that the exposition still parses.
 */
import { captureWarnings } from '@sochdb/testkit';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { PrometheusObservability, type PrometheusOptions } from '../src/index.js';
import { openMetricsRegistry, parseExposition, recorder, sampleValue } from './helpers.js';

const made: PrometheusObservability[] = [];
function extension(options: PrometheusOptions = {}): PrometheusObservability {
  const ext = new PrometheusObservability({ onError: () => {}, ...options });
  made.push(ext);
  return ext;
}
afterEach(async () => {
  for (const ext of made.splice(0)) await ext.shutdown();
});

// Loose calls: the hostile values are not what the types allow.
type Loose = (name: unknown, value: unknown, labels?: unknown) => void;
const loose = (ext: PrometheusObservability, method: 'counterInc' | 'gaugeSet' | 'histogramObserve'): Loose =>
  ext[method].bind(ext) as Loose;

describe('names prom-client throws on', () => {
  it('a-b, 9x and txn.commit are made valid instead of throwing', async () => {
    expect(() => new Counter({ name: 'txn.commit', help: 'x', registers: [] })).toThrow(); // prom-client's behaviour
    const ext = extension();
    for (const name of ['a-b', '9x', 'txn.commit']) ext.counterInc(name, 1);
    const names = parseExposition(await ext.metrics()).map((s) => s.name);
    expect(names).toEqual(['sochdb_a_b_total', 'sochdb__9x_total', 'sochdb_txn_commit_total']);
  });

  it('a metric name that is not a string is dropped and reported, not cached', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    loose(ext, 'counterInc')(42, 1);
    loose(ext, 'counterInc')({ toString: () => 'x' }, 1);
    // Only the dropped-values counter is exported: both calls counted under one subject.
    expect(parseExposition(await ext.metrics())).toEqual([
      { name: 'sochdb_dropped_values_total', labels: { metric: '(not a string)', reason: 'name-type' }, value: 2 },
    ]);
    expect(errors.calls).toHaveLength(1);
    expect(errors.messages()[0]).toMatch(/metric name must be a string; got number/);
  });
});

describe('labels prom-client throws on or breaks the scrape with', () => {
  it('undeclared and missing labels follow the documented rule (see metrics.test.ts) instead of throwing', () => {
    const raw = new Counter({ name: 'raw_total', help: 'x', labelNames: ['a'], registers: [] });
    expect(() => raw.inc({ b: 'x' } as unknown as { a: string }, 1)).toThrow(); // prom-client's behaviour
    const ext = extension();
    ext.counterInc('c', 1, { a: 'x' });
    expect(() => ext.counterInc('c', 1, { b: 'x' })).not.toThrow();
  });

  it('__name__ as a label (which breaks a prom-client scrape) becomes _name__', async () => {
    const rawRegistry = new Registry();
    new Counter({ name: 'raw_total', help: 'x', labelNames: ['__name__'], registers: [rawRegistry] }).inc(
      { __name__: 'x' },
      1,
    );
    expect(await rawRegistry.metrics()).toContain('raw_total{__name__="x"} 1'); // prom-client writes it as is
    const ext = extension();
    ext.counterInc('c', 1, { __name__: 'x', __meta: 'y' });
    expect(parseExposition(await ext.metrics())).toEqual([
      { name: 'sochdb_c_total', labels: { _name__: 'x', _meta: 'y' }, value: 1 },
    ]);
  });

  it('le on a histogram (reserved by prom-client) becomes _le', async () => {
    const ext = extension();
    ext.histogramObserve('h', 1, { le: 'mine' });
    const count = parseExposition(await ext.metrics()).find((s) => s.name === 'sochdb_h_count');
    expect(count?.labels).toEqual({ _le: 'mine' });
  });

  it('two label names that map to one ("a.b" and "a-b"): the first is kept, the other dropped, counted and reported', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.counterInc('c', 1, { 'a.b': 'first', 'a-b': 'second' });
    ext.counterInc('c', 1, { 'a.b': 'first', 'a-b': 'second' });
    expect(parseExposition(await ext.metrics()).filter((s) => s.name === 'sochdb_c_total')).toEqual([
      { name: 'sochdb_c_total', labels: { a_b: 'first' }, value: 2 },
    ]);
    expect(ext.drops.count('c', 'label-collision')).toBe(2);
    expect(errors.messages().join('\n')).toMatch(/label "a-b" maps to "a_b", which this call already set/);
  });

  it('labels that are not an object are ignored and reported; a throwing getter drops the call', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.counterInc('c', 1, { k: 'v' });
    loose(ext, 'counterInc')('c', 1, 'not an object');
    const trap = Object.defineProperty({}, 'k', {
      enumerable: true,
      get() {
        throw new Error('getter throws');
      },
    });
    expect(() => ext.counterInc('c', 1, trap)).not.toThrow();
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_c_total', { k: 'v' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_c_total', { k: '' })).toBe(1);
    expect(errors.messages().join('\n')).toMatch(/labels must be an object of strings; got string/);
    expect(errors.messages().join('\n')).toMatch(/counterInc failed and the call was dropped: getter throws/);
  });
});

describe('values', () => {
  it('counterInc(-1) (prom-client throws) and inc(NaN) (prom-client reads NaN forever) are dropped and reported', async () => {
    const raw = new Counter({ name: 'raw_total', help: 'x', registers: [] });
    expect(() => raw.inc(-1)).toThrow();
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.counterInc('c', 5);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5', null, undefined, {}]) {
      loose(ext, 'counterInc')('c', bad);
    }
    expect(sampleValue(parseExposition(await ext.metrics()), 'sochdb_c_total')).toBe(5);
    // One report per (metric, reason); every value counted.
    expect(errors.calls).toHaveLength(3);
    expect(errors.calls[0]?.where.operation).toBe('counterInc');
    expect(errors.messages()[0]).toMatch(/value must be a finite, non-negative number; got -1 \(dropped\)/);
    expect([
      ext.drops.count('c', 'negative'),
      ext.drops.count('c', 'not-finite'),
      ext.drops.count('c', 'not-a-number'),
    ]).toEqual([1, 3, 4]);
  });

  it('non-finite gauge and histogram values are dropped and reported; negative ones are fine for gauges, not histograms', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.gaugeSet('g', -3);
    ext.histogramObserve('h', 0.5);
    ext.histogramObserve('h', -0.5);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, '1', null]) {
      loose(ext, 'gaugeSet')('g', bad);
      loose(ext, 'histogramObserve')('h', bad);
    }
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_g')).toBe(-3);
    expect(sampleValue(samples, 'sochdb_h_count')).toBe(1);
    expect(sampleValue(samples, 'sochdb_h_sum')).toBe(0.5);
    expect(errors.calls.map((c) => c.where.operation)).toEqual([
      'histogramObserve',
      'gaugeSet',
      'histogramObserve',
      'gaugeSet',
      'histogramObserve',
    ]);
    expect(ext.drops.count('h', 'negative')).toBe(1);
  });

  it('a health snapshot with bad fields sets the good ones and reports the rest', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    const health = {
      operational: 'yes',
      walSizeBytes: Number.NaN,
      activeTxns: 2,
      bufferPoolUsage: 0.5,
      checkpointAgeSecs: 1,
    };
    ext.reportHealth(health as unknown as Parameters<PrometheusObservability['reportHealth']>[0]);
    (ext.reportHealth as (h: unknown) => void)(null);
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_health_operational')).toBeUndefined();
    expect(sampleValue(samples, 'sochdb_health_wal_size_bytes')).toBeUndefined();
    expect(sampleValue(samples, 'sochdb_health_active_transactions')).toBe(2);
    expect(errors.messages().join('\n')).toMatch(/"operational": value must be a boolean/);
    expect(errors.messages().join('\n')).toMatch(/health must be an object; got null/);
  });
});

describe('second registration of a name', () => {
  it('a name the application already registered: our metric is dropped and reported, the application’s kept', async () => {
    const registry = new Registry();
    const app = new Counter({ name: 'sochdb_txn_commit_total', help: 'the app’s own', registers: [registry] });
    app.inc(7);
    const errors = recorder();
    const ext = extension({ registry, onError: errors.onError });
    ext.counterInc('txn.commit', 1);
    ext.counterInc('txn.commit', 1);
    expect(sampleValue(parseExposition(await registry.metrics()), 'sochdb_txn_commit_total')).toBe(7);
    expect(errors.calls).toHaveLength(1);
    expect(errors.messages()[0]).toMatch(/clashes with a metric already in the registry/);
  });

  it('a name whose lines an application histogram already writes (sochdb_lat_count) is dropped too', async () => {
    const registry = new Registry();
    new Histogram({ name: 'sochdb_lat', help: 'app', registers: [registry] }).observe(1);
    const errors = recorder();
    const ext = extension({ registry, onError: errors.onError });
    ext.gaugeSet('lat_count', 5);
    ext.gaugeSet('lat_total', 5); // not a histogram line: fine
    const samples = parseExposition(await registry.metrics());
    expect(sampleValue(samples, 'sochdb_lat_count')).toBe(1);
    expect(sampleValue(samples, 'sochdb_lat_total')).toBe(5);
    expect(errors.messages()).toEqual([expect.stringMatching(/clashes with a metric already in the registry/)]);
  });

  it('two extensions in one registry: the second one’s clashing metrics are dropped, the first keeps counting', async () => {
    const registry = new Registry();
    const first = extension({ registry, name: 'first' });
    const errors = recorder();
    const second = extension({ registry, name: 'second', onError: errors.onError });
    first.counterInc('c', 1);
    second.counterInc('c', 1);
    first.counterInc('c', 1);
    expect(sampleValue(parseExposition(await registry.metrics()), 'sochdb_c_total')).toBe(2);
    expect(errors.calls[0]?.where).toEqual({ extension: 'second', operation: 'counterInc' });
    // Two extensions side by side: give each its own prefix.
    const third = extension({ registry, name: 'third', prefix: 'replica_' });
    third.counterInc('c', 4);
    expect(sampleValue(parseExposition(await registry.metrics()), 'replica_c_total')).toBe(4);
  });

  it('one name as two kinds whose exposition names clash (gauge x_count vs histogram x): the second is dropped', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.histogramObserve('x', 1);
    ext.gaugeSet('x_count', 5);
    ext.gaugeSet('x', 5);
    // sochdb_x_total's OpenMetrics family name is sochdb_x, which serve() may negotiate: a clash too.
    ext.counterInc('x', 1);
    ext.counterInc('y', 1);
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_x_count')).toBe(1);
    expect(sampleValue(samples, 'sochdb_x_total')).toBeUndefined();
    expect(sampleValue(samples, 'sochdb_y_total')).toBe(1);
    // Reported once per (metric name, reason): gauge x and counter x share the call name "x".
    expect(errors.messages()).toHaveLength(2);
    expect(ext.drops.count('x', 'name-clash')).toBe(2);
    expect(errors.messages()[0]).toMatch(
      /gauge "x_count" \(sochdb_x_count\) clashes with the histogram "x" already using "sochdb_x_count"/,
    );
  });
});

describe('OpenMetrics registries', () => {
  it('a counter also holds its family name (without _total), so a gauge of that name is dropped', async () => {
    const errors = recorder();
    const ext = extension({ registry: openMetricsRegistry(), onError: errors.onError });
    ext.counterInc('x', 1);
    ext.gaugeSet('x', 5);
    const text = await ext.metrics();
    expect(text).toMatch(/^# HELP sochdb_x SochDB counter "x"\n# TYPE sochdb_x counter\nsochdb_x_total 1\n/);
    expect(errors.messages()[0]).toMatch(
      /gauge "x" \(sochdb_x\) clashes with the counter "x" already using "sochdb_x"/,
    );
  });
});

describe('histogram buckets (prom-client accepts bad lists and writes a broken exposition)', () => {
  it.each([
    ['unsorted', [1, 0.5, 2], /strictly increasing.*\(unsorted\)/],
    ['duplicate', [0.1, 0.1, 1], /strictly increasing.*\(duplicate bound\)/],
    ['NaN', [0.1, Number.NaN], /\[1\] must be a finite number/],
    ['+Inf', [1, Number.POSITIVE_INFINITY], /\+Inf is always added/],
    ['not numbers', [1, '2'], /\[1\] must be a finite number/],
  ])('a %s list is a RangeError from the constructor', (_what, list, message) => {
    expect(() => new PrometheusObservability({ buckets: list as number[] })).toThrow(RangeError);
    expect(() => new PrometheusObservability({ buckets: list as number[] })).toThrow(message);
    expect(() => new PrometheusObservability({ buckets: { default: list as number[] } })).toThrow(
      /options\.buckets\.default/,
    );
    expect(() => new PrometheusObservability({ buckets: { perMetric: { 'wal.fsync': list as number[] } } })).toThrow(
      /options\.buckets\.perMetric\["wal\.fsync"\]/,
    );
  });

  it('a list that is not an array is a TypeError', () => {
    expect(() => new PrometheusObservability({ buckets: 5 as unknown as number[] })).toThrow(TypeError);
    expect(() => new PrometheusObservability({ buckets: { perMetric: { x: 'no' as unknown as number[] } } })).toThrow(
      TypeError,
    );
  });

  it('a default list and per-metric overrides apply; an empty list means only +Inf', async () => {
    const ext = extension({ buckets: { default: [1, 2], perMetric: { 'wal.fsync': [0.001], none: [] } } });
    ext.histogramObserve('other', 1.5);
    ext.histogramObserve('wal.fsync', 0.0005);
    ext.histogramObserve('none', 3);
    const samples = parseExposition(await ext.metrics());
    const buckets = async (name: string) => samples.filter((s) => s.name === name).map((s) => [s.labels.le, s.value]);
    expect(await buckets('sochdb_other_bucket')).toEqual([
      ['1', 0],
      ['2', 1],
      ['+Inf', 1],
    ]);
    expect(await buckets('sochdb_wal_fsync_bucket')).toEqual([
      ['0.001', 1],
      ['+Inf', 1],
    ]);
    expect(await buckets('sochdb_none_bucket')).toEqual([['+Inf', 1]]);
  });
});

describe('other options', () => {
  it('are checked in the constructor with errors that name them', () => {
    expect(() => new PrometheusObservability({ prefix: 'bad-prefix' })).toThrow(/options\.prefix/);
    expect(() => new PrometheusObservability({ prefix: '__x' })).toThrow(RangeError);
    expect(() => new PrometheusObservability({ prefix: 5 as unknown as string })).toThrow(TypeError);
    expect(() => new PrometheusObservability({ maxSeriesPerMetric: 0 })).toThrow(/options\.maxSeriesPerMetric/);
    expect(() => new PrometheusObservability({ maxOpenSpans: 1.5 })).toThrow(/options\.maxOpenSpans/);
    expect(() => new PrometheusObservability({ registry: {} as Registry })).toThrow(/options\.registry/);
    expect(() => new PrometheusObservability({ onError: 'warn' as unknown as () => void })).toThrow(/options\.onError/);
    expect(() => new PrometheusObservability({ name: '' })).toThrow(/options\.name/);
    expect(new PrometheusObservability({ prefix: '' }).prefix).toBe('');
  });

  it('show a refused value with its type; a wrong type is a TypeError, a bad number a RangeError', () => {
    const seriesAsString = () => new PrometheusObservability({ maxSeriesPerMetric: '3' as never });
    expect(seriesAsString).toThrow(TypeError);
    expect(seriesAsString).toThrow(/options\.maxSeriesPerMetric must be a positive integer; got string "3"$/);
    expect(() => new PrometheusObservability({ maxOpenSpans: Number.NaN })).toThrow(RangeError);
    expect(() => new PrometheusObservability({ maxOpenSpans: Number.NaN })).toThrow(/got number NaN$/);
    expect(() => new PrometheusObservability({ name: [] as never })).toThrow(/options\.name .*; got an Array$/);
    expect(() => new PrometheusObservability({ buckets: [1, '2'] as never })).toThrow(/got string "2"$/);
  });

  it('refuse an unknown key, naming it and the valid ones, also inside buckets', () => {
    const typo = () => new PrometheusObservability({ maxSeries: 10 } as never);
    expect(typo).toThrow(TypeError);
    expect(typo).toThrow(
      /unknown option "maxSeries"; the options are name, registry, prefix, buckets, maxSeriesPerMetric/,
    );
    const buckets = () => new PrometheusObservability({ buckets: { defaults: [1] } as never });
    expect(buckets).toThrow(TypeError);
    expect(buckets).toThrow(/options\.buckets: unknown key "defaults"; .* default, perMetric/);
  });
});

describe('series cap', () => {
  it('past maxSeriesPerMetric new series go to the overflow series, reported once; existing series go on', async () => {
    const errors = recorder();
    const ext = extension({ maxSeriesPerMetric: 3, onError: errors.onError });
    for (let i = 0; i < 10; i++) ext.counterInc('c', 1, { id: String(i) });
    ext.counterInc('c', 10, { id: '0' });
    for (let i = 0; i < 10; i++) ext.histogramObserve('h', 1, { id: String(i), k: 'v' });
    const samples = parseExposition(await ext.metrics());
    expect(samples.filter((s) => s.name === 'sochdb_c_total').map((s) => [s.labels.id, s.value])).toEqual([
      ['0', 11],
      ['1', 1],
      ['2', 1],
      ['', 7],
    ]);
    expect(samples.filter((s) => s.name === 'sochdb_h_count')).toHaveLength(4);
    expect(sampleValue(samples, 'sochdb_h_count', { sochdb_overflow: 'true' })).toBe(7);
    expect(errors.calls).toHaveLength(2); // once per metric
    expect(errors.messages()[0]).toMatch(/reached maxSeriesPerMetric \(3\)/);
  });

  it('the default cap is 10,000 series', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    for (let i = 0; i < 10_001; i++) ext.counterInc('c', 1, { id: String(i) });
    expect(errors.messages()).toEqual([expect.stringMatching(/maxSeriesPerMetric \(10000\)/)]);
    const samples = parseExposition(await ext.metrics()).filter((s) => s.name === 'sochdb_c_total');
    expect(samples).toHaveLength(10_001);
    expect(sampleValue(samples, 'sochdb_c_total', { id: '', sochdb_overflow: 'true' })).toBe(1);
  });
});

describe('the reporting channel', () => {
  it('defaults to one process warning per problem, like PluginManager', async () => {
    const warnings = await captureWarnings(() => {
      const plain = new PrometheusObservability();
      made.push(plain);
      plain.counterInc('c', -1);
      plain.counterInc('c', -1);
      plain.gaugeSet('g', Number.NaN);
    });
    expect(warnings.map((w) => [w.name, (w as Error & { code?: string }).code])).toEqual([
      ['SochDBWarning', 'SOCHDB_WARNING'],
      ['SochDBWarning', 'SOCHDB_WARNING'],
    ]);
    expect(warnings[0]?.message).toMatch(/'prometheus-metrics' dropped or altered a value in counterInc/);
  });

  it('an onError that throws is ignored', () => {
    const ext = extension({
      onError: () => {
        throw new Error('handler throws');
      },
    });
    expect(() => ext.counterInc('c', -1)).not.toThrow();
    expect(() => ext.histogramObserve('h', Number.NaN)).not.toThrow();
  });
});
