/**
 * The prom-client side: one prom-client metric per family, registered in the
 * chosen registry, that reads the family's totals at scrape time. prom-client
 * formats and escapes the exposition (label values, help text); we only hand
 * it numbers.
 */
import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import type { Family, HistogramSeries, ValueSeries } from './series.js';

/** A prom-client metric made by the extension (what `registry.getSingleMetric` returns for our names). */
export type CollectedMetric = Counter<string> | Gauge<string> | Histogram<string>;

interface Common {
  readonly name: string;
  readonly help: string;
  readonly registry: Registry<RegistryContentType>;
}

/**
 * A prom-client counter whose `collect` (run by the registry at scrape time)
 * replays the family's totals through prom-client's public API. Once the
 * registry has the values, the replayed copy is dropped, so between scrapes
 * the series live only in the family.
 */
class CollectedCounter extends Counter<string> {
  constructor(common: Common, family: Family<ValueSeries>) {
    super({
      name: common.name,
      help: common.help,
      labelNames: family.labelNames,
      registers: [common.registry],
      collect(this: Counter<string>) {
        this.reset();
        const all = family.all;
        for (let i = 0; i < all.length; i++) {
          const series = all[i] as ValueSeries;
          this.inc(series.labels, series.value);
        }
      },
    });
  }

  override async get(): Promise<Awaited<ReturnType<Counter<string>['get']>>> {
    const data = await super.get();
    this.reset();
    return data;
  }
}

/** A prom-client gauge fed from the family at scrape time, like the counter. */
class CollectedGauge extends Gauge<string> {
  constructor(common: Common, family: Family<ValueSeries>) {
    super({
      name: common.name,
      help: common.help,
      labelNames: family.labelNames,
      registers: [common.registry],
      collect(this: Gauge<string>) {
        this.reset();
        const all = family.all;
        for (let i = 0; i < all.length; i++) {
          const series = all[i] as ValueSeries;
          this.set(series.labels, series.value);
        }
      },
    });
  }

  override async get(): Promise<Awaited<ReturnType<Gauge<string>['get']>>> {
    const data = await super.get();
    this.reset();
    return data;
  }
}

/** A prom-client counter fed from `family` at scrape time. */
export function collectedCounter(common: Common, family: Family<ValueSeries>): Counter<string> {
  return new CollectedCounter(common, family);
}

/** A prom-client gauge fed from `family` at scrape time. */
export function collectedGauge(common: Common, family: Family<ValueSeries>): Gauge<string> {
  return new CollectedGauge(common, family);
}

type HistogramValue = {
  value: number;
  /** Bucket lines carry `exemplar: null` as prom-client's own do (exemplars are not kept). */
  exemplar?: null;
  labels: Record<string, string | number>;
  metricName: string;
  sharedLabels?: Readonly<Record<string, string>>;
};

interface HistogramData {
  name: string;
  help: string;
  type: string;
  values: HistogramValue[];
  aggregator: string;
}

/**
 * prom-client's Histogram has no public way to hand it bucket counts, so this
 * subclass answers the registry's `get()` (JSON, cluster aggregation) and
 * `getForPromString()` (text exposition) from the family, in exactly the
 * shape prom-client's own Histogram produces: cumulative `_bucket` lines with
 * `le`, then `+Inf`, `_sum` and `_count`.
 */
class CollectedHistogram extends Histogram<string> {
  readonly #family: Family<HistogramSeries>;
  readonly #name: string;
  readonly #help: string;

  constructor(common: Common, family: Family<HistogramSeries>) {
    super({
      name: common.name,
      help: common.help,
      labelNames: family.labelNames,
      buckets: [...family.bounds],
      registers: [common.registry],
    });
    this.#family = family;
    this.#name = common.name;
    this.#help = common.help;
  }

  /** The values with series labels kept apart (`sharedLabels`), as prom-client's registry formats them. */
  async getForPromString(): Promise<HistogramData> {
    return this.#data(false);
  }

  override async get(): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
    return this.#data(true) as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }

  #data(splay: boolean): HistogramData {
    const values: HistogramValue[] = [];
    const name = this.#name;
    const bucket = `${name}_bucket`;
    const bounds = this.#family.bounds;
    for (const series of this.#family.all) {
      const shared = series.labels;
      const line = (le: number | string | undefined, value: number, metricName: string): HistogramValue => {
        const own: Record<string, string | number> = le === undefined ? {} : { le };
        const entry: HistogramValue = splay
          ? { value, labels: { ...shared, ...own }, metricName }
          : { value, labels: own, metricName, sharedLabels: shared };
        if (le !== undefined) entry.exemplar = null;
        return entry;
      };
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.counts[i] as number;
        values.push(line(bounds[i], cumulative, bucket));
      }
      values.push(line('+Inf', series.count, bucket));
      values.push(line(undefined, series.sum, `${name}_sum`));
      values.push(line(undefined, series.count, `${name}_count`));
    }
    return { name, help: this.#help, type: 'histogram', values, aggregator: 'sum' };
  }
}

/** A prom-client histogram fed from the family at scrape time. */
export function collectedHistogram(common: Common, family: Family<HistogramSeries>): Histogram<string> {
  return new CollectedHistogram(common, family);
}
