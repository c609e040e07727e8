import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ErrorCode, isKernelError, PluginManager } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import plugin, { DEFAULT_MAX_OUTPUT_BYTES, LZ4_LEVELS, Lz4Compression, VERSION } from '../src/index.js';
import { xxh32 } from '../src/xxh32.js';
import { assertSameBytes, jsonLines, prng, randomBytes } from './frame-builder.js';

const codec = new Lz4Compression();

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

describe('xxh32', () => {
  it('matches the reference test vectors', () => {
    const ascii = (text: string) => new TextEncoder().encode(text);
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(new Uint8Array(0), 0, 0, 1)).toBe(0x0b2cb792);
    expect(xxh32(ascii('a'))).toBe(0x550d7456);
    expect(xxh32(ascii('abc'))).toBe(0x32d153ff);
    expect(xxh32(ascii('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });

  it('agrees with lz4js on every length from 0 to 300 and at offsets', () => {
    const require = createRequire(import.meta.url);
    const reference = require('lz4js/xxh32.js') as {
      hash(seed: number, src: Uint8Array, index: number, len: number): number;
    };
    const bytes = randomBytes(400, prng(1));
    for (let length = 0; length <= 300; length++) {
      expect(xxh32(bytes, 7, 7 + length)).toBe(reference.hash(0, bytes, 7, length) >>> 0);
    }
  });
});

describe('compress', () => {
  const inputs: Array<[string, Uint8Array]> = [
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(0)],
    ['14 bytes (too short to compress)', new TextEncoder().encode('abcabcabcabcab')],
    ['1 KiB of JSON', jsonLines(1024)],
    ['random 70 KB', randomBytes(70_000, prng(2))],
    ['zeros 1 MB', new Uint8Array(1_000_000)],
    ['JSON 4.5 MB (two blocks)', jsonLines(4_500_000, 3)],
  ];

  it.each(inputs)('round-trips %s', (_name, input) => {
    assertSameBytes(codec.decompress(codec.compress(input)), input);
  });

  it('writes the standard frame header: version 1, linked blocks, content size, content checksum', () => {
    const input = jsonLines(100_000);
    const frame = codec.compress(input);
    expect(readU32(frame, 0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x4c); // version 01, content size, content checksum
    expect(frame[5]).toBe(0x50); // 256 KiB blocks: the smallest that holds 100 KB
    expect(readU32(frame, 6)).toBe(100_000);
    expect(readU32(frame, 10)).toBe(0);
    expect(frame[14]).toBe((xxh32(frame, 4, 14) >>> 8) & 0xff);
    expect(readU32(frame, frame.length - 8)).toBe(0);
    expect(readU32(frame, frame.length - 4)).toBe(xxh32(input));
  });

  it('picks the smallest block size that holds the input, up to 4 MiB', () => {
    expect(codec.compress(new Uint8Array(65_536))[5]).toBe(0x40);
    expect(codec.compress(new Uint8Array(65_537))[5]).toBe(0x50);
    expect(codec.compress(new Uint8Array(1 << 20))[5]).toBe(0x60);
    expect(codec.compress(new Uint8Array((1 << 20) + 1))[5]).toBe(0x70);
  });

  it('compresses JSON to the same size as lz4js and stores incompressible data with 27 bytes of overhead', () => {
    const require = createRequire(import.meta.url);
    const lz4js = require('lz4js') as { compress(src: Uint8Array): Uint8Array };
    const json = jsonLines(500_000, 5);
    const ours = codec.compress(json);
    // lz4js's frame has 7 header bytes, ours 15 + 4 for the checksum; the held-back 2 bytes cost at most 1.
    expect(Math.abs(ours.length - 12 - lz4js.compress(json).length)).toBeLessThanOrEqual(2);
    expect(ours.length).toBeLessThan(json.length / 3);
    expect(codec.compress(randomBytes(10_000, prng(4))).length).toBe(10_000 + 23 + 4);
  });

  it('is deterministic: the same input gives the same frame whatever was compressed before', () => {
    const input = jsonLines(20_000, 6);
    const first = codec.compress(input);
    codec.compress(jsonLines(300_000, 7));
    codec.compress(randomBytes(5000, prng(8)));
    assertSameBytes(codec.compress(input), first);
  });

  it('returns a fresh array the caller owns, and does not touch the input', () => {
    const input = jsonLines(5000, 9);
    const copy = input.slice();
    const a = codec.compress(input);
    const b = codec.compress(input);
    expect(a).not.toBe(b);
    a.fill(0);
    assertSameBytes(codec.decompress(b), copy);
    assertSameBytes(input, copy);
  });

  it('accepts a Buffer and a view at an offset', () => {
    const input = jsonLines(5000, 10);
    const padded = new Uint8Array(input.length + 10);
    padded.set(input, 3);
    assertSameBytes(codec.decompress(codec.compress(padded.subarray(3, 3 + input.length))), input);
    assertSameBytes(codec.decompress(codec.compress(Buffer.from(input))), input);
  });

  it('bounds decompress only: a frame of more than maxOutputBytes is written, and refused when read', () => {
    const small = new Lz4Compression({ maxOutputBytes: 100 });
    expect(small.decompress(small.compress(new Uint8Array(100)))).toHaveLength(100);
    const frame = small.compress(new Uint8Array(101));
    expect(() => small.decompress(frame)).toThrow(expect.objectContaining({ code: 'SOCHDB_OVER_LIMIT' }));
    expect(codec.decompress(frame)).toHaveLength(101);
  });

  it('rejects arguments that are not bytes with a TypeError', () => {
    expect(() => codec.compress('text' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => codec.decompress([1, 2, 3] as unknown as Uint8Array)).toThrow(/input must be a Uint8Array/);
  });
});

describe('options and levels', () => {
  it('has the documented defaults', () => {
    expect(codec.algorithm).toBe('lz4');
    expect(codec.info.name).toBe('lz4');
    expect(codec.info.capabilities).toEqual(['compression']);
    expect(codec.maxOutputBytes).toBe(DEFAULT_MAX_OUTPUT_BYTES);
    expect(DEFAULT_MAX_OUTPUT_BYTES).toBe(256 * 1024 * 1024);
    expect(codec.level).toBe(1);
    expect(LZ4_LEVELS).toEqual({ min: 1, max: 1, default: 1 });
  });

  it('takes a name and maxOutputBytes', () => {
    const named = new Lz4Compression({ name: 'lz4-values', maxOutputBytes: 1024 });
    expect(named.info.name).toBe('lz4-values');
    expect(named.maxOutputBytes).toBe(1024);
  });

  it('refuses invalid options naming the option', () => {
    expect(() => new Lz4Compression({ name: '' })).toThrow(/options\.name/);
    expect(() => new Lz4Compression({ maxOutputBytes: -1 })).toThrow(RangeError);
    expect(() => new Lz4Compression({ maxOutputBytes: 1.5 })).toThrow(/maxOutputBytes/);
    expect(() => new Lz4Compression({ maxOutputBytes: 2 ** 32 + 1 })).toThrow(RangeError);
    expect(() => new Lz4Compression({ maxOutputBytes: '10' as unknown as number })).toThrow(TypeError);
    expect(() => new Lz4Compression({ level: 9 })).toThrow(RangeError);
    expect(() => new Lz4Compression(null as unknown as object)).toThrow(TypeError);
  });

  it('shows a refused value with its type', () => {
    expect(() => new Lz4Compression({ level: '1' as never })).toThrow(
      /options\.level must be the integer 1; got string "1"$/,
    );
    expect(() => new Lz4Compression({ maxOutputBytes: '' as never })).toThrow(/got string ""$/);
    expect(() => new Lz4Compression({ maxOutputBytes: Number.NaN })).toThrow(/got number NaN$/);
    expect(() => new Lz4Compression({ name: 7 as never })).toThrow(
      /options\.name must be a non-empty string; got number 7$/,
    );
  });

  it('refuses an unknown option key, naming it and the valid ones', () => {
    const typo = () => new Lz4Compression({ levle: 1 } as never);
    expect(typo).toThrow(TypeError);
    expect(typo).toThrow(/unknown option "levle"; the options are name, maxOutputBytes, level/);
  });

  it('setLevel accepts the one level lz4js has and refuses others with a RangeError', () => {
    const c = new Lz4Compression();
    c.setLevel(1);
    expect(c.level).toBe(1);
    for (const level of [0, 2, 3, 9, 12, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => c.setLevel(level)).toThrow(RangeError);
    }
    expect(() => c.setLevel(3)).toThrow(/high-compression levels 2-12/);
    expect(() => c.setLevel('1' as unknown as number)).toThrow(TypeError);
    expect(c.level).toBe(1);
  });
});

describe('lifecycle', () => {
  it('after shutdown() compress and decompress throw SOCHDB_CLOSED (kind io) saying what to do', () => {
    const c = new Lz4Compression();
    const frame = c.compress(new Uint8Array(10));
    c.shutdown();
    c.shutdown(); // again: nothing more happens
    for (const call of [() => c.compress(new Uint8Array(1)), () => c.decompress(frame)]) {
      let thrown: unknown;
      try {
        call();
      } catch (error) {
        thrown = error;
      }
      expect(isKernelError(thrown)).toBe(true);
      expect(thrown).toMatchObject({ kind: 'io', code: ErrorCode.CLOSED });
      expect((thrown as Error).message).toMatch(/has been shut down; create a new Lz4Compression \(and register it\)$/);
    }
  });

  it('shutdownAll() of a PluginManager closes it', async () => {
    const manager = new PluginManager();
    const c = new Lz4Compression();
    await manager.register(c);
    await manager.shutdownAll();
    expect(() => c.compress(new Uint8Array(1))).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
  });
});

describe('plugin module', () => {
  it('is the default export and registers with a PluginManager', async () => {
    expect(plugin.apiVersion).toBeTypeOf('number');
    expect(plugin.capability).toBe('compression');
    const manager = new PluginManager();
    const extension = await plugin.create({ maxOutputBytes: 1 << 20 });
    await manager.register(extension);
    const lz4 = manager.compression('lz4');
    expect(lz4).toBe(extension);
    const input = jsonLines(10_000, 11);
    assertSameBytes(lz4?.decompress(lz4.compress(input)) ?? new Uint8Array(0), input);
    await manager.shutdownAll();
  });

  it('throws a KernelError for bytes that are not a frame', () => {
    try {
      codec.decompress(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
      expect.unreachable();
    } catch (error) {
      expect(isKernelError(error)).toBe(true);
    }
  });

  it('reports the version in its package.json', () => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(manifest.version);
    expect(codec.info.version).toBe(manifest.version);
  });
});
