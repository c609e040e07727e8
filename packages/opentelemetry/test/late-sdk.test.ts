import { setTimeout as sleep } from 'node:timers/promises';
import { metrics } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenTelemetryObservability } from '../src/index.js';
import { createSdk, metricNamed, points, type Sdk } from './sdk.js';

let sdk: Sdk;
beforeEach(() => {
  sdk = createSdk();
});
afterEach(async () => {
  metrics.disable();
  await sdk.shutdown();
});

describe('an SDK registered globally after the extension started', () => {
  it('is picked up: metrics do not stay off for good, and the pick-up is reported once', async () => {
    const reports: Array<{ operation: string; message: string }> = [];
    const obs = new OpenTelemetryObservability({
      onError: (error, where) => reports.push({ operation: where.operation, message: (error as Error).message }),
    });
    obs.init();
    obs.counterInc('early', 1);
    expect(obs.recordsMetrics).toBe(false);

    metrics.setGlobalMeterProvider(sdk.meterProvider);
    // The extension looks for a global SDK every half second, off the hot path.
    await sleep(1200);
    expect(obs.recordsMetrics).toBe(true);
    for (let i = 0; i < 2048; i++) obs.counterInc('txn.commit', 1);
    obs.histogramObserve('query.seconds', 0.2);
    obs.gaugeSet('active_txns', 3);
    const exported = await sdk.collect();
    expect(points(metricNamed(exported, 'txn.commit'))).toEqual([[{}, 2048]]);
    expect(points(metricNamed(exported, 'active_txns'))).toEqual([[{}, 3]]);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.message).toMatch(/registered globally after this extension started/);
  });

  it('a meterProvider given in the options is never swapped for the global one', async () => {
    const other = createSdk();
    try {
      const obs = new OpenTelemetryObservability({ meterProvider: other.meterProvider, onError: () => {} });
      obs.init();
      metrics.setGlobalMeterProvider(sdk.meterProvider);
      await sleep(600);
      for (let i = 0; i < 2048; i++) obs.counterInc('mine', 1);
      expect(points(metricNamed(await other.collect(), 'mine'))).toEqual([[{}, 2048]]);
      expect(metricNamed(await sdk.collect(), 'mine')).toBeUndefined();
    } finally {
      await other.shutdown();
    }
  });
});
