import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lz4Compression } from '../src/index.js';
import { OutputBuffer } from '../src/output-buffer.js';
import { buildFrame, jsonLines } from './frame-builder.js';

const codec = new Lz4Compression();

/** The largest capacity the decoder's output array reached while decoding `frame`. */
function peakCapacity(frame: Uint8Array): number {
  let peak = 0;
  const reserve = OutputBuffer.prototype.reserve;
  const spy = vi.spyOn(OutputBuffer.prototype, 'reserve').mockImplementation(function (this: OutputBuffer, extra) {
    reserve.call(this, extra);
    peak = Math.max(peak, this.bytes.length);
  });
  try {
    codec.decompress(frame);
  } finally {
    spy.mockRestore();
  }
  return peak;
}

afterEach(() => {
  vi.restoreAllMocks();
});

// A frame without a content size (as the lz4 CLI writes from a pipe) gave each
// compressed block room for the most it could expand to: 255 times its
// compressed size, up to the block maximum. For a 1 KiB row value that was
// about 150 KB, allocated and zeroed on every call (13x the time of the same
// value with a content size). The room now starts at 4 times the block and
// doubles, decoding the block again, only when the block needs more.
describe('frames without a content size take the memory their content needs', () => {
  const value = jsonLines(1024).subarray(0, 1024);

  it('a 1 KiB value in the CLI default 4 MiB blocks: at most 4 KiB of room, not 150 KB', () => {
    const frame = buildFrame({ content: value, blockSizeId: 7 });
    expect(codec.decompress(frame)).toEqual(value);
    const peak = peakCapacity(frame);
    expect(peak).toBeGreaterThanOrEqual(1024);
    expect(peak).toBeLessThanOrEqual(4096);
  });

  it('a block that expands far past 4x still decodes, with room at most twice its output', () => {
    const zeros = new Uint8Array(256 * 1024); // about 1 KiB compressed: 255x
    const frame = buildFrame({ content: zeros, blockSizeId: 7 });
    expect(codec.decompress(frame)).toEqual(zeros);
    expect(peakCapacity(frame)).toBeLessThanOrEqual(2 * zeros.length);
  });

  it('with a content size the output is still allocated once, exactly', () => {
    const frame = buildFrame({ content: value, blockSizeId: 7, contentSize: true });
    expect(peakCapacity(frame)).toBe(1024);
  });
});
