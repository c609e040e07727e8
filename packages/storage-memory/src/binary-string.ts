/**
 * Keys and values are held as "binary strings": one UTF-16 code unit per byte,
 * each in 0..255. V8 stores such strings one byte per character, so a stored
 * entry costs its bytes plus a 16-byte string header instead of a typed array
 * (about 200 bytes of objects plus an off-heap allocation each). And JavaScript
 * compares strings by code unit, unsigned, with a prefix sorting first: exactly
 * the contract's bytewise order (`compareBytes` in `@sochdb/core`), done natively.
 * The README has the figures that decided this.
 */

// Node's own latin1 codecs, called on any Uint8Array: a native copy each way.
// They are what `buffer.toString('latin1')` and `buffer.write(text, 'latin1')`
// run underneath, minus the encoding dispatch; where a runtime lacks them the
// documented spellings are used instead.
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
type Latin1Write = (this: Uint8Array, text: string, offset: number, length: number) => number;
const bufferMethods = Buffer.prototype as unknown as { latin1Slice?: Latin1Slice; latin1Write?: Latin1Write };
const latin1Slice: Latin1Slice =
  typeof bufferMethods.latin1Slice === 'function'
    ? bufferMethods.latin1Slice
    : function (this: Uint8Array, start: number, end: number): string {
        return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('latin1', start, end);
      };
const latin1Write: Latin1Write =
  typeof bufferMethods.latin1Write === 'function'
    ? bufferMethods.latin1Write
    : function (this: Uint8Array, text: string, offset: number, length: number): number {
        return Buffer.from(this.buffer, this.byteOffset, this.byteLength).write(text, offset, length, 'latin1');
      };

/** The binary string of `bytes`: a copy, so the caller may reuse `bytes`. */
export function toBinaryString(bytes: Uint8Array): string {
  return latin1Slice.call(bytes, 0, bytes.length);
}

// Results are copied into shared slabs, the way Node's `Buffer.from` pools small
// buffers: a fresh `new Uint8Array(n)` costs an off-heap allocation (about 0.4 µs
// measured, four times the rest of a `get`); a view into a slab costs an object.
// Views never overlap, so a caller mutating one result changes nothing else.
const SLAB_BYTES = 16 * 1024;
const POOLED_MAX = 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** A fresh `Uint8Array` holding the bytes of the binary string `text`. */
export function fromBinaryString(text: string): Uint8Array {
  const length = text.length;
  if (length > POOLED_MAX) {
    const out = new Uint8Array(length);
    latin1Write.call(out, text, 0, length);
    return out;
  }
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const offset = slabUsed;
  latin1Write.call(slab, text, offset, length);
  slabUsed = offset + length;
  return new Uint8Array(slab.buffer, offset, length);
}

/**
 * Fresh `Uint8Array`s holding the bytes of each binary string in `texts`, in
 * order, all views into one new buffer. A scan hands out many small arrays:
 * joining the strings and copying once costs one allocation and one native
 * copy instead of one of each per array. The views do not overlap.
 */
export function fromBinaryStrings(texts: readonly string[]): Uint8Array[] {
  const joined = texts.join('');
  const total = joined.length;
  // Every byte is written below, so the allocation need not be zeroed.
  const buffer = Buffer.allocUnsafeSlow(total);
  latin1Write.call(buffer, joined, 0, total);
  const memory = buffer.buffer;
  const base = buffer.byteOffset;
  const out = new Array<Uint8Array>(texts.length);
  let offset = base;
  for (let i = 0; i < texts.length; i++) {
    const length = (texts[i] as string).length;
    out[i] = new Uint8Array(memory, offset, length);
    offset += length;
  }
  return out;
}

/** Bytewise order of binary strings; the same answer as `compareBytes` on the bytes. */
export function compareBinaryStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
