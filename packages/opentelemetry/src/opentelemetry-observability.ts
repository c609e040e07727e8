import {
  type Attributes,
  type Counter,
  context,
  createNoopMeter,
  type Histogram,
  isSpanContextValid,
  type Meter,
  type MeterProvider,
  type MetricOptions,
  metrics,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import {
  assertOptions,
  describeValue,
  type ExtensionInfo,
  emitSochDBWarning,
  type HealthInfo,
  type Labels,
  type ObservabilityExtension,
  type SpanId,
} from '@sochdb/core';
import { toAttributes } from './attributes.js';
import { type GaugeLike, LastValueGauge } from './last-value-gauge.js';
import { instrumentName, stringOf } from './names.js';
import { OpenSpans } from './open-spans.js';
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
   * (`metrics.getMeterProvider()`) as it is at `init()` (or at the first
   * metric call without `init`): register the SDK before this extension.
   */
  meterProvider?: MeterProvider;
  /**
   * Where spans are made. Default: the global tracer provider
   * (`trace.getTracerProvider()`), which follows an SDK registered later.
   */
  tracerProvider?: TracerProvider;
  /** The instrumentation scope name of the meter and tracer. Default `"@sochdb/opentelemetry"`. */
  scopeName?: string;
  /** The instrumentation scope version. Default this package's version. */
  scopeVersion?: string;
  /** Spans open at once before the oldest is ended (with `sochdb.span.evicted = true`) and reported. Default 10,000. */
  maxOpenSpans?: number;
  /** Distinct instruments (metric names) made before calls with new names are dropped and reported. Default 1,000. */
  maxInstruments?: number;
  /** Log calls as a `log` event on the innermost open span. Default `true`. */
  logEvents?: boolean;
  /** Log calls counted by level in the `sochdb.log.records` counter. Default `true`. */
  logCounter?: boolean;
  /**
   * Hears about problems once per operation and kind of problem: a value
   * dropped, a name made legal, a label left out, a span evicted, a call the
   * SDK threw from. Default: a process warning. If it throws, that is ignored.
   */
  onError?: (error: unknown, where: OpenTelemetryErrorSite) => void;
}

type Kind = 'counter' | 'gauge' | 'histogram';
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
  'scopeName',
  'scopeVersion',
  'maxOpenSpans',
  'maxInstruments',
  'logEvents',
  'logCounter',
  'onError',
];
const DEFAULT_MAX_OPEN_SPANS = 10_000;
const DEFAULT_MAX_INSTRUMENTS = 1_000;
const LOG_COUNTER = 'sochdb.log.records';
const EVICTED_ATTRIBUTE = 'sochdb.span.evicted';

/** The no-op meter's class, to tell "no SDK registered" apart from a real meter. */
const NOOP_METER_CLASS = createNoopMeter().constructor;

/** Attribute sets of the log counter, made once. */
const LEVEL_ATTRIBUTES: Readonly<Record<string, Attributes>> = Object.freeze({
  debug: Object.freeze({ level: 'debug' }),
  info: Object.freeze({ level: 'info' }),
  warn: Object.freeze({ level: 'warn' }),
  error: Object.freeze({ level: 'error' }),
});

/** The health snapshot as gauges: name, unit, and how each is read from the snapshot. */
const HEALTH_GAUGES: ReadonlyArray<{
  name: string;
  unit: string;
  description: string;
  read: (h: HealthInfo) => unknown;
}> = [
  {
    name: 'sochdb.health.operational',
    unit: '1',
    description: '1 while the kernel accepts work, 0 when it does not',
    read: (h) => (h.operational === true ? 1 : 0),
  },
  {
    name: 'sochdb.health.wal.size',
    unit: 'By',
    description: 'Bytes in the write-ahead log',
    read: (h) => h.walSizeBytes,
  },
  {
    name: 'sochdb.health.active_transactions',
    unit: '{transaction}',
    description: 'Transactions open now',
    read: (h) => h.activeTxns,
  },
  {
    name: 'sochdb.health.buffer_pool.usage',
    unit: '1',
    description: 'Fraction of the buffer pool in use, 0 to 1',
    read: (h) => h.bufferPoolUsage,
  },
  {
    name: 'sochdb.health.checkpoint.age',
    unit: 's',
    description: 'Seconds since the last checkpoint',
    read: (h) => h.checkpointAgeSecs,
  },
];

const UNBOUND = 0;
const ON = 1;
const OFF = 2;

/**
 * An observability extension on the OpenTelemetry API. Counters, gauges and
 * histograms are OpenTelemetry instruments made once per name and cached,
 * with labels as attributes; spans are real spans (a child of the parent's
 * span when a parent id is given); log calls are events on the innermost
 * open span and a counter by level; health snapshots are gauges.
 *
 * With no SDK registered the calls cost about what the no-op API costs. No
 * method throws: bad values are dropped or made legal, and reported once
 * through `onError`.
 */
export class OpenTelemetryObservability implements ObservabilityExtension {
  /** Name (default `opentelemetry`), version, and the `observability` capability. */
  readonly info: ExtensionInfo;

  readonly #meterProvider: MeterProvider | undefined;
  readonly #tracerProvider: TracerProvider | undefined;
  readonly #scopeName: string;
  readonly #scopeVersion: string;
  readonly #maxOpenSpans: number;
  readonly #maxInstruments: number;
  readonly #logEvents: boolean;
  readonly #logCounter: boolean;
  readonly #onError: (error: unknown, where: OpenTelemetryErrorSite) => void;

  #meter: Meter | undefined;
  #metricsState = UNBOUND;
  #tracer: Tracer | undefined;
  /** Instruments by the lower-cased legal name (OpenTelemetry names are case-insensitive). */
  readonly #byName = new Map<string, InstrumentEntry>();
  /** The same instruments by the name as called, so a call costs one lookup. */
  readonly #byCallName = new Map<string, InstrumentEntry>();
  readonly #spans = new OpenSpans();
  #nextSpan = 1;
  #shutDown = false;
  readonly #reported = new Set<string>();
  readonly #labelProblem: Readonly<Record<string, (error: Error) => void>>;

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
    for (const key of ['scopeName', 'scopeVersion'] as const) {
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
    this.#scopeName = options.scopeName ?? DEFAULT_SCOPE;
    this.#scopeVersion = options.scopeVersion ?? VERSION;
    this.#maxOpenSpans = maxOpenSpans;
    this.#maxInstruments = maxInstruments;
    this.#logEvents = options.logEvents ?? true;
    this.#logCounter = options.logCounter ?? true;
    this.#onError = options.onError ?? defaultOnError;
    const problems: Record<string, (error: Error) => void> = {};
    for (const operation of [
      'counterInc',
      'gaugeSet',
      'histogramObserve',
      'spanEvent',
      'logDebug',
      'logInfo',
      'logWarn',
      'logError',
    ]) {
      problems[operation] = (error) => this.#report(operation, 'labels', error);
    }
    this.#labelProblem = problems;
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'OpenTelemetry metrics and traces: cached instruments, real spans, logs as span events',
      author: 'SochDB',
      capabilities: Object.freeze(['observability'] as const),
    });
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
    this.#metricsOff();
    for (const span of this.#spans.drain()) {
      try {
        span.end();
      } catch (error) {
        this.#report('shutdown', 'throw', error);
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

  // ---------------------------------------------------------------------------
  // Metrics
  // ---------------------------------------------------------------------------

  /** Adds `value` to the counter `name`; a value that is negative, not finite or not a number is dropped and reported. */
  counterInc(name: string, value: number, labels?: Labels): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
        this.#dropValue('counterInc', 'counter', name, value);
        return;
      }
      const counter = this.#instrument('counter', name, 'counterInc') as Counter | undefined;
      if (counter === undefined) return;
      counter.add(
        value,
        labels === undefined ? undefined : toAttributes(labels, this.#labelProblem.counterInc as (e: Error) => void),
      );
    } catch (error) {
      this.#report('counterInc', 'throw', error);
    }
  }

  /** Records `value` in the synchronous gauge `name`; a value that is not a finite number is dropped and reported. */
  gaugeSet(name: string, value: number, labels?: Labels): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        this.#dropValue('gaugeSet', 'gauge', name, value);
        return;
      }
      const gauge = this.#instrument('gauge', name, 'gaugeSet') as GaugeLike | undefined;
      if (gauge === undefined) return;
      gauge.record(
        value,
        labels === undefined ? undefined : toAttributes(labels, this.#labelProblem.gaugeSet as (e: Error) => void),
      );
    } catch (error) {
      this.#report('gaugeSet', 'throw', error);
    }
  }

  /** Records `value` in the histogram `name`; a value that is negative, not finite or not a number is dropped and reported. */
  histogramObserve(name: string, value: number, labels?: Labels): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (typeof value !== 'number' || !(value >= 0) || value === Number.POSITIVE_INFINITY) {
        this.#dropValue('histogramObserve', 'histogram', name, value);
        return;
      }
      const histogram = this.#instrument('histogram', name, 'histogramObserve') as Histogram | undefined;
      if (histogram === undefined) return;
      histogram.record(
        value,
        labels === undefined
          ? undefined
          : toAttributes(labels, this.#labelProblem.histogramObserve as (e: Error) => void),
      );
    } catch (error) {
      this.#report('histogramObserve', 'throw', error);
    }
  }

  #dropValue(operation: string, kind: Kind, name: unknown, value: unknown): void {
    const must = kind === 'gauge' ? 'a finite number' : 'a finite, non-negative number';
    this.#report(
      operation,
      'value',
      new RangeError(`${kind} '${stringOf(name)}': value must be ${must}; got ${describeDropped(value)} (dropped)`),
    );
  }

  /** The cached instrument for a call, made on first use; `undefined` (reported) when the call must be dropped. */
  #instrument(kind: Kind, name: unknown, operation: string, options?: MetricOptions): Instrument | undefined {
    const key = typeof name === 'string' ? name : stringOf(name);
    const entry = this.#byCallName.get(key) ?? this.#create(kind, key, operation, options);
    if (entry === undefined) return undefined;
    if (entry.kind !== kind) {
      this.#report(
        operation,
        'kind',
        new TypeError(`'${key}' is already a ${entry.kind}; a ${kind} call with that name was dropped`),
      );
      return undefined;
    }
    return entry.instrument;
  }

  #create(kind: Kind, key: string, operation: string, options?: MetricOptions): InstrumentEntry | undefined {
    const legal = instrumentName(key);
    if (legal !== key) {
      this.#report(
        operation,
        'name',
        new RangeError(
          `'${key.length > 80 ? `${key.slice(0, 80)}...` : key}' is not a legal OpenTelemetry instrument name; recorded as '${legal.length > 80 ? `${legal.slice(0, 80)}...` : legal}'`,
        ),
      );
    }
    const folded = legal.toLowerCase();
    let entry = this.#byName.get(folded);
    if (entry === undefined) {
      if (this.#byName.size >= this.#maxInstruments) {
        this.#report(
          operation,
          'limit',
          new RangeError(
            `more than ${this.#maxInstruments} instruments: calls for '${legal}' are dropped. Raise maxInstruments, or keep variable parts of names in labels.`,
          ),
        );
        return undefined;
      }
      const meter = this.#meter as Meter;
      let instrument: Instrument;
      if (kind === 'counter') instrument = meter.createCounter(legal, options);
      else if (kind === 'histogram') instrument = meter.createHistogram(legal, options);
      else if (typeof meter.createGauge === 'function') instrument = meter.createGauge(legal, options);
      else instrument = new LastValueGauge(meter, legal, options);
      entry = { kind, instrument };
      this.#byName.set(folded, entry);
    }
    if (this.#byCallName.size < 4 * this.#maxInstruments) this.#byCallName.set(key, entry);
    return entry;
  }

  /** Binds the meter on first use; false when metrics are off (no SDK, or shut down). */
  #bindMetrics(): boolean {
    if (this.#metricsState !== UNBOUND) return this.#metricsState === ON;
    try {
      const provider = this.#meterProvider ?? metrics.getMeterProvider();
      const meter = provider.getMeter(this.#scopeName, this.#scopeVersion);
      this.#meter = meter;
      // With no SDK the API hands out a no-op meter: skip the work entirely.
      if (meter.constructor === NOOP_METER_CLASS) this.#metricsOff();
      else this.#metricsState = ON;
    } catch (error) {
      this.#metricsOff();
      this.#report('init', 'throw', error);
    }
    return this.#metricsState === ON;
  }

  /**
   * Metrics record nothing from now on (no SDK, or shut down). The metric
   * methods are replaced on this instance by empty functions, so a call costs
   * what a call of the no-op API costs: V8 inlines an empty function.
   */
  #metricsOff(): void {
    this.#metricsState = OFF;
    this.counterInc = doNothing;
    this.gaugeSet = doNothing;
    this.histogramObserve = doNothing;
    this.reportHealth = doNothing;
  }

  // ---------------------------------------------------------------------------
  // Spans
  // ---------------------------------------------------------------------------

  /**
   * Starts a span, a child of `parent`'s span when `parent` is an open span
   * of this extension (otherwise of the span active in the OpenTelemetry
   * context, if any). Returns 0 when there is nothing to trace (no SDK, or
   * after shutdown).
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
      const span = tracer.startSpan(typeof name === 'string' ? name : stringOf(name), undefined, parentContext);
      // A span that records nothing and carries no trace (the no-op API) needs no id.
      // A sampled-out span of a real SDK is kept, so its children inherit the decision.
      if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return 0;
      const id = this.#nextSpan++;
      this.#spans.add(id, span);
      if (this.#spans.size > this.#maxOpenSpans) this.#evictOldest();
      return id;
    } catch (error) {
      this.#report('spanStart', 'throw', error);
      return 0;
    }
  }

  /** Ends the span and forgets its id; an unknown or ended id does nothing. */
  spanEnd(span: SpanId): void {
    try {
      this.#spans.take(span)?.end();
    } catch (error) {
      this.#report('spanEnd', 'throw', error);
    }
  }

  /** Adds an event to the span, with the attributes; an unknown or ended id does nothing. */
  spanEvent(span: SpanId, name: string, attributes?: Labels): void {
    try {
      const open = this.#spans.get(span);
      if (open === undefined) return;
      open.addEvent(
        typeof name === 'string' ? name : stringOf(name),
        attributes === undefined
          ? undefined
          : toAttributes(attributes, this.#labelProblem.spanEvent as (e: Error) => void),
      );
    } catch (error) {
      this.#report('spanEvent', 'throw', error);
    }
  }

  #bindTracer(): Tracer {
    if (this.#tracer === undefined) {
      const provider = this.#tracerProvider ?? trace.getTracerProvider();
      this.#tracer = provider.getTracer(this.#scopeName, this.#scopeVersion);
    }
    return this.#tracer;
  }

  #evictOldest(): void {
    const oldest = this.#spans.oldest();
    if (oldest === undefined) return;
    const [id, span] = oldest;
    this.#spans.take(id);
    span.setAttribute(EVICTED_ATTRIBUTE, true);
    span.end();
    this.#report(
      'spanStart',
      'evicted',
      new RangeError(
        `more than ${this.#maxOpenSpans} spans open: the oldest (id ${id}) was ended with ${EVICTED_ATTRIBUTE}=true. ` +
          'End every span you start, or raise maxOpenSpans.',
      ),
    );
  }

  // ---------------------------------------------------------------------------
  // Logs and health
  // ---------------------------------------------------------------------------

  /** Counts the call (level `debug`) and adds a `log` event to the innermost open span. */
  logDebug(message: string, fields?: Labels): void {
    this.#log('logDebug', 'debug', 'DEBUG', message, fields);
  }
  /** Counts the call (level `info`) and adds a `log` event to the innermost open span. */
  logInfo(message: string, fields?: Labels): void {
    this.#log('logInfo', 'info', 'INFO', message, fields);
  }
  /** Counts the call (level `warn`) and adds a `log` event to the innermost open span. */
  logWarn(message: string, fields?: Labels): void {
    this.#log('logWarn', 'warn', 'WARN', message, fields);
  }
  /** Counts the call (level `error`) and adds a `log` event to the innermost open span. */
  logError(message: string, fields?: Labels): void {
    this.#log('logError', 'error', 'ERROR', message, fields);
  }

  #log(operation: string, level: string, severity: string, message: unknown, fields: unknown): void {
    if (this.#shutDown) return;
    try {
      if (this.#logCounter && (this.#metricsState === ON || this.#bindMetrics())) {
        (
          this.#instrument('counter', LOG_COUNTER, operation, {
            description: 'Log calls, by level',
            unit: '{record}',
          }) as Counter | undefined
        )?.add(1, LEVEL_ATTRIBUTES[level]);
      }
      if (this.#logEvents) {
        const span = this.#spans.innermost() ?? trace.getSpan(context.active());
        if (span?.isRecording()) {
          const attributes: Attributes = {
            ...toAttributes(fields, this.#labelProblem[operation] as (e: Error) => void),
          };
          attributes['log.severity'] = severity;
          attributes['log.message'] = typeof message === 'string' ? message : stringOf(message);
          span.addEvent('log', attributes);
        }
      }
    } catch (error) {
      this.#report(operation, 'throw', error);
    }
  }

  /**
   * Records the snapshot in five gauges (see the README): `operational` as 1
   * or 0, the others as given; a figure that is not a finite number is not
   * recorded.
   */
  reportHealth(health: HealthInfo): void {
    if (this.#metricsState !== ON && !this.#bindMetrics()) return;
    try {
      if (health === null || typeof health !== 'object') {
        this.#report(
          'reportHealth',
          'value',
          new TypeError(`health must be an object; got ${describeValue(health)} (dropped)`),
        );
        return;
      }
      for (const { name, unit, description, read } of HEALTH_GAUGES) {
        const value = read(health);
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        (this.#instrument('gauge', name, 'reportHealth', { unit, description }) as GaugeLike | undefined)?.record(
          value,
        );
      }
    } catch (error) {
      this.#report('reportHealth', 'throw', error);
    }
  }

  /** Hands a problem to `onError` once per operation and kind of problem; a throwing handler is ignored. */
  #report(operation: string, problem: string, error: unknown): void {
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

/** A dropped metric value as its report shows it: a number as it is (`-1`, `NaN`), anything else by its type. */
function describeDropped(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value;
}

/** `value` if it is a positive integer; a wrong type is a `TypeError`, a bad number a `RangeError`. */
function positiveInteger(value: unknown, what: string): number {
  const message = `${what} must be a positive integer; got ${describeValue(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(message);
  return value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function defaultOnError(error: unknown, { extension, operation }: OpenTelemetryErrorSite): void {
  emitSochDBWarning(
    `opentelemetry '${extension}' ${operation}: ${messageOf(error)}. Further problems of this kind are not reported.`,
  );
}
