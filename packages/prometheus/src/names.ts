/**
 * The mapping from the kernel's metric and label names to names that are
 * valid in the Prometheus data model. prom-client throws on an invalid name;
 * the hot path must not, so every name is made valid before prom-client sees it.
 */

import { describeValue } from '@sochdb/core/plugin-kit';

/** The kinds of metric the extension makes. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

const METRIC_INVALID = /[^a-zA-Z0-9_:]/g;
const LABEL_INVALID = /[^a-zA-Z0-9_]/g;
const LEADING_DIGIT = /^[0-9]/;
const VALID_PREFIX = /^(?:[a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

/**
 * Names beginning with `__` are reserved for Prometheus' own use (`__name__`
 * as a label breaks the whole scrape), so their leading underscores collapse
 * to one.
 */
function avoidReserved(name: string): string {
  return name.startsWith('__') ? `_${name.replace(/^_+/, '')}` : name;
}

/**
 * The Prometheus name of the kernel metric `name` of kind `kind`: every
 * character outside `[a-zA-Z0-9_:]` becomes `_`, a leading digit is prefixed
 * with `_`, `prefix` goes in front, and counters end in `_total` (added unless
 * the name already ends in it).
 *
 * @example metricName('sochdb_', 'txn.commit', 'counter') === 'sochdb_txn_commit_total'
 */
export function metricName(prefix: string, name: string, kind: MetricKind): string {
  let valid = name.replace(METRIC_INVALID, '_');
  if (LEADING_DIGIT.test(valid)) valid = `_${valid}`;
  let full = `${prefix}${valid}`;
  if (kind === 'counter' && !full.endsWith('_total')) full = `${full}_total`;
  full = avoidReserved(full);
  return full === '' ? '_' : full;
}

/**
 * The Prometheus name of the label `name`: every character outside
 * `[a-zA-Z0-9_]` becomes `_`, a leading digit is prefixed with `_`, a leading
 * `__` (reserved) collapses to `_`, and the empty name becomes `_`.
 * Histograms own the label `le`, so there a label called `le` becomes `_le`.
 */
export function labelName(name: string, kind: MetricKind): string {
  let valid = name.replace(LABEL_INVALID, '_');
  if (LEADING_DIGIT.test(valid)) valid = `_${valid}`;
  valid = avoidReserved(valid);
  if (valid === '') return '_';
  if (kind === 'histogram' && valid === 'le') return '_le';
  return valid;
}

/**
 * The exposition names a metric occupies. Two metrics that share any of them
 * would make an exposition Prometheus cannot parse unambiguously, so the
 * extension refuses the second. A counter also holds its name without
 * `_total`, its family name in OpenMetrics (which `serve()` negotiates).
 */
export function occupiedNames(name: string, kind: MetricKind): string[] {
  switch (kind) {
    case 'counter':
      return [name, name.slice(0, -'_total'.length)];
    case 'gauge':
      return [name];
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
  }
}

/** Checks the `prefix` option: empty, or a valid start of a metric name. */
export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') {
    throw new TypeError(`options.prefix must be a string; got ${describeValue(prefix)}`);
  }
  if (!VALID_PREFIX.test(prefix) || prefix.startsWith('__')) {
    throw new RangeError(
      `options.prefix must be empty or match [a-zA-Z_:][a-zA-Z0-9_:]* without a leading "__"; got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}

/** `value` in its well-formed form: lone surrogates become U+FFFD (`String.prototype.toWellFormed`, ES2024). */
export function wellFormed(value: string): string {
  return (value as unknown as { toWellFormed(): string }).toWellFormed();
}
