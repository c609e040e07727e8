/**
 * Keys and values are held as "binary strings": one UTF-16 code unit per byte,
 * each in 0..255. V8 stores such strings one byte per character, so a stored
 * entry costs its bytes plus a 16-byte string header instead of a typed array
 * (about 200 bytes of objects plus an off-heap allocation each). And JavaScript
 * compares strings by code unit, unsigned, with a prefix sorting first: exactly
 * the contract's bytewise order (`compareBytes` in `@sochdb/core`), done natively.
 * The README has the figures that decided this.
 */

/** Decodes `this[start .. end)` into a binary string. */
export type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
/** Writes the binary string `text` into `this` at `offset`, at most `length` bytes; returns the bytes written. */
export type Latin1Write = (this: Uint8Array, text: string, offset: number, length: number) => number;

/**
 * Node's own latin1 codecs (`Buffer.prototype.latin1Slice` / `latin1Write`), which
 * run on any `Uint8Array`: a native copy each way, what `buffer.toString('latin1')`
 * and `buffer.write(text, 'latin1')` run underneath minus the encoding dispatch.
 * Where `methods` lacks them (a runtime whose `Buffer` implements only the
 * documented API) the documented spellings are used instead. Exported for its test.
 */
export function latin1Codecs(methods: object): { slice: Latin1Slice; write: Latin1Write } {
  const found = methods as { latin1Slice?: Latin1Slice; latin1Write?: Latin1Write };
  const slice: Latin1Slice =
    typeof found.latin1Slice === 'function'
      ? found.latin1Slice
      : function (this: Uint8Array, start: number, end: number): string {
          return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('latin1', start, end);
        };
  const write: Latin1Write =
    typeof found.latin1Write === 'function'
      ? found.latin1Write
      : function (this: Uint8Array, text: string, offset: number, length: number): number {
          return Buffer.from(this.buffer, this.byteOffset, this.byteLength).write(text, offset, length, 'latin1');
        };
  return { slice, write };
}

const { slice: latin1Slice, write: latin1Write } = latin1Codecs(Buffer.prototype);

/** The binary string of `bytes`: a copy, so the caller may reuse `bytes`. */
export function toBinaryString(bytes: Uint8Array): string {
  return latin1Slice.call(bytes, 0, bytes.length);
}

// V8 keeps a typed array of up to 64 bytes inside the JavaScript heap (its
// default --typed-array-max-size-in-heap), with no ArrayBuffer allocated until
// someone asks for `.buffer`; a larger one gets its own off-heap allocation,
// about 0.3 us measured here. Copying into a small array with a loop keeps it
// on the heap (a native call such as latin1Write would move it off, paying the
// allocation after all): 16 bytes measured 58 ns that way against 480 ns.
const ON_HEAP_MAX = 64;

/**
 * A fresh `Uint8Array` holding the bytes of the binary string `text`, over an
 * `ArrayBuffer` of its own: the contract makes every result the caller's own,
 * so that transferring one (`postMessage`, `structuredClone` with `transfer`)
 * can take nothing else with it. (Until 0.2 small results were views into a
 * shared 16 KiB slab, as Node's `Buffer.from` does; the README has what the own
 * buffer costs.)
 */
export function fromBinaryString(text: string): Uint8Array {
  const length = text.length;
  const out = new Uint8Array(length);
  if (length <= ON_HEAP_MAX) {
    for (let i = 0; i < length; i++) out[i] = text.charCodeAt(i);
  } else {
    latin1Write.call(out, text, 0, length);
  }
  return out;
}

/** Bytewise order of binary strings; the same answer as `compareBytes` on the bytes. */
export function compareBinaryStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
