/**
 * Where the extension keeps its numbers between scrapes. The hot path adds to
 * a plain object found through nested maps keyed by the caller's own label
 * value strings (no key string is built per call); prom-client is handed the
 * totals only when the registry is scraped.
 */
import type { Labels } from '@sochdb/core';
import { labelName, type MetricKind } from './names.js';

/** One labelled counter or gauge series. */
export interface ValueSeries {
  /** The series' Prometheus labels, made once when the series is created. */
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

/** One labelled histogram series: per-bucket (not cumulative) counts, sum and count. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** `counts[i]` observations fell in `(bounds[i-1], bounds[i]]`; those above the last bound only in `count`. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** How a family reports a dropped or altered value: once per (family, problem). */
export type ProblemReporter = (problem: string, error: Error) => void;

type Node<S> = Map<string, Node<S> | S>;

/**
 * All series of one metric. Its label names are fixed by the call that made
 * it; see {@link Family.find} for what later calls with other label names get.
 */
export class Family<S extends object> {
  /** Prometheus label names, in the order of the call that made the metric. */
  readonly labelNames: readonly string[];
  /** Histogram upper bounds (empty for counters and gauges). */
  readonly bounds: readonly number[];
  /** Every live series, for the scrape. */
  readonly all: S[] = [];
  /** The creating call's own label names (before sanitising), for the fast path. */
  readonly #keys: readonly string[];
  readonly #kind: MetricKind;
  readonly #max: number;
  readonly #make: (labels: Record<string, string>) => S;
  readonly #report: ProblemReporter;
  readonly #describe: string;
  #root: Node<S> = new Map();
  #single: S | undefined;
  /** Caller label name to index in labelNames (-1: not one of ours), for the slow path. */
  readonly #nameCache = new Map<string, number>();

  /**
   * @param kind - metric kind (histograms rename a label `le`)
   * @param describe - how messages name the metric, e.g. `counter "txn.commit" (sochdb_txn_commit_total)`
   * @param keys - the creating call's label names; their sanitised forms become the label names
   * @param bounds - histogram upper bounds (empty for counters and gauges)
   * @param max - series cap; past it new series are dropped and reported once
   */
  constructor(
    kind: MetricKind,
    describe: string,
    keys: readonly string[],
    bounds: readonly number[],
    max: number,
    make: (labels: Record<string, string>) => S,
    report: ProblemReporter,
  ) {
    this.#kind = kind;
    this.bounds = bounds;
    this.#describe = describe;
    this.#max = max;
    this.#make = make;
    this.#report = report;
    const names: string[] = [];
    const kept: string[] = [];
    for (const key of keys) {
      const name = labelName(key, kind);
      if (names.includes(name)) {
        report(
          'label-collision',
          new RangeError(
            `${describe}: labels ${JSON.stringify(key)} and ${JSON.stringify(kept[names.indexOf(name)])} both map to "${name}"; the first is kept, the other dropped`,
          ),
        );
        continue;
      }
      names.push(name);
      kept.push(key);
    }
    this.labelNames = Object.freeze(names);
    this.#keys = Object.freeze(kept);
  }

  /** Number of live series. */
  get size(): number {
    return this.all.length;
  }

  /**
   * The series for `labels`, made on first use; `undefined` when the series
   * cap is reached. The rule for label names other than the metric's own:
   * a label the metric has but the call lacks gets the empty value (which
   * Prometheus treats as absent); a label the call has but the metric lacks
   * is dropped, reported once. Values that are not strings are stringified
   * (numbers, booleans, bigints) or emptied (anything else), reported once.
   */
  find(labels: Labels | undefined): S | undefined {
    const keys = this.#keys;
    const n = keys.length;
    if (n === 0) {
      if (labels !== undefined) for (const _ in labels) return this.#slow(labels);
      return this.#single ?? this.#slow(labels);
    }
    if (labels === undefined) return this.#slow(labels);
    let count = 0;
    for (const _ in labels) count++;
    if (count !== n) return this.#slow(labels);
    let node = this.#root;
    for (let i = 0; i < n - 1; i++) {
      const value = labels[keys[i] as string];
      if (typeof value !== 'string') return this.#slow(labels);
      const next = node.get(value);
      if (next === undefined) return this.#slow(labels);
      node = next as Node<S>;
    }
    const value = labels[keys[n - 1] as string];
    if (typeof value !== 'string') return this.#slow(labels);
    return (node.get(value) as S | undefined) ?? this.#slow(labels);
  }

  /** The series for label values given in {@link labelNames} order; for the extension's own metrics. */
  findByValues(values: readonly string[]): S | undefined {
    return this.#at(values);
  }

  /** Forgets every series. */
  clear(): void {
    this.#root = new Map();
    this.#single = undefined;
    this.all.length = 0;
  }

  /** Normalises a call whose labels do not match the metric's exactly. */
  #slow(labels: unknown): S | undefined {
    const names = this.labelNames;
    const values: string[] = new Array<string>(names.length).fill('');
    if (labels !== undefined && labels !== null && typeof labels === 'object') {
      const seen: boolean[] = new Array<boolean>(names.length).fill(false);
      for (const key of Object.keys(labels)) {
        const at = this.#indexOf(key);
        if (at < 0) {
          this.#report(
            'label-unknown',
            new RangeError(
              `${this.#describe} was made with labels [${names.join(', ')}]; label ${JSON.stringify(key)} is not one of them and was dropped (a metric keeps the label names of its first use)`,
            ),
          );
          continue;
        }
        if (seen[at]) {
          this.#report(
            'label-collision',
            new RangeError(
              `${this.#describe}: label ${JSON.stringify(key)} maps to "${names[at]}", which this call already set; dropped`,
            ),
          );
          continue;
        }
        seen[at] = true;
        values[at] = this.#stringValue(key, (labels as Record<string, unknown>)[key]);
      }
    } else if (labels !== undefined && labels !== null) {
      this.#report(
        'labels-type',
        new TypeError(`${this.#describe}: labels must be an object of strings; got ${typeof labels} (ignored)`),
      );
    }
    return this.#at(values);
  }

  #indexOf(key: string): number {
    let at = this.#nameCache.get(key);
    if (at === undefined) {
      at = this.labelNames.indexOf(labelName(key, this.#kind));
      // Bounded: a caller with runaway label names must not grow this cache.
      if (this.#nameCache.size < 256) this.#nameCache.set(key, at);
    }
    return at;
  }

  #stringValue(key: string, value: unknown): string {
    if (typeof value === 'string') return value;
    if (value === undefined) return '';
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
      this.#report(
        'label-value-type',
        new TypeError(
          `${this.#describe}: label ${JSON.stringify(key)} has a ${typeof value} value; label values are strings, so it was stringified`,
        ),
      );
      return String(value);
    }
    this.#report(
      'label-value-type',
      new TypeError(
        `${this.#describe}: label ${JSON.stringify(key)} has a ${value === null ? 'null' : typeof value} value; label values are strings, so it was replaced by ""`,
      ),
    );
    return '';
  }

  /** Walks (and, under the cap, extends) the tree of maps to the series for `values`. */
  #at(values: readonly string[]): S | undefined {
    const n = values.length;
    if (n === 0) {
      if (this.#single === undefined) {
        this.#single = this.#make({});
        this.all.push(this.#single);
      }
      return this.#single;
    }
    let node = this.#root;
    let i = 0;
    for (; i < n - 1; i++) {
      const next = node.get(values[i] as string);
      if (next === undefined) break;
      node = next as Node<S>;
    }
    if (i === n - 1) {
      const found = node.get(values[i] as string) as S | undefined;
      if (found !== undefined) return found;
    }
    if (this.all.length >= this.#max) {
      this.#report(
        'series-cap',
        new RangeError(
          `${this.#describe} reached maxSeriesPerMetric (${this.#max}); observations of new label values are dropped (existing series go on)`,
        ),
      );
      return undefined;
    }
    for (; i < n - 1; i++) {
      const next: Node<S> = new Map();
      node.set(values[i] as string, next);
      node = next;
    }
    const labels: Record<string, string> = {};
    for (let j = 0; j < n; j++) labels[this.labelNames[j] as string] = values[j] as string;
    const series = this.#make(labels);
    node.set(values[n - 1] as string, series);
    this.all.push(series);
    return series;
  }
}
