import {
  type Attributes,
  type Context,
  type Counter,
  context,
  createNoopMeter,
  type Histogram,
  isSpanContextValid,
  type Meter,
  type MeterProvider,
  type MetricOptions,
  metrics,
  type ObservableResult,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { ExtensionInfo, HealthInfo, Labels, ObservabilityExtension, SpanId } from '@sochdb/core';
import {
  assertOptions,
  type DropCount,
  DropLedger,
  describeDropped,
  describeValue,
  emitSochDBWarning,
  messageOf,
  positiveInteger,
  stringOf,
} from '@sochdb/core/plugin-kit';
import { type AttributeProblem, toAttributes } from './attributes.js';
import { type GaugeLike, LastValueGauge } from './last-value-gauge.js';
import { DEFAULT_PREFIX, instrumentName } from './names.js';
import { unitOptions } from './units.js';
import { VERSION } from './version.js';

/** Where a problem happened, as handed to {@link OpenTelemetryObservabilityOptions.onError}. */
export interface OpenTelemetryErrorSite {
  /** The extension's `info.name`. */
  readonly extension: string;
  /** The method called: `counterInc`, `spanStart`, `logWarn`, ... */
  readonly operation: string;
}

/** Options of an {@link OpenTelemetryObservability}. Every one is optional. */
export interface OpenTelemetryObservabilityOptions {
  /** The extension name in a `PluginManager`. Default `"opentelemetry"`. */
  name?: string;
  /**
   * Where instruments are made. Default: the global meter provider
   * (`metrics.getMeterProvider()`). An SDK registered globally after this
   * extension started is picked up (looked for every half second; the
   * pick-up is reported once, since calls before it were not recorded).
   */
  meterProvider?: MeterProvider;
  /**
   * Where spans are made. Default: the global tracer provider
   * (`trace.getTracerProvider()`), which follows an SDK registered later.
   */
  tracerProvider?: TracerProvider;
  /**
   * Put in front of every instrument name. Default `"sochdb."`, so that
   * OpenTelemetry's Prometheus exporter writes the names `@sochdb/prometheus`
   * writes (`sochdb_txn_commit_total`). `""` keeps the call's names as given.
   */
  prefix?: string;
  /** The instrumentation scope name of the meter and tracer. Default `"@sochdb/opentelemetry"`. */
  scopeName?: string;
  /** The instrumentation scope version. Default this package's version. */
  scopeVersion?: string;
  /** The `db.namespace` attribute of every span (the database's name), when given. */
  dbNamespace?: string;
  /**
   * Spans open at once before the oldest is ended (with
   * `sochdb.span.evicted = true`), counted and reported. Default 100,000,
   * the `PluginManager`'s own default.
   */
  maxOpenSpans?: number;
  /** Distinct instruments (metric names) made before calls with new names are dropped, counted and reported. Default 1,000. */
  maxInstruments?: number;
  /** Log calls as a `log` event on the span active in the caller's context. Default `true`. */
  logEvents?: boolean;
  /** Log calls counted by level in the `sochdb.log.messages` counter. Default `true`. */
  logCounter?: boolean;
  /**
   * Hears about problems: every dropped or altered value is counted (see
   * {@link OpenTelemetryObservability.droppedValues}) and the first of each
   * (metric, reason) is reported here; a call the SDK threw from is reported
   * once per operation. Default: a process warning. If it throws, that is
   * ignored.
   */
  onError?: (error: unknown, where: OpenTelemetryErrorSite) => void;
}

type Kind = 'counter' | 'gauge' | 'histogram' | 'internal';
type Instrument = Counter | GaugeLike | Histogram;

interface InstrumentEntry {
  readonly kind: Kind;
  readonly instrument: Instrument;
}

const DEFAULT_SCOPE = '@sochdb/opentelemetry';
/** The keys of {@link OpenTelemetryObservabilityOptions}; any other key is refused. */
const OPTION_KEYS: readonly string[] = [
  'name',
  'meterProvider',
  'tracerProvider',
  'prefix',
  'scopeName',
  'scopeVersion',
  'dbNamespace',
  'maxOpenSpans',
  'maxInstruments',
  'logEvents',
  'logCounter',
  'onError',
];
const DEFAULT_MAX_OPEN_SPANS = 100_000;
const DEFAULT_MAX_INSTRUMENTS = 1_000;
/** Milliseconds between two looks for a global SDK registered after this extension bound the no-op one. */
const PROBE_MS = 500;
const LEGAL_PREFIX = /^(?:[A-Za-z][A-Za-z0-9_.\-/]*)?$/;
const LOG_COUNTER = 'log.messages';
const LOG_COUNTER_OPTIONS: MetricOptions = Object.freeze({ description: 'Log calls, by level.', unit: '{message}' });
const DROPPED_VALUES = 'dropped_values';
const EVICTED_ATTRIBUTE = 'sochdb.span.evicted';
/** What OpenTelemetry's database semantic conventions call this system. */
const DB_SYSTEM_NAME = 'sochdb';
/** The subject under which drops of metrics past the name cap are counted, so the count stays bounded. */
const OTHER_SUBJECT = '(other)';

/** The no-op meter's class, to tell "no SDK registered" apart from a real meter. */
const NOOP_METER_CLASS = createNoopMeter().constructor;

/** Attribute sets of the log counter, made once (frozen: the SDK keeps them). */
const LEVEL_ATTRIBUTES: Readonly<Record<string, Attributes>> = Object.freeze({
  debug: Object.freeze({ level: 'debug' }),
  info: Object.freeze({ level: 'info' }),
  warn: Object.freeze({ level: 'warn' }),
  error: Object.freeze({ level: 'error' }),
});

/**
 * The health snapshot as gauges. The names are those of `@sochdb/prometheus`
 * (`sochdb_health_wal_size_bytes`, ...) once OpenTelemetry's Prometheus
 * exporter has turned the dots into underscores.
 */
const HEALTH_GAUGES: ReadonlyArray<{
  name: string;
  field: keyof HealthInfo;
  options: MetricOptions;
  read: (h: HealthInfo) => unknown;
}> = [
  {
    name: 'health.operational',
    field: 'operational',
    options: { unit: '1', description: 'Whether the kernel accepts work (1) or not (0).' },
    read: (h) => (h.operational === true ? 1 : 0),
  },
  {
    name: 'health.wal_size_bytes',
    field: 'walSizeBytes',
    options: { unit: 'By', description: 'Bytes in the write-ahead log.' },
    read: (h) => h.walSizeBytes,
  },
  {
    name: 'health.active_transactions',
    field: 'activeTxns',
    options: { unit: '{transaction}', description: 'Transactions open now.' },
    read: (h) => h.activeTxns,
  },
  {
    name: 'health.buffer_pool_usage_ratio',
    field: 'bufferPoolUsage',
    options: { unit: '1', description: 'Fraction of the buffer pool in use, 0 to 1.' },
    read: (h) => h.bufferPoolUsage,
  },
  {
    name: 'health.checkpoint_age_seconds',
    field: 'checkpointAgeSecs',
    options: { unit: 's', description: 'Seconds since the last checkpoint.' },
    read: (h) => h.checkpointAgeSecs,
  },
];

const UNBOUND = 0;
const ON = 1;
/** Bound to the no-op API (no SDK yet): calls look for a global SDK every PROBE_EVERY calls. */
const NO_SDK = 2;
/** Shut down, or a provider that threw: calls do nothing. */
const OFF = 3;

/** Why a metric value is dropped, as the contract's shared words; `undefined` when it is kept. */
function dropReason(value: unknown, negativeAllowed: boolean): string | undefined {
  if (typeof value !== 'number') return 'not-a-number';
  if (!Number.isFinite(value)) return 'not-finite';
  if (value < 0 && !negativeAllowed) return 'negative';
  return undefined;
}

/**
 * An observability extension on the OpenTelemetry API. Counters, gauges and
 * histograms are OpenTelemetry instruments named `sochdb.<name>`, made once
 * per name and cached, with a copy of the labels as attributes; spans are
 * real spans (a child of the parent's span when a parent id is given,
 * otherwise of the span active in the caller's context) carrying
 * `db.system.name`; log calls are events on the span active in the caller's
 * context and a counter by level; health snapshots are gauges.
 *
 * With no SDK registered the calls cost about what the no-op API costs. No
 * method throws: a bad value is dropped or made legal, counted in
 * {@link droppedValues} and the `sochdb.dropped_values` instrument, and the
 * first of each (metric, reason) is reported through `onError`.
 */
export class OpenTelemetryObservability implements ObservabilityExtension {
  /** Name (default `opentelemetry`), version, and the `observability` capability. */
  readonly info: ExtensionInfo;

  readonly #meterProvider: MeterProvider | undefined;
  readonly #tracerProvider: TracerProvider | undefined;
  readonly #prefix: string;
  readonly #scopeName: string;
  readonly #scopeVersion: string;
  readonly #spanOptions: SpanOptions;
  readonly #maxOpenSpans: number;
  readonly #maxInstruments: number;
  readonly #logEvents: boolean;
  readonly #logCounter: boolean;
  readonly #onError: (error: unknown, where: OpenTelemetryErrorSite) => void;
  readonly #drops: DropLedger;
  readonly #dropSubjects = new Set<string>();

  #meter: Meter | undefined;
  #metricsState: number = UNBOUND;
  /** While no SDK is registered: the timer that looks for one (unref'd: it keeps no process alive). */
  #probe: NodeJS.Timeout | undefined;
  #tracer: Tracer | undefined;
  #logMessages: Counter | undefined;
  /** Instruments by the lower-cased legal name (OpenTelemetry names are case-insensitive). */
  readonly #byName = new Map<string, InstrumentEntry>();
  /** The same instruments by the name as called, so a call costs one lookup. */
  readonly #byCallName = new Map<string, InstrumentEntry>();
  /** Open spans by id, oldest first (a `Map` keeps insertion order). */
  readonly #spans = new Map<SpanId, Span>();
  /** The spans this extension started, so `logError` marks only those with ERROR status. */
  readonly #ownSpans = new WeakSet<Span>();
  #nextSpan = 1;
  #shutDown = false;
  /** Problems that are not drops (an SDK that throws), reported once per operation and kind. */
  readonly #reported = new Set<string>();
  /** Told about labels changed or left out; one function for every call, so a call allocates no closure. */
  readonly #labelProblem: AttributeProblem = (operation, subject, reason, describe) => {
    const name = typeof subject === 'string' ? subject : stringOf(subject);
    this.#drop(operation, name, reason, () => `${name}: ${describe()}`);
  };

  /**
   * @param options - see {@link OpenTelemetryObservabilityOptions}. A value of
   * the wrong type, or a key that is not an option (a typo), is a `TypeError`
   * naming it; a number out of range is a `RangeError`.
   */
  constructor(options: OpenTelemetryObservabilityOptions = {}) {
    assertOptions(options, OPTION_KEYS);
    const name = options.name ?? 'opentelemetry';
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`options.name must be a non-empty string; got ${describeValue(name)}`);
    }
    if (options.meterProvider !== undefined && typeof options.meterProvider?.getMeter !== 'function') {
      throw new TypeError(
        `options.meterProvider must be a MeterProvider (an object with getMeter()); got ${describeValue(options.meterProvider)}`,
      );
    }
    if (options.tracerProvider !== undefined && typeof options.tracerProvider?.getTracer !== 'function') {
      throw new TypeError(
        `options.tracerProvider must be a TracerProvider (an object with getTracer()); got ${describeValue(options.tracerProvider)}`,
      );
    }
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string') {
      throw new TypeError(`options.prefix must be a string; got ${describeValue(prefix)}`);
    }
    if (!LEGAL_PREFIX.test(prefix)) {
      throw new RangeError(
        `options.prefix must start with a letter and hold only letters, digits and _ . - / (an OpenTelemetry instrument name's characters); got ${describeValue(prefix)}`,
      );
    }
    for (const key of ['scopeName', 'scopeVersion', 'dbNamespace'] as const) {
      const value = options[key];
      if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
        throw new TypeError(`options.${key} must be a non-empty string; got ${describeValue(value)}`);
      }
    }
    for (const key of ['logEvents', 'logCounter'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new TypeError(`options.${key} must be a boolean; got ${describeValue(options[key])}`);
      }
    }
    const maxOpenSpans = positiveInteger(options.maxOpenSpans ?? DEFAULT_MAX_OPEN_SPANS, 'options.maxOpenSpans');
    const maxInstruments = positiveInteger(options.maxInstruments ?? DEFAULT_MAX_INSTRUMENTS, 'options.maxInstruments');
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError(`options.onError must be a function; got ${describeValue(options.onError)}`);
    }
    this.#meterProvider = options.meterProvider;
    this.#tracerProvider = options.tracerProvider;
    this.#prefix = prefix;
    this.#scopeName = options.scopeName ?? DEFAULT_SCOPE;
    this.#scopeVersion = options.scopeVersion ?? VERSION;
    const spanAttributes: Attributes = { 'db.system.name': DB_SYSTEM_NAME };
    if (options.dbNamespace !== undefined) spanAttributes['db.namespace'] = options.dbNamespace;
    this.#spanOptions = Object.freeze({ attributes: Object.freeze(spanAttributes) });
    this.#maxOpenSpans = maxOpenSpans;
    this.#maxInstruments = maxInstruments;
    this.#logEvents = options.logEvents ?? true;
    this.#logCounter = options.logCounter ?? true;
    this.#onError = options.onError ?? defaultOnError;
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'OpenTelemetry metrics and traces: cached instruments, real spans, logs as span events',
      author: 'SochDB',
      capabilities: Object.freeze(['observability'] as const),
    });
    this.#drops = new DropLedger(name, (error, site) => this.#onError(error, site));
  }

  /** Gets the meter and tracer from the configured (or global) providers. Called by the manager. */
  init(): void {
    this.#bindMetrics();
    this.#bindTracer();
  }

  /**
   * Ends every span still open (so it is exported), then makes every call do
   * nothing. The providers are the application's: they are not shut down
   * or flushed here.
   */
  shutdown(): void {
    if (this.#shutDown) return;
    this.#shutDown = true;
    this.#stopProbe();
    this.#metricsOff();
    const open = [...this.#spans.values()];
    this.#spans.clear();
    for (const span of open) {
      try {
        span.end();
      } catch (error) {
        this.#reportOnce('shutdown', 'throw', error);
      }
    }
  }

  /** True once a meter from a real SDK is bound, false with the no-op API (or before the first use). */
  get recordsMetrics(): boolean {
    return this.#metricsState === ON;
  }

  /** Spans started and not yet ended. */
  get openSpans(): number {
    return this.#spans.size;
  }

  /**
   * Values dropped or altered so far (a bad metric value, a label made a
   * string, a name made legal, a span evicted, ...), whatever the metric and
   * reason. Per metric and reason they are in {@link dropCounts} and in the
   * `sochdb.dropped_values` counter (attributes `metric` and `reason`).
   */
  get droppedValues(): number {
    return this.#drops.total;
  }

  /** Every (metric, reason) that lost values, with how many, in the order first seen. */
  dropCounts(): DropCount[] {
    return [...this.#drops.entries()];
  }

  // ---------------------------------------------------------------------------
  // Metrics
  // ---------------------------------------------------------------------------

  /** Adds `value` to the counter `name`; a value that is negative, not finite or not a number is dropped and counted. */
  counterInc(name: string, value: number, labels?: Labels): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
        this.#dropValue('counterInc', 'counter', name, value);
        return;
      }
      // The usual case inline (one Map look-up); the first call, other kinds and odd names go the long way.
      const entry = this.#byCallName.get(name);
      const counter = (
        entry !== undefined && entry.kind === 'counter'
          ? entry.instrument
          : this.#instrument('counter', name, 'counterInc')
      ) as Counter | undefined;
      if (counter === undefined) return;
      counter.add(
        value,
        labels === undefined ? undefined : toAttributes(labels, this.#labelProblem, 'counterInc', name),
      );
    } catch (error) {
      this.#reportOnce('counterInc', 'throw', error);
    }
  }

  /** Records `value` in the synchronous gauge `name`; a value that is not a finite number is dropped and counted. */
  gaugeSet(name: string, value: number, labels?: Labels): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (typeof value !== 'number' || value - value !== 0) {
        this.#dropValue('gaugeSet', 'gauge', name, value);
        return;
      }
      const entry = this.#byCallName.get(name);
      const gauge = (
        entry !== undefined && entry.kind === 'gauge' ? entry.instrument : this.#instrument('gauge', name, 'gaugeSet')
      ) as GaugeLike | undefined;
      if (gauge === undefined) return;
      gauge.record(
        value,
        labels === undefined ? undefined : toAttributes(labels, this.#labelProblem, 'gaugeSet', name),
      );
    } catch (error) {
      this.#reportOnce('gaugeSet', 'throw', error);
    }
  }

  /** Records `value` in the histogram `name`; a value that is negative, not finite or not a number is dropped and counted. */
  histogramObserve(name: string, value: number, labels?: Labels): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
        this.#dropValue('histogramObserve', 'histogram', name, value);
        return;
      }
      const entry = this.#byCallName.get(name);
      const histogram = (
        entry !== undefined && entry.kind === 'histogram'
          ? entry.instrument
          : this.#instrument('histogram', name, 'histogramObserve')
      ) as Histogram | undefined;
      if (histogram === undefined) return;
      histogram.record(
        value,
        labels === undefined ? undefined : toAttributes(labels, this.#labelProblem, 'histogramObserve', name),
      );
    } catch (error) {
      this.#reportOnce('histogramObserve', 'throw', error);
    }
  }

  #dropValue(operation: string, kind: Kind, name: unknown, value: unknown): void {
    const reason = dropReason(value, kind === 'gauge') ?? 'not-finite';
    const must = kind === 'gauge' ? 'a finite number' : 'a finite, non-negative number';
    const subject = typeof name === 'string' ? name : stringOf(name);
    this.#drop(
      operation,
      subject,
      reason,
      () => `${kind} '${subject}': value must be ${must}; got ${describeDropped(value)} (dropped)`,
    );
  }

  /**
   * Counts one dropped or altered value under (metric, reason); the first of
   * each pair is reported. Metrics past `maxInstruments` distinct subjects
   * are counted together, so the count's own size stays bounded.
   */
  #drop(operation: string, subject: string, reason: string, describe: () => string): void {
    let counted = subject;
    if (!this.#dropSubjects.has(subject)) {
      if (this.#dropSubjects.size < this.#maxInstruments) this.#dropSubjects.add(subject);
      else counted = OTHER_SUBJECT;
    }
    this.#drops.record(operation, counted, reason, describe);
  }

  /** The cached instrument for a call, made on first use; `undefined` (counted) when the call must be dropped. */
  #instrument(kind: Kind, name: unknown, operation: string, options?: MetricOptions): Instrument | undefined {
    const key = typeof name === 'string' ? name : stringOf(name);
    const entry = this.#byCallName.get(key) ?? this.#create(kind, key, operation, options);
    if (entry === undefined) return undefined;
    if (entry.kind !== kind) {
      this.#drop(
        operation,
        key,
        'kind-conflict',
        () => `'${key}' is already a ${entry.kind}; a ${kind} call with that name was dropped`,
      );
      return undefined;
    }
    return entry.instrument;
  }

  #create(kind: Kind, key: string, operation: string, options?: MetricOptions): InstrumentEntry | undefined {
    const full = this.#prefix + key;
    const legal = instrumentName(full);
    if (legal !== full) {
      this.#drop(
        operation,
        key,
        'illegal-name',
        () =>
          `'${full.length > 80 ? `${full.slice(0, 80)}...` : full}' is not a legal OpenTelemetry instrument name; recorded as '${legal.length > 80 ? `${legal.slice(0, 80)}...` : legal}'`,
      );
    }
    const folded = legal.toLowerCase();
    let entry = this.#byName.get(folded);
    if (entry === undefined) {
      if (this.#byName.size >= this.#maxInstruments) {
        // Counted under one subject whatever the name: the cap is the extension's, and names past it are unbounded.
        this.#drop(
          operation,
          OTHER_SUBJECT,
          'max-instruments',
          () =>
            `more than ${this.#maxInstruments} instruments: calls for '${legal}' are dropped. Raise maxInstruments, or keep variable parts of names in labels.`,
        );
        return undefined;
      }
      const meter = this.#meter as Meter;
      const made = options ?? unitOptions(key, kind === 'histogram');
      let instrument: Instrument;
      if (kind === 'counter') instrument = meter.createCounter(legal, made);
      else if (kind === 'histogram') instrument = meter.createHistogram(legal, made);
      else if (typeof meter.createGauge === 'function') instrument = meter.createGauge(legal, made);
      else instrument = new LastValueGauge(meter, legal, made);
      entry = { kind, instrument };
      this.#byName.set(folded, entry);
    }
    if (this.#byCallName.size < 4 * this.#maxInstruments) this.#byCallName.set(key, entry);
    return entry;
  }

  /** Binds the meter on first use; false when metrics are off (no SDK yet, or shut down). */
  #bindMetrics(): boolean {
    if (this.#metricsState !== UNBOUND) return this.#metricsState === ON;
    try {
      const provider = this.#meterProvider ?? metrics.getMeterProvider();
      const meter = provider.getMeter(this.#scopeName, this.#scopeVersion);
      // With no SDK the API hands out a no-op meter: skip the work, and look for a
      // global SDK now and then if the provider is the global one.
      if (meter.constructor === NOOP_METER_CLASS) this.#noSdk();
      else this.#metricsOn(meter);
    } catch (error) {
      this.#metricsOff();
      this.#reportOnce('init', 'throw', error);
    }
    // Read again: the calls above changed it (TypeScript keeps the narrowing of the first line).
    return (this.#metricsState as number) === ON;
  }

  #metricsOn(meter: Meter): void {
    this.#meter = meter;
    this.#metricsState = ON;
    try {
      // The drop counts as an instrument: read at each collection, nothing on the hot path.
      const dropped = meter.createObservableCounter(instrumentName(`${this.#prefix}${DROPPED_VALUES}`), {
        description: 'Metric values dropped or altered by @sochdb/opentelemetry, by metric and reason.',
        unit: '{value}',
      });
      dropped.addCallback((result: ObservableResult) => {
        for (const { subject, reason, count } of this.#drops.entries()) {
          result.observe(count, { metric: subject, reason });
        }
      });
      // A metric call of that name is a kind conflict; the instrument is not one of the maxInstruments.
      this.#byCallName.set(DROPPED_VALUES, { kind: 'internal', instrument: dropped as never });
    } catch (error) {
      // The counts stay readable as droppedValues and dropCounts(); the other metrics go on.
      this.#reportOnce('init', 'throw', error);
    }
  }

  /**
   * No SDK yet. The metric methods are replaced on this instance by empty
   * functions, so a call costs what a call of the no-op API costs (V8
   * inlines both). A timer looks for an SDK registered globally since, every
   * {@link PROBE_MS} ms, and binds it when there is one: nothing of that is
   * on the hot path.
   */
  #noSdk(): void {
    this.#metricsState = NO_SDK;
    this.#replaceMetricMethods(doNothing, doNothing, doNothing, doNothing);
    // A provider given in the options stays what it is: nothing to look for.
    if (this.#meterProvider !== undefined || this.#probe !== undefined) return;
    this.#probe = setInterval(() => {
      if (this.#lookForSdk()) this.#stopProbe();
    }, PROBE_MS);
    this.#probe.unref();
  }

  #stopProbe(): void {
    if (this.#probe === undefined) return;
    clearInterval(this.#probe);
    this.#probe = undefined;
  }

  /** True (and metrics on) when a real SDK is now the global meter provider. */
  #lookForSdk(): boolean {
    if (this.#shutDown) return false;
    try {
      const meter = metrics.getMeterProvider().getMeter(this.#scopeName, this.#scopeVersion);
      if (meter.constructor === NOOP_METER_CLASS) return false;
      // Back to the prototype's methods.
      for (const method of ['counterInc', 'gaugeSet', 'histogramObserve', 'reportHealth'] as const) {
        delete (this as Partial<Record<typeof method, unknown>>)[method];
      }
      this.#metricsOn(meter);
      this.#reportOnce(
        'init',
        'late-sdk',
        new Error(
          'a MeterProvider was registered globally after this extension started; it is used from now on. ' +
            'Metric calls made before it (and up to half a second after) were not recorded: register the SDK before the extension.',
        ),
      );
      return true;
    } catch (error) {
      this.#reportOnce('init', 'throw', error);
      return false;
    }
  }

  /** Metrics record nothing from now on (shut down, or a provider that threw). */
  #metricsOff(): void {
    this.#metricsState = OFF;
    this.#replaceMetricMethods(doNothing, doNothing, doNothing, doNothing);
  }

  #replaceMetricMethods(
    counterInc: OpenTelemetryObservability['counterInc'],
    gaugeSet: OpenTelemetryObservability['gaugeSet'],
    histogramObserve: OpenTelemetryObservability['histogramObserve'],
    reportHealth: OpenTelemetryObservability['reportHealth'],
  ): void {
    this.counterInc = counterInc;
    this.gaugeSet = gaugeSet;
    this.histogramObserve = histogramObserve;
    this.reportHealth = reportHealth;
  }

  // ---------------------------------------------------------------------------
  // Spans
  // ---------------------------------------------------------------------------

  /**
   * Starts a span, a child of `parent`'s span when `parent` is an open span
   * of this extension, otherwise of the span active in the caller's
   * OpenTelemetry context (if any). The span carries `db.system.name`
   * (`sochdb`) and, when configured, `db.namespace`. It does not become
   * active by itself: run code under it with {@link withSpan}. Returns 0
   * when there is nothing to trace (no SDK, or after shutdown).
   */
  spanStart(name: string, parent?: SpanId): SpanId {
    if (this.#shutDown) return 0;
    try {
      const tracer = this.#tracer ?? this.#bindTracer();
      let parentContext = context.active();
      if (parent !== undefined && parent !== 0) {
        const parentSpan = this.#spans.get(parent);
        if (parentSpan !== undefined) parentContext = trace.setSpan(parentContext, parentSpan);
      }
      const span = tracer.startSpan(typeof name === 'string' ? name : stringOf(name), this.#spanOptions, parentContext);
      // A span that records nothing and carries no trace (the no-op API) needs no id.
      // A sampled-out span of a real SDK is kept, so its children inherit the decision.
      if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return 0;
      const id = this.#nextSpan++;
      this.#spans.set(id, span);
      this.#ownSpans.add(span);
      if (this.#spans.size > this.#maxOpenSpans) this.#evictOldest();
      return id;
    } catch (error) {
      this.#reportOnce('spanStart', 'throw', error);
      return 0;
    }
  }

  /** Ends the span and forgets its id; an unknown or ended id does nothing. */
  spanEnd(span: SpanId): void {
    try {
      const open = this.#spans.get(span);
      if (open === undefined) return;
      this.#spans.delete(span);
      open.end();
    } catch (error) {
      this.#reportOnce('spanEnd', 'throw', error);
    }
  }

  /** Adds an event to the span, with the attributes; an unknown or ended id does nothing. */
  spanEvent(span: SpanId, name: string, attributes?: Labels): void {
    try {
      const open = this.#spans.get(span);
      if (open === undefined) return;
      const eventName = typeof name === 'string' ? name : stringOf(name);
      open.addEvent(
        eventName,
        attributes === undefined ? undefined : toAttributes(attributes, this.#labelProblem, 'spanEvent', eventName),
      );
    } catch (error) {
      this.#reportOnce('spanEvent', 'throw', error);
    }
  }

  /**
   * The OpenTelemetry context in which span `span` (an id this extension's
   * `spanStart` returned) is the active span, built on `base` (default: the
   * active context). For an unknown or ended id, `base` itself. Hand it to
   * `context.with`, or to `tracer.startSpan(name, options, ctx)` to make a
   * span of your own a child of a kernel span.
   */
  contextOf(span: SpanId, base: Context = context.active()): Context {
    const open = this.#spans.get(span);
    return open === undefined ? base : trace.setSpan(base, open);
  }

  /**
   * Runs `fn` (with `thisArg` and `args`, as `context.with` does) with span
   * `span` active: spans the application starts inside nest under it, and log
   * calls made inside become its events. With an unknown or ended id `fn`
   * runs in the current context. Whatever `fn` returns or throws is passed
   * on; for an async `fn` the span stays active across its `await`s when a
   * context manager is registered (`@opentelemetry/context-async-hooks`, or
   * the Node SDK's default).
   */
  withSpan<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    span: SpanId,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return context.with(this.contextOf(span), fn, thisArg, ...args);
  }

  #bindTracer(): Tracer {
    if (this.#tracer === undefined) {
      const provider = this.#tracerProvider ?? trace.getTracerProvider();
      this.#tracer = provider.getTracer(this.#scopeName, this.#scopeVersion);
    }
    return this.#tracer;
  }

  #evictOldest(): void {
    const oldest = this.#spans.entries().next().value;
    if (oldest === undefined) return;
    const [id, span] = oldest;
    this.#spans.delete(id);
    span.setAttribute(EVICTED_ATTRIBUTE, true);
    span.end();
    this.#drop(
      'spanStart',
      'spans',
      'max-open-spans',
      () =>
        `more than ${this.#maxOpenSpans} spans open: the oldest (id ${id}) was ended with ${EVICTED_ATTRIBUTE}=true. ` +
        'End every span you start, or raise maxOpenSpans.',
    );
  }

  // ---------------------------------------------------------------------------
  // Logs and health
  // ---------------------------------------------------------------------------

  /** Counts the call (level `debug`) and adds a `log` event to the span active in the caller's context. */
  logDebug(message: string, fields?: Labels): void {
    this.#log('logDebug', 'debug', 'DEBUG', message, fields);
  }
  /** Counts the call (level `info`) and adds a `log` event to the span active in the caller's context. */
  logInfo(message: string, fields?: Labels): void {
    this.#log('logInfo', 'info', 'INFO', message, fields);
  }
  /** Counts the call (level `warn`) and adds a `log` event to the span active in the caller's context. */
  logWarn(message: string, fields?: Labels): void {
    this.#log('logWarn', 'warn', 'WARN', message, fields);
  }
  /**
   * Counts the call (level `error`) and adds a `log` event to the span active
   * in the caller's context; when that span is one this extension started,
   * its status becomes ERROR with the message (an application's own span
   * keeps the status the application gives it).
   */
  logError(message: string, fields?: Labels): void {
    this.#log('logError', 'error', 'ERROR', message, fields);
  }

  #log(operation: string, level: string, severity: string, message: unknown, fields: unknown): void {
    if (this.#shutDown) return;
    try {
      if (this.#logCounter && (this.#metricsState === ON || this.#bindMetrics())) {
        (this.#logMessages ?? this.#makeLogCounter(operation))?.add(1, LEVEL_ATTRIBUTES[level]);
      }
      // Only the caller's active context says which span a log belongs to: with
      // several transactions in flight, "the span started last" is someone else's.
      const span = trace.getSpan(context.active());
      if (span === undefined || !span.isRecording()) return;
      const text = typeof message === 'string' ? message : stringOf(message);
      if (this.#logEvents) {
        const attributes: Attributes = { ...toAttributes(fields, this.#labelProblem, operation, 'log') };
        attributes['log.severity'] = severity;
        attributes['log.message'] = text;
        span.addEvent('log', attributes);
      }
      if (severity === 'ERROR' && this.#ownSpans.has(span))
        span.setStatus({ code: SpanStatusCode.ERROR, message: text });
    } catch (error) {
      this.#reportOnce(operation, 'throw', error);
    }
  }

  /**
   * The log counter, made on the first log call with every level at 0 (as
   * `@sochdb/prometheus` writes it), so a rate over an absent level is 0,
   * not "no data".
   */
  #makeLogCounter(operation: string): Counter | undefined {
    const counter = this.#instrument('counter', LOG_COUNTER, operation, LOG_COUNTER_OPTIONS) as Counter | undefined;
    if (counter === undefined) return undefined;
    for (const attributes of Object.values(LEVEL_ATTRIBUTES)) counter.add(0, attributes);
    this.#logMessages = counter;
    return counter;
  }

  /**
   * Records the snapshot in five gauges named as `@sochdb/prometheus` names
   * them (see the README): `operational` as 1 or 0, the others as given; a
   * figure that is not a finite number is dropped and counted.
   */
  reportHealth(health: HealthInfo): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (health === null || typeof health !== 'object') {
        this.#drop(
          'reportHealth',
          'health',
          'not-an-object',
          () => `health must be an object; got ${describeValue(health)} (dropped)`,
        );
        return;
      }
      for (const { name, options, read } of HEALTH_GAUGES) {
        const value = read(health);
        const reason = dropReason(value, true);
        if (reason !== undefined) {
          this.#drop(
            'reportHealth',
            name,
            reason,
            () => `health gauge '${name}': value must be a finite number; got ${describeDropped(value)} (dropped)`,
          );
          continue;
        }
        (this.#instrument('gauge', name, 'reportHealth', options) as GaugeLike | undefined)?.record(value as number);
      }
    } catch (error) {
      this.#reportOnce('reportHealth', 'throw', error);
    }
  }

  /** Hands a problem that is not a drop (an SDK that throws) to `onError` once per operation and kind; a throwing handler is ignored. */
  #reportOnce(operation: string, problem: string, error: unknown): void {
    const key = `${operation}:${problem}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    try {
      this.#onError(error, { extension: this.info.name, operation });
    } catch {
      // Observability never throws into the caller, whatever the handler does.
    }
  }
}

function doNothing(): void {}

function defaultOnError(error: unknown, { extension, operation }: OpenTelemetryErrorSite): void {
  emitSochDBWarning(`opentelemetry '${extension}' ${operation}: ${messageOf(error)}`);
}
