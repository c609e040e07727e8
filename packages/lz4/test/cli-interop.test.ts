/**
 * Interop with the reference `lz4` CLI, both ways: our frames through
 * `lz4 -d`, and the CLI's frames (its default and option variants) through
 * our `decompress`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, isKernelError } from '@sochdb/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lz4Compression } from '../src/index.js';
import { assertSameBytes, concat, jsonLines, prng, randomBytes, skippableFrame } from './frame-builder.js';

const hasLz4 = spawnSync('lz4', ['--version']).status === 0;
if (!hasLz4 && process.env.CI) {
  throw new Error('The lz4 CLI is required in CI (apt-get install -y lz4; scripts/ensure-tools.mjs installs it).');
}

function lz4(args: string[], input?: Uint8Array): Uint8Array {
  const result = spawnSync('lz4', args, { input, maxBuffer: 1 << 28 });
  if (result.status !== 0) {
    throw new Error(`lz4 ${args.join(' ')} exited with ${result.status}: ${result.stderr.toString().trim()}`);
  }
  return new Uint8Array(result.stdout);
}

const codec = new Lz4Compression();
const random = prng(20_240_601);
/** JSON lines with a stretch of random bytes in the middle: compressed and stored blocks both. */
const mixed = concat(jsonLines(200_000, 3), randomBytes(80_000, random), jsonLines(120_000, 4));

/**
 * Inputs on which lz4js's block compressor puts the last match 10-11 bytes
 * from the end of a full 64 KiB block, where the block format requires 12:
 * `lz4 -d` fails on such a block unless the encoder corrects it.
 */
function matchNearBlockEnd(size: number, distance: number): Uint8Array {
  const input = new Uint8Array(size);
  const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(Math.ceil(size / 45)));
  input.set(text.subarray(0, size - 30));
  input.set(randomBytes(30, prng(distance)), size - 30);
  input.set(new TextEncoder().encode('quic'), size - distance);
  return input;
}

describe.skipIf(!hasLz4)('our frames through lz4 -d', () => {
  const inputs: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(42)],
    ['12 bytes', new TextEncoder().encode('hello, world')],
    ['1 KiB of JSON', jsonLines(1024, 9)],
    ['64 KiB exactly', jsonLines(65_536, 10)],
    ['mixed 400 KB', mixed],
    ['random 100 KB', randomBytes(100_000, prng(5))],
    ['5 MB of JSON (two 4 MiB blocks, linked)', jsonLines(5_000_000, 11)],
    ...[9, 10, 11, 12, 13].map((k): [string, Uint8Array] => [
      `a match ${k} bytes before a full block's end`,
      matchNearBlockEnd(65_536, k),
    ]),
    ['a match 10 bytes before the end of a full 256 KiB block', matchNearBlockEnd(262_144, 10)],
  ];

  it.each(inputs)('%s', (_name, input) => {
    const frame = codec.compress(input);
    assertSameBytes(lz4(['-d', '-c'], frame), input);
  });

  it('lz4 --list reads our header: linked blocks of the smallest size that fits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sochdb-lz4-'));
    try {
      const file = join(dir, 'ours.lz4');
      writeFileSync(file, codec.compress(mixed));
      // `--list` prints the frame type, block settings and the content size the header declares.
      const result = spawnSync('lz4', ['--list', file]);
      const listing = `${result.stdout.toString()}${result.stderr.toString()}`;
      expect(listing).toMatch(/\bLZ4Frame\s+B6D\b/); // 400 KB: one 1 MiB block (id 6), linked
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasLz4)('the CLI frames through our decompress', () => {
  let dir = '';
  let file = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sochdb-lz4-'));
    file = join(dir, 'mixed.bin');
    writeFileSync(file, mixed);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['the default', []],
    ['independent blocks (-BI)', ['-BI']],
    ['linked blocks (-BD)', ['-BD']],
    ['block checksums (-BX)', ['-BX']],
    ['linked blocks with block checksums (-BD -BX)', ['-BD', '-BX']],
    ['64 KiB blocks (-B4)', ['-B4']],
    ['64 KiB linked blocks with checksums (-B4 -BD -BX)', ['-B4', '-BD', '-BX']],
    ['256 KiB blocks (-B5)', ['-B5']],
    ['1 MiB blocks (-B6)', ['-B6']],
    ['4 MiB blocks (-B7)', ['-B7']],
    ['no content checksum (--no-frame-crc)', ['--no-frame-crc']],
    ['content size (--content-size)', ['--content-size']],
    ['no content size (--no-content-size)', ['--no-content-size']],
    ['content size, block checksums, no content checksum', ['--content-size', '-BX', '--no-frame-crc']],
    ['fast acceleration (--fast=8)', ['--fast=8']],
    ...Array.from({ length: 12 }, (_, i): [string, string[]] => [`level -${i + 1}`, [`-${i + 1}`]]),
    ['level -12 with --favor-decSpeed', ['-12', '--favor-decSpeed']],
  ])('%s', (_name, args) => {
    const frame = lz4([...args, '-c', file]);
    assertSameBytes(codec.decompress(frame), mixed);
  });

  it('reads a 5 MB file compressed with the defaults (4 MiB blocks)', () => {
    const big = jsonLines(5_000_000, 12);
    assertSameBytes(codec.decompress(lz4(['-c'], big)), big);
  });

  it('reads a frame at the highest LZ4 expansion (20 MB of zeros, content size declared, linked 256 KiB blocks)', () => {
    const zeros = new Uint8Array(20_000_000);
    const bigFile = join(dir, 'zeros.bin');
    writeFileSync(bigFile, zeros);
    const frame = lz4(['--content-size', '-BD', '-B5', '-c', bigFile]);
    expect(frame.length).toBeLessThan(zeros.length / 250);
    assertSameBytes(codec.decompress(frame), zeros);
  });

  it('reads empty input compressed by the CLI', () => {
    expect(codec.decompress(lz4(['-c'], new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it('reads several frames concatenated, and skippable frames among them, as lz4 -d does', () => {
    const a = lz4(['-c', '-BX', file]);
    const b = lz4(['-9', '-c'], jsonLines(5000, 13));
    const c = lz4(['--content-size', '-c', file]);
    const stream = concat(
      a,
      skippableFrame(new TextEncoder().encode('metadata'), 7),
      b,
      c,
      skippableFrame(new Uint8Array(0)),
    );
    const expected = lz4(['-d', '-c'], stream);
    assertSameBytes(expected, concat(mixed, jsonLines(5000, 13), mixed));
    assertSameBytes(codec.decompress(stream), expected);
  });

  it('refuses the legacy format (lz4 -l) as unsupported', () => {
    const legacy = lz4(['-l', '-c', file]);
    expect(() => codec.decompress(legacy)).toThrow(
      expect.objectContaining({ kind: 'corruption', code: ErrorCode.UNSUPPORTED }),
    );
  });

  it('detects corruption in CLI frames through the checksums they carry', () => {
    const frame = lz4(['-BX', '-c', file]);
    let checksumFailures = 0;
    for (let i = 0; i < 50; i++) {
      const bad = frame.slice();
      const at = 7 + Math.floor(random() * (bad.length - 7));
      bad[at] = (bad[at] as number) ^ (1 + Math.floor(random() * 255));
      try {
        assertSameBytes(codec.decompress(bad), mixed);
      } catch (error) {
        expect(isKernelError(error)).toBe(true);
        if (isKernelError(error) && error.code === ErrorCode.CHECKSUM_MISMATCH) checksumFailures++;
      }
    }
    expect(checksumFailures).toBeGreaterThan(40);
  });
});
