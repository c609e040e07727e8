import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import type { Entry } from '../src/index.js';

export const EMPTY = new Uint8Array(0);
export const bytes = (...values: number[]) => Uint8Array.from(values);
export const utf8 = (text: string) => new TextEncoder().encode(text);
export const text = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : new TextDecoder().decode(value);
export const texts = (entries: readonly Entry[]) => entries.map(([k, v]) => `${text(k)}=${text(v)}`);

/** The built package (tests that run a child process import it from there). */
export const DIST_ENTRY = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A temporary folder for this test file, removed after it. */
export function tempRoot(label: string): () => string {
  const root = mkdtempSync(join(tmpdir(), `sochdb-rocksdb-${label}-`));
  let made = 0;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  return () => join(root, `db-${made++}`);
}

/** Bytes of every file in `dir` (not recursive: RocksDB keeps its files in one folder). */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  return total;
}

/** Resolves with the first line of `child`'s stdout that matches, or rejects when it exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const line of buffered.split('\n')) {
        if (pattern.test(line)) {
          child.stdout?.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing ${pattern}: ${stderr}`)));
  });
}

/** Runs an ES module given as source in a child Node process, its stdout piped. */
export function runModule(source: string, args: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, ['--input-type=module', '-e', source, '--', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
