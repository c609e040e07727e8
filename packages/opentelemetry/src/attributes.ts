import type { Attributes } from '@opentelemetry/api';

/** Why a label was left out of the attributes, for the one report per operation. */
export type AttributeProblem = (error: Error) => void;

/**
 * Labels as OpenTelemetry attributes. When every key is non-empty and every
 * value a string (the usual case), the labels object itself is returned: the
 * SDK copies what it keeps. Otherwise a copy is made in which a value that is
 * not a string is `String(value)`, `undefined` is left out, and an empty key or
 * a value whose `String()` throws is left out and reported. Anything that is
 * not an object means no attributes (reported).
 */
export function toAttributes(labels: unknown, problem: AttributeProblem): Attributes | undefined {
  if (labels === undefined) return undefined;
  if (labels === null || typeof labels !== 'object') {
    problem(new TypeError(`labels must be an object of names to strings; got ${String(labels)} (ignored)`));
    return undefined;
  }
  // The usual case, checked without allocating: every key non-empty, every value a string.
  try {
    for (const key in labels) {
      if (key.length === 0 || typeof (labels as Record<string, unknown>)[key] !== 'string') {
        return copyAttributes(labels as Record<string, unknown>, problem);
      }
    }
  } catch {
    return copyAttributes(labels as Record<string, unknown>, problem);
  }
  return labels as Attributes;
}

function copyAttributes(labels: Record<string, unknown>, problem: AttributeProblem): Attributes | undefined {
  let keys: string[];
  try {
    keys = Object.keys(labels);
  } catch (error) {
    problem(new TypeError('the labels object cannot be read (ignored)', { cause: error }));
    return undefined;
  }
  const attributes: Attributes = {};
  for (const key of keys) {
    if (key.length === 0) {
      problem(new TypeError('a label with an empty name was left out (OpenTelemetry attribute keys are non-empty)'));
      continue;
    }
    let value: unknown;
    try {
      value = labels[key];
      if (value === undefined) continue;
      attributes[key] = typeof value === 'string' ? value : String(value);
    } catch (error) {
      problem(new TypeError(`label '${key}' could not be turned into a string and was left out`, { cause: error }));
    }
  }
  return attributes;
}
