import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';

/** A writable stream that keeps what it is given, as text. */
export class MemoryStream extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    callback();
  }
  /** Every complete line, parsed. */
  lines(): Array<Record<string, unknown>> {
    return parseLines(this.text);
  }
}

/** Parses newline-terminated JSON lines; fails on a last line without its newline. */
export function parseLines(text: string): Array<Record<string, unknown>> {
  if (text === '') return [];
  if (!text.endsWith('\n')) throw new Error(`output does not end with a newline: ${JSON.stringify(text.slice(-80))}`);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A fresh temporary folder, removed by the returned function. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sochdb-json-logging-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The lines in a file, parsed. */
export async function fileLines(path: string): Promise<Array<Record<string, unknown>>> {
  return parseLines(await readFile(path, 'utf8'));
}

/** An onError that records what it hears. */
export function recorder(): {
  errors: Array<{ error: unknown; operation: string }>;
  onError: (error: unknown, where: { operation: string }) => void;
} {
  const errors: Array<{ error: unknown; operation: string }> = [];
  return { errors, onError: (error, where) => errors.push({ error, operation: where.operation }) };
}

/** The error recorded at `index`, failing clearly when there is none. */
export function errorAt(errors: ReadonlyArray<{ error: unknown }>, index: number): Error & { cause?: unknown } {
  const entry = errors[index];
  if (entry === undefined) throw new Error(`no error was reported at index ${index}`);
  return entry.error as Error;
}

/**
 * The built package's entry, for tests that run it in a child process (the
 * way an application loads it). Fails clearly when the package is not built.
 */
export function builtEntry(): string {
  const url = new URL('../dist/index.js', import.meta.url);
  if (!existsSync(url)) {
    throw new Error('packages/json-logging/dist is missing: run `pnpm --filter @sochdb/json-logging build` first');
  }
  return url.href;
}
