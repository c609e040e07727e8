import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS, PrometheusObservability } from '../src/index.js';
import { expositionSuite } from './exposition-suite.js';
import { openMetricsRegistry, parseExposition, recorder, sampleValue } from './helpers.js';

const made: PrometheusObservability[] = [];
function extension(options: ConstructorParameters<typeof PrometheusObservability>[0] = {}): PrometheusObservability {
  const ext = new PrometheusObservability({ onError: () => {}, ...options });
  made.push(ext);
  return ext;
}
afterEach(async () => {
  for (const ext of made.splice(0)) await ext.shutdown();
});

expositionSuite();

describe('metrics', () => {
  it('names are mapped (txn.commit → sochdb_txn_commit_total) and the prefix is configurable', async () => {
    const ext = extension({ prefix: 'app_' });
    ext.counterInc('txn.commit', 2);
    ext.gaugeSet('9lives', 1);
    ext.histogramObserve('a-b', 0.1);
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'app_txn_commit_total')).toBe(2);
    expect(sampleValue(samples, 'app__9lives')).toBe(1);
    expect(sampleValue(samples, 'app_a_b_count')).toBe(1);
  });

  it('two call names that map to one Prometheus name: the second is refused, counted and reported, not merged', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.counterInc('txn.commit', 1);
    ext.counterInc('txn_commit', 2);
    ext.counterInc('txn-commit', 3);
    ext.counterInc('txn-commit', 3);
    expect(sampleValue(parseExposition(await ext.metrics()), 'sochdb_txn_commit_total')).toBe(1);
    expect(ext.drops.count('txn_commit', 'name-clash')).toBe(1);
    expect(ext.drops.count('txn-commit', 'name-clash')).toBe(2);
    expect(errors.messages()).toHaveLength(2);
  });

  it('label names are made valid', async () => {
    const ext = extension();
    ext.counterInc('ops', 1, { 'txn.kind': 'read', '9th': 'yes', __name__: 'evil' });
    const samples = parseExposition(await ext.metrics());
    expect(samples).toEqual([
      { name: 'sochdb_ops_total', labels: { txn_kind: 'read', _9th: 'yes', _name__: 'evil' }, value: 1 },
    ]);
  });

  it('a metric used later with other label names: missing labels are empty, new ones added (reported once), nothing lost', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.counterInc('ops', 1, { table: 'users', op: 'put' });
    ext.counterInc('ops', 2, { table: 'users' }); // op missing → ""
    ext.counterInc('ops', 4, { table: 'users', op: 'put', extra: 'x' }); // extra added to the metric
    ext.counterInc('ops', 8, { op: 'put', table: 'users' }); // other key order, same series
    ext.counterInc('ops', 16, { 'other.name': 'z' }); // other_name added
    ext.counterInc('ops', 32); // no labels at all
    ext.counterInc('ops', 64, { table: 'users', op: 'put', extra: 'x' });
    const samples = parseExposition(await ext.metrics());
    const all = { table: '', op: '', extra: '', other_name: '' };
    expect(sampleValue(samples, 'sochdb_ops_total', { ...all, table: 'users', op: 'put' })).toBe(1 + 8);
    expect(sampleValue(samples, 'sochdb_ops_total', { ...all, table: 'users', op: 'put', extra: 'x' })).toBe(4 + 64);
    expect(sampleValue(samples, 'sochdb_ops_total', { ...all, table: 'users' })).toBe(2);
    expect(sampleValue(samples, 'sochdb_ops_total', { ...all, other_name: 'z' })).toBe(16);
    expect(sampleValue(samples, 'sochdb_ops_total', all)).toBe(32);
    expect(samples.reduce((sum, s) => sum + s.value, 0)).toBe(127);
    expect(errors.calls).toHaveLength(2);
    expect(errors.calls[0]?.where).toEqual({ extension: 'prometheus-metrics', operation: 'counterInc' });
    expect(errors.messages()[0]).toMatch(/a call added the label "extra"/);
    expect(errors.messages()[1]).toMatch(/a call added the label "other_name"/);
  });

  it('the rule holds for gauges and histograms too, and for a metric first used without labels', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    ext.gaugeSet('g', 1);
    ext.gaugeSet('g', 2, { late: 'label' });
    ext.histogramObserve('h', 0.1, { kind: 'scan' });
    ext.histogramObserve('h', 0.2, { mode: 'x' });
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_g', { late: '' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_g', { late: 'label' })).toBe(2);
    expect(sampleValue(samples, 'sochdb_h_count', { kind: 'scan', mode: '' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_h_count', { kind: '', mode: 'x' })).toBe(1);
    expect(errors.calls.map((c) => c.where.operation)).toEqual(['gaugeSet', 'histogramObserve']);
  });

  it('label values that are not strings at run time: numbers, booleans and bigints stringified, others emptied; reported', async () => {
    const errors = recorder();
    const ext = extension({ onError: errors.onError });
    const call = (v: unknown) => ext.counterInc('typed', 1, { v } as unknown as Record<string, string>);
    call(42);
    call(true);
    call(10n);
    call({ toString: () => 'object' });
    call(null);
    call(Symbol('s'));
    call(undefined);
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_typed_total', { v: '42' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_typed_total', { v: 'true' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_typed_total', { v: '10' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_typed_total', { v: '' })).toBe(4);
    expect(errors.calls).toHaveLength(1); // once per (operation, problem, metric)
    expect(errors.messages()[0]).toMatch(/label "v" has a number value.*stringified/);
  });

  it('span durations land in span_duration_seconds{span}, events in span_events_total, parents ignored', async () => {
    const ext = extension({ buckets: { perMetric: { span_duration_seconds: [0.05, 10] } } });
    const root = ext.spanStart('txn.commit');
    const child = ext.spanStart('wal.append', root);
    expect(root).toBeGreaterThan(0);
    expect(child).not.toBe(root);
    ext.spanEvent(child, 'fsync', { bytes: '4096' });
    ext.spanEvent(child, 'fsync');
    await new Promise((resolve) => setTimeout(resolve, 60));
    ext.spanEnd(child);
    ext.spanEnd(root);
    ext.spanEnd(root); // ended: nothing
    ext.spanEvent(root, 'late'); // ended: nothing
    const samples = parseExposition(await ext.metrics());
    expect(sampleValue(samples, 'sochdb_span_duration_seconds_count', { span: 'txn.commit' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_span_duration_seconds_count', { span: 'wal.append' })).toBe(1);
    expect(sampleValue(samples, 'sochdb_span_duration_seconds_bucket', { span: 'wal.append', le: '0.05' })).toBe(0);
    expect(sampleValue(samples, 'sochdb_span_duration_seconds_bucket', { span: 'wal.append', le: '10' })).toBe(1);
    const seconds = sampleValue(samples, 'sochdb_span_duration_seconds_sum', { span: 'wal.append' }) as number;
    expect(seconds).toBeGreaterThanOrEqual(0.05);
    expect(seconds).toBeLessThan(5);
    expect(sampleValue(samples, 'sochdb_span_events_total', { span: 'wal.append', event: 'fsync' })).toBe(2);
    expect(samples.some((s) => s.labels.event === 'late')).toBe(false);
  });

  it('spans never ended are bounded by maxOpenSpans: the oldest is forgotten and reported once', async () => {
    const errors = recorder();
    const ext = extension({ maxOpenSpans: 3, onError: errors.onError });
    const ids = [1, 2, 3, 4, 5].map((i) => ext.spanStart(`s${i}`));
    for (const id of ids) ext.spanEnd(id);
    const samples = parseExposition(await ext.metrics());
    const ended = samples.filter((s) => s.name === 'sochdb_span_duration_seconds_count').map((s) => s.labels.span);
    expect(ended).toEqual(['s3', 's4', 's5']);
    expect(errors.calls).toHaveLength(1);
    expect(errors.messages()[0]).toMatch(/more than 3 spans open/);
  });

  it('log calls count by level in log_messages_total; health sets the health gauges', async () => {
    const ext = extension();
    ext.logInfo('a');
    ext.logInfo('b', { table: 'users' });
    ext.logWarn('c');
    ext.logError('d');
    ext.logError('e');
    ext.logError('f');
    ext.reportHealth({
      operational: false,
      walSizeBytes: 4096,
      activeTxns: 3,
      bufferPoolUsage: 0.25,
      checkpointAgeSecs: 12,
    });
    const samples = parseExposition(await ext.metrics());
    expect(
      ['debug', 'info', 'warn', 'error'].map((level) => sampleValue(samples, 'sochdb_log_messages_total', { level })),
    ).toEqual([0, 2, 1, 3]);
    expect(sampleValue(samples, 'sochdb_health_operational')).toBe(0);
    expect(sampleValue(samples, 'sochdb_health_wal_size_bytes')).toBe(4096);
    expect(sampleValue(samples, 'sochdb_health_active_transactions')).toBe(3);
    expect(sampleValue(samples, 'sochdb_health_buffer_pool_usage_ratio')).toBe(0.25);
    expect(sampleValue(samples, 'sochdb_health_checkpoint_age_seconds')).toBe(12);
    ext.reportHealth({ operational: true, walSizeBytes: 0, activeTxns: 0, bufferPoolUsage: 1, checkpointAgeSecs: 0 });
    expect(sampleValue(parseExposition(await ext.metrics()), 'sochdb_health_operational')).toBe(1);
  });

  it('the default buckets are prom-client’s', async () => {
    const ext = extension();
    ext.histogramObserve('h', 1);
    const bounds = parseExposition(await ext.metrics())
      .filter((s) => s.name === 'sochdb_h_bucket')
      .map((s) => s.labels.le);
    expect(bounds).toEqual([...DEFAULT_BUCKETS.map(String), '+Inf']);
  });
});

describe('registry', () => {
  it('by default a registry of its own: prom-client’s global registry stays untouched', async () => {
    const { register } = await import('prom-client');
    const ext = extension();
    ext.counterInc('own', 1);
    expect(ext.registry).not.toBe(register);
    expect(register.getSingleMetric('sochdb_own_total')).toBeUndefined();
  });

  it('the application’s registry holds our metrics beside its own', async () => {
    const registry = new Registry();
    const mine = new Counter({ name: 'app_requests_total', help: 'app', registers: [registry] });
    mine.inc(5);
    const ext = extension({ registry });
    ext.counterInc('txn.commit', 2);
    const samples = parseExposition(await registry.metrics());
    expect(sampleValue(samples, 'app_requests_total')).toBe(5);
    expect(sampleValue(samples, 'sochdb_txn_commit_total')).toBe(2);
    expect(await ext.metrics()).toBe(await registry.metrics());
  });

  it('an OpenMetrics registry gets counters in its own _total convention', async () => {
    const registry = openMetricsRegistry();
    const ext = extension({ registry });
    ext.counterInc('txn.commit', 2, { table: 'users' });
    ext.histogramObserve('lat', 0.2);
    const text = await ext.metrics();
    expect(ext.contentType).toBe(Registry.OPENMETRICS_CONTENT_TYPE);
    expect(text).toContain('# TYPE sochdb_txn_commit counter');
    expect(text).toContain('sochdb_txn_commit_total{table="users"} 2');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('shutdown removes our metrics, leaves the application’s, and frees the names for a new instance', async () => {
    const registry = new Registry();
    new Counter({ name: 'app_requests_total', help: 'app', registers: [registry] }).inc(1);
    const first = new PrometheusObservability({ registry, onError: () => {} });
    first.counterInc('txn.commit', 2);
    await first.shutdown();
    first.counterInc('txn.commit', 2); // after shutdown: nothing
    expect(registry.getSingleMetric('sochdb_txn_commit_total')).toBeUndefined();
    expect(registry.getSingleMetric('app_requests_total')).toBeDefined();
    const second = extension({ registry });
    second.counterInc('txn.commit', 3);
    expect(sampleValue(parseExposition(await registry.metrics()), 'sochdb_txn_commit_total')).toBe(3);
    await first.shutdown(); // idempotent
  });
});

describe("histogram buckets follow the contract's unit rule", () => {
  const bucketBounds = (samples: ReturnType<typeof parseExposition>, name: string) =>
    samples.filter((s) => s.name === `${name}_bucket`).map((s) => s.labels.le);

  it('a name ending in bytes gets byte bounds (64 B to 256 MiB), so sizes do not all land in +Inf', async () => {
    const ext = extension();
    for (const size of [100, 500, 5_000, 2_000_000]) ext.histogramObserve('row.value_bytes', size);
    ext.histogramObserve('commit_seconds', 0.004);
    const samples = parseExposition(await ext.metrics());
    expect(bucketBounds(samples, 'sochdb_row_value_bytes')).toEqual([
      ...Array.from({ length: 12 }, (_, i) => String(64 * 4 ** i)),
      '+Inf',
    ]);
    expect(sampleValue(samples, 'sochdb_row_value_bytes_bucket', { le: '1024' })).toBe(2);
    expect(sampleValue(samples, 'sochdb_row_value_bytes_bucket', { le: '4194304' })).toBe(4);
    // Seconds keep prom-client's second bounds.
    expect(bucketBounds(samples, 'sochdb_commit_seconds')[0]).toBe('0.005');
  });

  it('a configured default or per-metric list wins over the unit rule', async () => {
    const ext = extension({ buckets: { default: [1, 10], perMetric: { 'b.bytes': [100] } } });
    ext.histogramObserve('a.bytes', 5);
    ext.histogramObserve('b.bytes', 5);
    const samples = parseExposition(await ext.metrics());
    expect(bucketBounds(samples, 'sochdb_a_bytes')).toEqual(['1', '10', '+Inf']);
    expect(bucketBounds(samples, 'sochdb_b_bytes')).toEqual(['100', '+Inf']);
  });
});
