/**
 * The LZ4 block decoder: one compressed block into an output buffer, with
 * every read and write bounds-checked against explicit limits, so that a
 * hostile block can neither read past its stored bytes, nor reference bytes
 * before its window, nor write past the caller's limit. Each loop iteration
 * consumes input and produces at least one output byte (a 255 in a length
 * run adds 255), so the time is proportional to input plus output.
 */
import { ErrorCode } from '@sochdb/core';
import { corruption } from './errors.js';
import { MIN_MATCH } from './frame-format.js';

/** Returned by {@link decodeBlock} when the block would write past `limit`. */
export const OUTPUT_LIMIT = -1;

// Below this length a match is copied in 4- or 8-byte words through a DataView
// (about twice as fast as bytes, measured on Node 20); above it `copyWithin` wins.
const MATCH_COPY_CALL = 64;
// Literal runs this long are copied with `set`.
const LITERAL_COPY_CALL = 32;

function blockCorrupt(what: string, at: number): never {
  throw corruption(ErrorCode.CORRUPT, `invalid compressed block: ${what} (at input byte ${at})`);
}

/**
 * Decodes the compressed block `src[start, end)` into `dst` from `out`.
 *
 * @param windowStart - the first output byte a match may reference: the
 *   start of this block when blocks are independent, of the frame otherwise.
 * @param limit - decoding never writes at or past this index of `dst`
 *   (`limit <= dst.length`). Below it, the fast paths may write a few bytes
 *   past the output, which later sequences overwrite.
 * @returns the index after the last byte of output, or {@link OUTPUT_LIMIT}
 *   when the block's output would reach past `limit`.
 * @throws KernelError `SOCHDB_CORRUPT` when the block is malformed.
 */
export function decodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  out: number,
  limit: number,
  windowStart: number,
): number {
  // Word copies: every read below stays inside [start, end) of src or [windowStart, d) of dst, every
  // write inside [d, limit), as the checks before each establish (a DataView would throw, not
  // scribble, if they did not).
  const source = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const target = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  // The fast loop runs while a whole short sequence fits without a bounds check: token (1) +
  // a 16-byte literal copy + offset (2) within the block, and 14 literals + a 20-byte match
  // copy within the limit.
  const fastSource = end - 19;
  const fastOutput = limit - 34;
  let s = start;
  let d = out;
  for (;;) {
    // Fast loop: sequences with fewer than 15 literals and a match of 4-18 bytes at an offset
    // of 4 or more, far from both ends. Fixed-size word copies (4 or 16 bytes of literals,
    // 20 of match), then advance by the counts; the extra bytes land past `d`, in output
    // not written yet, and are overwritten next.
    while (s <= fastSource && d <= fastOutput) {
      const token = src[s] as number;
      const literals = token >>> 4;
      const length = token & 15;
      if (literals === 15 || length === 15) break;
      const at = s + 1 + literals; // where the offset is
      const offset = (src[at] as number) | ((src[at + 1] as number) << 8);
      if (offset < 4) break; // offsets 0-3: the careful path sorts them out
      if (literals !== 0) {
        target.setUint32(d, source.getUint32(s + 1, true), true);
        if (literals > 4) {
          target.setUint32(d + 4, source.getUint32(s + 5, true), true);
          target.setUint32(d + 8, source.getUint32(s + 9, true), true);
          target.setUint32(d + 12, source.getUint32(s + 13, true), true);
        }
        d += literals;
      }
      if (offset > d - windowStart) {
        blockCorrupt(`match offset ${offset} reaches before the start of the window`, at);
      }
      const from = d - offset;
      // Word k is read after words 0..k-1 are written and ends at or before the byte being
      // written (offset >= 4), so an overlapping match repeats correctly.
      target.setUint32(d, target.getUint32(from, true), true);
      target.setUint32(d + 4, target.getUint32(from + 4, true), true);
      target.setUint32(d + 8, target.getUint32(from + 8, true), true);
      target.setUint32(d + 12, target.getUint32(from + 12, true), true);
      target.setUint32(d + 16, target.getUint32(from + 16, true), true);
      d += length + MIN_MATCH;
      s = at + 2;
    }

    // Careful path: one sequence of any shape, every length checked.
    if (s >= end) blockCorrupt('the block ends with a match instead of literals', s);
    const token = src[s++] as number;
    let literals = token >>> 4;
    if (literals === 15) {
      let add: number;
      do {
        if (s >= end) blockCorrupt('literal length runs past the end of the block', s);
        add = src[s++] as number;
        literals += add;
      } while (add === 255);
    }
    if (literals > end - s) blockCorrupt('literals run past the end of the block', s);
    if (literals > limit - d) return OUTPUT_LIMIT;
    if (literals < LITERAL_COPY_CALL) {
      const stop = s + literals;
      while (s + 4 <= stop) {
        target.setUint32(d, source.getUint32(s, true), true);
        d += 4;
        s += 4;
      }
      while (s < stop) dst[d++] = src[s++] as number;
    } else {
      dst.set(src.subarray(s, s + literals), d);
      s += literals;
      d += literals;
    }
    // The last sequence of a block is literals only.
    if (s === end) return d;

    if (end - s < 2) blockCorrupt('match offset runs past the end of the block', s);
    const offset = (src[s] as number) | ((src[s + 1] as number) << 8);
    s += 2;
    if (offset === 0) blockCorrupt('match offset 0', s - 2);
    if (offset > d - windowStart) blockCorrupt(`match offset ${offset} reaches before the start of the window`, s - 2);
    let length = token & 15;
    if (length === 15) {
      let add: number;
      do {
        if (s >= end) blockCorrupt('match length runs past the end of the block', s);
        add = src[s++] as number;
        length += add;
      } while (add === 255);
    }
    length += MIN_MATCH;
    if (length > limit - d) return OUTPUT_LIMIT;
    let from = d - offset;
    const stop = d + length;
    if (length < MATCH_COPY_CALL && offset >= 4) {
      // A word at `from` ends at or before `d`, so it is already final even when the match overlaps itself.
      if (offset >= 8) {
        while (d + 8 <= stop) {
          target.setUint32(d, target.getUint32(from, true), true);
          target.setUint32(d + 4, target.getUint32(from + 4, true), true);
          d += 8;
          from += 8;
        }
      }
      while (d + 4 <= stop) {
        target.setUint32(d, target.getUint32(from, true), true);
        d += 4;
        from += 4;
      }
      while (d < stop) dst[d++] = dst[from++] as number;
    } else if (offset >= length) {
      dst.copyWithin(d, from, from + length);
      d = stop;
    } else if (length < MATCH_COPY_CALL) {
      // Offsets 1-3: the match repeats a 1-3 byte pattern; byte by byte is what that means.
      while (d < stop) dst[d++] = dst[from++] as number;
    } else {
      // A long overlapping match repeats the last `offset` bytes. Copy the
      // pattern once, then double the copied run: O(log length) calls.
      let copied = 0;
      while (copied < length) {
        const chunk = Math.min(copied === 0 ? offset : copied, length - copied);
        dst.copyWithin(d + copied, from, from + chunk);
        copied += chunk;
      }
      d = stop;
    }
  }
}
