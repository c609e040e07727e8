/**
 * The prom-client side: one prom-client metric per family, registered in the
 * chosen registry, that answers the registry's `get()` from the family's
 * totals at scrape time. prom-client formats and escapes the exposition
 * (label values, help text); we only hand it numbers and labels.
 *
 * Why `get()` and not `collect()` + `inc()`/`set()`: prom-client's `inc()`
 * throws on a non-finite argument, so a counter whose total overflowed to
 * `Infinity` could not be replayed, and the throw took the whole scrape down
 * (the application's metrics too). Answering `get()` hands prom-client the
 * total as it is; prom-client writes `Infinity` as `+Inf`, as it does for its
 * own counters. A histogram has no public way to take bucket counts at all,
 * so it answers what prom-client 15's registry reads: `getForPromString()`
 * for the text exposition (with `sharedLabels`, as prom-client's own
 * Histogram does) and `get()` for JSON. Those are not documented API, so the
 * peer range is pinned to the versions tested (see the README).
 */
import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import type { Family, HistogramSeries, ValueSeries } from './series.js';

/** A prom-client metric made by the extension (what `registry.getSingleMetric` returns for our names). */
export type CollectedMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** What every collector needs: its exposition name, help text and registry, and where a failure is told. */
export interface Common {
  readonly name: string;
  readonly help: string;
  readonly registry: Registry<RegistryContentType>;
  /** Told when building the values failed; the scrape then goes on without them. */
  readonly failed: (error: unknown) => void;
}

interface Value {
  value: number;
  labels: Readonly<Record<string, string | number>>;
  /** prom-client 15's registry writes these before `labels` (text exposition only). */
  sharedLabels?: Readonly<Record<string, string>>;
  metricName?: string;
  exemplar?: null;
}

interface Data {
  name: string;
  help: string;
  type: string;
  values: Value[];
  aggregator: 'sum' | 'last';
}

type CounterData = Awaited<ReturnType<Counter<string>['get']>>;
type GaugeData = Awaited<ReturnType<Gauge<string>['get']>>;
type HistogramData = Awaited<ReturnType<Histogram<string>['get']>>;

/** prom-client keeps a metric's name on it at run time, though its types do not say so. */
function nameOf(metric: object): string {
  return (metric as { name: string }).name;
}

function valueData(metric: object, type: 'counter' | 'gauge', family: Family<ValueSeries>, common: Common): Data {
  const values: Value[] = [];
  try {
    const all = family.all;
    for (let i = 0; i < all.length; i++) {
      const series = all[i] as ValueSeries;
      values.push({ value: series.value, labels: series.labels });
    }
    const overflow = family.overflow;
    if (overflow !== undefined) values.push({ value: overflow.value, labels: overflow.labels });
  } catch (error) {
    common.failed(error);
    values.length = 0;
  }
  // `metric.name`, not common.name: an OpenMetrics registry renames a counter (drops `_total`) before asking.
  return { name: nameOf(metric), help: common.help, type, values, aggregator: type === 'counter' ? 'sum' : 'last' };
}

/** A prom-client counter whose values are the family's totals at scrape time. */
class CollectedCounter extends Counter<string> {
  readonly #family: Family<ValueSeries>;
  readonly #common: Common;
  constructor(common: Common, family: Family<ValueSeries>) {
    super({ name: common.name, help: common.help, registers: [common.registry] });
    this.#family = family;
    this.#common = common;
  }
  override async get(): Promise<CounterData> {
    return valueData(this, 'counter', this.#family, this.#common) as unknown as CounterData;
  }
}

/** A prom-client gauge whose values are the family's at scrape time. */
class CollectedGauge extends Gauge<string> {
  readonly #family: Family<ValueSeries>;
  readonly #common: Common;
  constructor(common: Common, family: Family<ValueSeries>) {
    super({ name: common.name, help: common.help, registers: [common.registry] });
    this.#family = family;
    this.#common = common;
  }
  override async get(): Promise<GaugeData> {
    return valueData(this, 'gauge', this.#family, this.#common) as unknown as GaugeData;
  }
}

/**
 * A prom-client histogram answering from the family, in the shape prom-client's
 * own Histogram produces: cumulative `_bucket` lines with `le`, then `+Inf`,
 * `_sum` and `_count`, all labels on each value.
 */
class CollectedHistogram extends Histogram<string> {
  readonly #family: Family<HistogramSeries>;
  readonly #common: Common;

  constructor(common: Common, family: Family<HistogramSeries>) {
    super({ name: common.name, help: common.help, buckets: [...family.bounds], registers: [common.registry] });
    this.#family = family;
    this.#common = common;
  }

  /**
   * What prom-client 15's registry reads for the text exposition: the same
   * values as {@link get}, but with the series' labels as `sharedLabels`, as
   * prom-client's own Histogram answers (the registry formats them once per
   * series instead of once per line, three times faster on a scrape).
   */
  async getForPromString(): Promise<HistogramData> {
    return this.#data(true);
  }

  override async get(): Promise<HistogramData> {
    return this.#data(false);
  }

  #data(shared: boolean): HistogramData {
    const values: Value[] = [];
    const name = nameOf(this);
    const bucket = `${name}_bucket`;
    const sum = `${name}_sum`;
    const count = `${name}_count`;
    const family = this.#family;
    const bounds = family.bounds;
    const add = (series: HistogramSeries): void => {
      const labels = series.labels;
      const line = (value: number, metricName: string, le?: number | string): Value => {
        if (shared) {
          return le === undefined
            ? { value, labels: {}, sharedLabels: labels, metricName }
            : { value, labels: { le }, sharedLabels: labels, metricName, exemplar: null };
        }
        return le === undefined
          ? { value, labels, metricName }
          : { value, labels: { le, ...labels }, metricName, exemplar: null };
      };
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.counts[i] as number;
        values.push(line(cumulative, bucket, bounds[i] as number));
      }
      values.push(line(series.count, bucket, '+Inf'));
      values.push(line(series.sum, sum));
      values.push(line(series.count, count));
    };
    try {
      for (const series of family.all) add(series);
      if (family.overflow !== undefined) add(family.overflow);
    } catch (error) {
      this.#common.failed(error);
      values.length = 0;
    }
    const data: Data = { name, help: this.#common.help, type: 'histogram', values, aggregator: 'sum' };
    return data as unknown as HistogramData;
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

/** A prom-client histogram fed from the family at scrape time. */
export function collectedHistogram(common: Common, family: Family<HistogramSeries>): Histogram<string> {
  return new CollectedHistogram(common, family);
}

/** One line of the dropped-values counter. */
export interface DropLine {
  readonly subject: string;
  readonly reason: string;
  readonly count: number;
}

/** `<prefix>dropped_values_total{metric, reason}`: the drop ledger's counts at scrape time. */
class DroppedValuesCounter extends Counter<string> {
  readonly #lines: () => Iterable<DropLine>;
  readonly #common: Common;
  constructor(common: Common, lines: () => Iterable<DropLine>) {
    super({ name: common.name, help: common.help, registers: [common.registry] });
    this.#lines = lines;
    this.#common = common;
  }
  override async get(): Promise<CounterData> {
    const values: Value[] = [];
    try {
      for (const { subject, reason, count } of this.#lines())
        values.push({ value: count, labels: { metric: subject, reason } });
    } catch (error) {
      this.#common.failed(error);
      values.length = 0;
    }
    const data: Data = { name: nameOf(this), help: this.#common.help, type: 'counter', values, aggregator: 'sum' };
    return data as unknown as CounterData;
  }
}

/** The counter of dropped and altered values, read from `lines` at scrape time. */
export function droppedValuesCounter(common: Common, lines: () => Iterable<DropLine>): Counter<string> {
  return new DroppedValuesCounter(common, lines);
}
