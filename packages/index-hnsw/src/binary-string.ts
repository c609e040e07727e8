/**
 * Keys are held as "binary strings": one UTF-16 code unit per byte, each in
 * 0..255. V8 stores such a string one byte per character behind a 16-byte
 * header (a `Uint8Array` costs about 200 bytes of objects on top of its bytes),
 * and JavaScript compares strings by code unit, unsigned, a prefix first:
 * exactly the contract's bytewise order (`compareBytes` in `@sochdb/core`),
 * done natively. The README has the figures that decided this.
 */

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const bufferMethods = Buffer.prototype as unknown as { latin1Slice?: Latin1Slice };
// Node's latin1 decoder, the code under `buffer.toString('latin1')`, called on
// any Uint8Array without wrapping it in a Buffer first.
const latin1Slice: Latin1Slice =
  typeof bufferMethods.latin1Slice === 'function'
    ? bufferMethods.latin1Slice
    : function (this: Uint8Array, start: number, end: number): string {
        return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('latin1', start, end);
      };

/** The binary string of `bytes`: a copy, so the caller may reuse `bytes`. */
export function toBinaryString(bytes: Uint8Array): string {
  return latin1Slice.call(bytes, 0, bytes.length);
}

/** Bytewise order of binary strings; the same answer as `compareBytes` on the bytes. */
export function compareBinaryStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The binary string of `bytes[start .. end)`. */
export function binaryStringOf(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(bytes, start, end);
}
