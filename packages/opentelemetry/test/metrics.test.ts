import { metrics, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instrumentName, OpenTelemetryObservability, VERSION } from '../src/index.js';
import { countAndSum, createSdk, observed, points, type Sdk } from './sdk.js';

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
    const counter = exported.get('txn.commit');
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
    const gauge = (await sdk.collect()).get('active_txns');
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
    const [[getAttributes, get], [scanAttributes, scan]] = points((await sdk.collect()).get('query.seconds')) as [
      [Record<string, unknown>, unknown],
      [Record<string, unknown>, unknown],
    ];
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
    expect(points((await sdk.collect()).get('cached'))).toEqual([[{}, 101]]);
  });

  it('uses the scope name and version given in the options', async () => {
    const { obs } = observed(sdk, { scopeName: 'orders-db-kernel', scopeVersion: '2.3.4' });
    obs.counterInc('scoped', 1);
    obs.counterInc('scoped', 1);
    const meter = sdk.meterProvider.getMeter('orders-db-kernel', '2.3.4');
    // The same scope hands back the same meter, so its instrument already holds our value.
    meter.createCounter('scoped').add(1);
    expect(points((await sdk.collect()).get('scoped'))).toEqual([[{}, 3]]);
  });
});

describe('hostile metric calls are defined and reported', () => {
  it('NaN, Infinity, negative counter and histogram values and non-numbers are dropped, reported once per operation', async () => {
    const { obs, errors } = observed(sdk);
    obs.counterInc('safe', 1);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, '5', undefined, 10n]) {
      obs.counterInc('safe', bad as number);
      obs.histogramObserve('safe.hist', bad as number);
    }
    for (const bad of [Number.NaN, Number.NEGATIVE_INFINITY, '5']) obs.gaugeSet('safe.gauge', bad as number);
    obs.gaugeSet('safe.gauge', -7); // negative gauges are fine
    const exported = await sdk.collect();
    expect(points(exported.get('safe'))).toEqual([[{}, 1]]); // never NaN
    expect(exported.get('safe.hist')?.dataPoints ?? []).toEqual([]);
    expect(points(exported.get('safe.gauge'))).toEqual([[{}, -7]]);
    expect(errors.map((e) => e.operation)).toEqual(['counterInc', 'histogramObserve', 'gaugeSet']);
    expect(errors[0]?.error).toBeInstanceOf(RangeError);
    expect(errors[0]?.error.message).toBe(
      "counter 'safe': value must be a finite, non-negative number; got NaN (dropped)",
    );
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
    expect(points((await sdk.collect()).get('odd.labels'))).toEqual([
      [{}, 2],
      [{ n: '42', b: 'true', big: '10', sym: 'Symbol(s)', ok: 'yes' }, 2],
    ]);
    // Once per operation and kind of problem.
    expect(errors).toHaveLength(1);
    expect(errors[0]?.operation).toBe('counterInc');
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
    expect(points(exported.get('x9_lives'))).toEqual([[{}, 1]]);
    expect(points(exported.get('x42'))).toEqual([[{}, 1]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error.message).toBe(
      "'9 lives' is not a legal OpenTelemetry instrument name; recorded as 'x9_lives'",
    );
  });

  it('a name used as one kind and then another: the other kind is dropped and reported', async () => {
    const { obs, errors } = observed(sdk);
    obs.counterInc('shared', 1);
    obs.gaugeSet('shared', 5);
    obs.histogramObserve('shared', 5);
    expect(points((await sdk.collect()).get('shared'))).toEqual([[{}, 1]]);
    expect(errors.map((e) => [e.operation, e.error.message])).toEqual([
      ['gaugeSet', "'shared' is already a counter; a gauge call with that name was dropped"],
      ['histogramObserve', "'shared' is already a counter; a histogram call with that name was dropped"],
    ]);
  });

  it('maxInstruments caps distinct names; calls with new names past it are dropped and reported', async () => {
    const { obs, errors } = observed(sdk, { maxInstruments: 3 });
    for (let i = 0; i < 10; i++) obs.counterInc(`m${i}`, 1);
    obs.counterInc('m0', 1);
    const exported = await sdk.collect();
    expect([...exported.keys()].sort()).toEqual(['m0', 'm1', 'm2']);
    expect(points(exported.get('m0'))).toEqual([[{}, 2]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error.message).toMatch(/more than 3 instruments: calls for 'm3' are dropped/);
  });

  it('a meter without createGauge (an SDK older than the 1.9 API) gets gauges through an observable gauge', async () => {
    const real = sdk.meterProvider.getMeter('old-sdk');
    const oldMeter = Object.assign(Object.create(real) as typeof real, { createGauge: undefined });
    const { obs } = observed(sdk, { meterProvider: { getMeter: () => oldMeter } });
    obs.gaugeSet('legacy.gauge', 3, { a: '1' });
    obs.gaugeSet('legacy.gauge', 4, { a: '1' });
    obs.gaugeSet('legacy.gauge', 8);
    const gauge = (await sdk.collect()).get('legacy.gauge');
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
    expect(errors).toEqual(['counterInc']);
  });
});

describe('health', () => {
  it('is five gauges: operational as 1/0 and the figures as given; figures that are not finite are skipped', async () => {
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
    const value = (name: string) => points(exported.get(name))[0]?.[1];
    expect(value('sochdb.health.operational')).toBe(0);
    expect(value('sochdb.health.wal.size')).toBe(4096);
    expect(value('sochdb.health.active_transactions')).toBe(4);
    expect(value('sochdb.health.buffer_pool.usage')).toBe(0.75);
    expect(value('sochdb.health.checkpoint.age')).toBe(13);
    expect(exported.get('sochdb.health.wal.size')?.descriptor.unit).toBe('By');
    expect(exported.get('sochdb.health.checkpoint.age')?.descriptor.unit).toBe('s');
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
      expect(points((await sdk.collect()).get('via.global'))).toEqual([[{}, 2]]);
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
