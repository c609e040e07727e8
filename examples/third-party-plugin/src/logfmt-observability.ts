import {
  assertOptions,
  describeValue,
  type ExtensionInfo,
  type Labels,
  type ObservabilityExtension,
} from '@sochdb/core';
import { formatLine } from './logfmt.js';

/** Where lines go: anything with a `write(string)` method, like `process.stderr`. */
export interface LineSink {
  write(line: string): unknown;
}

/** Levels, least to most severe. */
export type LogfmtLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogfmtLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const OPTION_KEYS: readonly string[] = ['name', 'destination', 'level', 'spans', 'now'];

/** Options of {@link LogfmtObservability}. */
export interface LogfmtOptions {
  /** Extension name (default `"logfmt"`). */
  name?: string;
  /** Where lines are written (default `process.stderr`). */
  destination?: LineSink;
  /** Least severe level written (default `"info"`). */
  level?: LogfmtLevel;
  /** Also write a line per span end, with its duration (default `true`). */
  spans?: boolean;
  /** Clock for `ts=` (default `() => new Date()`), for tests. */
  now?: () => Date;
}

/** Any run-time value as text; objects without a string form (null prototype) must not throw. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A logging backend for SochDB writing logfmt lines. Metrics are not logged
 * (a metrics backend does that better); spans are logged when they end.
 * Like every observability extension, it never throws: a sink that throws
 * makes it count the line in {@link LogfmtObservability.droppedLines} instead.
 */
export class LogfmtObservability implements ObservabilityExtension {
  /** Declares `observability`. */
  readonly info: ExtensionInfo;
  /** Lines the destination refused. */
  droppedLines = 0;
  readonly #sink: LineSink;
  readonly #minimum: number;
  readonly #spans: boolean;
  readonly #now: () => Date;
  readonly #open = new Map<number, { name: string; start: number; parent: number | undefined }>();
  #nextSpan = 1;

  /**
   * @param options - see {@link LogfmtOptions}
   * @throws TypeError when `options` is not an object, has a key that is not
   *   an option, or an option has the wrong type; RangeError for an unknown
   *   level name. Messages show the refused value with its type.
   */
  constructor(options: LogfmtOptions = {}) {
    assertOptions(options, OPTION_KEYS);
    const name = options.name ?? 'logfmt';
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`options.name must be a non-empty string; got ${describeValue(name)}`);
    }
    const level: unknown = options.level ?? 'info';
    const levels = 'options.level must be one of debug, info, warn, error';
    if (typeof level !== 'string') throw new TypeError(`${levels}; got ${describeValue(level)}`);
    // Object.hasOwn, not `in`: 'toString' and 'constructor' are `in` every object.
    if (!Object.hasOwn(RANK, level)) throw new RangeError(`${levels}; got ${describeValue(level)}`);
    const destination: unknown = options.destination;
    if (
      destination !== undefined &&
      (typeof destination !== 'object' ||
        destination === null ||
        typeof (destination as { write?: unknown }).write !== 'function')
    ) {
      throw new TypeError(
        `options.destination must be an object with a write(line) method, like process.stderr; got ${describeValue(destination)}`,
      );
    }
    if (options.spans !== undefined && typeof options.spans !== 'boolean') {
      throw new TypeError(`options.spans must be a boolean; got ${describeValue(options.spans)}`);
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new TypeError(`options.now must be a function returning a Date; got ${describeValue(options.now)}`);
    }
    this.info = {
      name,
      version: '0.1.0',
      description: 'logfmt lines for SochDB logs and spans',
      author: 'the SochDB plugin template',
      capabilities: ['observability'],
    };
    this.#sink = options.destination ?? process.stderr;
    this.#minimum = RANK[level as LogfmtLevel];
    this.#spans = options.spans ?? true;
    this.#now = options.now ?? (() => new Date());
  }

  #write(level: LogfmtLevel, message: unknown, fields?: Labels): void {
    if (RANK[level] < this.#minimum) return;
    try {
      const pairs: Array<[string, string]> = [
        ['ts', this.#now().toISOString()],
        ['level', level],
        ['msg', text(message)],
      ];
      if (fields && typeof fields === 'object') {
        for (const [key, value] of Object.entries(fields)) pairs.push([key, text(value)]);
      }
      this.#sink.write(`${formatLine(pairs)}\n`);
    } catch {
      this.droppedLines++;
    }
  }

  /** Writes a debug line. */
  logDebug(message: string, fields?: Labels): void {
    this.#write('debug', message, fields);
  }
  /** Writes an info line. */
  logInfo(message: string, fields?: Labels): void {
    this.#write('info', message, fields);
  }
  /** Writes a warn line. */
  logWarn(message: string, fields?: Labels): void {
    this.#write('warn', message, fields);
  }
  /** Writes an error line. */
  logError(message: string, fields?: Labels): void {
    this.#write('error', message, fields);
  }

  /** Not logged. */
  counterInc(): void {}
  /** Not logged. */
  gaugeSet(): void {}
  /** Not logged. */
  histogramObserve(): void {}

  /** Starts timing a span; returns its id (0 when span lines are off). */
  spanStart(name: string, parent?: number): number {
    if (!this.#spans) return 0;
    const id = this.#nextSpan++;
    this.#open.set(id, {
      name: text(name),
      start: performance.now(),
      parent: parent !== undefined && this.#open.has(parent) ? parent : undefined,
    });
    return id;
  }

  /** Writes `msg="span end" span=<name> duration_ms=<ms>`; unknown ids do nothing. */
  spanEnd(span: number): void {
    const open = this.#open.get(span);
    if (open === undefined) return;
    this.#open.delete(span);
    const fields: Record<string, string> = {
      span: open.name,
      duration_ms: (performance.now() - open.start).toFixed(3),
    };
    if (open.parent !== undefined) fields.parent_id = String(open.parent);
    this.#write('info', 'span end', fields);
  }

  /** Writes a debug line for the event, with the span's name. */
  spanEvent(span: number, name: string, attributes?: Labels): void {
    const open = this.#open.get(span);
    if (open === undefined) return;
    this.#write('debug', text(name), {
      ...(attributes && typeof attributes === 'object' ? attributes : {}),
      span: open.name,
    });
  }

  /** Forgets open spans. */
  shutdown(): void {
    this.#open.clear();
  }
}
