import type { Extension } from '@sochdb/core';

/** One deliberately broken implementation and the suite tests that must catch it. */
export interface BrokenVariant<T extends Extension> {
  /** What is broken, in words. */
  readonly broken: string;
  /** Makes a fresh instance of the broken implementation. */
  readonly make: () => T;
  /** Names (last segment of the full name) of tests that must fail on it. */
  readonly caughtBy: readonly string[];
}
