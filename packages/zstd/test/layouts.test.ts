/**
 * Contract 1.1 (compression): decoding takes time linear in input plus output
 * in every valid frame layout, no false `OVER_LIMIT`, and concatenated,
 * empty-block and skippable-only inputs decode as `zstd -d` decodes them.
 * Inputs are made here, at test time: by the `zstd` CLI where it writes the
 * layout, by hand where it never does (one-byte blocks, empty blocks).
 */

import { spawnSync } from 'node:child_process';
import { ErrorCode } from '@sochdb/core';
import { timeRatio } from '@sochdb/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ZstdCompression } from '../src/index.js';
import { buildFrame } from './frames.js';
import { codec, expectCorruption, expectSameBytes, hasZstdCli, jsonLines, zstdCli } from './helpers.js';

const MiB = 1024 * 1024;
const text = jsonLines(4 * MiB, 41);
let zstd: ZstdCompression;

beforeAll(async () => {
  zstd = await codec();
});

/** What `zstd -d` makes of `input`: its bytes, or that it refused. */
function cliDecode(input: Uint8Array): Uint8Array | 'refused' {
  const result = spawnSync('zstd', ['-d', '-c', '-q'], { input, maxBuffer: 1 << 30 });
  return result.status === 0 ? new Uint8Array(result.stdout) : 'refused';
}

/** What our `decompress` makes of `input`: its bytes, or that it refused (with a typed error). */
function ourDecode(input: Uint8Array): Uint8Array | 'refused' {
  try {
    return zstd.decompress(input);
  } catch (error) {
    expect(error).toMatchObject({ kind: 'corruption' });
    return 'refused';
  }
}

/** Asserts we decode `input` as `zstd -d` does: the same bytes, or both refuse. */
function assertAsCli(input: Uint8Array): Uint8Array | 'refused' {
  const cli = cliDecode(input);
  const ours = ourDecode(input);
  if (cli === 'refused' || ours === 'refused') expect(ours).toBe(cli);
  else expectSameBytes(ours, cli);
  return cli;
}

function skippable(nibble: number, payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(8);
  header.writeUInt32LE(0x184d2a50 + nibble, 0);
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** A compressed block of raw literals and no sequences: what it decodes to is `literals`. */
function literalsBlock(literals: Uint8Array): { type: 'compressed'; size: number; payload: Uint8Array } {
  const header =
    literals.length < 32
      ? [literals.length << 3]
      : [((literals.length << 4) | 0b0100) & 0xff, (literals.length >> 4) & 0xff]; // up to 4095
  const payload = Uint8Array.from([...header, ...literals, 0]);
  return { type: 'compressed', size: payload.length, payload };
}

/** `count` slices of `text` of `bytes` each, from different places. */
function records(count: number, bytes: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => {
    const at = (i * 7919) % (text.length - bytes);
    return text.subarray(at, at + bytes);
  });
}

describe('no false OVER_LIMIT, and skippable-only input, as zstd -d decodes them', () => {
  it('a frame of 2,100 one-byte compressed blocks without a content size, then compress("hello"): 2,105 bytes', () => {
    const blocks = Array.from({ length: 2100 }, (_, i) => literalsBlock(Uint8Array.of(97 + (i % 26))));
    const input = Buffer.concat([buildFrame({ windowLog: 17, blocks }), zstd.compress(Buffer.from('hello'))]);
    expect(input.length).toBeLessThan(13_000);
    const expected = Buffer.concat([
      Buffer.from(Array.from({ length: 2100 }, (_, i) => 97 + (i % 26))),
      Buffer.from('hello'),
    ]);
    expectSameBytes(zstd.decompress(input), expected);
    if (hasZstdCli) expect(assertAsCli(input)).toHaveLength(2105);
  });

  it('the budget still counts what frames without a content size really produce', async () => {
    const small = await codec({ maxOutputBytes: 3000 });
    const blocks = Array.from({ length: 2100 }, () => literalsBlock(Uint8Array.of(120)));
    const frame = buildFrame({ windowLog: 17, blocks });
    expect(small.decompress(Buffer.concat([frame, zstd.compress(Buffer.from('hello'))]))).toHaveLength(2105);
    expectCorruption(() => small.decompress(Buffer.concat([frame, frame])), ErrorCode.OVER_LIMIT);
    expectCorruption(
      () => small.decompress(Buffer.concat([frame, zstd.compress(new Uint8Array(901))])),
      ErrorCode.OVER_LIMIT,
    );
  });

  it('input of only skippable frames decodes to empty output', () => {
    const input = Buffer.concat([skippable(0, new Uint8Array(0)), skippable(15, new Uint8Array(100))]);
    expect(zstd.decompress(input)).toEqual(new Uint8Array(0));
    if (hasZstdCli) expect(assertAsCli(input)).toHaveLength(0);
  });
});

// Generous timeouts: on a loaded machine one case can take tens of seconds of wall time.
describe('decoding time is linear in every frame layout (ratios within one run)', { timeout: 120_000 }, () => {
  // A quadratic decoder's ratio grows with the size (16x the work for 4x the
  // bytes); a linear one's stays flat. Both sizes must stay under the bound.
  // Tiny frames cost libzstd a frame set-up each (~6 us in wasm; raw libzstd-wasm decodes 4,000
  // frames of 1 KiB in about 3x the time of one 4 MB frame), hence the wider bound on a loaded machine.
  const SMALL_BLOCKS_BOUND = 4;
  const MANY_FRAMES_BOUND = 12;

  it.skipIf(!hasZstdCli).each([1, 4])(
    '%i MiB in ~1 KB CLI blocks without a content size: within 4x the same blocks with one',
    (mib) => {
      const content = text.subarray(0, mib * MiB);
      const small = ['-c', '--target-compressed-block-size=1024'];
      const without = zstdCli([...small, '--no-content-size'], content);
      const withSize = zstdCli([...small, `--stream-size=${content.length}`], content);
      expect(without[4] as number).toBeLessThan(0x40); // no Frame_Content_Size
      expect(without.length).toBeGreaterThan(content.length / 20); // small blocks, not one big one
      expectSameBytes(zstd.decompress(without), content);
      expectSameBytes(zstd.decompress(withSize), content);
      const { ratio } = timeRatio(
        () => zstd.decompress(without),
        () => zstd.decompress(withSize),
      );
      expect(ratio, `${ratio.toFixed(2)}x`).toBeLessThan(SMALL_BLOCKS_BOUND);
    },
  );

  it.each([1000, 4000])(
    '%i concatenated 1 KiB frames with a content size: within 12x one frame of the same bytes',
    (count) => {
      const values = records(count, 1024);
      const stream = Buffer.concat(values.map((value) => zstd.compress(value)));
      const one = zstd.compress(Buffer.concat(values));
      expectSameBytes(zstd.decompress(stream), Buffer.concat(values));
      const { ratio } = timeRatio(
        () => zstd.decompress(stream),
        () => zstd.decompress(one),
      );
      expect(ratio, `${ratio.toFixed(2)}x`).toBeLessThan(MANY_FRAMES_BOUND);
    },
  );

  it.each([1000, 4000])(
    '%i concatenated 1 KiB frames without a content size: within 12x one frame of the same bytes',
    (count) => {
      const values = records(count, 1024);
      const stream = Buffer.concat(
        values.map((value) => buildFrame({ windowLog: 17, blocks: [literalsBlock(value)] })),
      );
      const one = zstd.compress(Buffer.concat(values));
      expectSameBytes(zstd.decompress(stream), Buffer.concat(values));
      const { ratio } = timeRatio(
        () => zstd.decompress(stream),
        () => zstd.decompress(one),
      );
      expect(ratio, `${ratio.toFixed(2)}x`).toBeLessThan(MANY_FRAMES_BOUND);
    },
  );
});

describe.skipIf(!hasZstdCli)('differential against zstd -d: the layouts of contract 1.1', { timeout: 120_000 }, () => {
  const hello = new TextEncoder().encode('hello');

  it.each([
    ['an empty raw block', { type: 'raw' as const, size: 0 }],
    ['an empty RLE block', { type: 'rle' as const, size: 0 }],
    ['a compressed block of no literals and no sequences', literalsBlock(new Uint8Array(0))],
    ['a compressed block of size 0', { type: 'compressed' as const, size: 0, payload: new Uint8Array(0) }],
    ['a one-byte compressed block', { type: 'compressed' as const, size: 1, payload: new Uint8Array(1) }],
  ])('%s, first, last or alone in a frame, with or without content size and checksum', (_name, empty) => {
    const raw = { type: 'raw' as const, size: hello.length, payload: hello };
    const lz = literalsBlock(hello);
    for (const blocks of [[empty, raw], [raw, empty], [empty], [lz, empty, lz]]) {
      const size = blocks.reduce((sum, block) => sum + (block === raw || block === lz ? 5 : 0), 0);
      for (const contentSize of [undefined, size]) {
        const frame = buildFrame({ windowLog: 17, blocks, ...(contentSize === undefined ? {} : { contentSize }) });
        assertAsCli(frame);
        assertAsCli(Buffer.concat([frame, zstd.compress(hello), frame]));
      }
    }
  });

  it('3,000 concatenated CLI frames of every option, with skippable frames among them', () => {
    const options = [[], ['--no-check'], ['-19'], ['--no-content-size'], ['-1', '--no-check', '--no-content-size']];
    const values = records(3000, 700);
    const cliFrames = options.map((args, i) => zstdCli(['-c', ...args], values[i] as Uint8Array));
    const parts: Uint8Array[] = [];
    for (let i = 0; i < values.length; i++) {
      parts.push(cliFrames[i % options.length] as Uint8Array);
      if (i % 500 === 0) parts.push(skippable(i % 16, Buffer.from(`skip ${i}`)));
    }
    const input = Buffer.concat(parts);
    const expected = Buffer.concat(values.map((_, i) => values[i % options.length] as Uint8Array));
    expectSameBytes(zstdCli(['-d', '-c'], input), expected);
    expectSameBytes(zstd.decompress(input), expected);
  });

  it('only skippable frames, one or many, empty or not', () => {
    for (const input of [
      skippable(0, new Uint8Array(0)),
      skippable(9, new Uint8Array(70_000)),
      Buffer.concat(Array.from({ length: 1000 }, (_, i) => skippable(i % 16, Buffer.from(String(i))))),
    ]) {
      expect(assertAsCli(input)).toHaveLength(0);
    }
  });
});
