import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isKernelError } from '@sochdb/core';
import { expect } from 'vitest';
import { ZstdCompression, type ZstdOptions } from '../src/index.js';

/** A ready codec (init awaited). */
export async function codec(options?: ZstdOptions): Promise<ZstdCompression> {
  const zstd = new ZstdCompression(options);
  await zstd.init();
  return zstd;
}

/** xorshift32: a small seeded generator so every run sees the same cases. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
}

export function randomBytes(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (random() * 256) | 0;
  return out;
}

/** Deterministic JSON lines, compressible like real row data. */
export function jsonLines(bytes: number, seed = 7): Uint8Array {
  const random = seeded(seed);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'sensor', 'ok', 'error', 'warn', 'user', 'order', 'item'];
  const pick = () => words[(random() * words.length) | 0];
  let text = '';
  for (let id = 0; text.length < bytes; id++) {
    text += `${JSON.stringify({ id, kind: pick(), value: Math.round(random() * 1e6) / 100, tags: [pick(), pick()], note: `${pick()} ${(random() * 1000) | 0}` })}\n`;
  }
  return new TextEncoder().encode(text.slice(0, bytes));
}

/** Asserts `fn` throws a `corruption` KernelError with `code`, and returns it. */
export function expectCorruption(fn: () => unknown, code: string): Error {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a throw').toBeDefined();
  expect(isKernelError(thrown), `expected a KernelError, got ${String(thrown)}`).toBe(true);
  expect((thrown as { kind: string }).kind).toBe('corruption');
  expect((thrown as { code: string }).code).toBe(code);
  return thrown as Error;
}

/** True when the zstd CLI runs here. */
export const hasZstdCli = spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasZstdCli && process.env.CI) {
  throw new Error(
    'The zstd CLI is required in CI for the interop tests (apt-get install -y zstd); it was not found on PATH',
  );
}

/** Runs the zstd CLI with `input` on stdin and returns stdout. */
export function zstdCli(args: readonly string[], input?: Uint8Array): Uint8Array {
  return execFileSync('zstd', ['-q', ...args], {
    input: input ?? new Uint8Array(0),
    maxBuffer: 512 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A temporary directory removed after `fn`. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sochdb-zstd-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Byte equality with a readable failure (no giant diff). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}
