/**
 * The inputs and contender shape every compression suite shares, so the lz4
 * and zstd parts of `pnpm bench compression` measure the same bytes the same
 * way: ~3 MB of JSON lines, 3 MB of random bytes, and 10,000 values of 1 KiB.
 */
import type { Contender } from './harness.js';
import { xorshift32 } from './random.js';

/** Number and size of the small values (per-call overhead matters when every row value is compressed). */
const VALUES = 10_000;
/** The size of each small value. */
export const VALUE_BYTES = 1024;

/** Numbers in `[0, 1)` from xorshift32: the same bytes on every run. */
function random(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 4294967296;
}

/** ~`bytes` of JSON lines, like rows a database stores. */
function jsonLines(bytes: number): Uint8Array {
  const next = random(0x50c4db);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'sensor', 'temperature', 'ok', 'error', 'warn', 'user', 'order'];
  const pick = () => words[(next() * words.length) | 0];
  const lines: string[] = [];
  let size = 0;
  for (let id = 0; size < bytes; id++) {
    const line = `${JSON.stringify({
      id,
      ts: 1_700_000_000_000 + Math.floor(next() * 1e9),
      kind: pick(),
      value: Math.round(next() * 1e6) / 100,
      tags: [pick(), pick()],
      note: `${pick()} ${(next() * 1000) | 0}`,
    })}\n`;
    lines.push(line);
    size += line.length;
  }
  return new TextEncoder().encode(lines.join(''));
}

/** `length` bytes that do not compress. */
function randomBytes(length: number): Uint8Array {
  const next = random(0xbadc0de);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (next() * 256) | 0;
  return out;
}

/** {@link VALUES} overlapping 1 KiB windows of `text`. */
function smallValues(text: Uint8Array): Uint8Array[] {
  return Array.from({ length: VALUES }, (_, i) => {
    const start = (i * 997) % (text.length - VALUE_BYTES);
    return text.subarray(start, start + VALUE_BYTES);
  });
}

/**
 * The three labelled input sets every compression suite measures: one ~3 MB
 * JSON-lines buffer, 3 MB of random bytes, and {@link VALUES} 1 KiB values.
 */
export function compressionInputs(): Array<[label: string, inputs: Uint8Array[]]> {
  const text = jsonLines(3_000_000);
  return [
    [`${(text.length / 1e6).toFixed(1)} MB JSON lines`, [text]],
    ['3 MB random bytes', [randomBytes(3_000_000)]],
    [`${VALUES.toLocaleString('en')} values of 1 KiB`, smallValues(text)],
  ];
}

/** A contender that runs `fn` on each input of a list, `repeat` times per round. */
export function each(
  name: string,
  inputs: readonly Uint8Array[],
  fn: (input: Uint8Array) => unknown,
  baseline = false,
  repeat = 1,
): Contender<unknown> {
  return {
    name,
    ...(baseline ? { baseline: true } : {}),
    run: () => {
      for (let r = 0; r < repeat; r++) for (const input of inputs) fn(input);
    },
  };
}

/** Bytes over a list of inputs. */
export function totalBytes(inputs: readonly Uint8Array[]): number {
  return inputs.reduce((sum, input) => sum + input.length, 0);
}
