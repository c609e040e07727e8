import { crc32, gzipSync, inflateRawSync } from 'node:zlib';
import { assertBytes, type CompressionExtension, ErrorCode, KernelError } from '@sochdb/core';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const FRESERVED = 0xe0;

/**
 * A correct gzip codec over node:zlib: members parsed here (so trailing
 * garbage and truncation are caught exactly), the deflate body inflated by
 * zlib with an output bound, CRC-32 and length checked, every failure a
 * `corruption` KernelError. The self-tests run the compression suite on it
 * and on subclasses that each break one rule.
 */
export class GzipCodec implements CompressionExtension {
  readonly info = {
    name: 'gzip-codec',
    version: '1.0.0',
    description: 'Reference gzip codec for the testkit self-tests',
    author: 'SochDB',
    capabilities: ['compression'] as const,
  };
  readonly algorithm: string = 'gzip';
  protected level = 6;
  readonly maxOutputBytes: number;

  constructor(options: { maxOutputBytes?: number } = {}) {
    this.maxOutputBytes = options.maxOutputBytes ?? 256 * 1024 * 1024;
  }

  setLevel(level: number): void {
    if (typeof level !== 'number') throw new TypeError(`level must be an integer from 0 to 9; got ${typeof level}`);
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new RangeError(`level must be an integer from 0 to 9; got ${level}`);
    }
    this.level = level;
  }

  compress(input: Uint8Array): Uint8Array {
    assertBytes(input, 'input');
    return new Uint8Array(gzipSync(input, { level: this.level }));
  }

  decompress(input: Uint8Array): Uint8Array {
    assertBytes(input, 'input');
    if (input.length === 0) throw corrupt(ErrorCode.TRUNCATED, 'empty input is not a gzip member');
    const parts: Uint8Array[] = [];
    let total = 0;
    let offset = 0;
    while (offset < input.length) {
      const { output, next } = this.member(input, offset, this.maxOutputBytes - total);
      parts.push(output);
      total += output.length;
      offset = next;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** Decodes the member at `offset`; returns its output and where the next member starts. */
  protected member(input: Uint8Array, offset: number, budget: number): { output: Uint8Array; next: number } {
    const need = (n: number): void => {
      if (offset + n > input.length) throw corrupt(ErrorCode.TRUNCATED, 'input ends inside a gzip member');
    };
    need(10);
    if (input[offset] !== 0x1f || input[offset + 1] !== 0x8b) {
      throw corrupt(ErrorCode.CORRUPT, `no gzip magic at offset ${offset}`);
    }
    if (input[offset + 2] !== 8) throw corrupt(ErrorCode.CORRUPT, 'compression method is not deflate');
    const flags = input[offset + 3] as number;
    if (flags & FRESERVED) throw corrupt(ErrorCode.CORRUPT, 'reserved gzip flags are set');
    const start = offset;
    offset += 10;
    if (flags & FEXTRA) {
      need(2);
      const length = (input[offset] as number) | ((input[offset + 1] as number) << 8);
      offset += 2;
      need(length);
      offset += length;
    }
    for (const flag of [FNAME, FCOMMENT]) {
      if (flags & flag) {
        while (true) {
          need(1);
          if (input[offset++] === 0) break;
        }
      }
    }
    if (flags & FHCRC) {
      need(2);
      const expected = (input[offset] as number) | ((input[offset + 1] as number) << 8);
      if ((crc32(input.subarray(start, offset)) & 0xffff) !== expected) {
        throw corrupt(ErrorCode.CHECKSUM_MISMATCH, 'gzip header checksum mismatch');
      }
      offset += 2;
    }
    let output: Uint8Array;
    let consumed: number;
    try {
      const result = inflateRawSync(input.subarray(offset), {
        info: true,
        maxOutputLength: Math.max(1, budget),
      }) as unknown as {
        buffer: Buffer;
        engine: { bytesWritten: number };
      };
      output = new Uint8Array(result.buffer);
      consumed = result.engine.bytesWritten;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw corrupt(ErrorCode.OVER_LIMIT, `output exceeds maxOutputBytes (${this.maxOutputBytes})`, error);
      }
      const truncated = (error as { code?: unknown }).code === 'Z_BUF_ERROR';
      throw corrupt(truncated ? ErrorCode.TRUNCATED : ErrorCode.CORRUPT, 'invalid deflate data', error);
    }
    if (output.length > budget) {
      throw corrupt(ErrorCode.OVER_LIMIT, `output exceeds maxOutputBytes (${this.maxOutputBytes})`);
    }
    offset += consumed;
    need(8);
    const view = new DataView(input.buffer, input.byteOffset + offset, 8);
    this.verify(output, view.getUint32(0, true), view.getUint32(4, true));
    return { output, next: offset + 8 };
  }

  /** Checks the member trailer: CRC-32 and length (mod 2^32) of the output. */
  protected verify(output: Uint8Array, crc: number, size: number): void {
    if (crc !== crc32(output)) throw corrupt(ErrorCode.CHECKSUM_MISMATCH, 'gzip CRC-32 mismatch');
    if (size !== output.length % 2 ** 32) throw corrupt(ErrorCode.CHECKSUM_MISMATCH, 'gzip length mismatch');
  }
}

function corrupt(code: string, message: string, cause?: unknown): KernelError {
  return new KernelError('corruption', code, message, cause === undefined ? undefined : { cause });
}
