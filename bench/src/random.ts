/**
 * Deterministic inputs for the suites: every contender and every run sees the
 * same keys and bytes.
 */

/** xorshift32: a fixed sequence of unsigned 32-bit integers for a seed. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** `length` bytes from a generator. */
export function bytesFrom(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = next() & 0xff;
  return out;
}

/**
 * `make`, called on first use and remembered: a suite's data made when the
 * suite runs, not when the runner imports every suite to list them.
 */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
