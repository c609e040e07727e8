/**
 * Seeded fuzzing of `decompress`: more than 20,000 hostile inputs per run.
 * Every case must either return exactly the original bytes (when the frame
 * carries a content checksum; otherwise at least stay within the bound) or
 * throw a `KernelError` of kind `corruption` with one of the documented
 * codes, within a per-case time bound, and with `maxOutputBytes` kept small
 * so that no case can take more than a few megabytes.
 *
 * Reproduce a failure with `LZ4_FUZZ_SEED=<seed> npx vitest run --project lz4 fuzz`.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, isKernelError } from '@sochdb/core';
import { afterAll, describe, expect, it } from 'vitest';
import { Lz4Compression } from '../src/index.js';
import { xxh32 } from '../src/xxh32.js';
import { assertSameBytes, buildFrame, concat, jsonLines, prng, randomBytes, skippableFrame } from './frame-builder.js';

const SEED = Number(process.env.LZ4_FUZZ_SEED ?? 0x5eed_1a24);
/** Generous for a loaded 2-core CI machine; a hang or quadratic blow-up on these sizes takes seconds or forever. */
const CASE_TIME_MS = 500;
const MAX_OUTPUT = 1 << 20;
const codec = new Lz4Compression({ maxOutputBytes: MAX_OUTPUT });
const CODES = new Set<string>([
  ErrorCode.CORRUPT,
  ErrorCode.TRUNCATED,
  ErrorCode.CHECKSUM_MISMATCH,
  ErrorCode.UNSUPPORTED,
  ErrorCode.OVER_LIMIT,
]);

const counts = { cases: 0, decoded: 0, codes: {} as Record<string, number> };

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 160)).toString('hex') + (bytes.length > 160 ? '…' : '');
}

/**
 * One fuzz case. `expected`: the exact output a successful decode must give
 * (frames with a content checksum), or undefined when success with any
 * in-bound output is acceptable. `code`: the one error code allowed, if the
 * case must fail in a known way.
 */
function check(label: string, input: Uint8Array, expected?: Uint8Array, code?: string): void {
  counts.cases++;
  const start = performance.now();
  let result: Uint8Array | undefined;
  try {
    result = codec.decompress(input);
  } catch (error) {
    const where = `${label} (seed ${SEED}, input ${input.length} bytes: ${hexOf(input)})`;
    if (!isKernelError(error)) throw new Error(`${where}: threw a non-KernelError: ${String(error)}`, { cause: error });
    if (error.kind !== 'corruption' || !CODES.has(error.code)) {
      throw new Error(`${where}: threw kind ${error.kind} code ${error.code}`, { cause: error });
    }
    if (code !== undefined && error.code !== code) {
      throw new Error(`${where}: expected ${code}, threw ${error.code}: ${error.message}`, { cause: error });
    }
    counts.codes[error.code] = (counts.codes[error.code] ?? 0) + 1;
  }
  const elapsed = performance.now() - start;
  if (elapsed > CASE_TIME_MS) throw new Error(`${label}: took ${elapsed.toFixed(0)} ms (bound ${CASE_TIME_MS} ms)`);
  if (result !== undefined) {
    counts.decoded++;
    if (code !== undefined) throw new Error(`${label}: expected ${code}, but it decoded ${result.length} bytes`);
    expect(result.length).toBeLessThanOrEqual(MAX_OUTPUT);
    if (expected !== undefined) assertSameBytes(result, expected);
  }
}

const random = prng(SEED);
const int = (below: number) => Math.floor(random() * below);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;

function u32(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
}

/** A valid frame header with random flags (no dictionary) and a right header checksum. */
function randomHeader(): Uint8Array {
  const flg = 0x40 | (int(16) << 2); // independence, block checksum, content size, content checksum
  const bd = (4 + int(4)) << 4;
  const fields = [flg, bd];
  if (flg & 0x08) {
    const size = pick([0, int(100), int(70_000), int(MAX_OUTPUT * 2), 2 ** 32 - 1]);
    fields.push(...u32(size), ...(random() < 0.1 ? u32(int(256)) : u32(0)));
  }
  const descriptor = Uint8Array.from(fields);
  return concat(u32(0x184d2204), descriptor, Uint8Array.of((xxh32(descriptor) >>> 8) & 0xff));
}

/** The base frames mutated below, with the output a successful decode must give (undefined: no checksum). */
const content = jsonLines(6000, SEED);
const bases: Array<{ name: string; frame: Uint8Array; expected: Uint8Array | undefined }> = [
  { name: 'ours', frame: codec.compress(content), expected: content },
  {
    name: 'all checksums, 1 KiB blocks',
    frame: buildFrame({ content, blockBytes: 1024, blockChecksum: true, contentChecksum: true, contentSize: true }),
    expected: content,
  },
  {
    name: 'independent, content checksum',
    frame: buildFrame({ content, blockBytes: 2000, independent: true, contentChecksum: true }),
    expected: content,
  },
  { name: 'no checksums', frame: buildFrame({ content, blockBytes: 3000 }), expected: undefined },
  {
    name: 'stored blocks, content size',
    frame: buildFrame({ content: content.subarray(0, 3000), stored: true, contentSize: true }),
    expected: undefined,
  },
];

afterAll(() => {
  // The run is what CI relies on: at least 20,000 cases, all of them checked.
  expect(counts.cases).toBeGreaterThanOrEqual(20_000);
  console.info(
    `lz4 fuzz: seed ${SEED}, ${counts.cases} cases, ${counts.decoded} decoded, errors ${JSON.stringify(counts.codes)}`,
  );
});

describe(`decompress under fuzzing (seed ${SEED})`, () => {
  it('random bytes, with and without a frame magic number', () => {
    for (let i = 0; i < 3000; i++) check(`random #${i}`, randomBytes(int(300), random));
    for (let i = 0; i < 2000; i++) {
      const magic = pick([0x184d2204, 0x184d2a50 + int(16), 0x184c2102]);
      check(`random after magic #${i}`, concat(u32(magic), randomBytes(int(300), random)));
    }
  });

  it('random bytes after a valid header', () => {
    for (let i = 0; i < 4000; i++) {
      const header = randomHeader();
      let body: Uint8Array;
      if (random() < 0.5) {
        body = randomBytes(int(400), random);
      } else {
        // Plausible block structure: size fields that fit, random block contents.
        const parts: Uint8Array[] = [];
        for (let b = int(4); b > 0; b--) {
          const size = 1 + int(200);
          parts.push(u32(random() < 0.3 ? (size | 0x80000000) >>> 0 : size), randomBytes(size, random));
          if (random() < 0.5) parts.push(randomBytes(4, random));
        }
        parts.push(u32(0), randomBytes(int(3) * 4, random));
        body = concat(...parts);
      }
      check(`random after header #${i}`, concat(header, body));
    }
  });

  it('every truncated prefix of several frames is TRUNCATED', () => {
    for (const base of bases.slice(0, 4)) {
      const frame = base.frame.length > 1200 ? base.frame.subarray(0, 1200) : base.frame;
      // Shorter frames are checked whole; for long ones the first 1200 bytes.
      for (let cut = 0; cut < frame.length; cut++)
        check(`${base.name} cut at ${cut}`, frame.subarray(0, cut), undefined, ErrorCode.TRUNCATED);
    }
    const small = codec.compress(content.subarray(0, 700));
    const withSkippable = concat(skippableFrame(Uint8Array.of(1, 2, 3)), small);
    for (let cut = 0; cut < withSkippable.length; cut++) {
      // Cut right after the skippable frame the input is complete (and empty): any other cut is truncated.
      check(
        `skippable + frame cut at ${cut}`,
        withSkippable.subarray(0, cut),
        new Uint8Array(0),
        cut === 11 ? undefined : ErrorCode.TRUNCATED,
      );
    }
    check('whole frame', small, content.subarray(0, 700));
  });

  it('1 to 8 corrupted bytes', () => {
    for (let i = 0; i < 5000; i++) {
      const base = bases[i % bases.length] as (typeof bases)[number];
      const bad = base.frame.slice();
      for (let n = 1 + int(8); n > 0; n--) {
        // Half the corruptions land in the first 40 bytes, where the header and first block header are.
        const at = random() < 0.5 ? int(Math.min(40, bad.length)) : int(bad.length);
        bad[at] = (bad[at] as number) ^ (1 + int(255));
      }
      check(`${base.name} corrupted #${i}`, bad, base.expected);
    }
  });

  it('lying headers: content size, block size, block maximum', () => {
    for (let i = 0; i < 2000; i++) {
      const base = bases[i % bases.length] as (typeof bases)[number];
      const frame = base.frame.slice();
      const hasContentSize = ((frame[4] as number) & 0x08) !== 0;
      const headerEnd = hasContentSize ? 14 : 6;
      const lie = int(3);
      if (lie === 0) {
        // Declare another content size (adding the field if the frame had none is a different layout: skip).
        if (!hasContentSize) {
          frame[5] = (4 + int(4)) << 4;
        } else {
          frame.set(
            u32(
              pick([
                0,
                1,
                int(content.length * 2),
                content.length - 1,
                content.length + 1,
                MAX_OUTPUT + 1,
                2 ** 32 - 1,
              ]),
            ),
            6,
          );
          frame.set(u32(random() < 0.1 ? 1 + int(255) : 0), 10);
        }
      } else if (lie === 1) {
        frame[5] = (4 + int(4)) << 4; // another block maximum
      } else {
        // Rewrite the first block's size field.
        const at = headerEnd + 1;
        const old =
          ((frame[at] as number) |
            ((frame[at + 1] as number) << 8) |
            ((frame[at + 2] as number) << 16) |
            ((frame[at + 3] as number) << 24)) >>>
          0;
        const size = pick([
          old ^ 0x80000000,
          (old & 0x7fffffff) + 1 + int(10),
          Math.max(0, (old & 0x7fffffff) - 1 - int(10)),
          0x7fffffff,
          4 << 20,
          int(2 ** 32),
        ]);
        frame.set(u32(size >>> 0), at);
      }
      frame[headerEnd] = (xxh32(frame, 4, headerEnd) >>> 8) & 0xff;
      check(`${base.name} lying header #${i} (${lie})`, frame, base.expected);
    }
  });

  it('decompression bombs are bounded by maxOutputBytes', () => {
    for (let i = 0; i < 1200; i++) {
      // A block of one literal and one long match (offset 1-4) made of 255-runs: about 255 x its size.
      const runs = 100 + int(10_000);
      const offset = 1 + int(4);
      const literals = randomBytes(offset, random);
      const last = int(255);
      const block = concat(
        Uint8Array.of((offset << 4) | 15),
        literals,
        u32(offset).subarray(0, 2),
        new Uint8Array(runs).fill(255),
        Uint8Array.of(last, 0x10, 0x21),
      );
      const matchLength = 15 + runs * 255 + last + 4;
      const blocks = 1 + int(3);
      const contentSize = blocks * (offset + matchLength + 1);
      const declare = pick([undefined, contentSize, int(contentSize), 2 ** 32 - 1]);
      const flg = 0x40 | 0x20 | (declare === undefined ? 0 : 0x08);
      const descriptor =
        declare === undefined ? Uint8Array.of(flg, 0x70) : concat(Uint8Array.of(flg, 0x70), u32(declare), u32(0));
      const parts = [u32(0x184d2204), descriptor, Uint8Array.of((xxh32(descriptor) >>> 8) & 0xff)];
      for (let b = 0; b < blocks; b++) parts.push(u32(block.length), block);
      parts.push(u32(0));
      const frame = concat(...parts);
      const fits =
        (declare === undefined || declare === contentSize) &&
        contentSize <= MAX_OUTPUT &&
        offset + matchLength + 1 <= 4 << 20;
      if (fits) {
        const one = new Uint8Array(offset + matchLength + 1);
        one.set(literals);
        for (let k = offset; k < offset + matchLength; k++) one[k] = one[k - offset] as number;
        one[one.length - 1] = 0x21;
        check(`bomb #${i} (fits)`, frame, concat(...new Array<Uint8Array>(blocks).fill(one)));
      } else {
        check(`bomb #${i}`, frame);
      }
    }
    // Many small frames whose total is over the bound.
    const one = buildFrame({ content: new Uint8Array(60_000), contentSize: true });
    check('concatenated bombs', concat(...new Array<Uint8Array>(20).fill(one)), undefined, ErrorCode.OVER_LIMIT);
  });
});
