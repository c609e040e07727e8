import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorCode, isKernelError, isPluginModule, KernelError, PluginManager } from '@sochdb/core';
import { beforeAll, describe, expect, it } from 'vitest';
import xxhash from 'xxhash-wasm';
import plugin, {
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MAX_WINDOW_BYTES,
  NOT_INITIALIZED,
  scanFrames,
  VERSION,
  ZstdCompression,
} from '../src/index.js';
import { loadLibZstd } from '../src/libzstd.js';
import { buildFrame } from './frames.js';
import { codec, expectCorruption, expectSameBytes, jsonLines, randomBytes, seeded } from './helpers.js';

const require = createRequire(import.meta.url);
const MiB = 1024 * 1024;
let checksumOf: (bytes: Uint8Array) => number;

beforeAll(async () => {
  const { h64Raw } = await xxhash();
  checksumOf = (bytes) => Number(h64Raw(bytes, 0n) & 0xffffffffn);
});

describe('the extension', () => {
  it('describes itself, and its version is the package version', () => {
    const zstd = new ZstdCompression();
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(manifest.version);
    expect(zstd.algorithm).toBe('zstd');
    expect(zstd.info).toMatchObject({ name: 'zstd', version: manifest.version, capabilities: ['compression'] });
    expect(new ZstdCompression({ name: 'zstd-archive' }).info.name).toBe('zstd-archive');
    expect(zstd.level).toBe(3);
    expect(zstd.maxOutputBytes).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(zstd.maxWindowBytes).toBe(DEFAULT_MAX_WINDOW_BYTES);
  });

  it('its default export is a plugin module that the PluginManager registers (calling init)', async () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.capability).toBe('compression');
    const manager = new PluginManager();
    await manager.register(await plugin.create({ level: 5 }));
    const zstd = manager.compression('zstd');
    expect(zstd).toBeDefined();
    const input = jsonLines(10_000);
    expectSameBytes(zstd?.decompress(zstd.compress(input)) ?? new Uint8Array(), input);
    await manager.shutdownAll();
  });

  it('compress and decompress before init() throw a plugin KernelError that says to register or init first', () => {
    const zstd = new ZstdCompression();
    for (const call of [() => zstd.compress(new Uint8Array(4)), () => zstd.decompress(new Uint8Array(4))]) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(isKernelError(thrown)).toBe(true);
      expect(thrown).toMatchObject({ kind: 'plugin', code: NOT_INITIALIZED });
      expect((thrown as Error).message).toMatch(/init\(\)/);
      expect((thrown as Error).message).toMatch(/PluginManager/);
    }
    expect(zstd.encoder).toBeUndefined();
  });

  it('after shutdown every call throws SOCHDB_CLOSED', async () => {
    const zstd = await codec();
    const frame = zstd.compress(new Uint8Array(10));
    zstd.shutdown();
    expect(() => zstd.compress(new Uint8Array(1))).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
    expect(() => zstd.decompress(frame)).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
    for (const call of [() => zstd.compress(new Uint8Array(1)), () => zstd.decompress(frame)]) {
      expect(call).toThrow(expect.objectContaining({ kind: 'io', code: ErrorCode.CLOSED }));
      expect(call).toThrow(/has been shut down; create a new ZstdCompression \(and register it\)/);
    }
  });

  it('init() after shutdown() rejects with SOCHDB_CLOSED instead of resolving into a closed codec', async () => {
    const zstd = await codec();
    zstd.shutdown();
    await expect(zstd.init()).rejects.toMatchObject({ kind: 'io', code: ErrorCode.CLOSED });
    await expect(zstd.init()).rejects.toThrow(/create a new ZstdCompression/);
    expect(() => zstd.compress(new Uint8Array(1))).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
  });

  it('shows a refused value with its type, and a wrong type is a TypeError', () => {
    expect(() => new ZstdCompression({ level: '3' as never })).toThrow(TypeError);
    expect(() => new ZstdCompression({ level: '3' as never })).toThrow(/level must be .*; got string "3"$/);
    expect(() => new ZstdCompression({ maxOutputBytes: '' as never })).toThrow(/maxOutputBytes .*; got string ""$/);
    expect(() => new ZstdCompression({ maxWindowBytes: Number.NaN })).toThrow(RangeError);
    expect(() => new ZstdCompression({ maxWindowBytes: Number.NaN })).toThrow(/got number NaN$/);
    expect(() => new ZstdCompression({ name: [] as never })).toThrow(/got an Array$/);
    expect(() => new ZstdCompression().setLevel('3' as never)).toThrow(TypeError);
  });

  it('refuses an unknown option key, naming it and the valid ones', () => {
    const typo = () => new ZstdCompression({ levle: 3 } as never);
    expect(typo).toThrow(TypeError);
    expect(typo).toThrow(/unknown option "levle"; the options are name, level, maxOutputBytes, maxWindowBytes/);
  });

  it('refuses bad options with errors naming the option', () => {
    expect(() => new ZstdCompression({ level: 0 })).toThrow(RangeError);
    expect(() => new ZstdCompression({ level: 23 })).toThrow(/level/);
    expect(() => new ZstdCompression({ level: 2.5 })).toThrow(RangeError);
    expect(() => new ZstdCompression({ maxOutputBytes: 0 })).toThrow(/maxOutputBytes/);
    expect(() => new ZstdCompression({ maxOutputBytes: 2 ** 31 })).toThrow(RangeError);
    expect(() => new ZstdCompression({ maxWindowBytes: 512 })).toThrow(/maxWindowBytes/);
    expect(() => new ZstdCompression({ maxWindowBytes: 256 * MiB })).toThrow(RangeError);
    expect(() => new ZstdCompression({ name: '' })).toThrow(TypeError);
    expect(() => new ZstdCompression(null as never)).toThrow(TypeError);
    expect(new ZstdCompression({ maxWindowBytes: 128 * MiB }).maxWindowBytes).toBe(128 * MiB);
  });

  it('setLevel takes integers 1-22 and refuses other numbers with a RangeError, a non-number with a TypeError', async () => {
    const zstd = await codec();
    for (const level of [0, -1, 23, 3.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => zstd.setLevel(level)).toThrow(RangeError);
    }
    expect(() => zstd.setLevel('3' as never)).toThrow(TypeError);
    const input = jsonLines(50_000);
    for (let level = 1; level <= 22; level++) {
      zstd.setLevel(level);
      expect(zstd.level).toBe(level);
      expectSameBytes(zstd.decompress(zstd.compress(input)), input);
    }
  });

  it('refuses arguments that are not bytes with a TypeError', async () => {
    const zstd = await codec();
    expect(() => zstd.compress('text' as never)).toThrow(TypeError);
    expect(() => zstd.decompress([1, 2, 3] as never)).toThrow(TypeError);
  });
});

describe('compress', () => {
  let zstd: ZstdCompression;
  beforeAll(async () => {
    zstd = await codec();
  });

  it('writes one frame with the content size and a content checksum, for every size', () => {
    const random = seeded(1);
    for (const size of [0, 1, 2, 255, 256, 257, 65_791, 65_792, 200_000, 1_500_000]) {
      const input = randomBytes(random, size);
      const frame = zstd.compress(input);
      const scan = scanFrames(frame, { maxOutputBytes: 16 * MiB, maxWindowBytes: 8 * MiB });
      expect(scan.frames).toHaveLength(1);
      expect(scan.frames[0]).toMatchObject({ contentSize: size, hasChecksum: true, start: 0, end: frame.length });
      const stored = frame.subarray(frame.length - 4);
      expect(Buffer.from(stored).readUInt32LE(0)).toBe(checksumOf(input));
      expectSameBytes(zstd.decompress(frame), input);
    }
  });

  it('compresses exactly as libzstd does at the same level (plus the 4 checksum bytes)', async () => {
    const raw = require('@bokuweb/zstd-wasm') as {
      init(): Promise<void>;
      compress(input: Uint8Array, level: number): Uint8Array;
    };
    await raw.init(); // the package's own module: ours is a separate instance
    const input = jsonLines(400_000);
    for (const level of [1, 3, 7, 12, 19]) {
      zstd.setLevel(level);
      const ours = zstd.compress(input);
      const theirs = raw.compress(input, level);
      expect(ours.length).toBe(theirs.length + 4);
      // Same bytes but for the checksum flag in the header descriptor.
      expect(Buffer.compare(ours.subarray(5, theirs.length), theirs.subarray(5))).toBe(0);
      expect(ours[4]).toBe((theirs[4] as number) | 0x04);
    }
    zstd.setLevel(3);
  });

  it('does not alias: the caller may reuse its buffers', () => {
    const input = jsonLines(5000);
    const copy = input.slice();
    const frame = zstd.compress(input);
    input.fill(0);
    const out = zstd.decompress(frame);
    expectSameBytes(out, copy);
    frame.fill(0);
    expectSameBytes(out, copy);
    // A view into a larger buffer, and a Buffer, compress as their own bytes.
    const big = jsonLines(10_000);
    const view = big.subarray(1000, 3000);
    expectSameBytes(zstd.decompress(zstd.compress(view)), view);
    expectSameBytes(zstd.decompress(zstd.compress(Buffer.from(view))), view);
  });
});

describe('decompress refuses what is not exactly valid frames', () => {
  let zstd: ZstdCompression;
  const text = jsonLines(20_000);
  let frame: Uint8Array;
  beforeAll(async () => {
    zstd = await codec();
    frame = zstd.compress(text);
  });

  it('empty input is truncated, short input too', () => {
    expectCorruption(() => zstd.decompress(new Uint8Array(0)), ErrorCode.TRUNCATED);
    expectCorruption(() => zstd.decompress(frame.subarray(0, 3)), ErrorCode.TRUNCATED);
    expectCorruption(() => zstd.decompress(frame.subarray(0, 4)), ErrorCode.TRUNCATED);
  });

  it('every truncated prefix of a frame is refused', () => {
    for (let length = 1; length < frame.length; length++) {
      const error = expectCorruption(() => zstd.decompress(frame.subarray(0, length)), ErrorCode.TRUNCATED);
      expect(error.message).toMatch(/ends inside/);
    }
  });

  it('trailing bytes after the last frame are corrupt', () => {
    expectCorruption(() => zstd.decompress(Buffer.concat([frame, new Uint8Array([0])])), ErrorCode.CORRUPT);
    expectCorruption(() => zstd.decompress(Buffer.concat([frame, new Uint8Array(8)])), ErrorCode.CORRUPT);
    expectCorruption(() => zstd.decompress(Buffer.concat([frame, Buffer.from('garbage!')])), ErrorCode.CORRUPT);
  });

  it('a wrong checksum is a checksum mismatch', () => {
    const bad = frame.slice();
    bad[bad.length - 2] = (bad[bad.length - 2] as number) ^ 0x10;
    expectCorruption(() => zstd.decompress(bad), ErrorCode.CHECKSUM_MISMATCH);
    // In a hand-built raw-block frame too, where nothing else could catch it.
    const payload = new TextEncoder().encode('hello, world');
    const good = buildFrame({
      singleSegment: true,
      contentSize: payload.length,
      checksum: checksumOf(payload),
      blocks: [{ type: 'raw', size: payload.length, payload }],
    });
    expectSameBytes(zstd.decompress(good), payload);
    const wrong = buildFrame({
      singleSegment: true,
      contentSize: payload.length,
      checksum: checksumOf(payload) ^ 1,
      blocks: [{ type: 'raw', size: payload.length, payload }],
    });
    expectCorruption(() => zstd.decompress(wrong), ErrorCode.CHECKSUM_MISMATCH);
  });

  it('a content size the blocks do not produce is corrupt', () => {
    const scan = scanFrames(frame, { maxOutputBytes: MiB, maxWindowBytes: 8 * MiB });
    expect(scan.frames[0]?.contentSize).toBe(text.length);
    // Our frames use a 4-byte FCS at offset 5 (no window byte: single segment).
    for (const claimed of [text.length - 1, text.length + 1, 1, 0]) {
      const lying = frame.slice();
      Buffer.from(lying.buffer, lying.byteOffset).writeUInt32LE(claimed, 5);
      expectCorruption(() => zstd.decompress(lying), ErrorCode.CORRUPT);
    }
    // Raw blocks alone hold more than declared.
    expectCorruption(
      () => zstd.decompress(buildFrame({ contentSize: 5, windowLog: 17, blocks: [{ type: 'raw', size: 10 }] })),
      ErrorCode.CORRUPT,
    );
  });

  it('a content size its blocks cannot hold is refused before allocating (lying header)', () => {
    // 100 MiB claimed by a frame with one 10-byte raw block: within maxOutputBytes, impossible.
    const lying = buildFrame({ contentSize: 100 * MiB, windowLog: 20, blocks: [{ type: 'raw', size: 10 }] });
    const error = expectCorruption(() => zstd.decompress(lying), ErrorCode.CORRUPT);
    expect(error.message).toMatch(/can hold at most 10/);
  });

  it('a content size over maxOutputBytes is refused as over the limit', () => {
    for (const claimed of [DEFAULT_MAX_OUTPUT_BYTES + 1, 2 ** 32 - 1, 2 ** 60]) {
      const lying = buildFrame({ contentSize: claimed, windowLog: 20, blocks: [{ type: 'rle', size: 1000 }] });
      expectCorruption(() => zstd.decompress(lying), ErrorCode.OVER_LIMIT);
    }
  });

  it('maxOutputBytes bounds declared and undeclared output, over all frames', async () => {
    const small = await codec({ maxOutputBytes: 1000 });
    expectSameBytes(small.decompress(zstd.compress(text.subarray(0, 1000))), text.subarray(0, 1000));
    expectCorruption(() => small.decompress(zstd.compress(text.subarray(0, 1001))), ErrorCode.OVER_LIMIT);
    const half = zstd.compress(text.subarray(0, 600));
    expectCorruption(() => small.decompress(Buffer.concat([half, half])), ErrorCode.OVER_LIMIT);
    // Without a content size: the running budget.
    const fits = buildFrame({ windowLog: 17, blocks: [{ type: 'rle', size: 400 }] });
    expect(small.decompress(Buffer.concat([fits, fits])).length).toBe(800);
    expectCorruption(() => small.decompress(Buffer.concat([fits, fits, fits])), ErrorCode.OVER_LIMIT);
  });

  it('a window over maxWindowBytes is refused before decoding; raising the bound reads it', async () => {
    const payload = new TextEncoder().encode('small content, big window');
    const wideFrame = buildFrame({ windowLog: 24, blocks: [{ type: 'raw', size: payload.length, payload }] });
    const error = expectCorruption(() => zstd.decompress(wideFrame), ErrorCode.OVER_LIMIT);
    expect(error.message).toMatch(/16 MiB window/);
    expectSameBytes((await codec({ maxWindowBytes: 16 * MiB })).decompress(wideFrame), payload);
    // Window logs past 31 exist in no valid frame.
    expectCorruption(
      () => zstd.decompress(buildFrame({ windowLog: 41, blocks: [{ type: 'raw', size: 1 }] })),
      ErrorCode.CORRUPT,
    );
  });

  it('dictionary frames and legacy formats are unsupported', () => {
    const withDict = buildFrame({
      dictionaryId: 0x1234,
      contentSize: 3,
      singleSegment: true,
      blocks: [{ type: 'raw', size: 3 }],
    });
    expectCorruption(() => zstd.decompress(withDict), ErrorCode.UNSUPPORTED);
    // Dictionary_ID 0 means "no dictionary".
    const noDict = buildFrame({
      dictionaryId: 0,
      contentSize: 3,
      singleSegment: true,
      blocks: [{ type: 'raw', size: 3 }],
    });
    expectSameBytes(zstd.decompress(noDict), new Uint8Array(3));
    for (const magic of [0xfd2fb51e, 0xfd2fb522, 0xfd2fb524, 0xfd2fb527]) {
      const legacy = frame.slice();
      Buffer.from(legacy.buffer).writeUInt32LE(magic, 0);
      expectCorruption(() => zstd.decompress(legacy), ErrorCode.UNSUPPORTED);
    }
  });

  it('reserved bits, reserved block types and oversized blocks are corrupt', () => {
    expectCorruption(
      () =>
        zstd.decompress(
          buildFrame({ reservedBit: true, contentSize: 3, singleSegment: true, blocks: [{ type: 'raw', size: 3 }] }),
        ),
      ErrorCode.CORRUPT,
    );
    expectCorruption(
      () => zstd.decompress(buildFrame({ windowLog: 17, blocks: [{ type: 'reserved', size: 3 }] })),
      ErrorCode.CORRUPT,
    );
    // A block may not be larger than the window (here 1 KiB) or 128 KiB.
    expectCorruption(
      () => zstd.decompress(buildFrame({ windowLog: 10, blocks: [{ type: 'rle', size: 1025 }] })),
      ErrorCode.CORRUPT,
    );
    expectCorruption(
      () => zstd.decompress(buildFrame({ windowLog: 20, blocks: [{ type: 'rle', size: 128 * 1024 + 1 }] })),
      ErrorCode.CORRUPT,
    );
    // A compressed block of garbage.
    const garbage = randomBytes(seeded(4), 200);
    expectCorruption(
      () =>
        zstd.decompress(buildFrame({ windowLog: 17, blocks: [{ type: 'compressed', size: 200, payload: garbage }] })),
      ErrorCode.CORRUPT,
    );
  });

  it('skippable frames alone decode to nothing, as zstd -d does; a skippable frame running past the end is truncated', () => {
    const skippable = Buffer.alloc(12);
    skippable.writeUInt32LE(0x184d2a53, 0);
    skippable.writeUInt32LE(4, 4);
    expect(zstd.decompress(skippable)).toEqual(new Uint8Array(0));
    const long = Buffer.from(skippable);
    long.writeUInt32LE(100, 4);
    expectCorruption(() => zstd.decompress(Buffer.concat([frame, long])), ErrorCode.TRUNCATED);
    expectSameBytes(zstd.decompress(Buffer.concat([skippable, frame, skippable])), text);
  });

  it('a decompression bomb with a content size is refused before the memory is taken', async () => {
    // 2,100 RLE blocks of 128 KiB: 10 KB of input, 275 MB of output.
    const blocks = Array.from({ length: 2100 }, () => ({ type: 'rle' as const, size: 128 * 1024 }));
    const bomb = buildFrame({ contentSize: 2100 * 128 * 1024, windowLog: 20, blocks });
    expect(bomb.length).toBeLessThan(10_000);
    const lib = await loadLibZstd();
    const heapBefore = lib.heapBytes;
    expectCorruption(() => zstd.decompress(bomb), ErrorCode.OVER_LIMIT);
    expect(lib.heapBytes, 'the wasm heap grew for a refused bomb').toBe(heapBefore);
    // Without a content size, the running budget stops it (small budget, to keep the test's memory small).
    const undeclared = buildFrame({ windowLog: 20, blocks });
    const small = await codec({ maxOutputBytes: 4 * MiB });
    expectCorruption(() => small.decompress(undeclared), ErrorCode.OVER_LIMIT);
  });

  it('a frame without content size is not given the memory its block headers could claim', async () => {
    // 2,100 one-byte compressed blocks: 8 KB that could claim 2,100 x 128 KiB = 262 MiB.
    const blocks = Array.from({ length: 2100 }, () => ({
      type: 'compressed' as const,
      size: 1,
      payload: new Uint8Array([0]),
    }));
    const frame = buildFrame({ windowLog: 20, blocks });
    const lib = await loadLibZstd();
    const heapBefore = lib.heapBytes;
    const wide = await codec({ maxOutputBytes: 512 * MiB });
    expectCorruption(() => wide.decompress(frame), ErrorCode.CORRUPT);
    expect(lib.heapBytes - heapBefore).toBeLessThan(4 * MiB);
  });

  it('valid hand-built frames decode: RLE and raw blocks, with and without content size', () => {
    const frameOf = (withSize: boolean) =>
      buildFrame({
        ...(withSize ? { contentSize: 1000 + 5 } : {}),
        windowLog: 12,
        blocks: [
          { type: 'rle', size: 1000 },
          { type: 'raw', size: 5, payload: new TextEncoder().encode('tail!') },
        ],
      });
    const expected = Buffer.concat([Buffer.alloc(1000, 0x61), Buffer.from('tail!')]);
    expectSameBytes(zstd.decompress(frameOf(true)), expected);
    expectSameBytes(zstd.decompress(frameOf(false)), expected);
  });
});

describe('errors', () => {
  it('are KernelErrors of kind corruption, recognised across copies by isKernelError', async () => {
    const zstd = await codec();
    let thrown: unknown;
    try {
      zstd.decompress(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KernelError);
    expect(isKernelError(thrown)).toBe(true);
    expect((thrown as KernelError).message).toMatch(/magic/);
  });
});
