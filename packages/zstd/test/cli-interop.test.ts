/**
 * Interop with the reference `zstd` CLI, both ways: our frames through
 * `zstd -d`, and the CLI's frames (levels, ultra levels, no checksum, no
 * content size, long windows, several frames, skippable frames,
 * dictionaries) through our `decompress`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@sochdb/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { scanFrames, type ZstdCompression } from '../src/index.js';
import {
  codec,
  expectCorruption,
  expectSameBytes,
  hasZstdCli,
  jsonLines,
  randomBytes,
  seeded,
  withTempDir,
  zstdCli,
} from './helpers.js';

const LIMITS = { maxOutputBytes: 256 * 1024 * 1024, maxWindowBytes: 128 * 1024 * 1024 };

describe.skipIf(!hasZstdCli)('zstd CLI interop', () => {
  let zstd: ZstdCompression;
  const text = jsonLines(300_000);
  const noise = randomBytes(seeded(3), 100_000);

  beforeAll(async () => {
    zstd = await codec();
  });

  describe('our frames through zstd -d', () => {
    it.each([1, 3, 9, 19, 22])('level %i: text and random bytes', (level) => {
      zstd.setLevel(level);
      for (const input of [text, noise, new Uint8Array(0), new Uint8Array([42])]) {
        const frame = zstd.compress(input);
        expectSameBytes(zstdCli(['-d', '-c'], frame), input);
      }
      zstd.setLevel(3);
    });

    it('zstd -lv reports the content size and an XXH64 checksum for our frames', () =>
      withTempDir((dir) => {
        const file = join(dir, 'ours.zst');
        writeFileSync(file, zstd.compress(text));
        const listing = new TextDecoder().decode(execFileSync('zstd', ['-lv', file]));
        expect(listing).toMatch(/Check:\s+XXH64/);
        expect(listing).toMatch(new RegExp(`Decompressed Size:.*\\(${text.length} B\\)`));
        // And the CLI's own check passes.
        zstdCli(['-t', file]);
      }));
  });

  describe("the CLI's frames through decompress", () => {
    it('default settings', () => {
      expectSameBytes(zstd.decompress(zstdCli(['-c'], text)), text);
    });

    it('every level 1..19', () => {
      const sample = text.subarray(0, 64 * 1024);
      for (let level = 1; level <= 19; level++) {
        expectSameBytes(zstd.decompress(zstdCli([`-${level}`, '-c'], sample)), sample);
      }
    });

    it('--ultra levels 20..22: their 32-128 MiB windows need maxWindowBytes raised', async () => {
      const wide = await codec({ maxWindowBytes: 128 * 1024 * 1024 });
      for (const level of [20, 21, 22]) {
        // From stdin the CLI does not know the size, so it keeps the level's full window.
        const frame = zstdCli(['--ultra', `-${level}`, '-c'], text);
        expect(scanFrames(frame, LIMITS).frames[0]?.windowSize).toBeGreaterThan(8 * 1024 * 1024);
        expectCorruption(() => zstd.decompress(frame), ErrorCode.OVER_LIMIT);
        expectSameBytes(wide.decompress(frame), text);
      }
    });

    it('--no-check (no checksum to verify)', () => {
      const frame = zstdCli(['--no-check', '-c'], text);
      const [first] = scanFrames(frame, LIMITS).frames;
      expect(first?.hasChecksum).toBe(false);
      expectSameBytes(zstd.decompress(frame), text);
    });

    it('--no-content-size from a stdin stream: decoded with a running budget', () => {
      const big = jsonLines(2_000_000, 11);
      const frame = zstdCli(['--no-content-size', '-c'], big);
      const [first] = scanFrames(frame, LIMITS).frames;
      expect(first?.contentSize).toBeUndefined();
      expectSameBytes(zstd.decompress(frame), big);
      const rnd = randomBytes(seeded(5), 1_000_000);
      expectSameBytes(zstd.decompress(zstdCli(['--no-content-size', '-c'], rnd)), rnd);
    });

    it('a frame without content size that decodes past maxOutputBytes is refused with OVER_LIMIT', async () => {
      const small = await codec({ maxOutputBytes: 1_000_000 });
      const frame = zstdCli(['--no-content-size', '-c'], jsonLines(2_000_000, 11));
      expectCorruption(() => small.decompress(frame), ErrorCode.OVER_LIMIT);
      const fits = jsonLines(900_000, 12);
      expectSameBytes(small.decompress(zstdCli(['--no-content-size', '-c'], fits)), fits);
    });

    it('--long=27 windows: refused with the default maxWindowBytes, read when configured', async () => {
      // 20 MB with long-range repeats so the CLI keeps the 128 MiB window in the header.
      const block = randomBytes(seeded(9), 1_000_000);
      const input = new Uint8Array(20_000_000);
      for (let at = 0; at < input.length; at += block.length) input.set(block.subarray(0, input.length - at), at);
      const frame = zstdCli(['--long=27', '--no-content-size', '-c'], input);
      const [first] = scanFrames(frame, LIMITS).frames;
      expect(first?.windowSize).toBe(128 * 1024 * 1024);
      const error = expectCorruption(() => zstd.decompress(frame), ErrorCode.OVER_LIMIT);
      expect(error.message).toMatch(/maxWindowBytes/);
      const wide = await codec({ maxWindowBytes: 128 * 1024 * 1024 });
      expectSameBytes(wide.decompress(frame), input);
    });

    it('several frames concatenated decode to the concatenation', () => {
      const parts = [text.subarray(0, 1000), noise.subarray(0, 5000), new Uint8Array(0), text.subarray(5000, 90_000)];
      const frames = parts.map((part, i) => zstdCli([`-${i + 1}`, '-c'], part));
      const joined = Buffer.concat([...frames, zstd.compress(text.subarray(0, 777))]);
      expectSameBytes(zstd.decompress(joined), Buffer.concat([...parts, text.subarray(0, 777)]));
    });

    it('skippable frames are skipped, as zstd -d does', () => {
      const skippable = (magicLow: number, payload: Uint8Array) => {
        const header = Buffer.alloc(8);
        header.writeUInt32LE(0x184d2a50 + magicLow, 0);
        header.writeUInt32LE(payload.length, 4);
        return Buffer.concat([header, payload]);
      };
      const input = Buffer.concat([
        skippable(0, new Uint8Array(0)),
        zstdCli(['-c'], text.subarray(0, 4000)),
        skippable(15, noise.subarray(0, 300)),
        zstd.compress(text.subarray(4000, 9000)),
        skippable(7, new Uint8Array(12)),
      ]);
      const expected = text.subarray(0, 9000);
      expectSameBytes(zstdCli(['-d', '-c'], input), expected); // the reference agrees
      expectSameBytes(zstd.decompress(input), expected);
    });

    it('dictionary frames (zstd --train, then -D) are refused as unsupported', () =>
      withTempDir((dir) => {
        const random = seeded(21);
        const samples: string[] = [];
        for (let i = 0; i < 400; i++) {
          const file = join(dir, `s${i}.json`);
          writeFileSync(file, jsonLines(600 + ((random() * 800) | 0), 100 + i));
          samples.push(file);
        }
        const dictionary = join(dir, 'dict');
        zstdCli(['--train', ...samples, '-o', dictionary, '--maxdict=8192']);
        expect(readFileSync(dictionary).readUInt32LE(0)).toBe(0xec30a437);
        const value = jsonLines(900, 5000);
        const frame = zstdCli(['-D', dictionary, '-c'], value);
        const error = expectCorruption(() => zstd.decompress(frame), ErrorCode.UNSUPPORTED);
        expect(error.message).toMatch(/dictionar/);
        // The dictionary file itself is not a frame either.
        expectCorruption(() => zstd.decompress(readFileSync(dictionary)), ErrorCode.UNSUPPORTED);
      }));
  });
});
