/**
 * The LZ4 frame encoder. lz4js compresses the blocks; the frame around them
 * is ours, because lz4js writes neither the content size nor any checksum.
 *
 * One defect of lz4js is corrected here: its block compressor lets the last
 * match start 10 bytes before the end of a block, where the block format
 * requires at least 12 (`MFLIMIT`). The reference decoder rejects such a block
 * when it fills the block maximum (`lz4 -d` fails on it). So lz4js is given
 * the block without its last 2 bytes, which puts every match at least 12 bytes
 * from the end, and those 2 bytes are appended to the final literal run.
 */
import { compressBlock } from 'lz4js';
import {
  BD_BLOCK_SIZE_SHIFT,
  BLOCK_UNCOMPRESSED,
  blockMaxSize,
  FLG_CONTENT_CHECKSUM,
  FLG_CONTENT_SIZE,
  FLG_VERSION_01,
  FRAME_MAGIC,
} from './frame-format.js';
import { xxh32 } from './xxh32.js';

/** The 2 bytes held back from lz4js so that no match starts within 12 bytes of a block's end. */
const HELD_BACK = 2;
/** Magic (4) + FLG, BD (2) + content size (8) + header checksum (1). */
const HEADER_SIZE = 15;
/** End mark (4) + content checksum (4). */
const TRAILER_SIZE = 8;

/** lz4js's hash table: 2^16 positions (plus one; 0 means empty), shared because calls are synchronous. */
const hashTable = new Uint32Array(1 << 16);
/** Inputs up to this size reuse one output buffer instead of allocating a zeroed one per call. */
const SCRATCH_INPUT_LIMIT = 1 << 20;
let scratch = new Uint8Array(0);

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}

/** The smallest block maximum size id that holds `length` bytes in one block (as liblz4 does), else 7 (4 MiB). */
function blockSizeIdFor(length: number): number {
  for (let id = 4; id < 7; id++) if (length <= blockMaxSize(id)) return id;
  return 7;
}

/** The most bytes {@link encodeFrame} writes for `length` bytes of input. */
export function frameBound(length: number): number {
  const blocks = Math.ceil(length / blockMaxSize(blockSizeIdFor(length)));
  return HEADER_SIZE + blocks * 4 + length + TRAILER_SIZE;
}

/**
 * Compresses `input` into one LZ4 frame: version 1, linked blocks, content
 * size and content checksum, no block checksums (the content checksum covers
 * the data; block checksums would only locate the damage).
 */
export function encodeFrame(input: Uint8Array): Uint8Array {
  const length = input.length;
  const bound = frameBound(length);
  let out: Uint8Array;
  if (length <= SCRATCH_INPUT_LIMIT) {
    if (scratch.length < bound)
      scratch = new Uint8Array(Math.max(bound, Math.min(scratch.length * 2, frameBound(SCRATCH_INPUT_LIMIT))));
    out = scratch;
  } else {
    out = new Uint8Array(bound);
  }

  const blockSizeId = blockSizeIdFor(length);
  const blockMax = blockMaxSize(blockSizeId);
  writeU32(out, 0, FRAME_MAGIC);
  out[4] = FLG_VERSION_01 | FLG_CONTENT_SIZE | FLG_CONTENT_CHECKSUM;
  out[5] = blockSizeId << BD_BLOCK_SIZE_SHIFT;
  writeU32(out, 6, length >>> 0);
  writeU32(out, 10, Math.floor(length / 2 ** 32));
  out[14] = (xxh32(out, 4, 14) >>> 8) & 0xff;
  let d = HEADER_SIZE;

  // Positions from an earlier input must not leak into this frame's matches.
  hashTable.fill(0);
  for (let start = 0; start < length; start += blockMax) {
    const size = Math.min(blockMax, length - start);
    const compressed = compressBlockInto(input, start, size, out, d + 4);
    if (compressed > 0) {
      writeU32(out, d, compressed);
      d += 4 + compressed;
    } else {
      writeU32(out, d, (BLOCK_UNCOMPRESSED | size) >>> 0);
      out.set(input.subarray(start, start + size), d + 4);
      d += 4 + size;
    }
  }
  writeU32(out, d, 0);
  writeU32(out, d + 4, xxh32(input));
  d += TRAILER_SIZE;
  return out.slice(0, d);
}

/**
 * Compresses `input[start, start + size)` into `out` from `at`. Returns the
 * compressed size, or 0 when the block does not get smaller (the caller then
 * stores it). May scribble past `at + size`, which the caller overwrites.
 */
function compressBlockInto(input: Uint8Array, start: number, size: number, out: Uint8Array, at: number): number {
  const shortened = size - HELD_BACK;
  if (shortened < 13) return 0; // lz4js does not look for matches in fewer than 13 bytes.
  const written = compressBlock(input, out.subarray(at, at + size), start, shortened, hashTable);
  // lz4js returns 0 when it found no match at all, and may run past `size` on incompressible data.
  if (written === 0 || written >= size) return 0;

  // Find the final sequence (literals only) and re-encode it with the held-back bytes.
  const end = at + written;
  let p = at;
  let finalToken = -1;
  let finalLiterals = 0;
  while (p < end) {
    const token = out[p] as number;
    finalToken = p++;
    let literals = token >>> 4;
    if (literals === 15) {
      let add: number;
      do {
        add = out[p++] as number;
        literals += add;
      } while (add === 255);
    }
    p += literals;
    if (p >= end) {
      finalLiterals = literals;
      break;
    }
    p += 2;
    if ((token & 15) === 15) while (out[p++] === 255);
  }
  const literals = finalLiterals + HELD_BACK;
  let q = finalToken;
  if (literals >= 15) {
    out[q++] = 0xf0;
    let rest = literals - 15;
    for (; rest >= 255; rest -= 255) out[q++] = 255;
    out[q++] = rest;
  } else {
    out[q++] = literals << 4;
  }
  const compressed = q + literals - at;
  if (compressed >= size) return 0;
  out.set(input.subarray(start + size - literals, start + size), q);
  return compressed;
}
