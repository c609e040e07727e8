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
  assertOptions,
  describeValue,
  ErrorCode,
  type ExtensionInfo,
  emitSochDBWarning,
  type HealthInfo,
  KernelError,
  type Labels,
  type ObservabilityExtension,
  type SpanId,
} from '@sochdb/core';
import { Registry, type RegistryContentType } from 'prom-client';
import { type BucketConfig, type BucketsOption, checkBuckets } from './buckets.js';
import { type CollectedMetric, collectedCounter, collectedGauge, collectedHistogram } from './collectors.js';
import { checkPrefix, type MetricKind, metricName, occupiedNames } from './names.js';
import { Family, type HistogramSeries, type ValueSeries } from './series.js';
import { checkServeOptions, type ServedAddress, type ServeOptions, startServer, stopServer } from './server.js';
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
  /** Series a metric may hold; past it, new label values are dropped (reported once). Default 10,000. */
  readonly maxSeriesPerMetric?: number;
  /** Spans open at once; past it the oldest is forgotten unrecorded (reported once). Default 100,000. */
  readonly maxOpenSpans?: number;
  /**
   * Hears about dropped or altered values (non-finite numbers, unknown labels,
   * series cap, name clashes…), once per (operation, problem, metric).
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
  'maxOpenSpans',
  'onError',
];

/** Default of {@link PrometheusOptions.maxSeriesPerMetric}. */
export const DEFAULT_MAX_SERIES_PER_METRIC = 10_000;
/** Default of {@link PrometheusOptions.maxOpenSpans}. */
export const DEFAULT_MAX_OPEN_SPANS = 100_000;

const HEALTH_GAUGES = [
  ['health_operational', 'Whether the kernel accepts work (1) or not (0).'],
  ['health_wal_size_bytes', 'Bytes in the write-ahead log.'],
  ['health_active_transactions', 'Transactions open now.'],
  ['health_buffer_pool_usage_ratio', 'Fraction of the buffer pool in use, 0 to 1.'],
  ['health_checkpoint_age_seconds', 'Seconds since the last checkpoint.'],
] as const;
const HEALTH_FIELDS = ['operational', 'walSizeBytes', 'activeTxns', 'bufferPoolUsage', 'checkpointAgeSecs'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

interface OpenSpan {
  readonly name: string;
  readonly start: number;
}

/** A metric that could not be made (name clash); calls to it are dropped. */
const DEAD = Symbol('dead metric');
type Slot<S extends object> = Family<S> | typeof DEAD;

const REPORT_KEYS_MAX = 4096;

/**
 * An observability extension that turns the kernel's counters, gauges,
 * histograms, spans, log calls and health reports into Prometheus metrics
 * in a prom-client registry, and can serve them at `/metrics`.
 *
 * Never throws from a hot-path call: bad values and labels are dropped or
 * repaired and reported once through `onError`.
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
  readonly #maxOpenSpans: number;
  readonly #onError: (error: unknown, where: ProblemSite) => void;

  readonly #counters = new Map<string, Slot<ValueSeries>>();
  readonly #gauges = new Map<string, Slot<ValueSeries>>();
  readonly #histograms = new Map<string, Slot<HistogramSeries>>();
  /** Every exposition name our metrics occupy, to refuse a second metric that would clash. */
  readonly #occupied = new Map<string, { kind: MetricKind; family: Family<object> }>();
  readonly #metrics: Array<{ readonly name: string; readonly metric: CollectedMetric }> = [];

  readonly #spans = new Map<SpanId, OpenSpan>();
  #nextSpan = 1;
  #logSeries: Array<ValueSeries | undefined> | undefined;

  readonly #reported = new Set<string>();
  readonly #openMetrics: boolean;
  #server: Server | undefined;
  #serving: Promise<ServedAddress> | undefined;
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
    this.#maxOpenSpans = positiveInteger(maxOpenSpans, 'options.maxOpenSpans');
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError(`options.onError must be a function; got ${describeValue(onError)}`);
    }
    this.#onError = onError ?? defaultOnError;
    this.registry = registry ?? new Registry();
    this.#openMetrics = (this.registry.contentType as string) === Registry.OPENMETRICS_CONTENT_TYPE;
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'Prometheus metrics through prom-client',
      author: 'SochDB',
      capabilities: Object.freeze(['observability'] as const),
    });
  }

  // ---------------------------------------------------------------------------
  // Metrics: the hot path
  // ---------------------------------------------------------------------------

  /** Adds `value` to counter `<prefix><name>_total`. A negative, non-finite or non-number value is dropped and reported. */
  counterInc(name: string, value: number, labels?: Labels): void {
    try {
      if (typeof value !== 'number' || !(value >= 0 && value !== Number.POSITIVE_INFINITY)) {
        this.#badValue('counterInc', name, value, 'a finite, non-negative number');
        return;
      }
      const family = this.#counters.get(name) ?? this.#counterFamily(name, labels, 'counterInc');
      if (family === DEAD) return;
      const series = family.find(labels);
      if (series !== undefined) series.value += value;
    } catch (error) {
      this.#internal('counterInc', error);
    }
  }

  /** Sets gauge `<prefix><name>`. A non-finite or non-number value is dropped and reported. */
  gaugeSet(name: string, value: number, labels?: Labels): void {
    try {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.#badValue('gaugeSet', name, value, 'a finite number');
        return;
      }
      const family = this.#gauges.get(name) ?? this.#gaugeFamily(name, labels, 'gaugeSet');
      if (family === DEAD) return;
      const series = family.find(labels);
      if (series !== undefined) series.value = value;
    } catch (error) {
      this.#internal('gaugeSet', error);
    }
  }

  /** Observes `value` in histogram `<prefix><name>`. A non-finite or non-number value is dropped and reported. */
  histogramObserve(name: string, value: number, labels?: Labels): void {
    try {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.#badValue('histogramObserve', name, value, 'a finite number');
        return;
      }
      const family = this.#histograms.get(name) ?? this.#histogramFamily(name, labels, 'histogramObserve');
      if (family === DEAD) return;
      const series = family.find(labels);
      if (series !== undefined) observe(series, family.bounds, value);
    } catch (error) {
      this.#internal('histogramObserve', error);
    }
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
    this.#spans.set(id, { name: this.#stringName('spanStart', name), start: performance.now() });
    if (this.#spans.size > this.#maxOpenSpans) {
      const oldest = this.#spans.keys().next().value as SpanId;
      this.#spans.delete(oldest);
      this.#report(
        'spanStart',
        'span-cap',
        '',
        new RangeError(
          `more than ${this.#maxOpenSpans} spans open: the oldest (id ${oldest}) was forgotten without a duration. End every span you start, or raise maxOpenSpans.`,
        ),
      );
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
      const family =
        this.#histograms.get('span_duration_seconds') ??
        this.#histogramFamily('span_duration_seconds', SPAN_LABELS, 'spanEnd');
      if (family === DEAD) return;
      const series = family.find({ span: open.name });
      if (series !== undefined) observe(series, family.bounds, seconds);
    } catch (error) {
      this.#internal('spanEnd', error);
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
      const family = this.#counters.get('span_events') ?? this.#counterFamily('span_events', EVENT_LABELS, 'spanEvent');
      if (family === DEAD) return;
      const series = family.find({ span: open.name, event: this.#stringName('spanEvent', name) });
      if (series !== undefined) series.value += 1;
    } catch (error) {
      this.#internal('spanEvent', error);
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
   * and `…_checkpoint_age_seconds`. A field that is not a finite number is
   * skipped (reported); the others are still set.
   */
  reportHealth(health: HealthInfo): void {
    try {
      if (typeof health !== 'object' || health === null) {
        this.#report(
          'reportHealth',
          'value',
          '',
          new TypeError(`reportHealth: health must be an object; got ${health === null ? 'null' : typeof health}`),
        );
        return;
      }
      for (let i = 0; i < HEALTH_GAUGES.length; i++) {
        const [gauge] = HEALTH_GAUGES[i] as (typeof HEALTH_GAUGES)[number];
        const field = HEALTH_FIELDS[i] as (typeof HEALTH_FIELDS)[number];
        const raw: unknown = health[field];
        const value = field === 'operational' ? (raw === true ? 1 : raw === false ? 0 : Number.NaN) : raw;
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          this.#badValue('reportHealth', field, raw, field === 'operational' ? 'a boolean' : 'a finite number');
          continue;
        }
        const family = this.#gauges.get(gauge) ?? this.#gaugeFamily(gauge, undefined, 'reportHealth');
        if (family === DEAD) continue;
        const series = family.find(undefined);
        if (series !== undefined) series.value = value;
      }
    } catch (error) {
      this.#internal('reportHealth', error);
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
   * Serves the registry at `http://<host>:<port>/metrics` (GET and HEAD, with
   * the registry's content type; 404 elsewhere). `host` defaults to
   * `127.0.0.1`; `port` 0 picks a free port. Resolves with the bound address.
   * One server per extension: a second call resolves to the first address.
   * Closed by {@link shutdown}. A port in use rejects.
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
    if (this.#serving !== undefined) return this.#serving;
    const serving = startServer(this.registry, port, host, (error) =>
      this.#report('serve', 'server', '', error instanceof Error ? error : new Error(String(error))),
    ).then(
      ({ server, address }) => {
        this.#server = server;
        return address;
      },
      (error: unknown) => {
        this.#serving = undefined;
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

  #counterFamily(name: string, labels: unknown, operation: string): Slot<ValueSeries> {
    return this.#make(this.#counters, 'counter', name, labels, operation, (family, common) =>
      collectedCounter(common, family),
    );
  }

  #gaugeFamily(name: string, labels: unknown, operation: string): Slot<ValueSeries> {
    return this.#make(this.#gauges, 'gauge', name, labels, operation, (family, common) =>
      collectedGauge(common, family),
    );
  }

  #histogramFamily(name: string, labels: unknown, operation: string): Slot<HistogramSeries> {
    return this.#make(this.#histograms, 'histogram', name, labels, operation, (family, common) =>
      collectedHistogram(common, family),
    );
  }

  /**
   * Makes the family and prom-client metric for a name seen for the first
   * time, or finds the family another call name already maps to, or refuses
   * (DEAD, reported) a name whose exposition names clash with another metric.
   */
  #make<S extends object>(
    slots: Map<string, Slot<S>>,
    kind: MetricKind,
    name: unknown,
    labels: unknown,
    operation: string,
    collector: (
      family: Family<S>,
      common: { name: string; help: string; registry: Registry<RegistryContentType> },
    ) => CollectedMetric,
  ): Slot<S> {
    if (this.#shutDown) return DEAD;
    if (typeof name !== 'string') {
      // Not cached: a non-string key could be any object, and caching it would hold it forever.
      this.#report(
        operation,
        'name-type',
        '',
        new TypeError(
          `${operation}: the metric name must be a string; got ${name === null ? 'null' : typeof name} (dropped)`,
        ),
      );
      return DEAD;
    }
    const exposed = metricName(this.prefix, name, kind);
    const taken = this.#occupied.get(exposed);
    if (taken !== undefined && taken.kind === kind) {
      // Another call name maps to the same Prometheus name ("a.b" and "a_b"): one metric.
      slots.set(name, taken.family as Family<S>);
      return taken.family as Family<S>;
    }
    const describe = `${kind} ${JSON.stringify(name)} (${exposed})`;
    const clash = occupiedNames(exposed, kind, this.#openMetrics).find(
      (occupied) => this.#occupied.has(occupied) || inRegistry(this.registry, occupied),
    );
    if (clash !== undefined) {
      const owner = this.#occupied.get(clash);
      this.#report(
        operation,
        'name-clash',
        exposed,
        new RangeError(
          `${describe} clashes with ${owner === undefined ? 'a metric already in the registry' : `the ${owner.kind} already using`} "${clash}"; its values are dropped. Rename one of them or use another prefix.`,
        ),
      );
      slots.set(name, DEAD);
      return DEAD;
    }
    const keys = typeof labels === 'object' && labels !== null ? Object.keys(labels) : [];
    const bounds = kind === 'histogram' ? (this.#buckets.perMetric.get(name) ?? this.#buckets.fallback) : [];
    const family = new Family<S>(
      kind,
      describe,
      keys,
      bounds,
      this.#maxSeries,
      (kind === 'histogram' ? histogramSeriesMaker(bounds.length) : makeValueSeries) as (
        labels: Record<string, string>,
      ) => S,
      (problem, error) => this.#report(operation, problem, exposed, error),
    );
    let metric: CollectedMetric;
    try {
      metric = collector(family, { name: exposed, help: `SochDB ${kind} "${name}"`, registry: this.registry });
    } catch (error) {
      // prom-client refused (a registry it considers taken, say); never let that reach the caller.
      this.#report(
        operation,
        'name-clash',
        exposed,
        new RangeError(`${describe} could not be registered: ${messageOf(error)}; its values are dropped`, {
          cause: error,
        }),
      );
      slots.set(name, DEAD);
      return DEAD;
    }
    this.#metrics.push({ name: exposed, metric });
    for (const occupied of occupiedNames(exposed, kind, this.#openMetrics)) {
      this.#occupied.set(occupied, { kind, family: family as Family<object> });
    }
    slots.set(name, family);
    return family;
  }

  #countLog(level: number): void {
    try {
      let series = this.#logSeries;
      if (series === undefined) {
        const family = this.#counters.get('log_messages') ?? this.#counterFamily('log_messages', LEVEL_LABELS, 'log');
        if (family === DEAD) return;
        series = LOG_LEVELS.map((name) => family.find({ level: name }));
        this.#logSeries = series;
      }
      const target = series[level];
      if (target !== undefined) target.value += 1;
    } catch (error) {
      this.#internal('#countLog', error);
    }
  }

  // ---------------------------------------------------------------------------
  // Reporting
  // ---------------------------------------------------------------------------

  /**
   * The last line of defence of "never throws": anything unforeseen (a labels
   * object whose getter throws, say) drops the call and is reported once.
   */
  #internal(operation: string, error: unknown): void {
    this.#report(
      operation,
      'internal',
      '',
      new Error(`${operation} failed and the call was dropped: ${messageOf(error)}`, { cause: error }),
    );
  }

  #stringName(operation: string, name: unknown): string {
    if (typeof name === 'string') return name;
    this.#report(
      operation,
      'name-type',
      '',
      new TypeError(
        `${operation}: the name must be a string; got ${name === null ? 'null' : typeof name} (stringified)`,
      ),
    );
    return safeString(name);
  }

  #badValue(operation: string, name: unknown, value: unknown, wanted: string): void {
    const shown = typeof name === 'string' ? JSON.stringify(name) : safeString(name);
    this.#report(
      operation,
      'value',
      typeof name === 'string' ? name : '',
      new RangeError(
        `${operation} ${shown}: value must be ${wanted}; got ${typeof value === 'number' ? String(value) : typeof value} (dropped)`,
      ),
    );
  }

  /**
   * Reports a problem once per (operation, problem, metric). Past a few
   * thousand distinct keys (a runaway of metric names) only the first of each
   * (operation, problem) is reported, so the set cannot grow without bound.
   */
  #report(operation: string, problem: string, metric: string, error: unknown): void {
    let key = `${operation}\u0000${problem}\u0000${metric}`;
    if (this.#reported.has(key)) return;
    if (this.#reported.size >= REPORT_KEYS_MAX) {
      key = `${operation}\u0000${problem}`;
      if (this.#reported.has(key)) return;
    }
    this.#reported.add(key);
    try {
      this.#onError(error, { extension: this.info.name, operation });
    } catch {
      // The hot path must not throw, whatever the application's handler does.
    }
  }
}

const SPAN_LABELS: Labels = Object.freeze({ span: '' });
const EVENT_LABELS: Labels = Object.freeze({ span: '', event: '' });
const LEVEL_LABELS: Labels = Object.freeze({ level: '' });

function histogramSeriesMaker(size: number): (labels: Record<string, string>) => HistogramSeries {
  return (labels) => ({ labels, counts: new Array<number>(size).fill(0), sum: 0, count: 0 });
}

function makeValueSeries(labels: Record<string, string>): ValueSeries {
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

function positiveInteger(value: unknown, what: string): number {
  const message = `${what} must be a positive integer; got ${describeValue(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(message);
  return value;
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

/** `String(value)`, except that it cannot throw (objects whose toString throws, null-prototype objects). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function defaultOnError(error: unknown, { extension, operation }: ProblemSite): void {
  const message =
    `observability extension '${extension}' dropped or altered a value in ${operation}: ${messageOf(error)}. ` +
    'Further problems of this kind are not reported.';
  emitSochDBWarning(message);
}
