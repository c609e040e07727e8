import { metrics, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instrumentName, OpenTelemetryObservability, VERSION } from '../src/index.js';
import { countAndSum, createSdk, metricNamed, observed, points, type Sdk } from './sdk.js';

let sdk: Sdk;
beforeEach(() => {
  sdk = createSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

describe('metrics reach the real SDK', () => {
  it('counters add up per attribute set, labels become attributes, and the name is kept as given', async () => {
    const { obs, errors } = observed(sdk);
    obs.counterInc('txn.commit', 1, { table: 'users' });
    obs.counterInc('txn.commit', 2, { table: 'users' });
    obs.counterInc('txn.commit', 5, { table: 'orders' });
    obs.counterInc('txn.commit', 1);
    const exported = await sdk.collect();
    const counter = metricNamed(exported, 'txn.commit');
    expect(points(counter)).toEqual([
      [{}, 1],
      [{ table: 'orders' }, 5],
      [{ table: 'users' }, 3],
    ]);
    expect(counter?.dataPointType).toBe(3); // DataPointType.SUM
    expect(errors).toEqual([]);
  });

  it('gauges keep the last value per attribute set (a synchronous Gauge instrument)', async () => {
    const { obs } = observed(sdk);
    obs.gaugeSet('active_txns', 4);
    obs.gaugeSet('active_txns', -2);
    obs.gaugeSet('active_txns', 9, { pool: 'main' });
    const gauge = metricNamed(await sdk.collect(), 'active_txns');
    expect((gauge?.descriptor as { type?: string } | undefined)?.type).toBe('GAUGE');
    expect(points(gauge)).toEqual([
      [{}, -2],
      [{ pool: 'main' }, 9],
    ]);
  });

  it('histograms record count and sum per attribute set', async () => {
    const { obs } = observed(sdk);
    obs.histogramObserve('query.seconds', 0.5, { kind: 'scan' });
    obs.histogramObserve('query.seconds', 1.5, { kind: 'scan' });
    obs.histogramObserve('query.seconds', 0, { kind: 'get' });
    const [[getAttributes, get], [scanAttributes, scan]] = points(
      metricNamed(await sdk.collect(), 'query.seconds'),
    ) as [[Record<string, unknown>, unknown], [Record<string, unknown>, unknown]];
    expect(getAttributes).toEqual({ kind: 'get' });
    expect(countAndSum(get)).toEqual({ count: 1, sum: 0 });
    expect(scanAttributes).toEqual({ kind: 'scan' });
    expect(countAndSum(scan)).toEqual({ count: 2, sum: 2 });
  });

  it('makes each instrument once per name (case-insensitive, as OpenTelemetry names are)', async () => {
    const { obs } = observed(sdk);
    const meter = sdk.meterProvider.getMeter('@sochdb/opentelemetry', VERSION);
    let made = 0;
    const createCounter = meter.createCounter.bind(meter);
    meter.createCounter = (...args) => {
      made++;
      return createCounter(...args);
    };
    for (let i = 0; i < 100; i++) obs.counterInc('cached', 1);
    obs.counterInc('CACHED', 1);
    expect(made).toBe(1);
    expect(points(metricNamed(await sdk.collect(), 'cached'))).toEqual([[{}, 101]]);
  });

  it('uses the scope name and version given in the options', async () => {
    const { obs } = observed(sdk, { scopeName: 'orders-db-kernel', scopeVersion: '2.3.4' });
    obs.counterInc('scoped', 1);
    obs.counterInc('scoped', 1);
    const meter = sdk.meterProvider.getMeter('orders-db-kernel', '2.3.4');
    // The same scope hands back the same meter, so its instrument already holds our value.
    meter.createCounter('sochdb.scoped').add(1);
    expect(points(metricNamed(await sdk.collect(), 'scoped'))).toEqual([[{}, 3]]);
  });
});

describe('hostile metric calls are defined and reported', () => {
  it('NaN, Infinity, negative counter and histogram values and non-numbers are dropped, reported once per metric and reason', async () => {
    const { obs, errors } = observed(sdk);
    obs.counterInc('safe', 1);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, '5', undefined, 10n]) {
      obs.counterInc('safe', bad as number);
      obs.histogramObserve('safe.hist', bad as number);
    }
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, '5']) obs.gaugeSet('safe.gauge', bad as number);
    obs.gaugeSet('safe.gauge', -7); // negative gauges are fine
    const exported = await sdk.collect();
    expect(points(metricNamed(exported, 'safe'))).toEqual([[{}, 1]]); // never NaN
    expect(metricNamed(exported, 'safe.hist')?.dataPoints ?? []).toEqual([]);
    expect(points(metricNamed(exported, 'safe.gauge'))).toEqual([[{}, -7]]);
    expect(errors.map((e) => e.operation)).toEqual([
      'counterInc', // not-finite
      'histogramObserve',
      'counterInc', // negative
      'histogramObserve',
      'counterInc', // not-a-number
      'histogramObserve',
      'gaugeSet', // not-finite
      'gaugeSet', // not-a-number
    ]);
    expect(errors[0]?.error.message).toBe(
      "counter 'safe': value must be a finite, non-negative number; got NaN (dropped). Further values dropped for this reason are counted, not reported.",
    );
    expect(obs.droppedValues).toBe(15);
  });

  it('label values that are not strings are stringified; undefined, empty keys and unprintable values are left out', async () => {
    const { obs, errors } = observed(sdk);
    const labels = {
      n: 42,
      b: true,
      big: 10n,
      sym: Symbol('s'),
      gone: undefined,
      '': 'empty key',
      bare: Object.create(null) as object,
      ok: 'yes',
    };
    obs.counterInc('odd.labels', 1, labels as never);
    const throwing = Object.defineProperty({ ok: 'yes', n: '42', b: 'true', big: '10', sym: 'Symbol(s)' }, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    obs.counterInc('odd.labels', 1, throwing);
    obs.counterInc('odd.labels', 1, 'not an object' as never);
    obs.counterInc('odd.labels', 1, null as never);
    expect(points(metricNamed(await sdk.collect(), 'odd.labels'))).toEqual([
      [{}, 2],
      [{ n: '42', b: 'true', big: '10', sym: 'Symbol(s)', ok: 'yes' }, 2],
    ]);
    // Every change counted; reported once per metric and reason.
    expect(obs.dropCounts().map(({ reason, count }) => [reason, count])).toEqual([
      ['label-not-string', 4],
      ['label-empty-name', 1],
      ['label-unprintable', 2],
      ['labels-not-object', 2],
    ]);
    expect(errors).toHaveLength(4);
    expect(errors.every((e) => e.operation === 'counterInc')).toBe(true);
  });

  it('names that OpenTelemetry refuses are made legal and reported; legal names with dots are untouched', async () => {
    expect(instrumentName('txn.commit')).toBe('txn.commit');
    expect(instrumentName('a-b/c_d.e')).toBe('a-b/c_d.e');
    expect(instrumentName('9x')).toBe('x9x');
    expect(instrumentName('has space')).toBe('has_space');
    expect(instrumentName('')).toBe('x');
    expect(instrumentName('emoji_🚀')).toBe('emoji___');
    expect(instrumentName('y'.repeat(300))).toHaveLength(255);
    const { obs, errors } = observed(sdk);
    obs.counterInc('9 lives', 1);
    obs.counterInc(42 as never, 1);
    const exported = await sdk.collect();
    // Behind the prefix a leading digit is legal; the space is not.
    expect(points(metricNamed(exported, '9_lives'))).toEqual([[{}, 1]]);
    expect(points(metricNamed(exported, '42'))).toEqual([[{}, 1]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error.message).toBe(
      "'sochdb.9 lives' is not a legal OpenTelemetry instrument name; recorded as 'sochdb.9_lives'. Further values dropped for this reason are counted, not reported.",
    );
    expect(obs.dropCounts()).toEqual([{ subject: '9 lives', reason: 'illegal-name', count: 1 }]);
  });

  it('a name used as one kind and then another: the other kind is dropped and reported', async () => {
    const { obs, errors } = observed(sdk);
    obs.counterInc('shared', 1);
    obs.gaugeSet('shared', 5);
    obs.histogramObserve('shared', 5);
    expect(points(metricNamed(await sdk.collect(), 'shared'))).toEqual([[{}, 1]]);
    expect(errors.map((e) => [e.operation, e.error.message])).toEqual([
      [
        'gaugeSet',
        "'shared' is already a counter; a gauge call with that name was dropped. Further values dropped for this reason are counted, not reported.",
      ],
    ]);
    expect(obs.dropCounts()).toEqual([{ subject: 'shared', reason: 'kind-conflict', count: 2 }]);
  });

  it('maxInstruments caps distinct names; calls with new names past it are dropped and reported', async () => {
    const { obs, errors } = observed(sdk, { maxInstruments: 3 });
    for (let i = 0; i < 10; i++) obs.counterInc(`m${i}`, 1);
    obs.counterInc('m0', 1);
    const exported = await sdk.collect();
    expect([...exported.keys()].sort()).toEqual(['sochdb.dropped_values', 'sochdb.m0', 'sochdb.m1', 'sochdb.m2']);
    expect(points(metricNamed(exported, 'm0'))).toEqual([[{}, 2]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error.message).toMatch(/more than 3 instruments: calls for 'sochdb.m3' are dropped/);
    expect(obs.dropCounts()).toEqual([{ subject: '(other)', reason: 'max-instruments', count: 7 }]);
  });

  it('a meter without createGauge (an SDK older than the 1.9 API) gets gauges through an observable gauge', async () => {
    const real = sdk.meterProvider.getMeter('old-sdk');
    const oldMeter = Object.assign(Object.create(real) as typeof real, { createGauge: undefined });
    const { obs } = observed(sdk, { meterProvider: { getMeter: () => oldMeter } });
    obs.gaugeSet('legacy.gauge', 3, { a: '1' });
    obs.gaugeSet('legacy.gauge', 4, { a: '1' });
    obs.gaugeSet('legacy.gauge', 8);
    const gauge = metricNamed(await sdk.collect(), 'legacy.gauge');
    expect((gauge?.descriptor as { type?: string } | undefined)?.type).toBe('OBSERVABLE_GAUGE');
    expect(points(gauge)).toEqual([
      [{}, 8],
      [{ a: '1' }, 4],
    ]);
  });

  it('an SDK that throws is caught and reported once per operation', () => {
    const errors: string[] = [];
    const obs = new OpenTelemetryObservability({
      meterProvider: {
        getMeter: () =>
          ({
            createCounter: () => {
              throw new Error('sdk bug');
            },
          }) as never,
      },
      onError: (_error, where) => errors.push(where.operation),
    });
    obs.init();
    expect(() => obs.counterInc('x', 1)).not.toThrow();
    expect(() => obs.counterInc('x', 1)).not.toThrow();
    // init: the meter has no createObservableCounter (for sochdb.dropped_values); then the counter call.
    expect(errors).toEqual(['init', 'counterInc']);
  });
});

describe('health', () => {
  it('is five gauges: operational as 1/0 and the figures as given; figures that are not finite are dropped and counted', async () => {
    const { obs } = observed(sdk);
    obs.reportHealth({
      operational: true,
      walSizeBytes: 4096,
      activeTxns: 3,
      bufferPoolUsage: 0.5,
      checkpointAgeSecs: 12,
    });
    obs.reportHealth({
      operational: false,
      walSizeBytes: Number.NaN,
      activeTxns: 4,
      bufferPoolUsage: 0.75,
      checkpointAgeSecs: 13,
    });
    const exported = await sdk.collect();
    const value = (name: string) => points(metricNamed(exported, name))[0]?.[1];
    expect(value('health.operational')).toBe(0);
    expect(value('health.wal_size_bytes')).toBe(4096);
    expect(value('health.active_transactions')).toBe(4);
    expect(value('health.buffer_pool_usage_ratio')).toBe(0.75);
    expect(value('health.checkpoint_age_seconds')).toBe(13);
    expect(metricNamed(exported, 'health.wal_size_bytes')?.descriptor.unit).toBe('By');
    expect(metricNamed(exported, 'health.checkpoint_age_seconds')?.descriptor.unit).toBe('s');
    expect(obs.dropCounts()).toEqual([{ subject: 'health.wal_size_bytes', reason: 'not-finite', count: 1 }]);
  });
});

describe('with no SDK registered', () => {
  it('binds the no-op API: metric calls do nothing, spanStart returns 0', () => {
    const obs = new OpenTelemetryObservability({ onError: () => expect.fail('no problem expected') });
    obs.init();
    expect(obs.recordsMetrics).toBe(false);
    obs.counterInc('nothing', 1, { a: 'b' });
    obs.gaugeSet('nothing.g', 1);
    obs.histogramObserve('nothing.h', 1);
    obs.logInfo('nothing');
    obs.reportHealth({ operational: true, walSizeBytes: 1, activeTxns: 1, bufferPoolUsage: 0, checkpointAgeSecs: 0 });
    expect(obs.spanStart('nothing')).toBe(0);
    expect(obs.openSpans).toBe(0);
  });

  it('with the SDK registered as the global providers, the defaults use them', async () => {
    metrics.setGlobalMeterProvider(sdk.meterProvider);
    trace.setGlobalTracerProvider(sdk.tracerProvider);
    try {
      const obs = new OpenTelemetryObservability();
      obs.init();
      expect(obs.recordsMetrics).toBe(true);
      obs.counterInc('via.global', 2);
      obs.spanEnd(obs.spanStart('global span'));
      expect(points(metricNamed(await sdk.collect(), 'via.global'))).toEqual([[{}, 2]]);
      expect(sdk.finished().map((span) => span.name)).toEqual(['global span']);
      expect(sdk.finished()[0]?.instrumentationScope).toMatchObject({
        name: '@sochdb/opentelemetry',
        version: VERSION,
      });
    } finally {
      metrics.disable();
      trace.disable();
    }
  });
});
