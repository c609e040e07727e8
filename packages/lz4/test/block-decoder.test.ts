import { compressBlock, decompressBlock } from 'lz4js';
import { describe, expect, it } from 'vitest';
import { decodeBlock, OUTPUT_LIMIT } from '../src/block-decoder.js';
import { assertSameBytes, jsonLines, prng, randomBytes } from './frame-builder.js';

/** Inputs of many shapes: text, short-period runs (offsets 1-7), long runs, noise, and mixtures. */
function shapes(): Uint8Array[] {
  const random = prng(99);
  const out: Uint8Array[] = [];
  for (let i = 0; i < 150; i++) {
    const length = 13 + Math.floor(random() * 5000);
    const kind = i % 5;
    const input = new Uint8Array(length);
    if (kind === 0) input.set(jsonLines(length, i));
    else if (kind === 1) {
      const period = 1 + Math.floor(random() * 7);
      const pattern = randomBytes(period, random);
      for (let k = 0; k < length; k++) input[k] = pattern[k % period] as number;
    } else if (kind === 2) input.set(randomBytes(length, random));
    else if (kind === 3) input.fill(Math.floor(random() * 256));
    else {
      for (let k = 0; k < length; ) {
        const run = 1 + Math.floor(random() * 40);
        const piece = random() < 0.5 ? randomBytes(run, random) : jsonLines(run, k);
        input.set(piece.subarray(0, Math.min(run, length - k)), k);
        k += run;
      }
    }
    out.push(input);
  }
  return out;
}

describe('block decoder against lz4js', () => {
  it('decodes every lz4js block exactly as lz4js does, and never writes at or past its limit', () => {
    for (const input of shapes()) {
      const block = new Uint8Array(input.length * 2 + 16);
      const size = compressBlock(input, block, 0, input.length, new Uint32Array(1 << 16));
      if (size === 0) continue; // lz4js found no match: it would store the block
      const theirs = new Uint8Array(input.length);
      expect(decompressBlock(block, theirs, 0, size, 0)).toBe(input.length);
      // Our output in a larger buffer: the bytes from the limit on must stay untouched.
      const ours = new Uint8Array(input.length + 64).fill(0xa5);
      expect(decodeBlock(block, 0, size, ours, 0, input.length, 0)).toBe(input.length);
      assertSameBytes(ours.subarray(0, input.length), theirs);
      assertSameBytes(theirs, input);
      expect(ours.subarray(input.length).every((byte) => byte === 0xa5)).toBe(true);
      // One byte less room: refused, still without writing at or past the limit.
      const short = new Uint8Array(input.length + 64).fill(0xa5);
      expect(decodeBlock(block, 0, size, short, 0, input.length - 1, 0)).toBe(OUTPUT_LIMIT);
      expect(short.subarray(input.length - 1).every((byte) => byte === 0xa5)).toBe(true);
    }
  });
});
