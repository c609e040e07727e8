import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenTelemetryObservability } from '../src/index.js';
import { createSdk, metricNamed, observed, points, type Sdk } from './sdk.js';

let sdk: Sdk;
beforeEach(() => {
  sdk = createSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

describe('every dropped value is counted, and reported once per (metric, reason)', () => {
  it('two different NaN gauges give two reports; repeats are counted, not reported', () => {
    const { obs, errors } = observed(sdk);
    obs.gaugeSet('pool.pages', Number.NaN);
    obs.gaugeSet('wal.size', Number.NaN);
    obs.gaugeSet('wal.size', Number.NaN);
    expect(errors.map((e) => e.error.message)).toEqual([
      "gauge 'pool.pages': value must be a finite number; got NaN (dropped). Further values dropped for this reason are counted, not reported.",
      "gauge 'wal.size': value must be a finite number; got NaN (dropped). Further values dropped for this reason are counted, not reported.",
    ]);
    expect(obs.droppedValues).toBe(3);
  });

  it("the reasons are the contract's words: not-a-number, not-finite, negative (histograms too)", () => {
    const { obs, errors } = observed(sdk);
    obs.counterInc('c', '5' as never);
    obs.counterInc('c', Number.NaN);
    obs.counterInc('c', Number.POSITIVE_INFINITY);
    obs.counterInc('c', -1);
    obs.histogramObserve('h', -0.5);
    obs.histogramObserve('h', Number.NEGATIVE_INFINITY);
    obs.gaugeSet('g', 10n as never);
    obs.gaugeSet('g', -3); // kept: a gauge may go below zero
    expect(obs.dropCounts()).toEqual([
      { subject: 'c', reason: 'not-a-number', count: 1 },
      { subject: 'c', reason: 'not-finite', count: 2 },
      { subject: 'c', reason: 'negative', count: 1 },
      { subject: 'h', reason: 'negative', count: 1 },
      { subject: 'h', reason: 'not-finite', count: 1 },
      { subject: 'g', reason: 'not-a-number', count: 1 },
    ]);
    expect(errors).toHaveLength(6);
    expect(obs.droppedValues).toBe(7);
  });

  it('the counts are exported as the sochdb.dropped_values counter, by metric and reason', async () => {
    const { obs } = observed(sdk);
    obs.counterInc('txn.commit', -1);
    obs.counterInc('txn.commit', -2);
    obs.histogramObserve('query.seconds', Number.NaN);
    const dropped = metricNamed(await sdk.collect(), 'dropped_values');
    expect(dropped?.descriptor.name).toBe('sochdb.dropped_values');
    expect(points(dropped)).toEqual([
      [{ metric: 'query.seconds', reason: 'not-finite' }, 1],
      [{ metric: 'txn.commit', reason: 'negative' }, 2],
    ]);
  });

  it('a span evicted past maxOpenSpans is counted; the default bound is 100,000 spans, as the manager has', () => {
    const { obs } = observed(sdk, { maxOpenSpans: 2 });
    for (const name of ['a', 'b', 'c', 'd']) obs.spanStart(name);
    expect(obs.dropCounts()).toEqual([{ subject: 'spans', reason: 'max-open-spans', count: 2 }]);
    // A tracer whose spans cost nothing, so 10,001 open spans are quick on a busy machine.
    const span = { isRecording: () => true, spanContext: () => ({}), end() {}, setAttribute() {} };
    const tracerProvider = { getTracer: () => ({ startSpan: () => span }) } as never;
    const roomy = new OpenTelemetryObservability({ tracerProvider, onError: () => {} });
    for (let i = 0; i < 10_001; i++) roomy.spanStart('open');
    expect(roomy.openSpans).toBe(10_001);
    expect(roomy.droppedValues).toBe(0);
    roomy.shutdown();
  });
});
