/**
 * Where the extension keeps its numbers between scrapes. The hot path adds to
 * a plain object found through nested maps keyed by the caller's own label
 * value strings (no key string is built per call); prom-client is handed the
 * totals only when the registry is scraped.
 */
import type { Labels } from '@sochdb/core';
import { labelName, type MetricKind, wellFormed } from './names.js';

/** What every series holds: its labels. */
export interface AnySeries {
  /**
   * The series' labels as handed to prom-client: every label name of the
   * family, in {@link Family.labelNames} order. Never mutated once made
   * (prom-client caches the formatted text of a histogram's labels per
   * object); replaced by a copy with `""` added when the family gains a label.
   */
  labels: Readonly<Record<string, string>>;
}

/** One labelled counter or gauge series. */
export interface ValueSeries extends AnySeries {
  value: number;
}

/** One labelled histogram series: per-bucket (not cumulative) counts, sum and count. */
export interface HistogramSeries extends AnySeries {
  /** `counts[i]` observations fell in `(bounds[i-1], bounds[i]]`; those above the last bound only in `count`. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * How a family tells the extension about a value it dropped or altered
 * (counted and reported once per reason by the extension), or about a change
 * worth one report that loses nothing (`notice`).
 */
export interface FamilyEvents {
  drop(reason: string, describe: () => string): void;
  notice(key: string, describe: () => string): void;
}

/** The label the overflow series carries (the others are empty there). */
export const OVERFLOW_LABEL = 'sochdb_overflow';

/** Label names a metric may have; a call adding more loses those labels (reason `label-cap`). */
export const MAX_LABEL_NAMES = 32;

type Node<S> = Map<string, Node<S> | S>;

/**
 * All series of one metric. Its label names are the union of the label names
 * of every call so far (see {@link Family.find}).
 */
export class Family<S extends AnySeries> {
  /** Prometheus label names, in the order they were first seen. */
  readonly labelNames: string[] = [];
  /** Histogram upper bounds (empty for counters and gauges). */
  readonly bounds: readonly number[];
  /** Every live series but the overflow one, for the scrape. */
  readonly all: S[] = [];
  /** Where values go once the series cap is reached, made on first need. */
  overflow: S | undefined;
  /** The callers' own label names (one per label name, before sanitising), for the fast path. */
  readonly #keys: string[] = [];
  readonly #kind: MetricKind;
  readonly #max: number;
  readonly #make: (labels: Readonly<Record<string, string>>) => S;
  readonly #events: FamilyEvents;
  readonly #describe: string;
  #root: Node<S> = new Map();
  #single: S | undefined;
  /** Caller label name to index in labelNames, for the slow path. */
  readonly #nameCache = new Map<string, number>();

  /**
   * @param kind - metric kind (histograms rename a label `le`)
   * @param describe - how messages name the metric, e.g. `counter "txn.commit" (sochdb_txn_commit_total)`
   * @param keys - the creating call's label names
   * @param bounds - histogram upper bounds (empty for counters and gauges)
   * @param max - series cap; past it values go to the overflow series
   */
  constructor(
    kind: MetricKind,
    describe: string,
    keys: readonly string[],
    bounds: readonly number[],
    max: number,
    make: (labels: Readonly<Record<string, string>>) => S,
    events: FamilyEvents,
  ) {
    this.#kind = kind;
    this.bounds = bounds;
    this.#describe = describe;
    this.#max = max;
    this.#make = make;
    this.#events = events;
    for (const key of keys) {
      const name = labelName(key, kind);
      if (!this.labelNames.includes(name) && this.labelNames.length < MAX_LABEL_NAMES) {
        this.labelNames.push(name);
        this.#keys.push(key);
      }
    }
  }

  /** Number of live series, the overflow series included. */
  get size(): number {
    return this.all.length + (this.overflow === undefined ? 0 : 1);
  }

  /**
   * The series for `labels`, made on first use; past the series cap the
   * overflow series. The rule for label names that differ between calls,
   * which loses nothing: the metric's label names are the union of every
   * call's; a label the call lacks is exported empty (Prometheus treats an
   * empty label as absent, so the series keeps the identity it had); a new
   * label name is added to the metric (reported once). Label values are used
   * in their well-formed form (lone surrogates become U+FFFD); values that
   * are not strings are stringified (numbers, booleans, bigints) or emptied
   * (anything else), counted and reported.
   */
  find(labels: Labels | undefined): S {
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

  /** Forgets every series. */
  clear(): void {
    this.#root = new Map();
    this.#single = undefined;
    this.overflow = undefined;
    this.all.length = 0;
  }

  #labelsFor(values: readonly string[]): Record<string, string> {
    const labels: Record<string, string> = {};
    for (let i = 0; i < values.length; i++) labels[this.labelNames[i] as string] = values[i] as string;
    return labels;
  }

  /** Normalises a call whose labels are not on the fast path. */
  #slow(labels: unknown): S {
    const values: string[] = new Array<string>(this.labelNames.length).fill('');
    if (labels !== undefined && labels !== null && typeof labels === 'object') {
      const seen: boolean[] = [];
      for (const key of Object.keys(labels)) {
        const at = this.#indexOf(key);
        if (at < 0) continue; // past MAX_LABEL_NAMES, counted in #indexOf
        if (seen[at]) {
          this.#events.drop(
            'label-collision',
            () =>
              `${this.#describe}: label ${JSON.stringify(key)} maps to "${this.labelNames[at]}", which this call already set; its value was dropped`,
          );
          continue;
        }
        seen[at] = true;
        values[at] = this.#stringValue(key, (labels as Record<string, unknown>)[key]);
      }
    } else if (labels !== undefined && labels !== null) {
      this.#events.drop(
        'labels-type',
        () => `${this.#describe}: labels must be an object of strings; got ${typeof labels} (ignored)`,
      );
    }
    // A label name added during this call lengthened labelNames after `values` was made.
    for (let i = 0; i < this.labelNames.length; i++) if (values[i] === undefined) values[i] = '';
    return this.#at(values);
  }

  /** Index of the caller's label `key` in labelNames, adding the name when it is new. */
  #indexOf(key: string): number {
    const cached = this.#nameCache.get(key);
    if (cached !== undefined) return cached;
    const name = labelName(key, this.#kind);
    let at = this.labelNames.indexOf(name);
    if (at < 0) {
      if (this.labelNames.length >= MAX_LABEL_NAMES) {
        this.#events.drop(
          'label-cap',
          () =>
            `${this.#describe} has ${MAX_LABEL_NAMES} label names; label ${JSON.stringify(key)} was dropped from the call`,
        );
        return -1;
      }
      at = this.#addLabel(name, key);
    }
    // Bounded: a caller with runaway label names must not grow this cache.
    if (this.#nameCache.size < 256) this.#nameCache.set(key, at);
    return at;
  }

  /** Adds a label name: existing series get the empty value for it, so they keep their identity. */
  #addLabel(name: string, key: string): number {
    const had = this.labelNames.length;
    this.labelNames.push(name);
    this.#keys.push(key);
    // Only series that exist can lose anything: a first call bringing several names is no change.
    if (this.all.length > 0) {
      this.#events.notice(
        `label-added:${name}`,
        () =>
          `${this.#describe} had the labels [${this.labelNames.slice(0, had).join(', ')}]; a call added the label "${name}". ` +
          'Its earlier series export it empty, which Prometheus reads as absent, so nothing is lost',
      );
    }
    // Rebuild the tree at the new depth: every series gets "" for the new label.
    this.#root = new Map();
    this.#single = undefined;
    for (const series of this.all) {
      series.labels = { ...series.labels, [name]: '' };
      this.#insert(
        this.labelNames.map((label) => series.labels[label] as string),
        series,
      );
    }
    if (this.overflow !== undefined) this.overflow.labels = { ...this.overflow.labels, [name]: '' };
    return had;
  }

  #stringValue(key: string, value: unknown): string {
    if (typeof value === 'string') return wellFormed(value);
    if (value === undefined) return '';
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
      this.#events.drop(
        'label-type',
        () =>
          `${this.#describe}: label ${JSON.stringify(key)} has a ${typeof value} value; label values are strings, so it was stringified`,
      );
      return String(value);
    }
    this.#events.drop(
      'label-type',
      () =>
        `${this.#describe}: label ${JSON.stringify(key)} has a ${value === null ? 'null' : typeof value} value; label values are strings, so it was replaced by ""`,
    );
    return '';
  }

  /** Walks (and, under the cap, extends) the tree of maps to the series for `values`. */
  #at(values: string[]): S {
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
      this.#events.drop(
        'cardinality',
        () =>
          `${this.#describe} reached maxSeriesPerMetric (${this.#max}); values of new label sets go to its overflow series {${OVERFLOW_LABEL}="true"}`,
      );
      if (this.overflow === undefined) {
        const labels = this.#labelsFor(values.map(() => ''));
        labels[OVERFLOW_LABEL] = 'true';
        this.overflow = this.#make(labels);
      }
      return this.overflow;
    }
    const series = this.#make(this.#labelsFor(values));
    this.#insert(values, series);
    this.all.push(series);
    return series;
  }

  #insert(values: readonly string[], series: S): void {
    const n = values.length;
    if (n === 0) {
      this.#single = series;
      return;
    }
    let node = this.#root;
    for (let i = 0; i < n - 1; i++) {
      let next = node.get(values[i] as string) as Node<S> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(values[i] as string, next);
      }
      node = next;
    }
    node.set(values[n - 1] as string, series);
  }
}
