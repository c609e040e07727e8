/**
 * Seeded fuzzing of `decompress`: every case must either return exactly the
 * original bytes (or, for inputs that are not derived from a frame with a
 * checksum, some output within the bound) or throw a `corruption`
 * KernelError with one of the documented codes, within a per-case time bound
 * and without the wasm heap growing past a memory bound.
 *
 * Change SEED to explore; a failure prints the category, case number and seed.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, isKernelError } from '@sochdb/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ZstdCompression } from '../src/index.js';
import { type LibZstd, loadLibZstd } from '../src/libzstd.js';
import { buildFrame } from './frames.js';
import { codec, hasZstdCli, jsonLines, randomBytes, seeded, zstdCli } from './helpers.js';

const SEED = Number(process.env.SOCHDB_FUZZ_SEED ?? 0x5eed2026);
const MiB = 1024 * 1024;
/** The fuzzed codec's output bound: small, so bombs cost little to refuse. */
const MAX_OUTPUT = 4 * MiB;
/** No case may take longer than this: a hang detector with room for a slow CI machine, not a benchmark. */
const CASE_TIME_LIMIT_MS = 2000;
/** The wasm heap may not grow past this while fuzzing (inputs are small; outputs at most 4 MiB). */
const HEAP_LIMIT = 96 * MiB;
const CODES: ReadonlySet<string> = new Set([
  ErrorCode.CORRUPT,
  ErrorCode.TRUNCATED,
  ErrorCode.CHECKSUM_MISMATCH,
  ErrorCode.UNSUPPORTED,
  ErrorCode.OVER_LIMIT,
]);

interface Tally {
  cases: number;
  ok: number;
  byCode: Record<string, number>;
}
const tally: Tally = { cases: 0, ok: 0, byCode: {} };

let zstd: ZstdCompression;
let lib: LibZstd;
let random: () => number;

/**
 * Runs one case. `expected`: the exact bytes it must decode to if it decodes
 * at all (`undefined` when the input carries no checksum that would catch a change).
 */
function fuzzCase(category: string, n: number, input: Uint8Array, expected?: Uint8Array): void {
  tally.cases++;
  const start = performance.now();
  let output: Uint8Array | undefined;
  try {
    output = zstd.decompress(input);
  } catch (error) {
    if (!isKernelError(error) || error.kind !== 'corruption' || !CODES.has(error.code)) {
      throw new Error(`${category} #${n} (seed ${SEED}): threw something other than a typed corruption error`, {
        cause: error,
      });
    }
    tally.byCode[error.code] = (tally.byCode[error.code] ?? 0) + 1;
  }
  const elapsed = performance.now() - start;
  if (elapsed > CASE_TIME_LIMIT_MS) throw new Error(`${category} #${n} (seed ${SEED}): took ${elapsed.toFixed(0)} ms`);
  if (lib.heapBytes > HEAP_LIMIT)
    throw new Error(`${category} #${n} (seed ${SEED}): wasm heap grew to ${lib.heapBytes}`);
  if (output !== undefined) {
    tally.ok++;
    if (output.length > MAX_OUTPUT) throw new Error(`${category} #${n}: ${output.length} bytes, over the bound`);
    if (expected !== undefined && Buffer.compare(output, expected) !== 0) {
      throw new Error(`${category} #${n} (seed ${SEED}): decoded to different bytes without an error`);
    }
  }
}

function pick<T>(items: readonly T[]): T {
  return items[(random() * items.length) | 0] as T;
}

/** Valid frames and their content: ours (with checksum) and, where the CLI is here, its variants. */
interface Sample {
  readonly name: string;
  readonly frame: Uint8Array;
  readonly content: Uint8Array;
  readonly checksummed: boolean;
}
const samples: Sample[] = [];

beforeAll(async () => {
  random = seeded(SEED);
  zstd = await codec({ maxOutputBytes: MAX_OUTPUT });
  lib = await loadLibZstd();
  const text = jsonLines(6000, SEED);
  const noise = randomBytes(random, 700);
  const mixed = new Uint8Array([...text.subarray(0, 900), ...noise.subarray(0, 300), ...new Uint8Array(500)]);
  for (const [name, content] of [
    ['text', text],
    ['noise', noise],
    ['mixed', mixed],
    ['tiny', text.subarray(0, 17)],
  ] as const) {
    for (const level of [1, 3, 19]) {
      zstd.setLevel(level);
      samples.push({ name: `ours ${name} L${level}`, frame: zstd.compress(content), content, checksummed: true });
    }
  }
  zstd.setLevel(3);
  if (hasZstdCli) {
    samples.push({ name: 'cli default', frame: zstdCli(['-c'], text), content: text, checksummed: true });
    samples.push({
      name: 'cli --no-content-size',
      frame: zstdCli(['-c', '--no-content-size'], mixed),
      content: mixed,
      checksummed: true,
    });
    samples.push({
      name: 'cli --no-check',
      frame: zstdCli(['-c', '--no-check'], text),
      content: text,
      checksummed: false,
    });
  }
});

describe(`decompress under fuzzing (seed ${SEED})`, () => {
  it('random bytes (10,000 cases)', () => {
    for (let n = 0; n < 10_000; n++) fuzzCase('random', n, randomBytes(random, (random() * 600) | 0));
  });

  it('random bytes after a valid frame header (10,000 cases)', () => {
    for (let n = 0; n < 10_000; n++) {
      const header = [0x28, 0xb5, 0x2f, 0xfd, (random() * 256) & ~0x08, (random() * 256) | 0];
      // Keep the header plausible: no dictionary most of the time, modest windows.
      if (random() < 0.8) header[4] = (header[4] as number) & ~0x03;
      if (random() < 0.7) header[5] = (random() * 0x58) | 0;
      const body = randomBytes(random, (random() * 700) | 0);
      fuzzCase('random after header', n, new Uint8Array([...header, ...body]));
    }
  });

  it('every truncated prefix of each sample frame', () => {
    let n = 0;
    for (const sample of samples) {
      for (let length = 0; length < sample.frame.length; length++) {
        fuzzCase(`prefix of ${sample.name}`, n++, sample.frame.subarray(0, length), sample.content);
      }
    }
    expect(n).toBeGreaterThan(2000);
  });

  it('1-8 corrupted bytes in each sample (20,000 cases): the exact bytes or a typed error', () => {
    for (let n = 0; n < 20_000; n++) {
      const sample = pick(samples);
      const frame = sample.frame.slice();
      const flips = 1 + ((random() * 8) | 0);
      for (let i = 0; i < flips; i++) {
        const at = (random() * frame.length) | 0;
        frame[at] = random() < 0.5 ? (frame[at] as number) ^ (1 << ((random() * 8) | 0)) : (random() * 256) | 0;
      }
      fuzzCase(`corrupted ${sample.name}`, n, frame, sample.checksummed ? sample.content : undefined);
    }
  });

  it('lying headers: content size, window and block sizes rewritten (10,000 cases)', () => {
    for (let n = 0; n < 10_000; n++) {
      const sample = pick(samples);
      const frame = sample.frame.slice();
      const view = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
      const descriptor = frame[4] as number;
      const single = (descriptor & 0x20) !== 0;
      const fcsAt = 5 + (single ? 0 : 1);
      const lie = (random() * 3) | 0;
      if (lie === 0) {
        // Content size: keep the field's width, claim anything.
        const fcsFlag = descriptor >>> 6;
        const width = fcsFlag === 0 ? (single ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] as number);
        for (let i = 0; i < width; i++) frame[fcsAt + i] = random() < 0.5 ? 0xff : (random() * 256) | 0;
      } else if (lie === 1) {
        // Window descriptor (or, for single-segment frames, set a window flag and claim one).
        if (!single) frame[5] = (random() * 256) | 0;
        else frame[4] = descriptor & ~0x20;
      } else {
        // A block size: rewrite the first block header's 21-bit size.
        const dictBytes = [0, 1, 2, 4][descriptor & 3] as number;
        const fcsFlag = descriptor >>> 6;
        const width = fcsFlag === 0 ? (single ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] as number);
        const blockAt = fcsAt + dictBytes + width;
        if (blockAt + 3 <= frame.length) {
          const header = view.readUIntLE(blockAt, 3);
          const size = random() < 0.5 ? (random() * 0x1fffff) | 0 : (header >>> 3) + ((random() * 64) | 0) - 32;
          view.writeUIntLE(((Math.max(0, size) << 3) | (header & 7)) & 0xffffff, blockAt, 3);
        }
      }
      fuzzCase(`lying header in ${sample.name}`, n, frame, sample.checksummed ? sample.content : undefined);
    }
  });

  it('bombs: RLE and compressed-zero frames claiming or producing more than the bound (1,000 cases)', () => {
    // A real high-ratio frame: 3 MiB of zeros is a few hundred bytes compressed.
    zstd.setLevel(1);
    const zeros = new Uint8Array(3 * MiB);
    const fits = zstd.compress(zeros);
    for (let n = 0; n < 1000; n++) {
      const kind = n % 5;
      if (kind === 0) {
        const count = 1 + ((random() * 200) | 0);
        const blocks = Array.from({ length: count }, () => ({ type: 'rle' as const, size: 128 * 1024 }));
        const withSize = random() < 0.5;
        fuzzCase(
          'rle bomb',
          n,
          buildFrame({ ...(withSize ? { contentSize: count * 128 * 1024 } : {}), windowLog: 20, blocks }),
        );
      } else if (kind === 1) {
        // The same compressed frame repeated: each fits, together they do not.
        const copies = 1 + ((random() * 4) | 0);
        const input = Buffer.concat(Array.from({ length: copies }, () => fits));
        fuzzCase('repeated frames', n, input, copies === 1 ? zeros : undefined);
      } else if (kind === 2) {
        const claimed = Math.floor(random() * 2 ** 40);
        fuzzCase(
          'claimed size',
          n,
          buildFrame({ contentSize: claimed, windowLog: 20, blocks: [{ type: 'rle', size: 100 }] }),
        );
      } else if (kind === 3) {
        const windowLog = 10 + ((random() * 32) | 0);
        fuzzCase('claimed window', n, buildFrame({ windowLog, blocks: [{ type: 'rle', size: 1000 }] }));
      } else {
        // Many tiny compressed blocks, each of which could claim 128 KiB.
        const count = 1 + ((random() * 400) | 0);
        const blocks = Array.from({ length: count }, () => ({
          type: 'compressed' as const,
          size: 1 + ((random() * 4) | 0),
        }));
        fuzzCase('compressed block bomb', n, buildFrame({ windowLog: 17, blocks }));
      }
    }
    zstd.setLevel(3);
  });

  it('ran at least 20,000 cases, and some of each outcome', () => {
    expect(tally.cases).toBeGreaterThanOrEqual(20_000);
    expect(tally.ok).toBeGreaterThan(0);
    for (const code of [ErrorCode.CORRUPT, ErrorCode.TRUNCATED, ErrorCode.CHECKSUM_MISMATCH, ErrorCode.OVER_LIMIT]) {
      expect(tally.byCode[code] ?? 0, code).toBeGreaterThan(0);
    }
    console.log(
      `zstd fuzz seed ${SEED}: ${tally.cases} cases, ${tally.ok} decoded, errors ${JSON.stringify(tally.byCode)}`,
    );
  });
});
