import { describeValue, type Extension, extensionProblem } from '@sochdb/core';
import { afterEach, beforeEach } from 'vitest';

/** The kinds of extension a suite checks, as core's capabilities. */
export type SuiteKind = 'storage' | 'index' | 'compression' | 'observability';

const EXAMPLE_CLASS: Readonly<Record<SuiteKind, string>> = {
  storage: 'MyStorage',
  index: 'MyIndex',
  compression: 'MyCodec',
  observability: 'MyObservability',
};

/**
 * Throws a `TypeError` unless `factory` is a function that can be called
 * without `new`: at suite definition time, so that passing an instance (or a
 * class) is one clear error rather than every test failing with
 * "factory is not a function".
 */
export function checkFactory(suite: string, kind: SuiteKind, factory: unknown): void {
  const example = `() => new ${EXAMPLE_CLASS[kind]}()`;
  if (typeof factory !== 'function') {
    throw new TypeError(
      `${suite}(name, factory): factory must be a function returning a fresh extension, e.g. ${example}; ` +
        `got ${describeValue(factory)}${typeof factory === 'object' && factory !== null ? ' (an instance: wrap it as () => new ...())' : ''}`,
    );
  }
  if (/^class\b/.test(Function.prototype.toString.call(factory))) {
    const name = (factory as { name?: string }).name || EXAMPLE_CLASS[kind];
    throw new TypeError(
      `${suite}(name, factory): factory must be a function returning a fresh extension, e.g. ${example}; ` +
        `got the class ${name} itself (pass () => new ${name}())`,
    );
  }
}

/** Makes a fresh instance of the extension under test. May be async. */
export type Factory<T extends Extension> = () => T | Promise<T>;

/** The instance a test is working on, made fresh for every test. */
export interface Fixture<T extends Extension> {
  /** The initialised instance of the current test. */
  readonly ext: T;
  /** Shuts the instance down now; the suite then does not shut it down again after the test. */
  shutdown(): Promise<void>;
}

/**
 * Registers `beforeEach`/`afterEach` hooks that make a fresh instance with
 * `factory`, call `init()` as the manager would, and call `shutdown()` after
 * the test unless the test already did. An instance whose `init` fails is
 * not shut down, as with the manager.
 *
 * What the factory makes is checked with core's `extensionProblem` first:
 * if it is not a valid extension of `kind` (a plugin module passed instead of
 * the extension it makes, a missing method), every test fails with one line,
 * `not a valid <kind> extension: <problem>`, instead of each failing its own
 * way ("codec.compress is not a function"), and `init()` is not called.
 */
export function freshInstance<T extends Extension>(factory: Factory<T>, kind: SuiteKind): Fixture<T> {
  let current: T | undefined;
  let shutDown = false;
  beforeEach(async () => {
    current = undefined;
    shutDown = false;
    const made = await factory();
    const problem = extensionProblem(made, kind);
    if (problem !== undefined) {
      throw new TypeError(`not a valid ${kind} extension: ${problem} (see the "shape" test)`);
    }
    await made.init?.();
    current = made;
  });
  afterEach(async () => {
    const instance = current;
    current = undefined;
    if (instance !== undefined && !shutDown) {
      shutDown = true;
      await instance.shutdown?.();
    }
  });
  return {
    get ext(): T {
      if (current === undefined) throw new Error('the instance under test was not initialised (see beforeEach)');
      return current;
    },
    async shutdown(): Promise<void> {
      if (current === undefined) throw new Error('the instance under test was not initialised (see beforeEach)');
      shutDown = true;
      await current.shutdown?.();
    },
  };
}
