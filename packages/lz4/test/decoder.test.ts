import { ErrorCode, isKernelError } from '@sochdb/core';
import { compress as lz4jsCompress, decompress as lz4jsDecompress } from 'lz4js';
import { describe, expect, it } from 'vitest';
import { Lz4Compression } from '../src/index.js';
import { xxh32 } from '../src/xxh32.js';
import { assertSameBytes, buildFrame, concat, jsonLines, skippableFrame } from './frame-builder.js';

const codec = new Lz4Compression();
const text = jsonLines(300_000, 7);

/** Runs `fn`, which must throw a corruption KernelError with `code`; returns the message. */
function expectCorruption(fn: () => unknown, code: string): string {
  try {
    fn();
  } catch (error) {
    if (!isKernelError(error)) throw new Error(`expected a KernelError, got ${String(error)}`, { cause: error });
    expect(error.kind).toBe('corruption');
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/^lz4: /);
    return error.message;
  }
  throw new Error(`expected ${code}, but decompress returned`);
}

function setU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}

/** Rewrites the header checksum of the frame at 0 after a header edit. */
function fixHeaderChecksum(frame: Uint8Array, headerEnd: number): void {
  frame[headerEnd] = (xxh32(frame, 4, headerEnd) >>> 8) & 0xff;
}

/** A frame (64 KiB blocks, no options) holding one compressed block of the given bytes. */
function blockFrame(block: number[]): Uint8Array {
  const frame = Uint8Array.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0, 0, 0, 0, 0, ...block, 0, 0, 0, 0]);
  setU32(frame, 7, block.length);
  fixHeaderChecksum(frame, 6);
  return frame;
}

describe('frame features', () => {
  it.each([
    ['default flags', {}],
    ['content size', { contentSize: true }],
    ['content checksum', { contentChecksum: true }],
    ['block checksums', { blockChecksum: true }],
    ['independent blocks', { independent: true }],
    ['everything', { contentSize: true, contentChecksum: true, blockChecksum: true, independent: true }],
    ['stored blocks', { stored: true, contentChecksum: true }],
    ['256 KiB blocks', { blockSizeId: 5 as const }],
    ['1 MiB blocks', { blockSizeId: 6 as const, contentSize: true }],
    ['4 MiB blocks', { blockSizeId: 7 as const }],
    ['short blocks', { blockBytes: 10_000, contentChecksum: true }],
  ])('decodes frames with %s', (_name, options) => {
    const frame = buildFrame({ content: text, ...options });
    assertSameBytes(codec.decompress(frame), text);
  });

  it('decodes linked blocks whose matches reach into the previous block', () => {
    // 64 KiB blocks of repeated text: lz4js's shared hash table makes later blocks reference earlier ones.
    const frame = buildFrame({ content: text, blockBytes: 4096 });
    assertSameBytes(codec.decompress(frame), text);
  });

  it('refuses a match that reaches into the previous block of an independent-blocks frame', () => {
    const linked = buildFrame({ content: text, blockBytes: 4096 });
    linked[4] = (linked[4] as number) | 0x20; // now claims independence
    fixHeaderChecksum(linked, 6);
    expect(expectCorruption(() => codec.decompress(linked), ErrorCode.CORRUPT)).toMatch(
      /before the start of the window/,
    );
  });

  it('decodes an empty frame to an empty array', () => {
    expect(codec.decompress(buildFrame({ content: new Uint8Array(0), contentChecksum: true }))).toEqual(
      new Uint8Array(0),
    );
    expect(codec.decompress(buildFrame({ content: new Uint8Array(0), contentSize: true }))).toEqual(new Uint8Array(0));
  });

  it('decodes concatenated frames and skips skippable frames, as lz4 -d does', () => {
    const a = text.subarray(0, 1000);
    const b = text.subarray(1000, 5000);
    const input = concat(
      skippableFrame(new Uint8Array([1, 2, 3])),
      buildFrame({ content: a, contentSize: true }),
      skippableFrame(new Uint8Array(0), 15),
      buildFrame({ content: b, blockChecksum: true }),
      buildFrame({ content: new Uint8Array(0) }),
    );
    assertSameBytes(codec.decompress(input), concat(a, b));
  });

  it('returns an empty array for input that is only skippable frames (lz4 -d writes nothing)', () => {
    expect(codec.decompress(skippableFrame(new Uint8Array(10), 3))).toEqual(new Uint8Array(0));
  });

  it('takes a block size field of 0x80000000 for an empty stored block, not the end mark, like liblz4', () => {
    const frame = buildFrame({ content: text.subarray(0, 500), stored: true });
    setU32(frame, frame.length - 4, 0x80000000);
    expectCorruption(() => codec.decompress(frame), ErrorCode.TRUNCATED);
    assertSameBytes(codec.decompress(concat(frame, new Uint8Array(4))), text.subarray(0, 500));
  });

  it('reads frames written by lz4js and lz4js reads ours', () => {
    assertSameBytes(codec.decompress(lz4jsCompress(text)), text);
    assertSameBytes(lz4jsDecompress(codec.compress(text)), text);
  });

  it('accepts a Buffer and a view at an offset', () => {
    const frame = codec.compress(text);
    const padded = new Uint8Array(frame.length + 9);
    padded.set(frame, 5);
    assertSameBytes(codec.decompress(padded.subarray(5, 5 + frame.length)), text);
    assertSameBytes(codec.decompress(Buffer.from(frame)), text);
  });

  it('decodes a long run (offset 1) and overlapping long matches exactly', () => {
    const content = new Uint8Array(200_000);
    for (let i = 0; i < content.length; i++) content[i] = i < 100_000 ? 7 : (i % 3) + (i % 7);
    const frame = buildFrame({ content, contentChecksum: true, blockSizeId: 5 });
    assertSameBytes(codec.decompress(frame), content);
  });
});

describe('refusals', () => {
  it('refuses empty input as truncated', () => {
    expectCorruption(() => codec.decompress(new Uint8Array(0)), ErrorCode.TRUNCATED);
  });

  it('refuses bytes that are not a frame', () => {
    expect(
      expectCorruption(() => codec.decompress(new TextEncoder().encode('hello world')), ErrorCode.CORRUPT),
    ).toMatch(/not an LZ4 frame/);
  });

  it('says an input shorter than the magic number is not a frame, rather than "trailing bytes"', () => {
    const message = expectCorruption(() => codec.decompress(new TextEncoder().encode('abc')), ErrorCode.CORRUPT);
    expect(message).toBe('lz4: not an LZ4 frame: 3 bytes, shorter than the 4-byte magic number');
    expect(expectCorruption(() => codec.decompress(new Uint8Array([7])), ErrorCode.CORRUPT)).toMatch(/1 byte,/);
  });

  it('refuses trailing bytes after the last frame', () => {
    const frame = codec.compress(text.subarray(0, 100));
    expectCorruption(() => codec.decompress(concat(frame, new Uint8Array([9, 9, 9, 9, 9]))), ErrorCode.CORRUPT);
    expectCorruption(() => codec.decompress(concat(frame, new Uint8Array([1]))), ErrorCode.CORRUPT);
    // A partial magic number after a frame is a truncated next frame.
    expectCorruption(() => codec.decompress(concat(frame, new Uint8Array([0x04, 0x22]))), ErrorCode.TRUNCATED);
  });

  it('refuses the legacy format and dictionary frames as unsupported', () => {
    const legacy = Uint8Array.from([0x02, 0x21, 0x4c, 0x18, 5, 0, 0, 0, 0x40, 1, 2, 3, 4]);
    expect(expectCorruption(() => codec.decompress(legacy), ErrorCode.UNSUPPORTED)).toMatch(/legacy/);
    const dict = buildFrame({ content: text.subarray(0, 100), dictId: 42 });
    expect(expectCorruption(() => codec.decompress(dict), ErrorCode.UNSUPPORTED)).toMatch(/dictionary 42/);
  });

  it('refuses another format version, reserved bits and block size ids 0-3', () => {
    const frame = buildFrame({ content: text.subarray(0, 100) });
    const version = frame.slice();
    version[4] = 0x80;
    fixHeaderChecksum(version, 6);
    expectCorruption(() => codec.decompress(version), ErrorCode.UNSUPPORTED);
    const reserved = frame.slice();
    reserved[4] = 0x42;
    fixHeaderChecksum(reserved, 6);
    expectCorruption(() => codec.decompress(reserved), ErrorCode.CORRUPT);
    const bdReserved = frame.slice();
    bdReserved[5] = 0x41;
    fixHeaderChecksum(bdReserved, 6);
    expectCorruption(() => codec.decompress(bdReserved), ErrorCode.CORRUPT);
    const small = frame.slice();
    small[5] = 0x30;
    fixHeaderChecksum(small, 6);
    expectCorruption(() => codec.decompress(small), ErrorCode.CORRUPT);
  });

  it('verifies the header checksum', () => {
    const frame = buildFrame({ content: text.subarray(0, 100), headerChecksum: 0 });
    const right = buildFrame({ content: text.subarray(0, 100) });
    expect(right[6]).not.toBe(0);
    expectCorruption(() => codec.decompress(frame), ErrorCode.CHECKSUM_MISMATCH);
  });

  it('verifies block checksums before decoding the block', () => {
    const frame = buildFrame({ content: text.subarray(0, 5000), blockChecksum: true });
    frame[frame.length - 5] = (frame[frame.length - 5] as number) ^ 1; // last byte of the block checksum
    expect(expectCorruption(() => codec.decompress(frame), ErrorCode.CHECKSUM_MISMATCH)).toMatch(/block checksum/);
    const data = buildFrame({ content: text.subarray(0, 5000), blockChecksum: true });
    data[20] = (data[20] as number) ^ 0x10;
    expect(expectCorruption(() => codec.decompress(data), ErrorCode.CHECKSUM_MISMATCH)).toMatch(/block checksum/);
  });

  it('verifies the content checksum', () => {
    const frame = codec.compress(text.subarray(0, 5000));
    frame[frame.length - 1] = (frame[frame.length - 1] as number) ^ 0x80;
    expect(expectCorruption(() => codec.decompress(frame), ErrorCode.CHECKSUM_MISMATCH)).toMatch(/content checksum/);
    // A stored literal changed: the block still decodes, the checksum does not match.
    const stored = buildFrame({ content: text.subarray(0, 5000), stored: true, contentChecksum: true });
    stored[100] = (stored[100] as number) ^ 1;
    expectCorruption(() => codec.decompress(stored), ErrorCode.CHECKSUM_MISMATCH);
  });

  it('refuses a frame whose content differs from its declared size', () => {
    const content = text.subarray(0, 5000);
    expect(
      expectCorruption(() => codec.decompress(buildFrame({ content, contentSize: 4999 })), ErrorCode.CORRUPT),
    ).toMatch(/more than the 4999 bytes/);
    expect(
      expectCorruption(() => codec.decompress(buildFrame({ content, contentSize: 5001 })), ErrorCode.CORRUPT),
    ).toMatch(/decodes to 5000 bytes, its header declares 5001/);
  });

  it('refuses a block larger than the block maximum', () => {
    const frame = buildFrame({ content: text.subarray(0, 70_000), stored: true, blockBytes: 70_000 });
    expect(expectCorruption(() => codec.decompress(frame), ErrorCode.CORRUPT)).toMatch(/block maximum/);
  });

  it('refuses a compressed block that decodes past the block maximum', () => {
    // One block of 255-runs: a match of ~70 KB in a frame with 64 KiB blocks.
    const frame = blockFrame([0x1f, 0x41, 1, 0, ...new Array(280).fill(255), 0, 0x10, 0x42]);
    expect(expectCorruption(() => codec.decompress(frame), ErrorCode.CORRUPT)).toMatch(/block maximum/);
  });

  it('refuses malformed blocks: offset 0, offset before the output, a block that ends in a match', () => {
    const frameOf = blockFrame;
    assertSameBytes(
      codec.decompress(frameOf([0x40, 1, 2, 3, 4, 4, 0, 0x50, 1, 2, 3, 4, 5])),
      Uint8Array.from([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5]),
    );
    expect(
      expectCorruption(
        () => codec.decompress(frameOf([0x40, 1, 2, 3, 4, 0, 0, 0x50, 1, 2, 3, 4, 5])),
        ErrorCode.CORRUPT,
      ),
    ).toMatch(/offset 0/);
    expect(
      expectCorruption(
        () => codec.decompress(frameOf([0x40, 1, 2, 3, 4, 5, 0, 0x50, 1, 2, 3, 4, 5])),
        ErrorCode.CORRUPT,
      ),
    ).toMatch(/before the start/);
    expect(expectCorruption(() => codec.decompress(frameOf([0x40, 1, 2, 3, 4, 4, 0])), ErrorCode.CORRUPT)).toMatch(
      /ends with a match/,
    );
    expect(expectCorruption(() => codec.decompress(frameOf([0xf0, 10, 1, 2])), ErrorCode.CORRUPT)).toMatch(
      /literals run past/,
    );
    expect(expectCorruption(() => codec.decompress(frameOf([0xf0, 255, 255])), ErrorCode.CORRUPT)).toMatch(
      /literal length runs past/,
    );
  });

  it('refuses truncated frames at every stage', () => {
    const frame = buildFrame({
      content: text.subarray(0, 3000),
      contentSize: true,
      contentChecksum: true,
      blockChecksum: true,
    });
    for (const cut of [1, 3, 4, 6, 14, 15, 18, 19, 100, frame.length - 9, frame.length - 5, frame.length - 1]) {
      expectCorruption(() => codec.decompress(frame.subarray(0, cut)), ErrorCode.TRUNCATED);
    }
    expectCorruption(() => codec.decompress(skippableFrame(new Uint8Array(10)).subarray(0, 12)), ErrorCode.TRUNCATED);
    expectCorruption(() => codec.decompress(skippableFrame(new Uint8Array(10)).subarray(0, 6)), ErrorCode.TRUNCATED);
  });
});

describe('bounds', () => {
  const small = new Lz4Compression({ maxOutputBytes: 10_000 });

  it('refuses a declared content size over maxOutputBytes before decoding', () => {
    const frame = buildFrame({ content: text.subarray(0, 20_000), contentSize: true });
    expect(expectCorruption(() => small.decompress(frame), ErrorCode.OVER_LIMIT)).toMatch(/declares 20000 bytes/);
    expect(small.decompress(buildFrame({ content: text.subarray(0, 10_000), contentSize: true }))).toHaveLength(10_000);
  });

  it('stops a frame without a content size when it reaches maxOutputBytes', () => {
    const frame = buildFrame({ content: text.subarray(0, 20_000) });
    expect(expectCorruption(() => small.decompress(frame), ErrorCode.OVER_LIMIT)).toMatch(/maxOutputBytes/);
    const stored = buildFrame({ content: text.subarray(0, 20_000), stored: true });
    expectCorruption(() => small.decompress(stored), ErrorCode.OVER_LIMIT);
  });

  it('counts every concatenated frame against maxOutputBytes', () => {
    const frame = buildFrame({ content: text.subarray(0, 6000), contentSize: true });
    expect(small.decompress(frame)).toHaveLength(6000);
    expectCorruption(() => small.decompress(concat(frame, frame)), ErrorCode.OVER_LIMIT);
  });

  it('refuses a tiny frame that claims gigabytes without allocating them', () => {
    const huge = new Lz4Compression({ maxOutputBytes: 2 ** 32 });
    const frame = buildFrame({ content: text.subarray(0, 50), contentSize: 2 ** 32 - 1 });
    const before = process.memoryUsage().arrayBuffers;
    expect(expectCorruption(() => huge.decompress(frame), ErrorCode.TRUNCATED)).toMatch(/more than the \d+ bytes left/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    // Over the default bound: refused by the bound itself.
    const lie = buildFrame({ content: text.subarray(0, 50), contentSize: 2 ** 40 });
    expectCorruption(() => codec.decompress(lie), ErrorCode.OVER_LIMIT);
  });

  it('maxOutputBytes 0 accepts only empty content', () => {
    const zero = new Lz4Compression({ maxOutputBytes: 0 });
    expect(zero.decompress(zero.compress(new Uint8Array(0)))).toEqual(new Uint8Array(0));
    expectCorruption(() => zero.decompress(codec.compress(Uint8Array.of(1))), ErrorCode.OVER_LIMIT);
  });
});
