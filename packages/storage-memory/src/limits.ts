import { assertBytes } from '@sochdb/core';

/**
 * The longest key `MemoryStorage` accepts, in bytes: 64 KiB (the contract asks
 * for at least 1 KiB). Range bounds (`start`, `end`) have the same limit.
 */
export const MAX_KEY_BYTES = 64 * 1024;

/**
 * The longest value `MemoryStorage` accepts, in bytes: 256 MiB (the contract
 * asks for at least 16 MiB). Values are held as one-byte strings, and V8's
 * longest string is 2^29 - 24 characters (just under 512 MiB); 256 MiB leaves
 * room below that limit and is a round figure to document.
 */
export const MAX_VALUE_BYTES = 256 * 1024 * 1024;

/** Throws unless `value` is a `Uint8Array` of at most `max` bytes; the error names `name`. */
export function assertSizedBytes(value: unknown, name: string, max: number): asserts value is Uint8Array {
  assertBytes(value, name);
  if (value.length > max) {
    throw new RangeError(`${name} must be at most ${max} bytes; got ${value.length} bytes`);
  }
}
