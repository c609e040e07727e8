/**
 * The growing output of `decompress`: capacity is taken only as the frames
 * prove they need it, never past the byte budget, so memory stays bounded by
 * `min(maxOutputBytes, 255 x input)` (times two while growing).
 */
export class OutputBuffer {
  /** The bytes written so far are `bytes[0, length)`. */
  bytes: Uint8Array;
  length = 0;

  constructor(initialCapacity: number) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  /**
   * Makes room for `extra` more bytes. Grows to at least double (amortised
   * linear copying) but never past `cap`, which the caller has already
   * checked is within the budget and at least `length + extra`.
   */
  reserve(extra: number, cap: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.min(Math.max(needed, this.bytes.length * 2), cap));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** The written bytes, in an array of exactly that length. */
  result(): Uint8Array {
    return this.length === this.bytes.length ? this.bytes : this.bytes.slice(0, this.length);
  }
}
