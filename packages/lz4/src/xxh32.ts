/**
 * XXH32, the checksum of the LZ4 frame format (header, block and content
 * checksums), over a range of a byte array.
 *
 * Our own rather than a package: measured on Node 20 over 3 MiB it runs at
 * several times the speed of `js-xxhash` (the pure-JS package) and lz4js's
 * own; it hashes a range in place; and unlike `xxhash-wasm` it needs no
 * asynchronous set-up, so `decompress` works on an instance nobody called
 * `init()` on. The README has the figures. It is checked against the
 * reference vectors, against lz4js's implementation, and against every frame
 * the `lz4` CLI writes.
 */

const PRIME1 = 0x9e3779b1 | 0;
const PRIME2 = 0x85ebca77 | 0;
const PRIME3 = 0xc2b2ae3d | 0;
const PRIME4 = 0x27d4eb2f | 0;
const PRIME5 = 0x165667b1 | 0;

/**
 * XXH32 of `bytes[start, end)` with `seed`, as an unsigned 32-bit integer.
 * The caller guarantees `0 <= start <= end <= bytes.length`.
 */
export function xxh32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  // Little-endian 32-bit lanes read through a DataView: one load per lane
  // instead of four byte loads and shifts, measured at 3.4x the speed.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = end - start;
  const stripesEnd = start + (length - (length % 16));
  let h = length >= 16 ? stripes(view, start, stripesEnd, seed) : (seed + PRIME5) | 0;
  let p = stripesEnd;
  // The length is added modulo 2^32, as the reference does.
  h = (h + length) | 0;
  while (p + 4 <= end) {
    h = (h + Math.imul(view.getInt32(p, true), PRIME3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), PRIME4);
    p += 4;
  }
  while (p < end) {
    h = (h + Math.imul(bytes[p] as number, PRIME5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), PRIME1);
    p++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The 16-byte stripes of `[start, end)` (a multiple of 16 bytes, at least
 * one stripe), merged into one accumulator. A function of its own so that
 * short inputs (header checksums), which never run this loop, do not leave
 * the optimiser feedback that slowed long inputs 3.5-fold.
 */
function stripes(view: DataView, start: number, end: number, seed: number): number {
  let v1 = (seed + PRIME1 + PRIME2) | 0;
  let v2 = (seed + PRIME2) | 0;
  let v3 = seed | 0;
  let v4 = (seed - PRIME1) | 0;
  for (let p = start; p < end; p += 16) {
    v1 = (v1 + Math.imul(view.getInt32(p, true), PRIME2)) | 0;
    v1 = Math.imul((v1 << 13) | (v1 >>> 19), PRIME1);
    v2 = (v2 + Math.imul(view.getInt32(p + 4, true), PRIME2)) | 0;
    v2 = Math.imul((v2 << 13) | (v2 >>> 19), PRIME1);
    v3 = (v3 + Math.imul(view.getInt32(p + 8, true), PRIME2)) | 0;
    v3 = Math.imul((v3 << 13) | (v3 >>> 19), PRIME1);
    v4 = (v4 + Math.imul(view.getInt32(p + 12, true), PRIME2)) | 0;
    v4 = Math.imul((v4 << 13) | (v4 >>> 19), PRIME1);
  }
  return (
    (((v1 << 1) | (v1 >>> 31)) + ((v2 << 7) | (v2 >>> 25)) + ((v3 << 12) | (v3 >>> 20)) + ((v4 << 18) | (v4 >>> 14))) |
    0
  );
}
