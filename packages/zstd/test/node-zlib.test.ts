/**
 * On Node >= 22.15 `zlib.zstdCompressSync` exists and writes our frames.
 * This machine's Node may not have it, so a stand-in with the same signature
 * (backed by the same libzstd) takes its place, to check what we ask of it
 * and that `init()` only adopts it when its frames carry content size and
 * checksum.
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import xxhash from 'xxhash-wasm';
import { scanFrames } from '../src/index.js';
import { codec, expectSameBytes, jsonLines } from './helpers.js';

const { constants, calls, behaviour } = vi.hoisted(() => ({
  constants: { ZSTD_c_compressionLevel: 100, ZSTD_c_checksumFlag: 201, ZSTD_c_contentSizeFlag: 200 },
  calls: [] as Array<{ params: Record<number, number>; pledgedSrcSize: number }>,
  behaviour: { writeChecksum: true },
}));

vi.mock('node:zlib', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:zlib')>();
  const require = createRequire(import.meta.url);
  const raw = require('@bokuweb/zstd-wasm') as {
    init(): Promise<void>;
    compress(i: Uint8Array, l: number): Uint8Array;
  };
  await raw.init();
  const { h64Raw } = await xxhash();
  return {
    ...original,
    constants: { ...original.constants, ...constants },
    zstdCompressSync(input: Uint8Array, options: { params: Record<number, number>; pledgedSrcSize: number }) {
      calls.push(options);
      const frame = raw.compress(input, options.params[constants.ZSTD_c_compressionLevel] ?? 3);
      if (!behaviour.writeChecksum) return Buffer.from(frame);
      const out = Buffer.alloc(frame.length + 4);
      out.set(frame);
      out[4] = (out[4] as number) | 0x04;
      out.writeUInt32LE(Number(h64Raw(input, 0n) & 0xffffffffn), frame.length);
      return out;
    },
  };
});

describe('compression with zlib.zstdCompressSync (Node >= 22.15)', () => {
  beforeAll(() => {
    calls.length = 0;
  });

  it('is used when its frames carry content size and checksum, asked for both at the set level', async () => {
    behaviour.writeChecksum = true;
    const zstd = await codec({ level: 7 });
    expect(zstd.encoder).toBe('node:zlib');
    const input = jsonLines(50_000);
    const frame = zstd.compress(input);
    const last = calls.at(-1);
    expect(last?.pledgedSrcSize).toBe(input.length);
    expect(last?.params).toEqual({
      [constants.ZSTD_c_compressionLevel]: 7,
      [constants.ZSTD_c_checksumFlag]: 1,
      [constants.ZSTD_c_contentSizeFlag]: 1,
    });
    expect(frame).not.toBeInstanceOf(Buffer);
    expect(scanFrames(frame, { maxOutputBytes: 1 << 20, maxWindowBytes: 8 << 20 }).frames[0]).toMatchObject({
      contentSize: input.length,
      hasChecksum: true,
    });
    expectSameBytes(zstd.decompress(frame), input);
    zstd.setLevel(12);
    zstd.compress(input);
    expect(calls.at(-1)?.params[constants.ZSTD_c_compressionLevel]).toBe(12);
  });

  it('is not used when its frames lack the checksum: the wasm build writes them instead', async () => {
    behaviour.writeChecksum = false;
    const zstd = await codec();
    expect(zstd.encoder).toBe('wasm');
    const input = jsonLines(10_000);
    const frame = zstd.compress(input);
    expect(scanFrames(frame, { maxOutputBytes: 1 << 20, maxWindowBytes: 8 << 20 }).frames[0]?.hasChecksum).toBe(true);
    expectSameBytes(zstd.decompress(frame), input);
  });
});
