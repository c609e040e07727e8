/**
 * The LZ4 frame decoder: reads a sequence of LZ4 frames and skippable frames
 * (as `lz4 -d` does), verifies every checksum a frame carries, bounds the
 * output before taking memory, and reports every way the input can be wrong
 * as a `KernelError` of kind `corruption`.
 */
import { ErrorCode } from '@sochdb/core';
import { decodeBlock, OUTPUT_LIMIT } from './block-decoder.js';
import { corruption } from './errors.js';
import {
  BD_BLOCK_SIZE_SHIFT,
  BD_RESERVED,
  BLOCK_UNCOMPRESSED,
  blockMaxSize,
  FLG_BLOCK_CHECKSUM,
  FLG_BLOCK_INDEPENDENCE,
  FLG_CONTENT_CHECKSUM,
  FLG_CONTENT_SIZE,
  FLG_DICT_ID,
  FLG_RESERVED,
  FLG_VERSION_01,
  FLG_VERSION_MASK,
  FRAME_MAGIC,
  LEGACY_MAGIC,
  MAX_EXPANSION,
  SKIPPABLE_MAGIC_BASE,
  SKIPPABLE_MAGIC_MASK,
} from './frame-format.js';
import { OutputBuffer } from './output-buffer.js';
import { planOutput } from './output-plan.js';
import { xxh32 } from './xxh32.js';

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function truncated(what: string): never {
  throw corruption(ErrorCode.TRUNCATED, `input ends inside ${what}`);
}

/** True when the (fewer than 4) bytes at `at` could begin a frame's magic number. */
function isMagicPrefix(input: Uint8Array, at: number): boolean {
  const little = [FRAME_MAGIC, SKIPPABLE_MAGIC_BASE, LEGACY_MAGIC];
  return little.some((magic) => {
    for (let i = at; i < input.length; i++) {
      const expected = (magic >>> (8 * (i - at))) & 0xff;
      // The low nibble of a skippable magic's first byte is free.
      const mask = magic === SKIPPABLE_MAGIC_BASE && i === at ? 0xf0 : 0xff;
      if (((input[i] as number) & mask) !== expected) return false;
    }
    return true;
  });
}

/** The expansion a compressed block without a declared size is first given room for (text: about 2-4x). */
const LIKELY_EXPANSION = 4;

/**
 * Decodes every frame in `input` and returns the concatenated content.
 *
 * @param maxOutputBytes - the total output may not exceed this many bytes.
 * @throws KernelError of kind `corruption`: `SOCHDB_TRUNCATED`, `SOCHDB_CORRUPT`,
 *   `SOCHDB_CHECKSUM_MISMATCH`, `SOCHDB_UNSUPPORTED` or `SOCHDB_OVER_LIMIT`.
 */
export function decodeFrames(input: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (input.length === 0) throw corruption(ErrorCode.TRUNCATED, 'input is empty; an LZ4 frame is at least 7 bytes');
  // The headers' word on the output: one allocation when every frame declares its size,
  // a ceiling for the doubling otherwise.
  const plan = planOutput(input);
  const output = new OutputBuffer(
    plan.exact && plan.bound <= maxOutputBytes ? plan.bound : 0,
    plan.bound,
    maxOutputBytes,
  );
  let pos = 0;
  while (pos < input.length) {
    if (input.length - pos < 4) {
      if (isMagicPrefix(input, pos)) truncated(`the magic number at byte ${pos}`);
      if (pos === 0) {
        throw corruption(
          ErrorCode.CORRUPT,
          `not an LZ4 frame: ${input.length} byte${input.length === 1 ? '' : 's'}, shorter than the 4-byte magic number`,
        );
      }
      throw corruption(ErrorCode.CORRUPT, `${input.length - pos} trailing bytes after the last frame, at byte ${pos}`);
    }
    const magic = readU32(input, pos);
    if (magic === FRAME_MAGIC) {
      pos = decodeFrame(input, pos, output, maxOutputBytes);
    } else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC_BASE) {
      if (input.length - pos < 8) truncated(`the skippable frame at byte ${pos}`);
      const size = readU32(input, pos + 4);
      if (size > input.length - pos - 8) truncated(`the skippable frame at byte ${pos} (it declares ${size} bytes)`);
      pos += 8 + size;
    } else if (magic === LEGACY_MAGIC) {
      throw corruption(
        ErrorCode.UNSUPPORTED,
        `the legacy LZ4 frame format (lz4 -l, magic ${hex(magic)}) at byte ${pos} is not supported; recompress with the standard frame format`,
      );
    } else if (pos === 0) {
      throw corruption(ErrorCode.CORRUPT, `not an LZ4 frame: magic number ${hex(magic)}, expected ${hex(FRAME_MAGIC)}`);
    } else {
      throw corruption(
        ErrorCode.CORRUPT,
        `${input.length - pos} trailing bytes after the last frame, at byte ${pos} (magic number ${hex(magic)})`,
      );
    }
  }
  return output.result();
}

/** Decodes the LZ4 frame at `start` onto `output`; returns the input position after it. */
function decodeFrame(input: Uint8Array, start: number, output: OutputBuffer, maxOutputBytes: number): number {
  const where = `the frame at byte ${start}`;
  if (input.length - start < 7) truncated(`the header of ${where}`);
  const flg = input[start + 4] as number;
  const bd = input[start + 5] as number;
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) {
    throw corruption(
      ErrorCode.UNSUPPORTED,
      `${where} has format version ${(flg & FLG_VERSION_MASK) >> 6}; only version 1 exists`,
    );
  }
  if ((flg & FLG_RESERVED) !== 0 || (bd & BD_RESERVED) !== 0) {
    throw corruption(ErrorCode.CORRUPT, `${where} sets reserved header bits (FLG ${flg}, BD ${bd})`);
  }
  const blockSizeId = bd >>> BD_BLOCK_SIZE_SHIFT;
  if (blockSizeId < 4) throw corruption(ErrorCode.CORRUPT, `${where} has invalid block maximum size id ${blockSizeId}`);
  const blockMax = blockMaxSize(blockSizeId);
  const hasContentSize = (flg & FLG_CONTENT_SIZE) !== 0;
  const hasDictId = (flg & FLG_DICT_ID) !== 0;
  const headerEnd = start + 6 + (hasContentSize ? 8 : 0) + (hasDictId ? 4 : 0); // position of the header checksum
  if (headerEnd >= input.length) truncated(`the header of ${where}`);
  const headerChecksum = (xxh32(input, start + 4, headerEnd) >>> 8) & 0xff;
  if (headerChecksum !== input[headerEnd]) {
    throw corruption(
      ErrorCode.CHECKSUM_MISMATCH,
      `header checksum of ${where} is ${input[headerEnd]}, the header hashes to ${headerChecksum}`,
    );
  }
  if (hasDictId) {
    throw corruption(
      ErrorCode.UNSUPPORTED,
      `${where} needs dictionary ${readU32(input, headerEnd - 4)}; frames with a dictionary id are not supported`,
    );
  }

  const frameStart = output.length;
  const budget = maxOutputBytes - frameStart; // what this frame may still add
  // The end the frame's output may reach, and whether that end is the declared content size.
  let frameLimit: number;
  let contentSize = -1;
  if (hasContentSize) {
    contentSize = readU32(input, start + 6) + readU32(input, start + 10) * 2 ** 32;
    if (contentSize > budget) {
      throw corruption(
        ErrorCode.OVER_LIMIT,
        `${where} declares ${contentSize} bytes of content; with ${frameStart} already decoded that exceeds maxOutputBytes (${maxOutputBytes})`,
      );
    }
    // Refuse sizes the rest of the input cannot encode before taking the memory.
    const rest = input.length - headerEnd - 1;
    if (contentSize > rest * MAX_EXPANSION) {
      truncated(`${where}: it declares ${contentSize} bytes of content, more than the ${rest} bytes left can encode`);
    }
    output.reserve(contentSize);
    frameLimit = frameStart + contentSize;
  } else {
    frameLimit = maxOutputBytes;
  }

  const independent = (flg & FLG_BLOCK_INDEPENDENCE) !== 0;
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  let pos = headerEnd + 1;
  for (;;) {
    if (input.length - pos < 4) truncated(`a block header of ${where}`);
    const field = readU32(input, pos);
    // Only 0x00000000 ends a frame, as in liblz4; 0x80000000 is an empty uncompressed block.
    if (field === 0) {
      pos += 4;
      break;
    }
    const size = (field & ~BLOCK_UNCOMPRESSED) >>> 0;
    const dataStart = pos + 4;
    if (size > blockMax) {
      throw corruption(
        ErrorCode.CORRUPT,
        `block at byte ${pos} of ${where} is ${size} bytes, more than the frame's block maximum of ${blockMax}`,
      );
    }
    const dataEnd = dataStart + size;
    const blockEnd = dataEnd + (blockChecksums ? 4 : 0);
    if (blockEnd > input.length) truncated(`the block at byte ${pos} of ${where}`);
    if (blockChecksums) {
      const actual = xxh32(input, dataStart, dataEnd);
      const stored = readU32(input, dataEnd);
      if (actual !== stored) {
        throw corruption(
          ErrorCode.CHECKSUM_MISMATCH,
          `block checksum of the block at byte ${pos} of ${where} is ${hex(stored)}, the block hashes to ${hex(actual)}`,
        );
      }
    }

    const blockStart = output.length;
    // At most: the block maximum, what the frame may still produce, and what `size` bytes can expand to.
    const uncompressed = (field & BLOCK_UNCOMPRESSED) !== 0;
    const room = Math.min(blockMax, frameLimit - blockStart);
    const need = Math.min(room, uncompressed ? size : size * MAX_EXPANSION);
    // Where the frame declares its size, `need` is what it asked for. Without one, `need` is 255x
    // the block (150 KB for a 1 KiB row value), nearly always far more than it decodes to: start at
    // a likely size and, when the block runs past it, double and decode it again. The retries
    // stay under twice the final output and at most log2(255) re-reads of the block: still linear.
    let want = hasContentSize || uncompressed ? need : Math.min(need, Math.max(size * LIKELY_EXPANSION, 256));
    let limit: number;
    let end: number;
    for (;;) {
      output.reserve(want);
      limit = Math.min(blockStart + room, output.bytes.length);
      if (uncompressed) {
        end = size <= limit - blockStart ? blockStart + size : OUTPUT_LIMIT;
        if (end !== OUTPUT_LIMIT) output.bytes.set(input.subarray(dataStart, dataEnd), blockStart);
      } else {
        end = decodeBlock(
          input,
          dataStart,
          dataEnd,
          output.bytes,
          blockStart,
          limit,
          independent ? blockStart : frameStart,
        );
      }
      if (end !== OUTPUT_LIMIT || want >= need) break;
      want = Math.min(need, want * 2);
    }
    if (end === OUTPUT_LIMIT) {
      if (limit - blockStart === blockMax) {
        throw corruption(
          ErrorCode.CORRUPT,
          `block at byte ${pos} of ${where} decodes to more than the frame's block maximum of ${blockMax} bytes`,
        );
      }
      if (hasContentSize) {
        throw corruption(
          ErrorCode.CORRUPT,
          `${where} decodes to more than the ${contentSize} bytes its header declares`,
        );
      }
      throw corruption(
        ErrorCode.OVER_LIMIT,
        `${where} decodes to more than maxOutputBytes (${maxOutputBytes}) allows; raise maxOutputBytes if the data is trusted`,
      );
    }
    output.length = end;
    pos = blockEnd;
  }

  if (hasContentSize && output.length !== frameLimit) {
    throw corruption(
      ErrorCode.CORRUPT,
      `${where} decodes to ${output.length - frameStart} bytes, its header declares ${contentSize}`,
    );
  }
  if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
    if (input.length - pos < 4) truncated(`the content checksum of ${where}`);
    const stored = readU32(input, pos);
    const actual = xxh32(output.bytes, frameStart, output.length);
    if (actual !== stored) {
      throw corruption(
        ErrorCode.CHECKSUM_MISMATCH,
        `content checksum of ${where} is ${hex(stored)}, the decoded content hashes to ${hex(actual)}`,
      );
    }
    pos += 4;
  }
  return pos;
}
