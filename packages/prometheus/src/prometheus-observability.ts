/**
 * `PrometheusObservability`: the kernel's observability calls as Prometheus
 * metrics in a prom-client registry.
 *
 * Design (chosen by measurement, see the README): the hot path never touches
 * prom-client. Each call finds its series through nested maps keyed by the
 * caller's label value strings and adds to a plain number; prom-client gets
 * the totals when the registry is scraped. That is several times cheaper
 * than prom-client's own `inc(labels)`, which builds a key string and
 * validates labels on every call.
 */

import type { Server } from 'node:http';
import {
  ErrorCode,
  type ExtensionInfo,
  type HealthInfo,
  KernelError,
  type Labels,
  type ObservabilityExtension,
  type SpanId,
} from '@sochdb/core';
import {
  assertOptions,
  DropLedger,
  describeDropped,
  describeValue,
  emitSochDBWarning,
  messageOf,
  positiveInteger,
  stringOf,
} from '@sochdb/core/plugin-kit';
import { Registry, type RegistryContentType } from 'prom-client';
import { type BucketConfig, type BucketsOption, bucketsFor, checkBuckets } from './buckets.js';
import {
  type CollectedMetric,
  type Common,
  collectedCounter,
  collectedGauge,
  collectedHistogram,
  droppedValuesCounter,
} from './collectors.js';
import { checkPrefix, type MetricKind, metricName, occupiedNames, wellFormed } from './names.js';
import { Family, type FamilyEvents, type HistogramSeries, type ValueSeries } from './series.js';
import type { ServedAddress, ServeOptions } from './serve-options.js';
import { checkServeOptions, startServer, stopServer } from './server.js';
import { VERSION } from './version.js';

/** Where a problem happened, as handed to {@link PrometheusOptions.onError}; the same shape as core's `ErrorSite`. */
export interface ProblemSite {
  /** This extension's `info.name`. */
  readonly extension: string;
  /** The method that was called, e.g. `"counterInc"`. */
  readonly operation: string;
}

/** Options of {@link PrometheusObservability}. */
export interface PrometheusOptions {
  /** Extension name, unique in a PluginManager. Default `"prometheus-metrics"`. */
  readonly name?: string;
  /**
   * The prom-client registry to hold the metrics. Default: a new `Registry`
   * of the extension's own (not prom-client's global `register`), exposed as
   * {@link PrometheusObservability.registry}. Pass the application's registry
   * (from the application's own prom-client) to expose SochDB's metrics on
   * the application's existing `/metrics`.
   */
  readonly registry?: Registry<RegistryContentType>;
  /** Put in front of every metric name. Empty, or `[a-zA-Z_:][a-zA-Z0-9_:]*`. Default `"sochdb_"`. */
  readonly prefix?: string;
  /** Histogram upper bounds: one list, or `{ default, perMetric }`. Default prom-client's `[0.005, …, 10]`. */
  readonly buckets?: BucketsOption;
  /**
   * Series a metric may hold; past it, values of new label sets go to the
   * metric's one overflow series `{sochdb_overflow="true"}` (counted, reported once). Default 10,000.
   */
  readonly maxSeriesPerMetric?: number;
  /**
   * Distinct metric names the extension takes from callers; past it, values
   * of new names go to `<prefix>metric_overflow_total` (counters),
   * `<prefix>metric_overflow_gauge` and `<prefix>metric_overflow_histogram`
   * (counted, reported once). The extension's own metrics (spans, logs,
   * health, dropped values) are not counted. Default 1,000.
   */
  readonly maxMetrics?: number;
  /** Spans open at once; past it the oldest is forgotten unrecorded (counted, reported once). Default 100,000. */
  readonly maxOpenSpans?: number;
  /**
   * Hears about dropped or altered values (bad numbers, caps, name clashes…),
   * once per (metric, reason); every such value is also counted in
   * {@link PrometheusObservability.drops} and `<prefix>dropped_values_total`.
   * Default: a process warning (`SochDBWarning`). If it throws, that is ignored.
   */
  readonly onError?: (error: unknown, where: ProblemSite) => void;
}

/** The keys of {@link PrometheusOptions}; any other key is refused. */
const OPTION_KEYS: readonly string[] = [
  'name',
  'registry',
  'prefix',
  'buckets',
  'maxSeriesPerMetric',
  'maxMetrics',
  'maxOpenSpans',
  'onError',
];

/** Default of {@link PrometheusOptions.maxSeriesPerMetric}. */
export const DEFAULT_MAX_SERIES_PER_METRIC = 10_000;
/** Default of {@link PrometheusOptions.maxMetrics}. */
export const DEFAULT_MAX_METRICS = 1_000;
/** Default of {@link PrometheusOptions.maxOpenSpans}: the PluginManager's. */
export const DEFAULT_MAX_OPEN_SPANS = 100_000;

/** The counts behind `<prefix>dropped_values_total`: what {@link PrometheusObservability.drops} shows. */
export type DropCounts = Pick<DropLedger, 'total' | 'count' | 'entries'>;

const HEALTH_GAUGES = [
  ['health_operational', 'Whether the kernel accepts work (1) or not (0).'],
  ['health_wal_size_bytes', 'Bytes in the write-ahead log.'],
  ['health_active_transactions', 'Transactions open now.'],
  ['health_buffer_pool_usage_ratio', 'Fraction of the buffer pool in use, 0 to 1.'],
  ['health_checkpoint_age_seconds', 'Seconds since the last checkpoint.'],
] as const;
const HEALTH_FIELDS = ['operational', 'walSizeBytes', 'activeTxns', 'bufferPoolUsage', 'checkpointAgeSecs'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** The call names of the extension's own metrics, and their help texts. */
const OWN = {
  spanDuration: ['span_duration_seconds', 'Duration of SochDB kernel spans, by span name.'],
  spanEvents: ['span_events', 'Events recorded on SochDB kernel spans, by span and event name.'],
  logMessages: ['log_messages', 'SochDB kernel log calls, by level.'],
  dropped: [
    'dropped_values',
    'Values the SochDB metrics backend dropped or altered, by metric and reason (see the @sochdb/prometheus README).',
  ],
} as const;
/** Where values of new metric names go past maxMetrics, per kind. */
const OVERFLOW: Readonly<Record<MetricKind, string>> = {
  counter: 'metric_overflow',
  gauge: 'metric_overflow_gauge',
  histogram: 'metric_overflow_histogram',
};
/** The drop subject for a value whose metric name is not a string. */
const NOT_A_STRING = '(not a string)';
/** The drop subject once maxMetrics subjects are counted, so the counts stay bounded. */
const OTHER_SUBJECTS = '(other metrics)';

interface OpenSpan {
  readonly name: string;
  readonly start: number;
}

/** The outcome of looking up a metric name that is not on the hot path. */
const DROPPED = Symbol('dropped');
const OVERFLOWED = Symbol('overflowed');

const NOTICE_KEYS_MAX = 4096;

/**
 * An observability extension that turns the kernel's counters, gauges,
 * histograms, spans, log calls and health reports into Prometheus metrics
 * in a prom-client registry, and can serve them at `/metrics`.
 *
 * Never throws from a hot-path call: bad values and labels are dropped or
 * repaired, counted, and reported once per (metric, reason) through `onError`.
 */
export class PrometheusObservability implements ObservabilityExtension {
  /** Name (default `prometheus-metrics`), version, and the `observability` capability. */
  readonly info: ExtensionInfo;
  /** The registry holding the metrics: the `registry` option, or the extension's own. */
  readonly registry: Registry<RegistryContentType>;
  /** The metric name prefix in use. */
  readonly prefix: string;

  readonly #buckets: BucketConfig;
  readonly #maxSeries: number;
  readonly #maxMetrics: number;
  readonly #maxOpenSpans: number;
  readonly #onError: (error: unknown, where: ProblemSite) => void;
  readonly #ledger: DropLedger;

  /** The maps the hot path reads: only live families (clashing names are in #dead). */
  readonly #counters = new Map<string, Family<ValueSeries>>();
  readonly #gauges = new Map<string, Family<ValueSeries>>();
  readonly #histograms = new Map<string, Family<HistogramSeries>>();
  /** Call names refused because their Prometheus name clashes, per kind. */
  readonly #dead = new Set<string>();
  /** How many caller metric names are held (families and refused names), for maxMetrics. */
  #callerMetrics = 0;
  /** Every exposition name our metrics occupy, with the call name that took it. */
  readonly #occupied = new Map<string, { kind: MetricKind; name: string }>();
  readonly #metrics: Array<{ readonly name: string; readonly metric: CollectedMetric }> = [];
  #dropCounter: 'none' | 'registered' | 'failed' = 'none';
  /** Drop subjects counted so far, bounded by maxMetrics. */
  readonly #subjects = new Set<string>();

  readonly #spans = new Map<SpanId, OpenSpan>();
  #nextSpan = 1;
  #logSeries: ValueSeries[] | undefined;

  readonly #noticed = new Set<string>();
  #server: Server | undefined;
  #serving: Promise<ServedAddress> | undefined;
  #served: { port: number; host: string; bound?: number } | undefined;
  #shutDown = false;

  /**
   * @param options - see {@link PrometheusOptions}. A bad option (bucket list
   * unsorted, duplicate or NaN; invalid prefix; non-positive cap; a registry
   * that is not a prom-client registry) throws a `TypeError` or `RangeError`
   * naming it; a key that is not an option (a typo) is a `TypeError` naming it.
   */
  constructor(options: PrometheusOptions = {}) {
    assertOptions(options, OPTION_KEYS);
    const {
      name = 'prometheus-metrics',
      registry,
      prefix = 'sochdb_',
      buckets,
      maxSeriesPerMetric = DEFAULT_MAX_SERIES_PER_METRIC,
      maxMetrics = DEFAULT_MAX_METRICS,
      maxOpenSpans = DEFAULT_MAX_OPEN_SPANS,
      onError,
    } = options;
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(`options.name must be a non-empty string; got ${describeValue(name)}`);
    }
    if (registry !== undefined && !isRegistry(registry)) {
      throw new TypeError(
        'options.registry must be a prom-client Registry (an object with registerMetric, getSingleMetric, ' +
          `removeSingleMetric and metrics); got ${describeValue(registry)}`,
      );
    }
    this.prefix = checkPrefix(prefix);
    this.#buckets = checkBuckets(buckets);
    this.#maxSeries = positiveInteger(maxSeriesPerMetric, 'options.maxSeriesPerMetric');
    this.#maxMetrics = positiveInteger(maxMetrics, 'options.maxMetrics');
    this.#maxOpenSpans = positiveInteger(maxOpenSpans, 'options.maxOpenSpans');
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError(`options.onError must be a function; got ${describeValue(onError)}`);
    }
    this.#onError = onError ?? defaultOnError;
    this.#ledger = new DropLedger(name, this.#onError);
    this.registry = registry ?? new Registry();
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'Prometheus metrics through prom-client',
      author: 'SochDB',
      capabilities: Object.freeze(['observability'] as const),
    });
  }

  /**
   * Every value dropped or altered so far, per (metric, reason): the figures
   * behind `<prefix>dropped_values_total{metric, reason}`. Reasons:
   * `not-a-number`, `not-finite`, `negative`, `cardinality` (past
   * maxSeriesPerMetric, kept in the overflow series), `metric-cap` (past
   * maxMetrics, kept in the overflow metric), `name-clash`, `name-type`,
   * `label-type`, `label-collision`, `labels-type`, `label-cap`, `span-cap`,
   * `not-a-boolean` and `not-an-object` (reportHealth), `internal`.
   */
  get drops(): DropCounts {
    return this.#ledger;
  }

  // ---------------------------------------------------------------------------
  // Metrics: the hot path
  // ---------------------------------------------------------------------------

  /** Adds `value` to counter `<prefix><name>_total`. A negative, non-finite or non-number value is dropped, counted and reported. */
  counterInc(name: string, value: number, labels?: Labels): void {
    try {
      if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
        this.#badValue('counterInc', name, value, 'a finite, non-negative number');
        return;
      }
      const family = this.#counters.get(name);
      if (family !== undefined) family.find(labels).value += value;
      else this.#counterMiss(name, value, labels);
    } catch (error) {
      this.#internal('counterInc', name, error);
    }
  }

  /** Sets gauge `<prefix><name>`. A non-finite or non-number value is dropped, counted and reported. */
  gaugeSet(name: string, value: number, labels?: Labels): void {
    try {
      if (typeof value !== 'number' || value - value !== 0) {
        this.#badValue('gaugeSet', name, value, 'a finite number');
        return;
      }
      const family = this.#gauges.get(name);
      if (family !== undefined) family.find(labels).value = value;
      else this.#gaugeMiss(name, value, labels);
    } catch (error) {
      this.#internal('gaugeSet', name, error);
    }
  }

  /** Observes `value` in histogram `<prefix><name>`. A negative, non-finite or non-number value is dropped, counted and reported. */
  histogramObserve(name: string, value: number, labels?: Labels): void {
    try {
      if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
        this.#badValue('histogramObserve', name, value, 'a finite, non-negative number');
        return;
      }
      const family = this.#histograms.get(name);
      if (family !== undefined) observe(family.find(labels), family.bounds, value);
      else this.#histogramMiss(name, value, labels);
    } catch (error) {
      this.#internal('histogramObserve', name, error);
    }
  }

  #counterMiss(name: unknown, value: number, labels: Labels | undefined): void {
    const family = this.#lookup(this.#counters, 'counter', name, labels, 'counterInc');
    if (family === DROPPED) return;
    if (family === OVERFLOWED) {
      const overflow = this.#own(this.#counters, 'counter', OVERFLOW.counter, 'counterInc', OVERFLOW_HELP);
      if (overflow !== DROPPED) overflow.find(undefined).value += value;
      return;
    }
    family.find(labels).value += value;
  }

  #gaugeMiss(name: unknown, value: number, labels: Labels | undefined): void {
    const family = this.#lookup(this.#gauges, 'gauge', name, labels, 'gaugeSet');
    if (family === DROPPED) return;
    if (family === OVERFLOWED) {
      const overflow = this.#own(this.#gauges, 'gauge', OVERFLOW.gauge, 'gaugeSet', OVERFLOW_HELP);
      if (overflow !== DROPPED) overflow.find(undefined).value = value;
      return;
    }
    family.find(labels).value = value;
  }

  #histogramMiss(name: unknown, value: number, labels: Labels | undefined): void {
    const family = this.#lookup(this.#histograms, 'histogram', name, labels, 'histogramObserve');
    if (family === DROPPED) return;
    if (family === OVERFLOWED) {
      const overflow = this.#own(this.#histograms, 'histogram', OVERFLOW.histogram, 'histogramObserve', OVERFLOW_HELP);
      if (overflow !== DROPPED) observe(overflow.find(undefined), overflow.bounds, value);
      return;
    }
    observe(family.find(labels), family.bounds, value);
  }

  // ---------------------------------------------------------------------------
  // Spans, logs, health
  // ---------------------------------------------------------------------------

  /**
   * Starts timing a span and returns its id (never 0). Prometheus has no
   * traces, so `parent` is accepted and ignored; the duration is recorded by
   * {@link spanEnd} in `<prefix>span_duration_seconds{span="<name>"}`.
   */
  spanStart(name: string, _parent?: SpanId): SpanId {
    if (this.#shutDown) return 0;
    const id = this.#nextSpan++;
    try {
      this.#spans.set(id, {
        name: typeof name === 'string' ? name : this.#spanName('spanStart', name),
        start: performance.now(),
      });
      if (this.#spans.size > this.#maxOpenSpans) this.#forgetOldestSpan();
    } catch (error) {
      this.#internal('spanStart', OWN.spanDuration[0], error);
    }
    return id;
  }

  /** Ends the span and records its duration in seconds; an unknown or ended id does nothing. */
  spanEnd(span: SpanId): void {
    try {
      const open = this.#spans.get(span);
      if (open === undefined) return;
      this.#spans.delete(span);
      const seconds = (performance.now() - open.start) / 1000;
      const family = this.#own(this.#histograms, 'histogram', OWN.spanDuration[0], 'spanEnd', OWN.spanDuration[1]);
      if (family !== DROPPED) observe(family.find({ span: open.name }), family.bounds, seconds);
    } catch (error) {
      this.#internal('spanEnd', OWN.spanDuration[0], error);
    }
  }

  /**
   * Counts an event on an open span in `<prefix>span_events_total{span, event}`;
   * attributes are not recorded (they would make unbounded series). An
   * unknown or ended id does nothing.
   */
  spanEvent(span: SpanId, name: string, _attributes?: Labels): void {
    try {
      const open = this.#spans.get(span);
      if (open === undefined) return;
      const family = this.#own(this.#counters, 'counter', OWN.spanEvents[0], 'spanEvent', OWN.spanEvents[1]);
      if (family === DROPPED) return;
      const event = typeof name === 'string' ? name : this.#spanName('spanEvent', name);
      family.find({ span: open.name, event }).value += 1;
    } catch (error) {
      this.#internal('spanEvent', OWN.spanEvents[0], error);
    }
  }

  /** Counts a debug log call in `<prefix>log_messages_total{level="debug"}`; message and fields are not recorded. */
  logDebug(_message: string, _fields?: Labels): void {
    this.#countLog(0);
  }
  /** Counts an info log call in `<prefix>log_messages_total{level="info"}`. */
  logInfo(_message: string, _fields?: Labels): void {
    this.#countLog(1);
  }
  /** Counts a warn log call in `<prefix>log_messages_total{level="warn"}`. */
  logWarn(_message: string, _fields?: Labels): void {
    this.#countLog(2);
  }
  /** Counts an error log call in `<prefix>log_messages_total{level="error"}`. */
  logError(_message: string, _fields?: Labels): void {
    this.#countLog(3);
  }

  /**
   * Sets the health gauges `<prefix>health_operational` (1 or 0),
   * `…_wal_size_bytes`, `…_active_transactions`, `…_buffer_pool_usage_ratio`
   * and `…_checkpoint_age_seconds`, each with its own help text. A field that
   * is not a finite number (or, for `operational`, a boolean) is skipped,
   * counted and reported; the others are still set.
   */
  reportHealth(health: HealthInfo): void {
    try {
      if (typeof health !== 'object' || health === null) {
        this.#ledger.record(
          'reportHealth',
          'health',
          'not-an-object',
          () => `reportHealth: health must be an object; got ${health === null ? 'null' : typeof health}`,
        );
        return;
      }
      for (let i = 0; i < HEALTH_GAUGES.length; i++) {
        const [gauge, help] = HEALTH_GAUGES[i] as (typeof HEALTH_GAUGES)[number];
        const field = HEALTH_FIELDS[i] as (typeof HEALTH_FIELDS)[number];
        const raw: unknown = health[field];
        let value: number;
        if (field === 'operational') {
          if (typeof raw !== 'boolean') {
            this.#drop('reportHealth', gauge, 'not-a-boolean', () =>
              describeBad('reportHealth', field, raw, 'a boolean'),
            );
            continue;
          }
          value = raw ? 1 : 0;
        } else {
          const reason = badNumber(raw);
          if (reason !== undefined) {
            this.#drop('reportHealth', gauge, reason, () => describeBad('reportHealth', field, raw, 'a finite number'));
            continue;
          }
          value = raw as number;
        }
        const family = this.#own(this.#gauges, 'gauge', gauge, 'reportHealth', help);
        if (family !== DROPPED) family.find(undefined).value = value;
      }
    } catch (error) {
      this.#internal('reportHealth', 'health', error);
    }
  }

  // ---------------------------------------------------------------------------
  // Exposition and lifecycle
  // ---------------------------------------------------------------------------

  /**
   * The registry's exposition in the text format (prom-client's
   * `registry.metrics()`): SochDB's metrics, and the application's too when
   * the registry is shared.
   */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The content type of {@link metrics}' text (the registry's: Prometheus 0.0.4 or OpenMetrics). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Serves the registry at `http://<host>:<port>/metrics` (GET and HEAD; 404
   * elsewhere). `host` defaults to `127.0.0.1`; `port` 0 picks a free port.
   * Resolves with the bound address. A client that accepts
   * `application/openmetrics-text` (Prometheus does) gets OpenMetrics 1.0, any
   * other the registry's format; a client that accepts gzip gets it gzipped.
   *
   * One server per extension: a second call with the same options (or the
   * port the first one bound) resolves to the first address; a second call
   * with other options rejects with a `RangeError` naming the address in
   * use. A port in use
   * rejects. Closed by {@link shutdown}.
   *
   * After `shutdown()` it rejects with a `KernelError` (kind `io`, code
   * `SOCHDB_CLOSED`): a shut-down extension stays shut; create a new
   * `PrometheusObservability` to serve again.
   */
  serve(options: ServeOptions): Promise<ServedAddress> {
    if (this.#shutDown) {
      return Promise.reject(
        new KernelError(
          'io',
          ErrorCode.CLOSED,
          `${this.info.name}: serve() after shutdown(); create a new PrometheusObservability to serve again`,
        ),
      );
    }
    let port: number;
    let host: string;
    try {
      ({ port, host } = checkServeOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
    const served = this.#served;
    if (this.#serving !== undefined && served !== undefined) {
      if (host === served.host && (port === served.port || port === served.bound)) return this.#serving;
      return this.#serving.then((address) => {
        throw new RangeError(
          `${this.info.name}: serve(options): already serving at ${address.url}; a second serve() with other options ` +
            `(host ${JSON.stringify(host)}, port ${port}) is refused. One server per extension: shutdown() and create a new one to move it.`,
        );
      });
    }
    this.#served = { port, host };
    const serving = startServer(this.registry, port, host, (error) =>
      this.#notice('serve', 'server', () => `serving /metrics failed: ${messageOf(error)}`),
    ).then(
      ({ server, address }) => {
        this.#server = server;
        if (this.#served !== undefined) this.#served.bound = address.port;
        return address;
      },
      (error: unknown) => {
        this.#serving = undefined;
        this.#served = undefined;
        throw error;
      },
    );
    this.#serving = serving;
    return serving;
  }

  /**
   * Closes the server (if any), removes this extension's metrics from the
   * registry (so a new extension can use the same registry and names), and
   * makes every later call do nothing. Idempotent.
   */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    // With the maps empty every later call reaches #make, which refuses after shutdown.
    this.#counters.clear();
    this.#gauges.clear();
    this.#histograms.clear();
    this.#occupied.clear();
    this.#dead.clear();
    this.#logSeries = undefined;
    this.#spans.clear();
    for (const { name, metric } of this.#metrics) {
      if (this.registry.getSingleMetric(name) === metric) this.registry.removeSingleMetric(name);
    }
    this.#metrics.length = 0;
    const serving = this.#serving;
    if (serving !== undefined) {
      await serving.catch(() => undefined);
      if (this.#server !== undefined) await stopServer(this.#server);
      this.#server = undefined;
    }
  }

  // ---------------------------------------------------------------------------
  // Making metrics
  // ---------------------------------------------------------------------------

  /**
   * A caller's metric name that is not (yet) in the hot-path map: its new
   * family; or DROPPED (a name that is not a string, or whose Prometheus name
   * clashes: counted); or OVERFLOWED (past maxMetrics: counted).
   */
  #lookup<S extends ValueSeries | HistogramSeries>(
    slots: Map<string, Family<S>>,
    kind: MetricKind,
    name: unknown,
    labels: unknown,
    operation: string,
  ): Family<S> | typeof DROPPED | typeof OVERFLOWED {
    if (this.#shutDown) return DROPPED;
    if (typeof name !== 'string') {
      // Not kept: a non-string key could be any object, and keeping it would hold it forever.
      this.#drop(
        operation,
        NOT_A_STRING,
        'name-type',
        () => `${operation}: the metric name must be a string; got ${name === null ? 'null' : typeof name} (dropped)`,
      );
      return DROPPED;
    }
    const found = slots.get(name);
    if (found !== undefined) return found;
    if (this.#dead.has(`${kind}\u0000${name}`)) {
      this.#drop(operation, wellFormed(name), 'name-clash', () => `${kind} ${JSON.stringify(name)} clashes`);
      return DROPPED;
    }
    if (this.#callerMetrics >= this.#maxMetrics) {
      this.#drop(
        operation,
        OVERFLOW[kind],
        'metric-cap',
        () =>
          `${this.#maxMetrics} metric names reached (maxMetrics): values of new names such as ${kind} ${JSON.stringify(wellFormed(name))} go to ` +
          `${metricName(this.prefix, OVERFLOW[kind], kind)}`,
      );
      return OVERFLOWED;
    }
    this.#callerMetrics += 1;
    const family = this.#make(
      slots,
      kind,
      name,
      labels,
      operation,
      `SochDB ${kind} ${JSON.stringify(wellFormed(name))}`,
    );
    if (family === DROPPED) this.#dead.add(`${kind}\u0000${name}`);
    return family;
  }

  /** One of the extension's own metrics (spans, logs, health, overflow): made on first use, not counted against maxMetrics. */
  #own<S extends ValueSeries | HistogramSeries>(
    slots: Map<string, Family<S>>,
    kind: MetricKind,
    name: string,
    operation: string,
    help: string,
  ): Family<S> | typeof DROPPED {
    const found = slots.get(name);
    if (found !== undefined) return found;
    if (this.#shutDown || this.#dead.has(`${kind}\u0000${name}`)) return DROPPED;
    const family = this.#make(slots, kind, name, undefined, operation, help);
    if (family === DROPPED) this.#dead.add(`${kind}\u0000${name}`);
    return family;
  }

  /**
   * Makes the family and prom-client metric for a name seen for the first
   * time, or refuses (DROPPED, counted and reported) a name whose exposition
   * names clash with another metric, ours (two call names that map to one
   * Prometheus name, such as `é` and `_`) or the application's.
   */
  #make<S extends ValueSeries | HistogramSeries>(
    slots: Map<string, Family<S>>,
    kind: MetricKind,
    name: string,
    labels: unknown,
    operation: string,
    help: string,
  ): Family<S> | typeof DROPPED {
    const exposed = metricName(this.prefix, name, kind);
    const subject = wellFormed(name);
    const describe = `${kind} ${JSON.stringify(subject)} (${exposed})`;
    const clash = occupiedNames(exposed, kind).find(
      (occupied) => this.#occupied.has(occupied) || inRegistry(this.registry, occupied),
    );
    if (clash !== undefined) {
      const owner = this.#occupied.get(clash);
      this.#drop(
        operation,
        subject,
        'name-clash',
        () =>
          `${describe} clashes with ${owner === undefined ? 'a metric already in the registry' : `the ${owner.kind} ${JSON.stringify(owner.name)} already using`} "${clash}"; its values are dropped, not merged. Rename one of them or use another prefix`,
      );
      return DROPPED;
    }
    const keys = typeof labels === 'object' && labels !== null ? Object.keys(labels) : [];
    const bounds = kind === 'histogram' ? bucketsFor(this.#buckets, name) : [];
    const events: FamilyEvents = {
      drop: (reason, message) => this.#drop(operation, subject, reason, message),
      notice: (key, message) => this.#notice(operation, `${exposed}\u0000${key}`, message),
    };
    const family = new Family<S>(
      kind,
      describe,
      keys,
      bounds,
      this.#maxSeries,
      (kind === 'histogram' ? histogramSeriesMaker(bounds.length) : makeValueSeries) as (
        labels: Readonly<Record<string, string>>,
      ) => S,
      events,
    );
    const common = this.#common(exposed, help, operation);
    let metric: CollectedMetric;
    try {
      metric =
        kind === 'counter'
          ? collectedCounter(common, family as unknown as Family<ValueSeries>)
          : kind === 'gauge'
            ? collectedGauge(common, family as unknown as Family<ValueSeries>)
            : collectedHistogram(common, family as unknown as Family<HistogramSeries>);
    } catch (error) {
      // prom-client refused (a registry it considers taken, say); never let that reach the caller.
      this.#drop(
        operation,
        subject,
        'name-clash',
        () => `${describe} could not be registered: ${messageOf(error)}; its values are dropped`,
      );
      return DROPPED;
    }
    this.#metrics.push({ name: exposed, metric });
    for (const occupied of occupiedNames(exposed, kind)) this.#occupied.set(occupied, { kind, name: subject });
    slots.set(name, family);
    return family;
  }

  #common(name: string, help: string, operation: string): Common {
    return {
      name,
      help,
      registry: this.registry,
      failed: (error) =>
        this.#notice(
          operation,
          `scrape\u0000${name}`,
          () =>
            `${name}: building its values for a scrape failed (${messageOf(error)}); the scrape went on without them`,
        ),
    };
  }

  #countLog(level: number): void {
    try {
      let series = this.#logSeries;
      if (series === undefined) {
        const family = this.#own(this.#counters, 'counter', OWN.logMessages[0], 'log', OWN.logMessages[1]);
        if (family === DROPPED) return;
        series = LOG_LEVELS.map((name) => family.find({ level: name }));
        this.#logSeries = series;
      }
      (series[level] as ValueSeries).value += 1;
    } catch (error) {
      this.#internal('log', OWN.logMessages[0], error);
    }
  }

  #forgetOldestSpan(): void {
    const oldest = this.#spans.keys().next().value as SpanId;
    this.#spans.delete(oldest);
    this.#drop(
      'spanStart',
      OWN.spanDuration[0],
      'span-cap',
      () =>
        `more than ${this.#maxOpenSpans} spans open: the oldest (id ${oldest}) was forgotten without a duration. End every span you start, or raise maxOpenSpans`,
    );
  }

  /** A span or event name that is not a string, as text (never throws), counted as altered. */
  #spanName(operation: string, name: unknown): string {
    this.#drop(
      operation,
      OWN.spanDuration[0],
      'name-type',
      () => `a span or event name must be a string; got ${describeType(name)} (stringified)`,
    );
    try {
      return wellFormed(stringOf(name));
    } catch {
      return '[unprintable]';
    }
  }

  // ---------------------------------------------------------------------------
  // Counting and reporting
  // ---------------------------------------------------------------------------

  /**
   * Counts one dropped or altered value for `subject` (a call's metric name)
   * and `reason`, reporting the first of each pair. Subjects are bounded: past
   * maxMetrics distinct ones, new ones are counted as `(other metrics)`.
   */
  #drop(operation: string, subject: string, reason: string, describe: () => string): void {
    let counted = subject;
    if (!this.#subjects.has(subject)) {
      if (this.#subjects.size < this.#maxMetrics) this.#subjects.add(subject);
      else counted = OTHER_SUBJECTS;
    }
    if (this.#dropCounter === 'none' && !this.#shutDown) this.#registerDropCounter();
    this.#ledger.record(operation, counted, reason, describe);
  }

  #registerDropCounter(): void {
    const exposed = metricName(this.prefix, OWN.dropped[0], 'counter');
    const clash = occupiedNames(exposed, 'counter').find(
      (occupied) => this.#occupied.has(occupied) || inRegistry(this.registry, occupied),
    );
    try {
      if (clash !== undefined) throw new Error(`"${clash}" is taken`);
      const ledger = this.#ledger;
      const metric = droppedValuesCounter(this.#common(exposed, OWN.dropped[1], 'counterInc'), () => ledger.entries());
      this.#metrics.push({ name: exposed, metric });
      for (const occupied of occupiedNames(exposed, 'counter')) {
        this.#occupied.set(occupied, { kind: 'counter', name: OWN.dropped[0] });
      }
      this.#dropCounter = 'registered';
    } catch (error) {
      this.#dropCounter = 'failed';
      this.#notice(
        'counterInc',
        'drop-counter',
        () => `${exposed} could not be registered (${messageOf(error)}); drops are still counted in the drops property`,
      );
    }
  }

  /** A report that is not a dropped value (a new label name, a server failure): once per key. */
  #notice(operation: string, key: string, describe: () => string): void {
    if (this.#noticed.has(key) || this.#noticed.size >= NOTICE_KEYS_MAX) return;
    this.#noticed.add(key);
    try {
      this.#onError(new Error(describe()), { extension: this.info.name, operation });
    } catch {
      // The hot path must not throw, whatever the application's handler does.
    }
  }

  /**
   * The last line of defence of "never throws": anything unforeseen (a labels
   * object whose getter throws, say) drops the call, counted and reported.
   */
  #internal(operation: string, name: unknown, error: unknown): void {
    try {
      this.#drop(
        operation,
        typeof name === 'string' ? wellFormed(name) : NOT_A_STRING,
        'internal',
        () => `${operation} failed and the call was dropped: ${messageOf(error)}`,
      );
    } catch {
      // Nothing may escape.
    }
  }

  #badValue(operation: string, name: unknown, value: unknown, wanted: string): void {
    const subject = typeof name === 'string' ? wellFormed(name) : NOT_A_STRING;
    const reason = badNumber(value) ?? 'negative';
    this.#drop(operation, subject, reason, () => describeBad(operation, name, value, wanted));
  }
}

const OVERFLOW_HELP = 'Values of SochDB metrics past maxMetrics distinct names (see sochdb_dropped_values_total).';

/** The reason a value is not a finite number, or undefined when it is one. */
function badNumber(value: unknown): 'not-a-number' | 'not-finite' | undefined {
  if (typeof value !== 'number') return 'not-a-number';
  return Number.isFinite(value) ? undefined : 'not-finite';
}

function describeType(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function describeBad(operation: string, name: unknown, value: unknown, wanted: string): string {
  const shown = typeof name === 'string' ? JSON.stringify(wellFormed(name)) : describeType(name);
  return `${operation} ${shown}: value must be ${wanted}; got ${describeDropped(value)} (dropped)`;
}

function histogramSeriesMaker(size: number): (labels: Readonly<Record<string, string>>) => HistogramSeries {
  return (labels) => ({ labels, counts: new Array<number>(size).fill(0), sum: 0, count: 0 });
}

function makeValueSeries(labels: Readonly<Record<string, string>>): ValueSeries {
  return { labels, value: 0 };
}

/** Adds one observation: the first bucket whose bound is >= value, plus sum and count. */
function observe(series: HistogramSeries, bounds: readonly number[], value: number): void {
  const counts = series.counts;
  for (let i = 0; i < bounds.length; i++) {
    if (value <= (bounds[i] as number)) {
      counts[i] = (counts[i] as number) + 1;
      break;
    }
  }
  series.sum += value;
  series.count += 1;
}

/**
 * Whether the application's metrics in `registry` already write the line
 * name `name`: a metric of that name, or a histogram or summary whose
 * `_bucket`/`_sum`/`_count` lines it is.
 */
function inRegistry(registry: Registry<RegistryContentType>, name: string): boolean {
  if (registry.getSingleMetric(name) !== undefined) return true;
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (suffix === null) return false;
  const owner = registry.getSingleMetric(name.slice(0, suffix.index)) as { type?: unknown } | undefined;
  return owner?.type === 'histogram' || owner?.type === 'summary';
}

function isRegistry(value: unknown): value is Registry<RegistryContentType> {
  if (typeof value !== 'object' || value === null) return false;
  const registry = value as Record<string, unknown>;
  return ['registerMetric', 'getSingleMetric', 'removeSingleMetric', 'metrics'].every(
    (method) => typeof registry[method] === 'function',
  );
}

function defaultOnError(error: unknown, { extension, operation }: ProblemSite): void {
  emitSochDBWarning(
    `observability extension '${extension}' dropped or altered a value in ${operation}: ${messageOf(error)}`,
  );
}
