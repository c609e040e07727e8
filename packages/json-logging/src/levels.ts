/**
 * Level names and the numbers pino writes for them, so the lines read like
 * pino's to `pino-pretty` and to log shippers.
 */

import { describeValue } from '@sochdb/core/plugin-kit';

/** A minimum level: lines below it are not written. `silent` writes no log lines. */
export type LogLevelName = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** pino's numbers: debug 20, info 30, warn 40, error 50. */
export const LEVEL_NUMBERS: Readonly<Record<LogLevelName, number>> = Object.freeze({
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  silent: Number.POSITIVE_INFINITY,
});

/**
 * The number of a level name; another string is a `RangeError` naming the
 * option, a non-string (e.g. pino's number `30`) a `TypeError`.
 */
export function levelNumber(level: unknown, what: string): number {
  if (typeof level === 'string' && Object.hasOwn(LEVEL_NUMBERS, level)) {
    return LEVEL_NUMBERS[level as LogLevelName];
  }
  const message = `${what} must be one of 'debug', 'info', 'warn', 'error', 'silent'; got ${describeValue(level)}`;
  throw typeof level === 'string' ? new RangeError(message) : new TypeError(message);
}
