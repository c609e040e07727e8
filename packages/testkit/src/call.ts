import { expect } from 'vitest';
import { show } from './bytes.js';

/**
 * Calls `target[method](...args)` with arguments the method's types do not
 * allow: the suites test what an implementation does with bad input from an
 * untyped caller.
 */
export function callLoosely(target: object, method: string, args: readonly unknown[]): unknown {
  const fn = (target as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new Error(`${method} is not a method of the instance under test`);
  return Reflect.apply(fn, target, args);
}

/** `method(a, b, c)` with each argument shown, for failure messages. */
export function describeCall(method: string, args: readonly unknown[]): string {
  return `${method}(${args.map(show).join(', ')})`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function nameOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return show(error);
}

/** A regular expression that matches `word` as a whole word. */
function wordPattern(word: string): RegExp {
  return new RegExp(`(^|[^A-Za-z0-9_])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_])`);
}

/**
 * Asserts `error` is a `TypeError` or `RangeError` (or exactly `kind`, when
 * given) whose message names one of `argumentNames`.
 */
export function expectArgumentError(
  error: unknown,
  argumentNames: readonly string[],
  what: string,
  kind?: typeof TypeError | typeof RangeError,
): void {
  const expected = kind === undefined ? 'a TypeError or RangeError' : `a ${kind.name}`;
  const ok = kind === undefined ? error instanceof TypeError || error instanceof RangeError : error instanceof kind;
  expect(ok, `${what} must fail with ${expected}; it failed with ${nameOf(error)}`).toBe(true);
  const message = (error as Error).message;
  expect(
    argumentNames.some((name) => wordPattern(name).test(message)),
    `${what} failed with "${message}", which does not name the argument (${argumentNames.join(' or ')})`,
  ).toBe(true);
}

/**
 * Calls a method that must report failure as a rejected promise (never a
 * synchronous throw) and returns the rejection reason.
 */
export async function rejectionOf(call: () => unknown, what: string): Promise<unknown> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    expect.fail(`${what} threw synchronously (${nameOf(error)}); it must return a rejected promise instead`);
  }
  expect(isThenable(result), `${what} must return a promise; it returned ${show(result)}`).toBe(true);
  try {
    const value = await (result as PromiseLike<unknown>);
    expect.fail(`${what} resolved (to ${show(value)}); it must reject`);
  } catch (error) {
    if (isAssertion(error)) throw error;
    return error;
  }
}

/** Calls a synchronous method that must throw, and returns what it threw. */
export function throwOf(call: () => unknown, what: string): unknown {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return error;
  }
  expect.fail(`${what} returned ${show(result)}; it must throw`);
}

function isAssertion(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AssertionError' || 'matcherResult' in error);
}
