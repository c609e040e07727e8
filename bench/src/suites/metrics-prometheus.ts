/**
 * `pnpm bench metrics`, the Prometheus part (alone: `pnpm bench metrics-prometheus`;
 * only the hot path: `SOCHDB_BENCH_ONLY=hot pnpm bench metrics-prometheus`): counterInc, gaugeSet and histogramObserve
 * with two labels through @sochdb/prometheus, directly and through
 * PluginManager's fan-out, next to raw prom-client `counter.inc(labels, v)` /
 * `histogram.observe(labels, v)` (the baseline; target: no slower per call,
 * fan-out included).
 *
 * Two designs are measured. "direct design" is an extension that maps the
 * name to a prom-client metric and calls it per call (so it can only be
 * slower than raw prom-client). @sochdb/prometheus as shipped aggregates on
 * the hot path in its own maps and hands prom-client the totals at scrape
 * time; its scrape cost is measured too, as is memory per series.
 */
import { type Labels, PluginManager } from '@sochdb/core';
import { PrometheusObservability } from '@sochdb/prometheus';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Bench, Contender, Figure, Suite } from '../harness.js';

/** Types a contender's state; the harness's `Case` holds contenders of any state as `Contender<never>`. */
const contender = <State>(spec: Contender<State>) => spec as unknown as Contender<never>;

const CALLS = 200_000;
const TABLES = Array.from({ length: 16 }, (_, i) => `table_${i}`);
const OPS = ['get', 'put', 'delete', 'scan'];
const LABEL_NAMES = ['table', 'op'];
/** Observations spread over the default buckets (0.005 … 10 s) and past them. */
const VALUES = Array.from({ length: 64 }, (_, i) => (i * i) / 256);

let sink = 0;

/** The rejected design: map the call to a prom-client metric and call it every time. */
class DirectDesign {
  readonly registry = new Registry();
  readonly #counters = new Map<string, Counter<string>>();
  readonly #histograms = new Map<string, Histogram<string>>();
  counterInc(name: string, value: number, labels?: Labels): void {
    if (!(value >= 0 && value !== Number.POSITIVE_INFINITY)) return;
    let counter = this.#counters.get(name);
    if (counter === undefined) {
      counter = new Counter({
        name: `sochdb_${name.replace(/[^a-zA-Z0-9_:]/g, '_')}_total`,
        help: name,
        labelNames: Object.keys(labels ?? {}),
        registers: [this.registry],
      });
      this.#counters.set(name, counter);
    }
    try {
      counter.inc(labels ?? {}, value);
    } catch {
      // A label set other than the first would throw; a real extension would report it.
    }
  }
  histogramObserve(name: string, value: number, labels?: Labels): void {
    if (!Number.isFinite(value)) return;
    let histogram = this.#histograms.get(name);
    if (histogram === undefined) {
      histogram = new Histogram({
        name: `sochdb_${name.replace(/[^a-zA-Z0-9_:]/g, '_')}`,
        help: name,
        labelNames: Object.keys(labels ?? {}),
        registers: [this.registry],
      });
      this.#histograms.set(name, histogram);
    }
    try {
      histogram.observe(labels ?? {}, value);
    } catch {
      // as above
    }
  }
}

// One loop per contender, so no call site is shared (and made polymorphic) between them.
function rawCounterLoop(counter: Counter<string>): void {
  for (let i = 0; i < CALLS; i++) counter.inc({ table: TABLES[i & 15] as string, op: OPS[i & 3] as string }, 1);
}
function directCounterLoop(ext: DirectDesign): void {
  for (let i = 0; i < CALLS; i++)
    ext.counterInc('txn.commit', 1, { table: TABLES[i & 15] as string, op: OPS[i & 3] as string });
}
function oursCounterLoop(ext: PrometheusObservability): void {
  for (let i = 0; i < CALLS; i++)
    ext.counterInc('txn.commit', 1, { table: TABLES[i & 15] as string, op: OPS[i & 3] as string });
}
function managerCounterLoop(pm: PluginManager): void {
  for (let i = 0; i < CALLS; i++)
    pm.counterInc('txn.commit', 1, { table: TABLES[i & 15] as string, op: OPS[i & 3] as string });
}
function rawGaugeLoop(gauge: Gauge<string>): void {
  for (let i = 0; i < CALLS; i++) gauge.set({ table: TABLES[i & 15] as string, op: OPS[i & 3] as string }, i);
}
function oursGaugeLoop(ext: PrometheusObservability): void {
  for (let i = 0; i < CALLS; i++)
    ext.gaugeSet('pool.pages', i, { table: TABLES[i & 15] as string, op: OPS[i & 3] as string });
}
function managerGaugeLoop(pm: PluginManager): void {
  for (let i = 0; i < CALLS; i++)
    pm.gaugeSet('pool.pages', i, { table: TABLES[i & 15] as string, op: OPS[i & 3] as string });
}
function rawPlainGaugeLoop(gauge: Gauge<string>): void {
  for (let i = 0; i < CALLS; i++) gauge.set(i);
}
function oursPlainGaugeLoop(ext: PrometheusObservability): void {
  for (let i = 0; i < CALLS; i++) ext.gaugeSet('pool.size', i);
}
function managerPlainGaugeLoop(pm: PluginManager): void {
  for (let i = 0; i < CALLS; i++) pm.gaugeSet('pool.size', i);
}
function rawHistogramLoop(histogram: Histogram<string>): void {
  for (let i = 0; i < CALLS; i++) {
    histogram.observe({ table: TABLES[i & 15] as string, op: OPS[i & 3] as string }, VALUES[i & 63] as number);
  }
}
function directHistogramLoop(ext: DirectDesign): void {
  for (let i = 0; i < CALLS; i++) {
    ext.histogramObserve('txn.latency', VALUES[i & 63] as number, {
      table: TABLES[i & 15] as string,
      op: OPS[i & 3] as string,
    });
  }
}
function oursHistogramLoop(ext: PrometheusObservability): void {
  for (let i = 0; i < CALLS; i++) {
    ext.histogramObserve('txn.latency', VALUES[i & 63] as number, {
      table: TABLES[i & 15] as string,
      op: OPS[i & 3] as string,
    });
  }
}
function managerHistogramLoop(pm: PluginManager): void {
  for (let i = 0; i < CALLS; i++) {
    pm.histogramObserve('txn.latency', VALUES[i & 63] as number, {
      table: TABLES[i & 15] as string,
      op: OPS[i & 3] as string,
    });
  }
}

async function withManager(): Promise<{ pm: PluginManager; ext: PrometheusObservability }> {
  const pm = new PluginManager();
  const ext = new PrometheusObservability();
  await pm.registerObservability(ext);
  return { pm, ext };
}

async function hotPath(bench: Bench): Promise<void> {
  await bench.case({
    name: `counterInc, 2 labels (64 series), ${CALLS / 1000}k calls`,
    ops: CALLS,
    rounds: 7,
    contenders: [
      contender({
        name: 'raw prom-client counter.inc(labels, 1)',
        baseline: true,
        setup: () => new Counter({ name: 'raw_total', help: 'raw', labelNames: LABEL_NAMES, registers: [] }),
        run: (counter: Counter<string>) => rawCounterLoop(counter),
      }),
      contender({
        name: 'direct design (prom-client per call)',
        setup: () => new DirectDesign(),
        run: (ext: DirectDesign) => directCounterLoop(ext),
      }),
      contender({
        name: '@sochdb/prometheus',
        setup: () => new PrometheusObservability(),
        run: (ext: PrometheusObservability) => oursCounterLoop(ext),
      }),
      contender({
        name: 'PluginManager -> @sochdb/prometheus',
        setup: withManager,
        run: ({ pm }: { pm: PluginManager }) => managerCounterLoop(pm),
        teardown: ({ pm }: { pm: PluginManager }) => pm.shutdownAll(),
      }),
    ],
  });
  await bench.case({
    name: `gaugeSet, 2 labels (64 series), ${CALLS / 1000}k calls`,
    ops: CALLS,
    rounds: 7,
    contenders: [
      contender({
        name: 'raw prom-client gauge.set(labels, v)',
        baseline: true,
        setup: () => new Gauge({ name: 'raw', help: 'raw', labelNames: LABEL_NAMES, registers: [] }),
        run: (gauge: Gauge<string>) => rawGaugeLoop(gauge),
      }),
      contender({
        name: '@sochdb/prometheus',
        setup: () => new PrometheusObservability(),
        run: (ext: PrometheusObservability) => oursGaugeLoop(ext),
      }),
      contender({
        name: 'PluginManager -> @sochdb/prometheus',
        setup: withManager,
        run: ({ pm }: { pm: PluginManager }) => managerGaugeLoop(pm),
        teardown: ({ pm }: { pm: PluginManager }) => pm.shutdownAll(),
      }),
    ],
  });
  await bench.case({
    name: `gaugeSet, no labels, ${CALLS / 1000}k calls`,
    ops: CALLS,
    rounds: 7,
    contenders: [
      contender({
        name: 'raw prom-client gauge.set(v)',
        baseline: true,
        setup: () => new Gauge({ name: 'raw', help: 'raw', registers: [] }),
        run: (gauge: Gauge<string>) => rawPlainGaugeLoop(gauge),
      }),
      contender({
        name: '@sochdb/prometheus',
        setup: () => new PrometheusObservability(),
        run: (ext: PrometheusObservability) => oursPlainGaugeLoop(ext),
      }),
      contender({
        name: 'PluginManager -> @sochdb/prometheus',
        setup: withManager,
        run: ({ pm }: { pm: PluginManager }) => managerPlainGaugeLoop(pm),
        teardown: ({ pm }: { pm: PluginManager }) => pm.shutdownAll(),
      }),
    ],
  });
  await bench.case({
    name: `histogramObserve, 2 labels (64 series), ${CALLS / 1000}k calls`,
    ops: CALLS,
    rounds: 7,
    contenders: [
      contender({
        name: 'raw prom-client histogram.observe(labels, v)',
        baseline: true,
        setup: () => new Histogram({ name: 'raw', help: 'raw', labelNames: LABEL_NAMES, registers: [] }),
        run: (histogram: Histogram<string>) => rawHistogramLoop(histogram),
      }),
      contender({
        name: 'direct design (prom-client per call)',
        setup: () => new DirectDesign(),
        run: (ext: DirectDesign) => directHistogramLoop(ext),
      }),
      contender({
        name: '@sochdb/prometheus',
        setup: () => new PrometheusObservability(),
        run: (ext: PrometheusObservability) => oursHistogramLoop(ext),
      }),
      contender({
        name: 'PluginManager -> @sochdb/prometheus',
        setup: withManager,
        run: ({ pm }: { pm: PluginManager }) => managerHistogramLoop(pm),
        teardown: ({ pm }: { pm: PluginManager }) => pm.shutdownAll(),
      }),
    ],
  });
}

/** The price of aggregating on the hot path: the scrape does the prom-client work instead. */
async function scrape(bench: Bench): Promise<void> {
  const SCRAPES = 200;
  const fill = (counter: (labels: Labels) => void) => {
    for (let t = 0; t < 16; t++)
      for (let o = 0; o < 4; o++) counter({ table: TABLES[t] as string, op: OPS[o] as string });
  };
  await bench.case({
    name: `scrape registry.metrics(), 1 counter + 1 histogram x 64 series, ${SCRAPES} scrapes`,
    ops: SCRAPES,
    contenders: [
      contender({
        name: 'raw prom-client',
        baseline: true,
        setup: () => {
          const registry = new Registry();
          const counter = new Counter({ name: 'c_total', help: 'c', labelNames: LABEL_NAMES, registers: [registry] });
          const histogram = new Histogram({ name: 'h', help: 'h', labelNames: LABEL_NAMES, registers: [registry] });
          fill((labels) => {
            counter.inc(labels, 1);
            histogram.observe(labels, 0.3);
          });
          return registry;
        },
        run: async (registry: Registry) => {
          for (let i = 0; i < SCRAPES; i++) sink += (await registry.metrics()).length;
        },
      }),
      contender({
        name: '@sochdb/prometheus',
        setup: () => {
          const ext = new PrometheusObservability();
          fill((labels) => {
            ext.counterInc('c', 1, labels);
            ext.histogramObserve('h', 0.3, labels);
          });
          return ext;
        },
        run: async (ext: PrometheusObservability) => {
          for (let i = 0; i < SCRAPES; i++) sink += (await ext.metrics()).length;
        },
      }),
    ],
  });
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/**
 * Heap bytes per series: N distinct label pairs, label strings made beforehand
 * so both sides hold the same ones, measured after one scrape (so anything a
 * scrape leaves behind counts); the median of three fresh measurements.
 */
async function memory(bench: Bench): Promise<void> {
  const N = 40_000;
  const tables = Array.from({ length: N / 4 }, (_, i) => `table_${i}`);
  const labelSets = Array.from({ length: N }, (_, i) => ({
    table: tables[i >> 2] as string,
    op: OPS[i & 3] as string,
  }));
  type Made = { add(labels: Labels): void; scrape(): Promise<string>; keep: unknown };
  /** Bytes per series held by the live state, and after one scrape (anything a scrape leaves behind counts). */
  const once = async (make: () => Made): Promise<[number, number]> => {
    const before = heapAfterGc();
    const made = make();
    for (const labels of labelSets) made.add({ table: labels.table, op: labels.op });
    const live = heapAfterGc();
    sink += (await made.scrape()).length;
    const scraped = heapAfterGc();
    sink += made.keep === undefined ? 0 : 1;
    return [(live - before) / N, (scraped - before) / N];
  };
  const medianOf = (values: number[]): number => values.sort((x, y) => x - y)[values.length >> 1] as number;
  const registryOf = (): Registry => new Registry();
  const figures: Figure[] = [];
  const measure = async (name: string, make: () => Made): Promise<void> => {
    const runs = [await once(make), await once(make), await once(make)];
    figures.push(
      { name, unit: 'B/series', value: medianOf(runs.map((r) => r[0])), note: 'between scrapes' },
      { name, unit: 'B/series', value: medianOf(runs.map((r) => r[1])), note: 'after a scrape' },
    );
  };
  await measure('raw prom-client counter', () => {
    const registry = registryOf();
    const counter = new Counter({ name: 'm_total', help: 'm', labelNames: LABEL_NAMES, registers: [registry] });
    return { add: (labels) => counter.inc(labels, 1), scrape: () => registry.metrics(), keep: counter };
  });
  await measure('@sochdb/prometheus counter', () => {
    const ext = new PrometheusObservability({ maxSeriesPerMetric: N });
    return { add: (labels) => ext.counterInc('m', 1, labels), scrape: () => ext.metrics(), keep: ext };
  });
  await measure('raw prom-client histogram (11 buckets)', () => {
    const registry = registryOf();
    const histogram = new Histogram({ name: 'm', help: 'm', labelNames: LABEL_NAMES, registers: [registry] });
    return { add: (labels) => histogram.observe(labels, 0.3), scrape: () => registry.metrics(), keep: histogram };
  });
  await measure('@sochdb/prometheus histogram (11 buckets)', () => {
    const ext = new PrometheusObservability({ maxSeriesPerMetric: N });
    return { add: (labels) => ext.histogramObserve('m', 0.3, labels), scrape: () => ext.metrics(), keep: ext };
  });
  bench.figures(`heap per series, ${N / 1000}k series of 2 labels (label strings excluded; median of 3)`, figures);
}

const suite: Suite = {
  name: 'metrics',
  description: '@sochdb/prometheus vs raw prom-client: hot path, fan-out, scrape and memory per series',
  async run(bench) {
    // SOCHDB_BENCH_ONLY=hot|scrape|memory runs one part.
    const only = process.env.SOCHDB_BENCH_ONLY;
    if (only === undefined || only === 'memory') await memory(bench);
    if (only === undefined || only === 'hot') await hotPath(bench);
    if (only === undefined || only === 'scrape') await scrape(bench);
    if (sink === -1) console.log(sink);
  },
};

export default suite;
