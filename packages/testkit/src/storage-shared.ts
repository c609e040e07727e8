import { Buffer } from 'node:buffer';
import type { StorageExtension } from '@sochdb/core';
import { expect } from 'vitest';
import { bytes, hex, pseudoRandomBytes, show } from './bytes.js';

/**
 * What the storage suites share: the contract 1.1 types of the optional
 * methods (core 1.0 does not export them), and helpers that read a store.
 */

/** The empty key: as `start`, the lowest; as `end`, no upper bound. */
export const EMPTY = new Uint8Array(0);

/** One `[key, value]` pair as `scan` returns it. */
export type Entry = [key: Uint8Array, value: Uint8Array];

/** The options of the optional `iterate(table, options)` method (contract 1.1). */
export interface IterateOptions {
  start?: Uint8Array;
  end?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

/** One operation of the optional `batch(ops, txn)` method (contract 1.1). */
export type BatchOp =
  | { type: 'put'; table: number; key: Uint8Array; value: Uint8Array }
  | { type: 'delete'; table: number; key: Uint8Array };

/** The optional methods of contract 1.1, as the suites call them. */
export interface OptionalStorageMethods {
  scanReverse?(table: number, start: Uint8Array, end: Uint8Array, limit: number): Promise<Entry[]>;
  iterate?(table: number, options?: IterateOptions): AsyncIterableIterator<Entry>;
  batch?(ops: readonly BatchOp[], txn: number): Promise<void>;
}

/** What a test's context offers to skip itself when an optional method is missing. */
export interface SkipContext {
  skip(note?: string): never;
}

/** Every entry of `table`, as `[hex key, hex value]` pairs, in the order `scan` gave them. */
export async function dump(store: StorageExtension, table: number): Promise<Array<[string, string]>> {
  const entries = await store.scan(table, EMPTY, EMPTY, Number.POSITIVE_INFINITY);
  return entries.map(([key, value]) => [hex(key), hex(value)]);
}

/** The keys of a scan's result, as hex. */
export async function keysOf(promise: Promise<Entry[]>): Promise<string[]> {
  return (await promise).map(([key]) => hex(key));
}

/** The value stored under `key`, as hex, or `undefined`. */
export async function storedHex(store: StorageExtension, table: number, key: Uint8Array): Promise<string | undefined> {
  const value = await store.get(table, key);
  if (value === undefined) return undefined;
  expect(value, `get(${table}, ${show(key)}) must resolve to a Uint8Array or undefined`).toBeInstanceOf(Uint8Array);
  return hex(value);
}

/** Keys in ascending unsigned bytewise order: prefixes first, 0x7f before 0x80. */
export const ORDERED_KEYS: readonly Uint8Array[] = [
  bytes(),
  bytes(0x00),
  bytes(0x00, 0x00),
  bytes(0x00, 0x01),
  bytes(0x01),
  bytes(0x41),
  bytes(0x41, 0x00),
  bytes(0x42),
  bytes(0x61),
  bytes(0x7f),
  bytes(0x7f, 0xff),
  bytes(0x80),
  bytes(0x80, 0x00),
  bytes(0xc3, 0xa9),
  bytes(0xfe),
  bytes(0xff),
  bytes(0xff, 0x00),
  bytes(0xff, 0xff),
];

/** `[start, end)` ranges over {@link ORDERED_KEYS}: open, bounded, prefix-bounded, empty, beyond the last key. */
export const RANGES: ReadonlyArray<readonly [Uint8Array, Uint8Array]> = [
  [EMPTY, EMPTY],
  [bytes(0x01), bytes(0x80)],
  [bytes(0x41), bytes(0x41, 0x00)],
  [bytes(0x7f), EMPTY],
  [EMPTY, bytes(0x00)],
  [bytes(0x42), bytes(0x42)],
  [bytes(0xff, 0xff, 0x00), EMPTY],
];

/** A fixed shuffle, so the insertion order is neither sorted nor reverse sorted. */
export function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  let state = 12345;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A 4-byte big-endian key: `numberedKey(i)` sorts before `numberedKey(i + 1)`. */
export function numberedKey(i: number): Uint8Array {
  return bytes((i >>> 24) & 0xff, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff);
}

/**
 * Puts `count` numbered keys (value = key) into `table`: through `batch`
 * when the store has it (one call per 1 000), otherwise through concurrent
 * `put`s, so that a large fill stays quick on a store with a slow round trip.
 */
export async function fill(store: StorageExtension, table: number, count: number, first = 0): Promise<void> {
  const batch = (store as OptionalStorageMethods).batch;
  for (let from = first; from < first + count; from += 1000) {
    const keys = Array.from({ length: Math.min(1000, first + count - from) }, (_, i) => numberedKey(from + i));
    if (typeof batch === 'function') {
      await batch.call(
        store,
        keys.map((key): BatchOp => ({ type: 'put', table, key, value: key })),
        1,
      );
    } else {
      await Promise.all(keys.map((key) => store.put(table, key, key, 1)));
    }
  }
}

/** Whether two byte arrays hold the same bytes (a `memcmp`: fast for the 16 MiB values). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * `length` bytes with no short period: 64 KiB of pseudo-random bytes, each
 * copy of it prefixed with its own index.
 */
export function largeValue(length: number): Uint8Array {
  const block = pseudoRandomBytes(1 << 16, 0x16);
  const out = new Uint8Array(length);
  for (let offset = 0, n = 0; offset < length; offset += block.length, n++) {
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    out[offset] = n & 0xff;
    if (offset + 1 < length) out[offset + 1] = (n >>> 8) & 0xff;
  }
  return out;
}
