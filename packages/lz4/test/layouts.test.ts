/**
 * Contract 1.1 (compression): decoding takes time linear in input plus output
 * in every valid frame layout, memory stays within twice the output bound,
 * and concatenated, empty and skippable frames decode as `lz4 -d` decodes
 * them. The inputs are made here, at test time: by the `lz4` CLI where it
 * writes the layout, by hand where it never does (tiny blocks, empty blocks).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '@sochdb/core';
import { timeRatio } from '@sochdb/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lz4Compression } from '../src/index.js';
import { xxh32 } from '../src/xxh32.js';
import { assertSameBytes, buildFrame, concat, jsonLines, skippableFrame } from './frame-builder.js';

const hasLz4 = spawnSync('lz4', ['--version']).status === 0;
if (!hasLz4 && process.env.CI) {
  throw new Error('The lz4 CLI is required in CI (apt-get install -y lz4; scripts/ensure-tools.mjs installs it).');
}

const MiB = 1024 * 1024;
const codec = new Lz4Compression();
/** Enough JSON lines for the largest scaling case. */
const text = jsonLines(4 * MiB, 31);

/** Runs the lz4 CLI on `input` (stdin) and returns its stdout. */
function lz4(args: string[], input?: Uint8Array): Uint8Array {
  const result = spawnSync('lz4', args, { input, maxBuffer: 1 << 30 });
  if (result.status !== 0) {
    throw new Error(`lz4 ${args.join(' ')} exited with ${result.status}: ${result.stderr.toString().trim()}`);
  }
  return new Uint8Array(result.stdout.buffer, result.stdout.byteOffset, result.stdout.length);
}

/** What `lz4 -d` makes of `input`: its bytes, or that it refused. */
function cliDecode(input: Uint8Array): Uint8Array | 'refused' {
  const result = spawnSync('lz4', ['-d', '-c'], { input, maxBuffer: 1 << 30 });
  return result.status === 0 ? new Uint8Array(result.stdout) : 'refused';
}

/** What our `decompress` makes of `input`: its bytes, or that it refused (with a typed error). */
function ourDecode(input: Uint8Array): Uint8Array | 'refused' {
  try {
    return codec.decompress(input);
  } catch (error) {
    expect(error).toMatchObject({ kind: 'corruption' });
    return 'refused';
  }
}

/** Asserts we decode `input` exactly as `lz4 -d` does, and that it decodes to `expected`. */
function assertAsCli(input: Uint8Array, expected: Uint8Array): void {
  const cli = cliDecode(input);
  expect(cli, 'lz4 -d refused the input').not.toBe('refused');
  assertSameBytes(cli as Uint8Array, expected);
  assertSameBytes(codec.decompress(input), expected);
}

function u32(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
}

/** A frame header (64 KiB blocks, optional block checksums, no content size) with its checksum. */
function header(flg = 0x60): Uint8Array {
  const descriptor = Uint8Array.of(flg, 0x40);
  return concat(u32(0x184d2204), descriptor, Uint8Array.of((xxh32(descriptor) >>> 8) & 0xff));
}

/** One stored (uncompressed) block, with its XXH32 when `checksum`. */
function storedBlock(bytes: Uint8Array, checksum = false): Uint8Array {
  return concat(u32((0x80000000 | bytes.length) >>> 0), bytes, checksum ? u32(xxh32(bytes)) : new Uint8Array(0));
}

/** `count` slices of `text` of `bytes` each, from different places. */
function records(count: number, bytes: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const at = (i * 7919) % (text.length - bytes);
    return text.subarray(at, at + bytes);
  });
}

// Generous timeouts: on a loaded machine one case can take tens of seconds of wall time.
describe('decoding time is linear in every frame layout (ratios within one run)', { timeout: 120_000 }, () => {
  // A quadratic decoder's ratio grows with the size (16x the work for 4x the
  // bytes); a linear one's stays flat. Both sizes must stay under the bound.
  // Generous, for a loaded machine (a quadratic decoder measured 10-50x on these sizes).
  const SMALL_BLOCKS_BOUND = 4;
  const MANY_FRAMES_BOUND = 6;
  // 4 KiB blocks without a size make the output grow by doubling, and each new buffer is zero-filled
  // by the runtime: at 1 MiB a linear decoder measured up to 5.5x in a CI run (a quadratic one 10-50x).
  const TINY_BLOCKS_BOUND = 8;

  it.each([1, 4])('%i MiB in 4 KiB blocks without a content size: within 8x the same blocks with one', (mib) => {
    const content = text.subarray(0, mib * MiB);
    const without = buildFrame({ content, blockBytes: 4096 });
    const withSize = buildFrame({ content, blockBytes: 4096, contentSize: true });
    assertSameBytes(codec.decompress(without), content);
    const { ratio } = timeRatio(
      () => codec.decompress(without),
      () => codec.decompress(withSize),
    );
    expect(ratio, `${ratio.toFixed(2)}x`).toBeLessThan(TINY_BLOCKS_BOUND);
  });

  it.skipIf(!hasLz4)(
    '16 MiB from lz4 -B4 (64 KiB blocks, no content size): within 4x of lz4 -B4 --content-size',
    () => {
      const content = new Uint8Array(16 * MiB);
      for (let at = 0; at < content.length; at += text.length) content.set(text.subarray(0, content.length - at), at);
      // From a file: only then does the CLI know the size to write.
      const scratch = mkdtempSync(join(tmpdir(), 'sochdb-lz4-scaling-'));
      const file = join(scratch, 'content.bin');
      writeFileSync(file, content);
      const without = lz4(['-B4', '-c', file]);
      const withSize = lz4(['-B4', '--content-size', '-c', file]);
      rmSync(scratch, { recursive: true, force: true });
      expect((without[4] as number) & 0x08).toBe(0);
      expect((withSize[4] as number) & 0x08).toBe(0x08);
      assertSameBytes(codec.decompress(without), content);
      const { ratio } = timeRatio(
        () => codec.decompress(without),
        () => codec.decompress(withSize),
        3,
      );
      expect(ratio, `${ratio.toFixed(2)}x`).toBeLessThan(SMALL_BLOCKS_BOUND);
    },
    60_000,
  );

  it.each([1000, 4000])(
    '%i concatenated 1 KiB frames with a content size: within 6x one frame of the same bytes',
    (count) => {
      const values = records(count, 1024);
      const stream = concat(...values.map((value) => codec.compress(value)));
      const one = codec.compress(concat(...values));
      assertSameBytes(codec.decompress(stream), concat(...values));
      const { ratio } = timeRatio(
        () => codec.decompress(stream),
        () => codec.decompress(one),
      );
      expect(ratio, `${ratio.toFixed(2)}x`).toBeLessThan(MANY_FRAMES_BOUND);
    },
  );

  it.each([1000, 4000])(
    '%i concatenated 1 KiB frames without a content size: within 6x one frame of the same bytes',
    (count) => {
      const values = records(count, 1024);
      const stream = concat(...values.map((content) => buildFrame({ content, contentChecksum: true })));
      const one = codec.compress(concat(...values));
      assertSameBytes(codec.decompress(stream), concat(...values));
      const { ratio } = timeRatio(
        () => codec.decompress(stream),
        () => codec.decompress(one),
      );
      expect(ratio, `${ratio.toFixed(2)}x`).toBeLessThan(MANY_FRAMES_BOUND);
    },
  );
});

describe('empty blocks: only 0x00000000 ends a frame', () => {
  const hello = new TextEncoder().encode('hello');

  it('0x80000000 is an empty uncompressed block, not the end mark', () => {
    const frame = concat(header(), storedBlock(new Uint8Array(0)), storedBlock(hello), u32(0));
    assertSameBytes(codec.decompress(frame), hello);
  });

  it('an empty uncompressed block with a block checksum (the XXH32 of nothing) is verified', () => {
    const good = concat(header(0x70), storedBlock(new Uint8Array(0), true), storedBlock(hello, true), u32(0));
    assertSameBytes(codec.decompress(good), hello);
    const bad = concat(header(0x70), u32(0x80000000), u32(0x12345678), storedBlock(hello, true), u32(0));
    expect(() => codec.decompress(bad)).toThrow(expect.objectContaining({ code: ErrorCode.CHECKSUM_MISMATCH }));
  });

  it('a frame that stops after 0x80000000 has no end mark: truncated', () => {
    const frame = concat(header(), storedBlock(hello), u32(0x80000000));
    expect(() => codec.decompress(frame)).toThrow(expect.objectContaining({ code: ErrorCode.TRUNCATED }));
  });
});

describe.skipIf(!hasLz4)('differential against lz4 -d: the layouts of contract 1.1', { timeout: 120_000 }, () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sochdb-lz4-layouts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('empty blocks of each type: 0x80000000, and a compressed block that decodes to nothing', () => {
    const hello = new TextEncoder().encode('hello');
    const inputs = [
      concat(header(), storedBlock(new Uint8Array(0)), storedBlock(hello), u32(0)),
      concat(header(), storedBlock(hello), storedBlock(new Uint8Array(0)), u32(0)),
      concat(header(0x70), storedBlock(new Uint8Array(0), true), storedBlock(hello, true), u32(0)),
      concat(header(), u32(1), Uint8Array.of(0), storedBlock(hello), u32(0)),
      concat(header(), storedBlock(new Uint8Array(0)), u32(0)),
    ];
    for (const input of inputs) {
      const expected = cliDecode(input);
      expect(expected).not.toBe('refused');
      assertSameBytes(ourDecode(input) as Uint8Array, expected as Uint8Array);
    }
  });

  it('input of only skippable frames: empty output, as lz4 -d gives', () => {
    const input = concat(skippableFrame(new Uint8Array(0)), skippableFrame(new Uint8Array(100), 15));
    assertAsCli(input, new Uint8Array(0));
  });

  it('3,000 concatenated CLI frames of every option, with skippable frames among them', () => {
    const options = [[], ['--content-size'], ['-BX', '--no-frame-crc'], ['-BD', '-9'], ['--no-content-size']];
    const values = records(3000, 700);
    const cliFrames = options.map((args, i) => lz4(['-c', ...args], values[i] as Uint8Array));
    const parts: Uint8Array[] = [];
    const expected: Uint8Array[] = [];
    for (let i = 0; i < values.length; i++) {
      const kind = i % options.length;
      parts.push(cliFrames[kind] as Uint8Array);
      expected.push(values[kind] as Uint8Array);
      if (i % 500 === 0) parts.push(skippableFrame(u32(i), i % 16));
    }
    assertAsCli(concat(...parts), concat(...expected));
  });

  it('a 64 MiB file compressed with the CLI defaults (no content size, 4 MiB blocks)', () => {
    const big = new Uint8Array(64 * MiB);
    for (let at = 0; at < big.length; at += text.length) big.set(text.subarray(0, big.length - at), at);
    // Vary each copy so that the blocks are not all alike.
    for (let at = 0; at < big.length; at += 4099) big[at] = at & 0x7f;
    const file = join(dir, 'big.bin');
    writeFileSync(file, big);
    const frame = lz4(['-c', file]);
    expect((frame[4] as number) & 0x08).toBe(0); // the CLI default writes no content size
    assertSameBytes(codec.decompress(frame), big);
  });

  it('a hostile 1.2 MB frame that expands to 300 MiB in 4 MiB blocks is refused, in memory within twice the bound', () => {
    // 300 MiB of zeros through the CLI: 75 blocks of 4 MiB, about 16 KB each.
    const script = join(dir, 'hostile.mts');
    const frameFile = join(dir, 'hostile.lz4');
    const made = spawnSync('sh', ['-c', `head -c ${300 * MiB} /dev/zero | lz4 -B7 -c > ${frameFile}`]);
    expect(made.status).toBe(0);
    // In a child process of its own, so its peak RSS is this decode's alone.
    const source = join(dirname(fileURLToPath(import.meta.url)), '../src/index.ts');
    writeFileSync(
      script,
      `import { readFileSync } from 'node:fs';
import { Lz4Compression } from ${JSON.stringify(source)};
const frame = readFileSync(${JSON.stringify(frameFile)});
const codec = new Lz4Compression();
globalThis.gc?.();
const before = process.resourceUsage().maxRSS * 1024;
let code = 'none';
try { codec.decompress(frame); } catch (error) { code = error.code; }
const after = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ frameBytes: frame.length, code, grew: after - before }));
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout) as { frameBytes: number; code: string; grew: number };
    expect(result.frameBytes).toBeLessThan(1_300_000);
    expect(result.code).toBe(ErrorCode.OVER_LIMIT);
    // The bound is maxOutputBytes (256 MiB): at most twice it, and some slack for the engine.
    expect(result.grew, JSON.stringify(result)).toBeLessThan(2 * codec.maxOutputBytes + 64 * MiB);
  });
});
