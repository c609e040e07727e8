/**
 * The frame layer of Zstandard (RFC 8878, section 3.1), read by us before any
 * decoder sees the bytes. Walking the frame and block headers costs a few
 * bytes of reading per 128 KiB block and tells us, before a single output byte
 * is allocated: where each frame ends, what it declares (content size, window,
 * dictionary, checksum), and the most output its blocks can possibly produce.
 * That is what lets `decompress` refuse bombs, lying headers and oversized
 * windows up front instead of trusting the decoder to notice in time.
 */

import { ErrorCode } from '@sochdb/core';
import { corruption } from './errors.js';

/** Magic number of a Zstandard frame, little-endian on the wire. */
export const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames use the sixteen magics `0x184D2A50`..`0x184D2A5F`. */
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC_BASE = 0x184d2a50;
/** Magics of the pre-1.0 formats: v0.1 is `0xFD2FB51E`, v0.2 .. v0.7 are `0xFD2FB522` .. `0xFD2FB527`. */
function legacyVersion(magic: number): number | undefined {
  if (magic === 0xfd2fb51e) return 1;
  if (magic >= 0xfd2fb522 && magic <= 0xfd2fb527) return magic - 0xfd2fb520;
  return undefined;
}
/** A zstd dictionary file starts with this; it is not a frame. */
const DICTIONARY_MAGIC = 0xec30a437;

/** The largest block a frame may hold (Block_Maximum_Size is at most 128 KiB). */
export const MAX_BLOCK_SIZE = 128 * 1024;
/** libzstd's decoders accept window logs up to 31 on 64-bit builds; nothing larger exists. */
const MAX_WINDOW_LOG = 31;
/** Every block starts with a 3-byte header: last-block flag, type and size. */
const BLOCK_HEADER_SIZE = 3;

/** One zstd frame, as its headers describe it. */
export interface ZstdFrame {
  /** Offset of the frame's magic number in the input. */
  readonly start: number;
  /** Offset one past the frame's last byte (its checksum, if any). */
  readonly end: number;
  /** Frame_Content_Size, or `undefined` when the header leaves it out. */
  readonly contentSize: number | undefined;
  /** Window_Size in bytes (for a single-segment frame, its content size). */
  readonly windowSize: number;
  /** True when the frame ends in a 4-byte XXH64 content checksum. */
  readonly hasChecksum: boolean;
  /**
   * The most bytes the frame's blocks can decode to: raw and RLE blocks
   * exactly, compressed blocks at Block_Maximum_Size each. Never below the
   * real output of a valid frame.
   */
  readonly outputBound: number;
  /** Number of compressed blocks; 0 means the frame holds only raw and RLE blocks (and empty ones). */
  readonly compressedBlocks: number;
  /**
   * The bytes its raw and RLE blocks hold: what the frame decodes to at the
   * least (exactly, when it has no compressed block).
   */
  readonly storedBytes: number;
  /**
   * Input offsets of the headers of compressed blocks of size 0. `zstd -d`
   * (libzstd's streaming decoder) takes such a block for an empty one; the
   * one-shot decoder refuses it, so the caller rewrites these headers into
   * empty raw blocks, which mean the same, before decoding.
   */
  readonly emptyCompressedBlocks: readonly number[];
}

/** Everything in one input: the zstd frames to decode, in order (skippable frames are dropped). */
export interface FrameScan {
  readonly frames: readonly ZstdFrame[];
  /** Sum over frames of the declared content size, or the output bound where none is declared. */
  readonly totalBound: number;
  /**
   * What the frames decode to at the least: the declared content sizes, and
   * the raw and RLE bytes of frames without one. Declared sizes are checked
   * against `maxOutputBytes` with this, never with the bounds of compressed
   * blocks (which a frame of tiny blocks never reaches).
   */
  readonly leastOutput: number;
}

/** The bounds a scan enforces. */
export interface ScanLimits {
  /** Most output bytes all frames together may declare or produce. */
  readonly maxOutputBytes: number;
  /** Largest window a frame may declare. */
  readonly maxWindowBytes: number;
}

function readU32(input: Uint8Array, at: number): number {
  return (
    ((input[at] as number) |
      ((input[at + 1] as number) << 8) |
      ((input[at + 2] as number) << 16) |
      ((input[at + 3] as number) << 24)) >>>
    0
  );
}

function need(input: Uint8Array, at: number, bytes: number, what: string): void {
  if (at + bytes > input.length) {
    throw corruption(
      ErrorCode.TRUNCATED,
      `zstd: input ends inside ${what} (needs ${bytes} bytes at offset ${at}, input has ${input.length})`,
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Reads the headers of every frame in `input` and checks them against
 * `limits`, throwing a `corruption` {@link KernelError} that says what was
 * wrong. Runs in time proportional to the number of blocks, and allocates
 * nothing proportional to what the frames claim.
 *
 * @throws KernelError `SOCHDB_CORRUPT` (not a frame, reserved bits, block
 *   sizes a valid frame cannot have, a content size its blocks cannot hold),
 *   `SOCHDB_TRUNCATED` (input ends inside a frame), `SOCHDB_UNSUPPORTED`
 *   (dictionary frames, legacy formats), `SOCHDB_OVER_LIMIT` (window or
 *   declared output above the limits).
 */
export function scanFrames(input: Uint8Array, limits: ScanLimits): FrameScan {
  if (input.length === 0)
    throw corruption(ErrorCode.TRUNCATED, 'zstd: input is empty; a zstd frame is at least 9 bytes');
  const frames: ZstdFrame[] = [];
  let at = 0;
  let totalBound = 0;
  let leastOutput = 0;
  while (at < input.length) {
    if (input.length - at < 4) {
      throw at === 0
        ? corruption(ErrorCode.TRUNCATED, `zstd: input ends inside the magic number (${input.length} bytes)`)
        : corruption(ErrorCode.CORRUPT, `zstd: ${input.length - at} trailing bytes at offset ${at} are not a frame`);
    }
    const magic = readU32(input, at);
    if (magic === ZSTD_MAGIC) {
      const frame = scanFrame(input, at, limits);
      // A declared size is exact (libzstd checks it); otherwise the blocks' bound.
      totalBound += frame.contentSize ?? frame.outputBound;
      leastOutput += frame.contentSize ?? frame.storedBytes;
      if (leastOutput > limits.maxOutputBytes) {
        throw corruption(
          ErrorCode.OVER_LIMIT,
          frame.contentSize === undefined
            ? `zstd: the raw and RLE blocks of the frame at offset ${at} take the output to at least ${leastOutput} bytes, ` +
                `over maxOutputBytes (${formatBytes(limits.maxOutputBytes)})`
            : `zstd: the frame at offset ${at} declares ${frame.contentSize} bytes of content, ` +
                `which takes the output to at least ${leastOutput} bytes, over maxOutputBytes (${formatBytes(limits.maxOutputBytes)})`,
        );
      }
      frames.push(frame);
      at = frame.end;
    } else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC_BASE) {
      need(input, at + 4, 4, 'a skippable frame header');
      const size = readU32(input, at + 4);
      need(input, at + 8, size, `a skippable frame of ${size} bytes`);
      at += 8 + size;
    } else if (legacyVersion(magic) !== undefined) {
      throw corruption(
        ErrorCode.UNSUPPORTED,
        `zstd: the frame at offset ${at} is in the legacy v0.${legacyVersion(magic)} format (before zstd 1.0), which this decoder does not read`,
      );
    } else if (magic === DICTIONARY_MAGIC) {
      throw corruption(
        ErrorCode.UNSUPPORTED,
        `zstd: offset ${at} holds a zstd dictionary, not a frame; dictionaries are not supported`,
      );
    } else {
      throw corruption(
        ErrorCode.CORRUPT,
        at === 0
          ? `zstd: input does not start with a zstd frame (magic 0x${magic.toString(16).padStart(8, '0')}, expected 0xfd2fb528)`
          : `zstd: ${input.length - at} trailing bytes at offset ${at} are not a frame (magic 0x${magic.toString(16).padStart(8, '0')})`,
      );
    }
  }
  // Only skippable frames: no frames to decode, and empty output, as `zstd -d` gives.
  return { frames, totalBound, leastOutput };
}

function scanFrame(input: Uint8Array, start: number, limits: ScanLimits): ZstdFrame {
  let at = start + 4;
  need(input, at, 1, 'a frame header');
  const descriptor = input[at] as number;
  at += 1;
  const fcsFlag = descriptor >>> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const hasChecksum = (descriptor & 0x04) !== 0;
  const dictIdFlag = descriptor & 0x03;
  if ((descriptor & 0x08) !== 0) {
    throw corruption(ErrorCode.CORRUPT, `zstd: the frame at offset ${start} sets the reserved bit of its header`);
  }

  let windowSize = 0;
  if (!singleSegment) {
    need(input, at, 1, 'a frame header');
    const windowDescriptor = input[at] as number;
    at += 1;
    const windowLog = 10 + (windowDescriptor >>> 3);
    if (windowLog > MAX_WINDOW_LOG) {
      throw corruption(
        ErrorCode.CORRUPT,
        `zstd: the frame at offset ${start} declares a window of 2^${windowLog} bytes, larger than any valid frame`,
      );
    }
    const base = 2 ** windowLog;
    windowSize = base + (base / 8) * (windowDescriptor & 0x07);
  }

  const dictIdBytes = [0, 1, 2, 4][dictIdFlag] as number;
  need(input, at, dictIdBytes, 'a frame header');
  let dictionaryId = 0;
  for (let i = dictIdBytes - 1; i >= 0; i--) dictionaryId = dictionaryId * 256 + (input[at + i] as number);
  at += dictIdBytes;
  // Dictionary_ID 0 means "no dictionary" even when the field is present.
  if (dictionaryId !== 0) {
    throw corruption(
      ErrorCode.UNSUPPORTED,
      `zstd: the frame at offset ${start} needs dictionary ${dictionaryId}; dictionaries are not supported`,
    );
  }

  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] as number);
  need(input, at, fcsBytes, 'a frame header');
  let contentSize: number | undefined;
  if (fcsBytes > 0) {
    let value = 0;
    for (let i = fcsBytes - 1; i >= 0; i--) value = value * 256 + (input[at + i] as number);
    // Past 2^53 the double is inexact, but any such size is far over every limit anyway.
    contentSize = fcsBytes === 2 ? value + 256 : value;
    at += fcsBytes;
  }
  if (singleSegment) windowSize = contentSize as number;

  if (windowSize > limits.maxWindowBytes) {
    throw corruption(
      ErrorCode.OVER_LIMIT,
      `zstd: the frame at offset ${start} needs a ${formatBytes(windowSize)} window, over maxWindowBytes ` +
        `(${formatBytes(limits.maxWindowBytes)}); raise maxWindowBytes (up to 128 MiB) to read it`,
    );
  }
  if (contentSize !== undefined && contentSize > limits.maxOutputBytes) {
    throw corruption(
      ErrorCode.OVER_LIMIT,
      `zstd: the frame at offset ${start} declares ${contentSize} bytes of content, over maxOutputBytes ` +
        `(${formatBytes(limits.maxOutputBytes)})`,
    );
  }

  // Blocks: their sizes give the frame's end and a hard bound on its output.
  const blockMax = Math.min(windowSize, MAX_BLOCK_SIZE);
  let outputBound = 0;
  let exactOutput = 0;
  let compressedBlocks = 0;
  const emptyCompressedBlocks: number[] = [];
  for (;;) {
    need(input, at, BLOCK_HEADER_SIZE, 'a block header');
    const header = (input[at] as number) | ((input[at + 1] as number) << 8) | ((input[at + 2] as number) << 16);
    at += BLOCK_HEADER_SIZE;
    const last = (header & 1) !== 0;
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    if (type === 3) {
      throw corruption(ErrorCode.CORRUPT, `zstd: block at offset ${at - 3} has the reserved block type`);
    }
    if (size > blockMax) {
      throw corruption(
        ErrorCode.CORRUPT,
        `zstd: block at offset ${at - 3} is ${size} bytes, over the frame's block maximum of ${blockMax}`,
      );
    }
    if (type === 0) {
      need(input, at, size, `a raw block of ${size} bytes`);
      at += size;
      outputBound += size;
      exactOutput += size;
    } else if (type === 1) {
      need(input, at, 1, 'an RLE block');
      at += 1;
      outputBound += size;
      exactOutput += size;
    } else if (size === 0) {
      // libzstd's streaming decoder (zstd -d on frames without a content size) takes this for an
      // empty block; its one-shot decoder, which zstd -d uses on frames that declare their size, refuses it.
      if (contentSize !== undefined) {
        throw corruption(
          ErrorCode.CORRUPT,
          `zstd: compressed block at offset ${at - 3} is empty, in a frame that declares its content size`,
        );
      }
      emptyCompressedBlocks.push(at - BLOCK_HEADER_SIZE);
    } else {
      need(input, at, size, `a compressed block of ${size} bytes`);
      at += size;
      outputBound += blockMax;
      compressedBlocks++;
    }
    if (last) break;
  }
  if (hasChecksum) {
    need(input, at, 4, 'the content checksum');
    at += 4;
  }
  if (contentSize !== undefined) {
    if (contentSize > outputBound) {
      throw corruption(
        ErrorCode.CORRUPT,
        `zstd: the frame at offset ${start} declares ${contentSize} bytes of content, but its blocks can hold at most ${outputBound}`,
      );
    }
    if (contentSize < exactOutput) {
      throw corruption(
        ErrorCode.CORRUPT,
        `zstd: the frame at offset ${start} declares ${contentSize} bytes of content, but its raw and RLE blocks alone hold ${exactOutput}`,
      );
    }
  }
  return {
    start,
    end: at,
    contentSize,
    windowSize,
    hasChecksum,
    outputBound,
    compressedBlocks,
    storedBytes: exactOutput,
    emptyCompressedBlocks,
  };
}

/**
 * Decodes a frame that holds only raw and RLE blocks (what libzstd writes for
 * incompressible data) without the wasm round trip: one copy per block. The
 * scan has already checked every size against the input and the bounds, so
 * the output is exactly `frame.outputBound` bytes. The checksum is left to the
 * caller, which `onBlock` hands each block's output right after it is
 * written (still in the CPU cache: the one hashing pass costs least there).
 */
export function decodeStoredFrame(
  input: Uint8Array,
  frame: ZstdFrame,
  onBlock?: (output: Uint8Array) => void,
): Uint8Array {
  const out = new Uint8Array(frame.outputBound);
  const descriptor = input[frame.start + 4] as number;
  const singleSegment = (descriptor & 0x20) !== 0;
  const fcsFlag = descriptor >>> 6;
  const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : ([0, 2, 4, 8][fcsFlag] as number);
  let at = frame.start + 5 + (singleSegment ? 0 : 1) + ([0, 1, 2, 4][descriptor & 3] as number) + fcsBytes;
  let written = 0;
  for (;;) {
    const header = (input[at] as number) | ((input[at + 1] as number) << 8) | ((input[at + 2] as number) << 16);
    at += BLOCK_HEADER_SIZE;
    const size = header >>> 3;
    if (((header >>> 1) & 3) === 1) {
      out.fill(input[at] as number, written, written + size);
      at += 1;
    } else {
      // A raw block, or an empty compressed one (size 0).
      out.set(input.subarray(at, at + size), written);
      at += size;
    }
    if (onBlock !== undefined && size > 0) onBlock(out.subarray(written, written + size));
    written += size;
    if ((header & 1) !== 0) return out;
  }
}
