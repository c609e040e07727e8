/**
 * Turning whatever a caller passed into text for a message, without ever
 * throwing: observability backends and error paths use these on hostile
 * values (objects whose `toString` throws, null-prototype objects, symbols).
 */
import { describeValue } from './arguments.js';

/** The message of an `Error`, or anything else as text (see {@link stringOf}). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return stringOf(error);
}

/**
 * A string as it is; anything else as `String(value)`, or, when even that
 * throws, as `Object.prototype.toString` gives it (`[object Object]`).
 */
export function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * A dropped metric value as a report shows it: a number as it is (`-1`,
 * `NaN`), a bigint with its `n`, anything else by its type, so a report
 * never prints a caller's object.
 */
export function describeDropped(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return value === null ? 'null' : typeof value;
}

/**
 * `value` if it is a positive integer (an option such as `maxSeriesPerMetric`);
 * a wrong type is a `TypeError`, a bad number a `RangeError`, both naming
 * `what` and showing the value.
 */
export function positiveInteger(value: unknown, what: string): number {
  const message = `${what} must be a positive integer; got ${describeValue(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(message);
  return value;
}
