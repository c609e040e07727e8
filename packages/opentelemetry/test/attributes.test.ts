import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSdk, metricNamed, observed, points, type Sdk } from './sdk.js';

let sdk: Sdk;
beforeEach(() => {
  sdk = createSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

describe('labels become attributes the SDK cannot see change', () => {
  it('a labels object reused and changed between calls keeps each call its own series (the SDK keeps what it is given)', async () => {
    const { obs } = observed(sdk);
    const labels = { table: 'users' };
    obs.counterInc('txn.commit', 1, labels);
    labels.table = 'orders';
    obs.counterInc('txn.commit', 1, labels);
    const histogramLabels = { kind: 'scan' };
    obs.histogramObserve('query.seconds', 0.5, histogramLabels);
    histogramLabels.kind = 'get';
    obs.histogramObserve('query.seconds', 0.5, histogramLabels);
    const gaugeLabels = { pool: 'main' };
    obs.gaugeSet('pool.pages', 4, gaugeLabels);
    gaugeLabels.pool = 'temp';
    obs.gaugeSet('pool.pages', 9, gaugeLabels);
    const exported = await sdk.collect();
    expect(points(metricNamed(exported, 'txn.commit'))).toEqual([
      [{ table: 'orders' }, 1],
      [{ table: 'users' }, 1],
    ]);
    expect(points(metricNamed(exported, 'query.seconds')).map(([attributes]) => attributes)).toEqual([
      { kind: 'get' },
      { kind: 'scan' },
    ]);
    expect(points(metricNamed(exported, 'pool.pages'))).toEqual([
      [{ pool: 'main' }, 4],
      [{ pool: 'temp' }, 9],
    ]);
  });

  it('label values are used in their well-formed form: a lone surrogate and U+FFFD are one series, and the change is counted', async () => {
    const { obs, errors } = observed(sdk);
    obs.counterInc('odd.values', 1, { v: 'a\ud800' });
    obs.counterInc('odd.values', 1, { v: 'a\udc00' });
    obs.counterInc('odd.values', 1, { v: 'a\ufffd' });
    obs.counterInc('odd.values', 1, { v: 'emoji \u{1f680}' });
    expect(points(metricNamed(await sdk.collect(), 'odd.values'))).toEqual([
      [{ v: 'a\ufffd' }, 3],
      [{ v: 'emoji \u{1f680}' }, 1],
    ]);
    expect(obs.dropCounts()).toContainEqual({ subject: 'odd.values', reason: 'label-ill-formed', count: 2 });
    expect(errors).toHaveLength(1);
  });
});
