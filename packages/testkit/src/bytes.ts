/**
 * Byte helpers the suites use to build inputs and to compare outputs.
 * Outputs are compared as hex strings, not with `toEqual`, so that a plugin
 * returning a `Buffer` (a `Uint8Array` subclass) is not failed for its class
 * and a failure shows the bytes.
 */

/** A `Uint8Array` of the given byte values. */
export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

const encoder = new TextEncoder();

/** The UTF-8 encoding of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Lower-case hex of `value`'s bytes (only the view, not its whole buffer); `""` for an empty array. */
export function hex(value: Uint8Array): string {
  let out = '';
  for (const byte of value) out += byte.toString(16).padStart(2, '0');
  return out;
}

/** Hex of `value` when it is a `Uint8Array`, otherwise a short description of what it is. */
export function show(value: unknown): string {
  if (value instanceof Uint8Array) return `<${hex(value)}>`;
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return 'a function';
  const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === 'string' && ctor.length > 0 ? `a ${ctor}` : 'an object';
}

/** `a` followed by `b` in a new array. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Deterministic pseudo-random bytes (xorshift32), so a failure reproduces
 * byte for byte on every run.
 */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

/** `length` bytes of English-like text: compressible, but not a single repeated byte. */
export function compressibleBytes(length: number): Uint8Array {
  const words = [
    'the',
    'kernel',
    'stores',
    'rows',
    'in',
    'tables',
    'and',
    'indexes',
    'keys',
    'by',
    'bytes',
    'while',
    'plugins',
    'compress',
    'pages',
    'for',
    'disk',
  ];
  const random = pseudoRandomBytes(length, 0x5eed);
  const out = new Uint8Array(length);
  let i = 0;
  let r = 0;
  while (i < length) {
    const word = words[(random[r++ % length] as number) % words.length] as string;
    for (let c = 0; c < word.length && i < length; c++) out[i++] = word.charCodeAt(c);
    if (i < length) out[i++] = 0x20;
  }
  return out;
}
