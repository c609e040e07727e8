/**
 * Level names and the numbers pino writes for them, so the lines read like
 * pino's to `pino-pretty` and to log shippers.
 */

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

/** The number of a level name; anything else is a `RangeError` naming the option. */
export function levelNumber(level: unknown): number {
  if (typeof level === 'string' && Object.hasOwn(LEVEL_NUMBERS, level)) {
    return LEVEL_NUMBERS[level as LogLevelName];
  }
  throw new RangeError(
    `options.level must be one of 'debug', 'info', 'warn', 'error', 'silent'; got ${describe(level)}`,
  );
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
