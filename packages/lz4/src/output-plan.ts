/**
 * A pass over the frame and block headers of an input, before any decoding:
 * a few bytes read per block, nothing hashed, nothing allocated. It gives the
 * output buffer a ceiling for its growth (so that doubling never overshoots
 * what the frames can produce) and, when every frame declares its content
 * size, the exact total, so that many concatenated frames take one
 * allocation instead of one per frame.
 *
 * The plan is advice, never a check: the decoder still checks every field,
 * and where the plan stops early (input it cannot walk) or turns out short,
 * the buffer falls back to plain doubling.
 */
import {
  BD_BLOCK_SIZE_SHIFT,
  BLOCK_UNCOMPRESSED,
  blockMaxSize,
  FLG_BLOCK_CHECKSUM,
  FLG_CONTENT_CHECKSUM,
  FLG_CONTENT_SIZE,
  FLG_DICT_ID,
  FRAME_MAGIC,
  MAX_EXPANSION,
  SKIPPABLE_MAGIC_BASE,
  SKIPPABLE_MAGIC_MASK,
} from './frame-format.js';

/** What the headers of an input say about its output. */
export interface OutputPlan {
  /**
   * The most bytes the frames can decode to: a declared content size where
   * there is one, else the sum over blocks of what each can produce (stored
   * blocks exactly, compressed ones 255 times their size up to the block
   * maximum). Covers only the frames the walk got through.
   */
  readonly bound: number;
  /**
   * True when every frame declares a content size its blocks can hold and
   * the walk reached the end of the input: then `bound` is the exact output
   * of a valid input.
   */
  readonly exact: boolean;
}

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0
  );
}

/** Walks the frame and block headers of `input`; time proportional to the number of blocks and frames. */
export function planOutput(input: Uint8Array): OutputPlan {
  let bound = 0;
  let exact = true;
  let pos = 0;
  while (pos < input.length) {
    if (input.length - pos < 8) return { bound, exact: false };
    const magic = readU32(input, pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC_BASE) {
      pos += 8 + readU32(input, pos + 4);
      continue;
    }
    if (magic !== FRAME_MAGIC) return { bound, exact: false };
    const flg = input[pos + 4] as number;
    const blockMax = blockMaxSize((input[pos + 5] as number) >>> BD_BLOCK_SIZE_SHIFT);
    const hasContentSize = (flg & FLG_CONTENT_SIZE) !== 0;
    const blockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
    const contentSize = hasContentSize ? readU32(input, pos + 6) + readU32(input, pos + 10) * 2 ** 32 : -1;
    pos += 7 + (hasContentSize ? 8 : 0) + ((flg & FLG_DICT_ID) !== 0 ? 4 : 0);
    let blocks = 0;
    for (;;) {
      if (input.length - pos < 4) return { bound: bound + blocks, exact: false };
      const field = readU32(input, pos);
      pos += 4;
      if (field === 0) break;
      const size = (field & ~BLOCK_UNCOMPRESSED) >>> 0;
      blocks += (field & BLOCK_UNCOMPRESSED) !== 0 ? size : Math.min(blockMax, size * MAX_EXPANSION);
      pos += size + blockChecksum;
    }
    if ((flg & FLG_CONTENT_CHECKSUM) !== 0) pos += 4;
    if (hasContentSize && contentSize <= blocks) {
      bound += contentSize;
    } else {
      bound += blocks;
      exact = false;
    }
  }
  return { bound, exact: exact && pos === input.length };
}
