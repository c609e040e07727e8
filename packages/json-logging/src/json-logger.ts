import { hostname } from 'node:os';
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
import { type LogLevelName, levelNumber } from './levels.js';
import {
  LINE_KEYS,
  messageText,
  quote,
  type RenderedBase,
  renderBase,
  UnprintableFieldError,
  valueText,
} from './line-format.js';
import { type Destination, LineSink, type LossReason } from './line-sink.js';
import { VERSION } from './version.js';

/** Where a problem happened, as handed to {@link JsonLoggerOptions.onError}. */
export interface JsonLoggerErrorSite {
  /** The extension's `info.name`. */
  readonly extension: string;
  /** The method called (`logInfo`, `counterInc`, ...), or `write` for a destination that failed. */
  readonly operation: string;
}

/** Options of a {@link JsonLogger}. Every one is optional. */
export interface JsonLoggerOptions {
  /** The extension name in a `PluginManager`. Default `"json-logging"`. */
  name?: string;
  /**
   * Where lines go: a file path (opened for appending, created if missing,
   * closed by `shutdown()`), a file descriptor (never closed by the logger),
   * or any writable stream (never ended by the logger). Default `1`, stdout.
   */
  destination?: Destination;
  /** Minimum level of log lines: `debug`, `info`, `warn`, `error` or `silent`. Default `info`; change it later with the `level` property. */
  level?: LogLevelName;
  /**
   * Fields written on every line: strings, finite numbers or booleans. As in
   * pino, the default is `{ pid, hostname }` (the process id and
   * `os.hostname()`); an object replaces them (`{ service: 'orders-db' }`
   * writes no pid), `null` writes none.
   */
  base?: Readonly<Record<string, string | number | boolean>> | null;
  /**
   * The `time` field: `'epoch'` (milliseconds since 1970, pino's default),
   * `'iso'` (an ISO 8601 string, as pino's `stdTimeFunctions.isoTime`
   * writes) or `false` (no time field). Default `'epoch'`.
   */
  timestamp?: 'epoch' | 'iso' | false;
  /** Write a line when a span starts and when it ends (with `durationMs`). Default `false`. */
  spans?: boolean;
  /** Write a line for every span event. Default `false`. */
  spanEvents?: boolean;
  /** Write a line for every counter, gauge and histogram call. Default `false`. */
  metrics?: boolean;
  /** Write a line for every health report. Default `false`. */
  health?: boolean;
  /** Spans tracked at once (for durations and parents) before the oldest is ended, counted and reported. Default 100,000 (the manager's default). */
  maxOpenSpans?: number;
  /** Bytes buffered before a write; `0` writes every line at once. Default 65,536. */
  bufferBytes?: number;
  /**
   * The most memory held for a destination that does not keep up (a pipe
   * whose reader is slow or stalled, a stream that asked for a pause), in
   * bytes. Lines past it are dropped and counted in `droppedLines`; the
   * event loop is never blocked waiting for a reader. Default 16 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * Hears about problems: every dropped line or value is counted (see
   * `droppedLines` and `dropCounts()`) and the first of each (logger or
   * metric, reason) is reported here; a field left out is reported once per
   * operation. Default: a process warning. If it throws, that is ignored.
   */
  onError?: (error: unknown, where: JsonLoggerErrorSite) => void;
}

interface OpenSpan {
  readonly name: string;
  readonly start: number;
}

/** Which metric call a metric line came from. */
type MetricType = 'counter' | 'gauge' | 'histogram';

const DEBUG = 20;
const INFO = 30;
const WARN = 40;
const ERROR = 50;
const DEFAULT_MAX_OPEN_SPANS = 100_000;
const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Distinct metric names drops are counted under; past it, under one subject, so the counts stay bounded. */
const MAX_DROP_SUBJECTS = 1_000;
const OTHER_SUBJECT = '(other)';
const EPOCH = 0;
const ISO = 1;
const NO_TIME = 2;
/** The keys of {@link JsonLoggerOptions}; any other key is refused. */
const OPTION_KEYS: readonly string[] = [
  'name',
  'destination',
  'level',
  'base',
  'spans',
  'spanEvents',
  'metrics',
  'health',
  'maxOpenSpans',
  'bufferBytes',
  'maxBufferedBytes',
  'timestamp',
  'onError',
];
const DEFAULT_BUFFER_BYTES = 64 * 1024;
const MAX_BUFFER_BYTES = 64 * 1024 * 1024;

/** Field keys cached per kind of line; past this, keys are rendered on every call. */
const MAX_CACHED_KEYS = 4096;

/**
 * The keys a kind of line holds itself (a call's field with one of these
 * names is written with a `_` in front), and the cached `,"key":` text of
 * keys that need nothing done.
 */
interface LineKind {
  readonly reserved: ReadonlySet<string>;
  readonly plain: Map<string, string>;
}

function lineKind(reserved: readonly string[]): LineKind {
  return { reserved: new Set(reserved), plain: new Map() };
}

/**
 * An observability extension that writes one JSON object per line, in
 * pino's shape (`level` 20/30/40/50, `time` in epoch milliseconds, `msg`,
 * then fields), so `pino-pretty` and log shippers read it. Log calls always
 * become lines (at or above `level`); spans, span events, metrics and health
 * become lines when switched on.
 *
 * Lines are buffered and written in large writes; `shutdown()`, `flush()`
 * and the process's normal exit (including `process.exit()`) write what is
 * buffered. No method throws: bad values are turned into defined output or
 * dropped, and reported once per operation and kind of problem through `onError`.
 */
export class JsonLogger implements ObservabilityExtension {
  /** Name (default `json-logging`), version, and the `observability` capability. */
  readonly info: ExtensionInfo;

  readonly #sink: LineSink;
  #minLevel: number;
  #levelName: LogLevelName;
  readonly #timestamp: number;
  readonly #base: RenderedBase;
  readonly #spans: boolean;
  readonly #spanEvents: boolean;
  readonly #metrics: boolean;
  readonly #health: boolean;
  readonly #maxOpenSpans: number;
  readonly #onError: (error: unknown, where: JsonLoggerErrorSite) => void;
  readonly #reported = new Set<string>();
  readonly #drops: DropLedger;
  readonly #dropSubjects = new Set<string>();
  /** The cause a drop being recorded carries into its report (a failed write's error). */
  #dropCause: unknown;
  /** Set while recording drops whose report was already made another way. */
  #quietDrop = false;
  #writeFailureReported = false;
  readonly #logKind = lineKind(LINE_KEYS);
  readonly #eventKind = lineKind([...LINE_KEYS, 'span', 'spanId', 'event']);
  readonly #metricKind = lineKind([...LINE_KEYS, 'metric', 'metricType', 'value']);
  readonly #open = new Map<SpanId, OpenSpan>();
  #nextSpan = 1;
  #dropped = 0;
  #shutDown = false;

  /**
   * @param options - see {@link JsonLoggerOptions}. A value of the wrong
   *   type, or a key that is not an option (a typo), is a `TypeError` naming
   *   it; a value out of range is a `RangeError`; a file path that cannot be
   *   opened is an `Error` with the system's `code` (e.g. `ENOENT`).
   */
  constructor(options: JsonLoggerOptions = {}) {
    assertOptions(options, OPTION_KEYS);
    const name = options.name ?? 'json-logging';
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`options.name must be a non-empty string; got ${describeValue(name)}`);
    }
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError(`options.onError must be a function; got ${describeValue(options.onError)}`);
    }
    for (const key of ['spans', 'spanEvents', 'metrics', 'health'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new TypeError(`options.${key} must be a boolean; got ${describeValue(options[key])}`);
      }
    }
    const maxOpenSpans = positiveInteger(options.maxOpenSpans ?? DEFAULT_MAX_OPEN_SPANS, 'options.maxOpenSpans');
    const maxBufferedBytes = positiveInteger(
      options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
      'options.maxBufferedBytes',
    );
    const timestamp = options.timestamp ?? 'epoch';
    if (timestamp !== 'epoch' && timestamp !== 'iso' && timestamp !== false) {
      const message = `options.timestamp must be 'epoch', 'iso' or false; got ${describeValue(timestamp)}`;
      throw typeof timestamp === 'string' ? new RangeError(message) : new TypeError(message);
    }
    const bufferBytes = checkInteger(
      options.bufferBytes ?? DEFAULT_BUFFER_BYTES,
      0,
      MAX_BUFFER_BYTES,
      `options.bufferBytes must be an integer from 0 to ${MAX_BUFFER_BYTES}`,
    );
    this.#levelName = options.level ?? 'info';
    this.#minLevel = levelNumber(this.#levelName, 'options.level');
    this.#timestamp = timestamp === 'epoch' ? EPOCH : timestamp === 'iso' ? ISO : NO_TIME;
    // pino's default base: the process id and the host name.
    this.#base = renderBase(options.base === undefined ? { pid: process.pid, hostname: hostname() } : options.base);
    this.#spans = options.spans ?? false;
    this.#spanEvents = options.spanEvents ?? false;
    this.#metrics = options.metrics ?? false;
    this.#health = options.health ?? false;
    this.#maxOpenSpans = maxOpenSpans;
    this.#onError = options.onError ?? defaultOnError;
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'JSON lines in pino format: logs, and optionally spans, span events, metrics and health',
      author: 'SochDB',
      capabilities: Object.freeze(['observability'] as const),
    });
    this.#drops = new DropLedger(name, (error, site) => {
      if (this.#quietDrop) return;
      // A failed write's report carries the system error (EPIPE, ENOSPC, ...) as its cause.
      if (this.#dropCause !== undefined) Object.defineProperty(error, 'cause', { value: this.#dropCause });
      this.#onError(error, site);
    });
    this.#sink = new LineSink(options.destination ?? 1, bufferBytes, maxBufferedBytes, (reason, error, lost) =>
      this.#linesLost(reason, error, lost),
    );
  }

  /**
   * Lines that were accepted but never reached the destination: writes that
   * failed (counted per line), lines dropped because `maxBufferedBytes` was
   * full, and lines logged after `shutdown()`. By reason in {@link dropCounts}.
   */
  get droppedLines(): number {
    return this.#dropped;
  }

  /** Every (logger or metric, reason) that lost lines or values, with how many, in the order first seen. */
  dropCounts(): DropCount[] {
    return [...this.#drops.entries()];
  }

  /** Bytes held in memory now for a destination that has not taken them yet (at most `maxBufferedBytes`). */
  get bufferedBytes(): number {
    return this.#sink.bufferedBytes;
  }

  /** The minimum level of log lines; setting it changes which lines are written from the next call on. */
  get level(): LogLevelName {
    return this.#levelName;
  }
  set level(level: LogLevelName) {
    this.#minLevel = levelNumber(level, 'level');
    this.#levelName = level;
  }

  /**
   * For a file path destination: writes what is buffered, closes the file and
   * opens the path again (or `path`, when given), as `pino.destination`'s
   * `reopen` does after logrotate renamed the file. Call it on SIGHUP (see the
   * README). Returns true when a file was reopened; false for a descriptor or
   * stream destination, after `shutdown()`, or when the path cannot be
   * opened (reported; lines keep going to the old file). Never throws but for
   * a `path` that is not a non-empty string (a `TypeError`).
   */
  reopen(path?: string): boolean {
    if (path !== undefined && (typeof path !== 'string' || path.length === 0)) {
      throw new TypeError(`reopen: path must be a non-empty string; got ${describeValue(path)}`);
    }
    if (this.#shutDown || !this.#sink.reopenable) return false;
    const error = this.#sink.reopen(path);
    if (error === undefined) return true;
    this.#report('reopen', 'open', error);
    return false;
  }

  #linesLost(reason: LossReason, error: unknown, lost: number): void {
    // A failing destination is reported once, whether it first showed as an 'error' event or as lost lines.
    if (lost === 0) {
      if (error !== undefined && !this.#writeFailureReported) {
        this.#writeFailureReported = true;
        this.#report('write', reason, error);
      }
      return;
    }
    this.#dropped += lost;
    const describe =
      reason === 'buffer-full'
        ? () =>
            `the destination does not keep up: more than maxBufferedBytes waiting, so lines are dropped (counted in droppedLines; logging goes on)`
        : () =>
            `cannot write to the destination (${lost} line${lost === 1 ? '' : 's'} lost, counted in droppedLines; logging goes on)${error === undefined ? '' : `: ${messageOf(error)}`}`;
    this.#dropCause = error;
    this.#quietDrop = reason === 'write-failed' && this.#writeFailureReported;
    try {
      for (let i = 0; i < lost; i++) this.#drops.record('write', this.info.name, reason, describe);
    } finally {
      this.#dropCause = undefined;
      this.#quietDrop = false;
      if (reason === 'write-failed') this.#writeFailureReported = true;
    }
  }

  /** Counts a dropped metric value under its metric (bounded number of subjects) and reason. */
  #dropValue(operation: string, subject: string, reason: string, describe: () => string): void {
    let counted = subject;
    if (!this.#dropSubjects.has(subject)) {
      if (this.#dropSubjects.size < MAX_DROP_SUBJECTS) this.#dropSubjects.add(subject);
      else counted = OTHER_SUBJECT;
    }
    this.#drops.record(operation, counted, reason, describe);
  }

  /** Writes every buffered line now (synchronously for a path or descriptor). Never throws. */
  flush(): void {
    this.#sink.flush();
  }

  /** Writes what is buffered, waits for a stream to confirm it, and closes a file this logger opened. Never rejects. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    this.#open.clear();
    await this.#sink.close();
  }

  // ---------------------------------------------------------------------------
  // Logs
  // ---------------------------------------------------------------------------

  /** Writes a level-20 line when `level` is `debug`. */
  logDebug(message: string, fields?: Labels): void {
    if (this.#minLevel <= DEBUG) this.#log(DEBUG, 'logDebug', message, fields);
  }
  /** Writes a level-30 line when `level` is `info` or lower. */
  logInfo(message: string, fields?: Labels): void {
    if (this.#minLevel <= INFO) this.#log(INFO, 'logInfo', message, fields);
  }
  /** Writes a level-40 line when `level` is `warn` or lower. */
  logWarn(message: string, fields?: Labels): void {
    if (this.#minLevel <= WARN) this.#log(WARN, 'logWarn', message, fields);
  }
  /** Writes a level-50 line unless `level` is `silent`. */
  logError(message: string, fields?: Labels): void {
    if (this.#minLevel <= ERROR) this.#log(ERROR, 'logError', message, fields);
  }

  #log(level: number, operation: string, message: unknown, fields: unknown): void {
    try {
      this.#line(level, messageText(message), '', fields, this.#logKind, operation);
    } catch (error) {
      this.#report(operation, 'throw', error);
    }
  }

  // ---------------------------------------------------------------------------
  // Metrics
  // ---------------------------------------------------------------------------

  /** With `metrics`, writes a `metric` line; a value that is negative, not finite or not a number is dropped and reported. */
  counterInc(name: string, value: number, labels?: Labels): void {
    if (this.#metrics) this.#metric('counterInc', 'counter', name, value, labels);
  }
  /** With `metrics`, writes a `metric` line; a value that is not finite or not a number is dropped and reported. */
  gaugeSet(name: string, value: number, labels?: Labels): void {
    if (this.#metrics) this.#metric('gaugeSet', 'gauge', name, value, labels);
  }
  /** With `metrics`, writes a `metric` line; a value that is not finite or not a number is dropped and reported. */
  histogramObserve(name: string, value: number, labels?: Labels): void {
    if (this.#metrics) this.#metric('histogramObserve', 'histogram', name, value, labels);
  }

  #metric(operation: string, type: MetricType, name: unknown, value: unknown, labels: unknown): void {
    try {
      if (typeof value !== 'number' || value - value !== 0 || (type !== 'gauge' && value < 0)) {
        const reason = typeof value !== 'number' ? 'not-a-number' : value - value !== 0 ? 'not-finite' : 'negative';
        const subject = stringOf(name);
        this.#dropValue(
          operation,
          subject,
          reason,
          () =>
            `${type} '${subject}': value must be a finite${type === 'gauge' ? '' : ', non-negative'} number; got ${describeDropped(value)} (dropped)`,
        );
        return;
      }
      const own = `,"metric":${messageText(name)},"metricType":"${type}","value":${value}`;
      this.#line(DEBUG, '"metric"', own, labels, this.#metricKind, operation);
    } catch (error) {
      this.#report(operation, 'throw', error);
    }
  }

  // ---------------------------------------------------------------------------
  // Spans
  // ---------------------------------------------------------------------------

  /**
   * With `spans` or `spanEvents`, tracks a span and returns its id (with
   * `spans`, writes a `span start` line); otherwise returns 0, "not traced".
   * An unknown or ended `parent` means no parent.
   */
  spanStart(name: string, parent?: SpanId): SpanId {
    if ((!this.#spans && !this.#spanEvents) || this.#shutDown) return 0;
    try {
      const spanName = stringOf(name);
      const id = this.#nextSpan++;
      const parentId = parent !== undefined && parent !== 0 && this.#open.has(parent) ? parent : 0;
      this.#open.set(id, { name: spanName, start: performance.now() });
      if (this.#spans) {
        const own = `,"span":${quote(spanName)},"spanId":${id}${parentId === 0 ? '' : `,"parentSpanId":${parentId}`}`;
        this.#line(DEBUG, '"span start"', own, undefined, this.#logKind, 'spanStart');
      }
      if (this.#open.size > this.#maxOpenSpans) this.#evictOldest();
      return id;
    } catch (error) {
      this.#report('spanStart', 'throw', error);
      return 0;
    }
  }

  /** Stops tracking the span; with `spans`, writes a `span end` line with `durationMs`. An unknown or ended id does nothing. */
  spanEnd(span: SpanId): void {
    const open = this.#open.get(span);
    if (open === undefined) return;
    this.#open.delete(span);
    this.#endLine(span, open, false);
  }

  #endLine(id: SpanId, open: OpenSpan, evicted: boolean): void {
    if (!this.#spans) return;
    try {
      const durationMs = Math.round((performance.now() - open.start) * 1000) / 1000;
      const own = `,"span":${quote(open.name)},"spanId":${id},"durationMs":${durationMs}${evicted ? ',"evicted":true' : ''}`;
      this.#line(DEBUG, '"span end"', own, undefined, this.#logKind, 'spanEnd');
    } catch (error) {
      this.#report('spanEnd', 'throw', error);
    }
  }

  #evictOldest(): void {
    const [id, open] = this.#open.entries().next().value as [SpanId, OpenSpan];
    this.#open.delete(id);
    this.#endLine(id, open, true);
    this.#dropValue(
      'spanStart',
      'spans',
      'max-open-spans',
      () =>
        `more than ${this.#maxOpenSpans} spans open: the oldest (id ${id}, '${open.name}') was ended. ` +
        'End every span you start, or raise maxOpenSpans.',
    );
  }

  /** With `spanEvents`, writes a `span event` line with the attributes as fields. An unknown or ended id does nothing. */
  spanEvent(span: SpanId, name: string, attributes?: Labels): void {
    if (!this.#spanEvents) return;
    const open = this.#open.get(span);
    if (open === undefined) return;
    try {
      const own = `,"span":${quote(open.name)},"spanId":${span},"event":${messageText(name)}`;
      this.#line(DEBUG, '"span event"', own, attributes, this.#eventKind, 'spanEvent');
    } catch (error) {
      this.#report('spanEvent', 'throw', error);
    }
  }

  // ---------------------------------------------------------------------------
  // Health
  // ---------------------------------------------------------------------------

  /**
   * With `health`, writes a `health` line holding the snapshot as a `health`
   * object: level 30 when `operational` is true, 50 otherwise. A figure that
   * is not a finite number is written as `null`.
   */
  reportHealth(health: HealthInfo): void {
    if (!this.#health) return;
    try {
      if (health === null || typeof health !== 'object') {
        this.#report(
          'reportHealth',
          'value',
          new TypeError(`health must be an object; got ${describeValue(health)} (dropped)`),
        );
        return;
      }
      const operational = health.operational === true;
      const own =
        `,"health":{"operational":${operational},"walSizeBytes":${figure(health.walSizeBytes)},` +
        `"activeTxns":${figure(health.activeTxns)},"bufferPoolUsage":${figure(health.bufferPoolUsage)},` +
        `"checkpointAgeSecs":${figure(health.checkpointAgeSecs)}}`;
      this.#line(operational ? INFO : ERROR, '"health"', own, undefined, this.#logKind, 'reportHealth');
    } catch (error) {
      this.#report('reportHealth', 'throw', error);
    }
  }

  // ---------------------------------------------------------------------------
  // Lines
  // ---------------------------------------------------------------------------

  #line(level: number, msg: string, own: string, fields: unknown, kind: LineKind, operation: string): void {
    if (this.#shutDown) {
      this.#linesLost('write-failed', undefined, 1);
      return;
    }
    const rest = fields === undefined ? this.#base.text : this.#fields(fields, kind, operation);
    const time =
      this.#timestamp === EPOCH
        ? `,"time":${Date.now()}`
        : this.#timestamp === ISO
          ? `,"time":"${new Date().toISOString()}"`
          : '';
    this.#sink.add(`{"level":${level}${time},"msg":${msg}${own}${rest}}\n`);
  }

  /**
   * Base fields and the call's fields as `,"k":"v"` text. A call field
   * replaces a base field of the same name; one named like a key the line
   * holds itself gets `_` in front; one whose value cannot be made a string
   * is left out and reported.
   */
  #fields(fields: unknown, kind: LineKind, operation: string): string {
    const base = this.#base;
    if (fields === null || typeof fields !== 'object') {
      this.#report(
        operation,
        'fields',
        new TypeError(`fields must be an object of names to strings; got ${describeValue(fields)} (ignored)`),
      );
      return base.text;
    }
    let keys: string[];
    try {
      keys = Object.keys(fields);
    } catch (error) {
      this.#report(operation, 'fields', new TypeError('the fields object cannot be read (ignored)', { cause: error }));
      return base.text;
    }
    let out = '';
    let replaced: string[] | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      let text: string | undefined;
      try {
        const value = (fields as Record<string, unknown>)[key];
        text = typeof value === 'string' ? quote(value) : valueText(value);
      } catch (error) {
        this.#report(operation, 'fields', new UnprintableFieldError(key, error));
        continue;
      }
      if (text === undefined) continue;
      // Most calls reuse a handful of keys: their `,"key":` text is cached.
      let prefix = kind.plain.get(key);
      if (prefix === undefined) {
        if (kind.reserved.has(key)) {
          let name = `_${key}`;
          while (kind.reserved.has(name) || keys.includes(name) || base.parts.has(name)) name = `_${name}`;
          prefix = `,${quote(name)}:`;
        } else {
          prefix = `,${quote(key)}:`;
          if (base.parts.has(key)) {
            replaced ??= [];
            replaced.push(key);
          } else if (kind.plain.size < MAX_CACHED_KEYS) kind.plain.set(key, prefix);
        }
      }
      out += prefix + text;
    }
    if (replaced === undefined) return base.text + out;
    let kept = '';
    for (const [key, part] of base.parts) if (!replaced.includes(key)) kept += part;
    return kept + out;
  }

  /** Hands a problem to `onError`, once per operation and kind of problem; a throwing handler is ignored. */
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

function figure(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : 'null';
}

function defaultOnError(error: unknown, { extension, operation }: JsonLoggerErrorSite): void {
  emitSochDBWarning(`json-logging '${extension}' ${operation}: ${messageOf(error)}`);
}

/** `value` if it is an integer in `[min, max]`; a wrong type is a `TypeError`, a bad number a `RangeError`. */
function checkInteger(value: unknown, min: number, max: number, rule: string): number {
  const message = `${rule}; got ${describeValue(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(message);
  return value;
}
