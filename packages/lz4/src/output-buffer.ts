/**
 * The growing output of `decompress`. Capacity is taken only as the frames
 * prove they need it and never past the byte budget; it at least doubles
 * on each growth, so the bytes copied while growing stay below the output
 * size whatever the layout (one frame or thousands, large blocks or tiny
 * ones), and it never grows past the ceiling the frame headers allow (the
 * {@link OutputPlan}), so the last doubling does not overshoot.
 *
 * Memory: the capacity is at most `ceiling`; while growing, the old and the
 * new array are both alive (together under twice the ceiling), and so are
 * the capacity and the trimmed result at the end.
 */
export class OutputBuffer {
  /** The bytes written so far are `bytes[0, length)`. */
  bytes: Uint8Array;
  length = 0;
  #ceiling: number;
  readonly #limit: number;

  /**
   * @param initialCapacity - bytes to take at once (the exact total, when the
   *   headers declare it).
   * @param ceiling - where doubling stops: what the frame headers allow,
   *   at most `limit`.
   * @param limit - the byte budget (`maxOutputBytes`); callers never ask past it.
   */
  constructor(initialCapacity: number, ceiling: number, limit: number) {
    this.bytes = new Uint8Array(initialCapacity);
    this.#limit = limit;
    this.#ceiling = Math.min(ceiling, limit);
  }

  /**
   * Makes room for `extra` more bytes; the caller has checked that
   * `length + extra` is within the budget.
   */
  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    // The headers promised less than this (input the plan could not walk): plain doubling from here on.
    if (needed > this.#ceiling) this.#ceiling = this.#limit;
    const grown = new Uint8Array(Math.max(needed, Math.min(this.bytes.length * 2, this.#ceiling)));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** The written bytes, in an array of exactly that length. */
  result(): Uint8Array {
    return this.length === this.bytes.length ? this.bytes : this.bytes.slice(0, this.length);
  }
}
