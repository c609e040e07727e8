import type { Attributes } from '@opentelemetry/api';

/**
 * Told when a label was changed or left out on its way to an attribute, with
 * the `operation` and `subject` (metric or event name) the caller passed
 * through: `reason` is the stable word it is counted under, `describe` the
 * message of its one report (called only when it is reported). Passing these
 * through, instead of a closure per call, keeps the hot path free of
 * allocations other than the copy.
 */
export type AttributeProblem = (operation: string, subject: unknown, reason: string, describe: () => string) => void;

/**
 * Labels as OpenTelemetry attributes, always in a new object: the SDK keeps
 * the object it is given for a new series (sdk-metrics 2.12 does not copy
 * it), so a caller reusing and changing one labels object would otherwise
 * rewrite series already recorded.
 *
 * The usual case (every key non-empty, every value a well-formed string) is
 * one spread and one pass over the copy. Otherwise a value that is not a
 * string becomes `String(value)`, a lone surrogate becomes U+FFFD (the
 * contract's well-formed rule, so `a\ud800` and `a\ufffd` are one series),
 * `undefined` is left out, and an empty key or a value whose `String()`
 * throws is left out; each change is told to `problem`. Anything that is not
 * an object means no attributes (told too).
 */
export function toAttributes(
  labels: unknown,
  problem: AttributeProblem,
  operation: string,
  subject: unknown,
): Attributes | undefined {
  if (labels === undefined) return undefined;
  if (labels === null || typeof labels !== 'object') {
    problem(
      operation,
      subject,
      'labels-not-object',
      () => `labels must be an object of names to strings; got ${typeof labels} (ignored)`,
    );
    return undefined;
  }
  let copy: Record<string, unknown>;
  try {
    copy = { ...(labels as Record<string, unknown>) };
  } catch {
    // A getter threw during the spread: walk the keys one by one.
    return copyAttributes(labels as Record<string, unknown>, problem, operation, subject);
  }
  for (const key in copy) {
    const value = copy[key];
    if (typeof value !== 'string' || key.length === 0 || !value.isWellFormed())
      return copyAttributes(copy, problem, operation, subject);
  }
  return copy as Attributes;
}

function copyAttributes(
  labels: Record<string, unknown>,
  problem: AttributeProblem,
  operation: string,
  subject: unknown,
): Attributes | undefined {
  let keys: string[];
  try {
    keys = Object.keys(labels);
  } catch {
    problem(operation, subject, 'labels-unreadable', () => 'the labels object cannot be read (ignored)');
    return undefined;
  }
  const attributes: Attributes = {};
  for (const key of keys) {
    if (key.length === 0) {
      problem(
        operation,
        subject,
        'label-empty-name',
        () => 'a label with an empty name was left out (OpenTelemetry attribute keys are non-empty)',
      );
      continue;
    }
    let text: string;
    try {
      const value = labels[key];
      if (value === undefined) continue;
      if (typeof value === 'string') text = value;
      else {
        text = String(value);
        problem(
          operation,
          subject,
          'label-not-string',
          () => `label '${key}' is a ${typeof value}; recorded as the string '${text}'`,
        );
      }
    } catch {
      problem(
        operation,
        subject,
        'label-unprintable',
        () => `label '${key}' could not be turned into a string and was left out`,
      );
      continue;
    }
    if (!text.isWellFormed()) {
      text = text.toWellFormed();
      problem(
        operation,
        subject,
        'label-ill-formed',
        () => `label '${key}' holds a lone surrogate; recorded with U+FFFD in its place`,
      );
    }
    attributes[key] = text;
  }
  return attributes;
}
