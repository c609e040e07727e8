import type { Extension } from '@sochdb/core';
import { afterEach, beforeEach } from 'vitest';

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
 */
export function freshInstance<T extends Extension>(factory: Factory<T>): Fixture<T> {
  let current: T | undefined;
  let shutDown = false;
  beforeEach(async () => {
    current = undefined;
    shutDown = false;
    const made = await factory();
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
