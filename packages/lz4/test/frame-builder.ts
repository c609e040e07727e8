/**
 * Test helper: writes LZ4 frames with any combination of header flags, block
 * checksums, stored or compressed blocks and deliberate lies, so the decoder
 * can be tested on frames our encoder never writes. Block compression is
 * lz4js's (raw blocks, no frame), which is independent of the code under test.
 */
import { compressBlock } from 'lz4js';
import { xxh32 } from '../src/xxh32.js';

export interface BuildOptions {
  /** The content, cut into blocks of `blockBytes` (default: one block per `blockSizeId` maximum). */
  readonly content: Uint8Array;
  readonly blockSizeId?: 4 | 5 | 6 | 7;
  /** Bytes of content per block (default the block maximum). */
  readonly blockBytes?: number;
  readonly blockChecksum?: boolean;
  readonly contentChecksum?: boolean;
  /** `true`: the real size; a number: that (possibly false) size; `false`/absent: none. */
  readonly contentSize?: boolean | number;
  readonly independent?: boolean;
  readonly dictId?: number;
  /** Store every block uncompressed. */
  readonly stored?: boolean;
  /** Write this header checksum byte instead of the right one. */
  readonly headerChecksum?: number;
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** Compresses one block with lz4js, or returns undefined when it does not shrink. */
export function lz4jsBlock(
  content: Uint8Array,
  start: number,
  size: number,
  table: Uint32Array,
): Uint8Array | undefined {
  const out = new Uint8Array(size + (size >> 8) + 32);
  const written = compressBlock(content, out, start, size, table);
  return written === 0 || written >= size ? undefined : out.slice(0, written);
}

/** Builds one frame from the options. */
export function buildFrame(options: BuildOptions): Uint8Array {
  const { content } = options;
  const id = options.blockSizeId ?? 4;
  const blockMax = 1 << (8 + 2 * id);
  const blockBytes = options.blockBytes ?? blockMax;
  let flg = 0x40;
  if (options.independent) flg |= 0x20;
  if (options.blockChecksum) flg |= 0x10;
  if (options.contentSize !== undefined && options.contentSize !== false) flg |= 0x08;
  if (options.contentChecksum) flg |= 0x04;
  if (options.dictId !== undefined) flg |= 0x01;
  const header = [flg, id << 4];
  if (flg & 0x08) {
    const size = options.contentSize === true ? content.length : (options.contentSize as number);
    header.push(...u32(size % 2 ** 32), ...u32(Math.floor(size / 2 ** 32)));
  }
  if (options.dictId !== undefined) header.push(...u32(options.dictId));
  const headerBytes = Uint8Array.from(header);
  const hc = options.headerChecksum ?? (xxh32(headerBytes) >>> 8) & 0xff;
  const parts: Uint8Array[] = [Uint8Array.from([...u32(0x184d2204), ...header, hc])];
  let table = new Uint32Array(1 << 16);
  for (let start = 0; start < content.length; start += blockBytes) {
    const size = Math.min(blockBytes, content.length - start);
    if (options.independent) table = new Uint32Array(1 << 16);
    const compressed = options.stored ? undefined : lz4jsBlock(content, start, size, table);
    const data = compressed ?? content.subarray(start, start + size);
    parts.push(Uint8Array.from(u32(compressed ? data.length : (0x80000000 | data.length) >>> 0)), data);
    if (options.blockChecksum) parts.push(Uint8Array.from(u32(xxh32(data))));
  }
  parts.push(new Uint8Array(4));
  if (options.contentChecksum) parts.push(Uint8Array.from(u32(xxh32(content))));
  return concat(...parts);
}

/** A skippable frame with magic `0x184D2A5n` and `payload`. */
export function skippableFrame(payload: Uint8Array, nibble = 0): Uint8Array {
  return concat(Uint8Array.from([...u32(0x184d2a50 + nibble), ...u32(payload.length)]), payload);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A small deterministic PRNG (mulberry32), so fuzz runs are repeatable from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic JSON-lines text of about `bytes` bytes: compressible like real rows. */
export function jsonLines(bytes: number, seed = 1): Uint8Array {
  const random = prng(seed);
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i++) {
    const line = JSON.stringify({
      id: i,
      user: `user-${Math.floor(random() * 5000)}`,
      email: `person${Math.floor(random() * 100000)}@example.org`,
      score: Math.round(random() * 1e6) / 100,
      active: random() < 0.5,
      tags: ['alpha', 'beta', 'gamma', 'delta'].filter(() => random() < 0.5),
      note: random() < 0.2 ? 'the quick brown fox jumps over the lazy dog' : '',
    });
    lines.push(line);
    length += line.length + 1;
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`).subarray(0, bytes);
}

/** Random bytes from a seeded PRNG. */
export function randomBytes(length: number, random: () => number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/**
 * Asserts `actual` holds exactly the bytes of `expected`, naming the first
 * difference. (vitest's `toEqual` walks a typed array element by element,
 * far too slowly for megabytes.)
 */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (!(actual instanceof Uint8Array)) throw new Error(`expected a Uint8Array, got ${String(actual)}`);
  if (actual.length === expected.length && Buffer.compare(actual, expected) === 0) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  throw new Error(
    `bytes differ: got ${actual.length} bytes, expected ${expected.length}; first difference at byte ${at}`,
  );
}
