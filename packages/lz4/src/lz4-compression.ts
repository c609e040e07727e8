import {
  assertBytes,
  assertOptions,
  type CompressionExtension,
  describeValue,
  ErrorCode,
  type ExtensionInfo,
  isKernelError,
  KernelError,
} from '@sochdb/core';
import { corruption } from './errors.js';
import { decodeFrames } from './frame-decoder.js';
import { encodeFrame } from './frame-encoder.js';
import { VERSION } from './version.js';

/** The default bound on what `decompress` returns: 256 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
/** The largest `maxOutputBytes` accepted: the longest `Uint8Array` Node allocates (4 GiB). */
export const MAX_OUTPUT_BYTES_LIMIT = 2 ** 32;
/**
 * The compression levels there are. lz4js has one compressor, the equivalent
 * of liblz4's fast mode at acceleration 1 (`lz4 -1`, the CLI's default), so
 * there is one level: 1. The high-compression levels 2-12 of the `lz4` CLI
 * are not implemented by lz4js and are refused rather than silently ignored.
 */
export const LZ4_LEVELS = { min: 1, max: 1, default: 1 } as const;

/** The option keys the constructor accepts; any other key is refused. */
const OPTION_KEYS: readonly string[] = ['name', 'maxOutputBytes', 'level'];

/** Options of {@link Lz4Compression}. */
export interface Lz4CompressionOptions {
  /** The extension's name in a `PluginManager` (default `"lz4"`). */
  readonly name?: string;
  /**
   * The most bytes `decompress` returns (default 256 MiB, at most 4 GiB). A
   * frame that declares or would produce more is refused with
   * `SOCHDB_OVER_LIMIT` before the memory is taken. It bounds `decompress`
   * only; `compress` writes frames of any size.
   */
  readonly maxOutputBytes?: number;
  /** The compression level; only 1 exists (see {@link LZ4_LEVELS}). */
  readonly level?: number;
}

/**
 * The same bytes as a plain `Uint8Array`. A `Buffer` (a subclass) seen by the
 * hot loops beside plain arrays makes their element access polymorphic, which
 * measured at less than half the speed; a view costs one small allocation.
 */
function plainView(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkLevel(level: unknown, name: string): number {
  if (typeof level !== 'number') throw new TypeError(`${name} must be the integer 1; got ${describeValue(level)}`);
  if (level !== LZ4_LEVELS.min) {
    throw new RangeError(
      `${name} must be 1, the one level lz4js has (lz4's fast mode, like \`lz4 -1\`); got ${describeValue(level)}. ` +
        'The lz4 CLI high-compression levels 2-12 are not available.',
    );
  }
  return level;
}

/**
 * LZ4 compression as a SochDB `CompressionExtension`: standard LZ4 frames
 * that the `lz4` CLI reads, and a decoder that reads the CLI's frames, verifies
 * every checksum, bounds its output, and refuses anything else with a
 * `KernelError` of kind `corruption`.
 */
export class Lz4Compression implements CompressionExtension {
  /** Name, version and the `compression` capability. */
  readonly info: ExtensionInfo;
  /** Always `"lz4"`. */
  readonly algorithm = 'lz4';
  /** The bound on `decompress` output, in bytes. */
  readonly maxOutputBytes: number;
  #level: number;
  #closed = false;

  /**
   * @throws TypeError naming the option when an option has the wrong type or
   *   the key is not an option (a typo such as `levle`); RangeError when a
   *   number is out of range.
   */
  constructor(options: Lz4CompressionOptions = {}) {
    assertOptions(options, OPTION_KEYS, 'Lz4Compression');
    const name = options.name ?? 'lz4';
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError(`Lz4Compression: options.name must be a non-empty string; got ${describeValue(name)}`);
    }
    const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    if (typeof maxOutputBytes !== 'number') {
      throw new TypeError(
        `Lz4Compression: options.maxOutputBytes must be a number; got ${describeValue(maxOutputBytes)}`,
      );
    }
    if (!Number.isInteger(maxOutputBytes) || maxOutputBytes < 0 || maxOutputBytes > MAX_OUTPUT_BYTES_LIMIT) {
      throw new RangeError(
        `Lz4Compression: options.maxOutputBytes must be an integer in [0, 2^32]; got ${describeValue(maxOutputBytes)}`,
      );
    }
    this.#level = checkLevel(options.level ?? LZ4_LEVELS.default, 'Lz4Compression: options.level');
    this.maxOutputBytes = maxOutputBytes;
    this.info = Object.freeze({
      name,
      version: VERSION,
      description: 'LZ4 frames (lz4js block compressor; bounds-checked decoder that verifies every checksum)',
      author: 'SochDB',
      capabilities: Object.freeze(['compression'] as const),
    });
  }

  /** The current compression level (always 1). */
  get level(): number {
    return this.#level;
  }

  /**
   * Sets the compression level. lz4js has one level, 1.
   * @throws RangeError for any other number, TypeError for a non-number.
   */
  setLevel(level: number): void {
    this.#level = checkLevel(level, 'level');
  }

  /**
   * Ends this instance's life: afterwards `compress` and `decompress` throw a
   * `KernelError` of kind `io`, code `SOCHDB_CLOSED`. It holds no resources,
   * so this only makes use-after-shutdown an error rather than silent. Calling
   * it again does nothing.
   */
  shutdown(): void {
    this.#closed = true;
  }

  #checkOpen(operation: string): void {
    if (this.#closed) {
      throw new KernelError(
        'io',
        ErrorCode.CLOSED,
        `@sochdb/lz4 "${this.info.name}": ${operation} after shutdown(): this instance has been shut down; ` +
          'create a new Lz4Compression (and register it)',
      );
    }
  }

  /**
   * Compresses `input` into one LZ4 frame carrying the content size and an
   * XXH32 content checksum.
   *
   * `maxOutputBytes` bounds `decompress` only: a frame of a larger input is
   * written, and refused by a `decompress` with the same bound.
   *
   * @throws TypeError when `input` is not a `Uint8Array`.
   * @throws KernelError `SOCHDB_CLOSED` (kind `io`) after `shutdown()`.
   */
  compress(input: Uint8Array): Uint8Array {
    this.#checkOpen('compress');
    assertBytes(input, 'input');
    return encodeFrame(plainView(input));
  }

  /**
   * Decompresses one or more LZ4 frames (skippable frames are skipped, as
   * `lz4 -d` does) and returns exactly the bytes that were compressed.
   *
   * @throws TypeError when `input` is not a `Uint8Array`.
   * @throws KernelError of kind `corruption` for anything that is not a
   *   complete, valid frame sequence within `maxOutputBytes`, with code
   *   `SOCHDB_TRUNCATED`, `SOCHDB_CORRUPT`, `SOCHDB_CHECKSUM_MISMATCH`,
   *   `SOCHDB_UNSUPPORTED` or `SOCHDB_OVER_LIMIT`.
   * @throws KernelError `SOCHDB_CLOSED` (kind `io`) after `shutdown()`.
   */
  decompress(input: Uint8Array): Uint8Array {
    this.#checkOpen('decompress');
    assertBytes(input, 'input');
    try {
      return decodeFrames(plainView(input), this.maxOutputBytes);
    } catch (error) {
      if (isKernelError(error)) throw error;
      // Anything else still reaches the caller typed: an allocation the engine
      // refused (within maxOutputBytes, but more than the process can have) or a bug of ours.
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RangeError && /alloc/i.test(message)) {
        throw corruption(ErrorCode.OVER_LIMIT, `the output could not be allocated: ${message}`, error);
      }
      throw corruption(ErrorCode.CORRUPT, `decoding failed: ${message}`, error);
    }
  }
}
