import * as zlib from 'node:zlib';
import {
  assertBytes,
  type CompressionExtension,
  ErrorCode,
  type ExtensionInfo,
  isKernelError,
  KernelError,
} from '@sochdb/core';
import { corruption } from './errors.js';
import { decodeStoredFrame, scanFrames, type ZstdFrame } from './frame.js';
import { type FrameDecoder, type LibZstd, loadLibZstd, WasmMemoryError, ZstdErrorCode } from './libzstd.js';
import { checkLevel, type ResolvedZstdOptions, resolveOptions, type ZstdOptions } from './options.js';
import { VERSION } from './version.js';

/**
 * The code of the `plugin` error thrown by `compress`/`decompress` before
 * `init()` has loaded libzstd: core's `ErrorCode.PLUGIN_NOT_INITIALIZED`.
 */
export const NOT_INITIALIZED = ErrorCode.PLUGIN_NOT_INITIALIZED;

/** `zlib.zstdCompressSync` and its constants, on runtimes that have them (Node >= 22.15, >= 23.8). */
interface NodeZstd {
  zstdCompressSync(input: Uint8Array, options: { params: Record<number, number>; pledgedSrcSize: number }): Uint8Array;
  constants: { ZSTD_c_compressionLevel: number; ZSTD_c_checksumFlag: number; ZSTD_c_contentSizeFlag: number };
}

function nodeZstd(): NodeZstd | undefined {
  const candidate = zlib as unknown as Partial<NodeZstd>;
  if (typeof candidate.zstdCompressSync !== 'function') return undefined;
  const constants = candidate.constants;
  if (constants === undefined || typeof constants.ZSTD_c_checksumFlag !== 'number') return undefined;
  return candidate as NodeZstd;
}

/** Which libzstd writes our frames. */
export type ZstdEncoder = 'node:zlib' | 'wasm';

function describeError(code: number): string {
  switch (code) {
    case ZstdErrorCode.corruptionDetected:
      return 'corrupted block data';
    case ZstdErrorCode.srcSizeWrong:
      return 'frame size inconsistent with its blocks';
    default:
      return `libzstd error ${code}`;
  }
}

/**
 * Zstandard compression for SochDB.
 *
 * `compress` writes one standard frame (RFC 8878) with libzstd at the
 * configured level, always carrying the content size and an XXH64 content
 * checksum. `decompress` reads any conforming input (several frames,
 * skippable frames, frames without a content size or checksum) and returns
 * exactly the original bytes or throws a `corruption` {@link KernelError}:
 * the frame headers are checked against `maxWindowBytes` and
 * `maxOutputBytes` before any output is allocated, and libzstd verifies
 * every block, the declared content size and the checksum.
 *
 * Call `init()` (the `PluginManager` does, on registration) before use: it
 * loads libzstd's WebAssembly build.
 */
export class ZstdCompression implements CompressionExtension {
  /** Name, version and the `compression` capability. */
  readonly info: ExtensionInfo;
  /** Always `"zstd"`. */
  readonly algorithm = 'zstd';
  readonly #options: ResolvedZstdOptions;
  #level: number;
  #lib: LibZstd | undefined;
  #node: NodeZstd | undefined;
  #closed = false;

  /**
   * @throws TypeError / RangeError for a bad option (see {@link ZstdOptions}).
   */
  constructor(options?: ZstdOptions) {
    this.#options = resolveOptions(options);
    this.#level = this.#options.level;
    this.info = Object.freeze({
      name: this.#options.name,
      version: VERSION,
      description: 'Zstandard frames (RFC 8878) via libzstd, decoded with window, output and checksum checks',
      author: 'SochDB',
      capabilities: Object.freeze(['compression'] as const),
    });
  }

  /** The current compression level. */
  get level(): number {
    return this.#level;
  }

  /** The largest output one `decompress` call may return. */
  get maxOutputBytes(): number {
    return this.#options.maxOutputBytes;
  }

  /** The largest window a frame may declare. */
  get maxWindowBytes(): number {
    return this.#options.maxWindowBytes;
  }

  /** Which libzstd writes frames: Node's built-in one where the runtime has it, else the wasm build. `undefined` before `init`. */
  get encoder(): ZstdEncoder | undefined {
    if (this.#lib === undefined) return undefined;
    return this.#node === undefined ? 'wasm' : 'node:zlib';
  }

  /**
   * Loads libzstd (WebAssembly, once per process) and XXH64. Where the
   * runtime has `zlib.zstdCompressSync`, checks once that its frames carry
   * content size and checksum and decode back, and then compresses with it.
   */
  async init(): Promise<void> {
    if (this.#closed) throw this.#closedError('init()');
    const lib = await loadLibZstd();
    this.#lib = lib;
    const node = nodeZstd();
    if (node !== undefined) {
      try {
        const probe = new TextEncoder().encode('sochdb zstd probe '.repeat(64));
        const frame = this.#compressWithNode(node, probe, this.#level);
        const [first] = scanFrames(frame, this.#options).frames;
        const back = this.decompress(frame);
        if (first?.contentSize === probe.length && first.hasChecksum && Buffer.compare(back, probe) === 0) {
          this.#node = node;
        }
      } catch {
        this.#node = undefined; // the wasm build writes the frames instead
      }
    }
  }

  /**
   * After this, `init`, `compress` and `decompress` throw `SOCHDB_CLOSED`
   * (kind `io`): a shut-down instance stays shut; create a new one.
   */
  shutdown(): void {
    this.#closed = true;
  }

  /**
   * Sets the level for later `compress` calls: an integer 1-22, default 3.
   * 1-19 are libzstd's regular levels; 20-22 ("ultra") use windows up to
   * 128 MiB and much more memory (see the README).
   *
   * @throws RangeError for anything else.
   */
  setLevel(level: number): void {
    this.#level = checkLevel(level, 'setLevel');
  }

  #ready(operation: string): LibZstd {
    if (this.#closed) throw this.#closedError(operation);
    if (this.#lib === undefined) {
      throw new KernelError(
        'plugin',
        NOT_INITIALIZED,
        `@sochdb/zstd "${this.info.name}": ${operation} before init(); register the extension with a ` +
          'PluginManager (which awaits init) or await init() yourself first: it loads libzstd',
      );
    }
    return this.#lib;
  }

  #closedError(operation: string): KernelError {
    return new KernelError(
      'io',
      ErrorCode.CLOSED,
      `@sochdb/zstd "${this.info.name}": ${operation} after shutdown(): this instance has been shut down; ` +
        'create a new ZstdCompression (and register it)',
    );
  }

  #compressWithNode(node: NodeZstd, input: Uint8Array, level: number): Uint8Array {
    const out = node.zstdCompressSync(input, {
      params: {
        [node.constants.ZSTD_c_compressionLevel]: level,
        [node.constants.ZSTD_c_checksumFlag]: 1,
        [node.constants.ZSTD_c_contentSizeFlag]: 1,
      },
      pledgedSrcSize: input.length,
    });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  /**
   * Compresses `input` into one zstd frame carrying its content size and
   * checksum.
   *
   * @throws TypeError when `input` is not a `Uint8Array`.
   * @throws KernelError `SOCHDB_PLUGIN_NOT_INITIALIZED` before `init()`, `SOCHDB_CLOSED` after `shutdown()`.
   * @throws RangeError when the input is too large for libzstd's 2 GiB wasm heap.
   */
  compress(input: Uint8Array): Uint8Array {
    assertBytes(input, 'input');
    const lib = this.#ready('compress');
    if (this.#node !== undefined) return this.#compressWithNode(this.#node, input, this.#level);
    try {
      return lib.compress(input, this.#level);
    } catch (error) {
      if (error instanceof WasmMemoryError) {
        throw new RangeError(`compress: input of ${input.length} bytes is too large: ${error.message}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Decompresses every frame in `input` (skippable frames are skipped) and
   * returns the concatenated content.
   *
   * @throws TypeError when `input` is not a `Uint8Array`.
   * @throws KernelError of kind `corruption` when `input` is not exactly a
   *   sequence of valid frames: `SOCHDB_CORRUPT`, `SOCHDB_TRUNCATED`,
   *   `SOCHDB_CHECKSUM_MISMATCH`, `SOCHDB_UNSUPPORTED` (dictionary or legacy
   *   frames), `SOCHDB_OVER_LIMIT` (window or output over the bounds).
   *   `SOCHDB_PLUGIN_NOT_INITIALIZED` (kind `plugin`) before `init()`,
   *   `SOCHDB_CLOSED` (kind `io`) after `shutdown()`.
   */
  decompress(input: Uint8Array): Uint8Array {
    assertBytes(input, 'input');
    const lib = this.#ready('decompress');
    try {
      const { maxOutputBytes } = this.#options;
      const { frames } = scanFrames(input, this.#options);
      if (frames.length === 0) return new Uint8Array(0); // only skippable frames, as `zstd -d` gives
      return lib.withInput(
        input,
        (decode) => {
          const parts: Uint8Array[] = [];
          let produced = 0;
          for (const frame of frames) {
            const part =
              frame.compressedBlocks === 0
                ? decodeStored(lib, input, frame, maxOutputBytes - produced, maxOutputBytes)
                : decodeFrame(decode, frame, maxOutputBytes - produced, maxOutputBytes);
            parts.push(part);
            produced += part.length;
          }
          return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, produced);
        },
        frames.flatMap((frame) => frame.emptyCompressedBlocks),
      );
    } catch (error) {
      if (isKernelError(error)) throw error;
      if (error instanceof WasmMemoryError) {
        throw corruption(ErrorCode.OVER_LIMIT, `zstd: cannot decode: ${error.message}`, error);
      }
      // A trap inside libzstd or anything unforeseen: still the typed error, never a raw one.
      throw corruption(ErrorCode.CORRUPT, `zstd: decoding failed: ${String(error)}`, error);
    }
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * First output capacity tried for a frame without a content size: enough for
 * typical ratios, so most frames decode in one pass. When it is too small the
 * capacity doubles (up to the frame's block bound or the budget), so memory
 * follows the real output rather than what the block headers could claim,
 * and the total work stays linear (at most twice one pass).
 */
function firstCapacity(frame: ZstdFrame): number {
  return Math.max(128 * 1024, 8 * (frame.end - frame.start));
}

/**
 * A frame of only raw and RLE blocks: its size is exact from the scan, so the
 * budget is checked before allocating; the checksum is verified here.
 */
function decodeStored(
  lib: LibZstd,
  input: Uint8Array,
  frame: ZstdFrame,
  room: number,
  maxOutputBytes: number,
): Uint8Array {
  const at = `the frame at offset ${frame.start}`;
  if (frame.outputBound > room) {
    throw corruption(
      ErrorCode.OVER_LIMIT,
      `zstd: ${at} holds ${frame.outputBound} bytes, which takes the output over maxOutputBytes (${maxOutputBytes})`,
    );
  }
  // One XXH64 pass, block by block as each is written (blocks are at most 128 KiB).
  const hasher = frame.hasChecksum ? lib.contentHasher() : undefined;
  const out = decodeStoredFrame(input, frame, hasher === undefined ? undefined : (block) => hasher.update(block));
  if (hasher !== undefined) {
    const c = frame.end - 4;
    const stored =
      ((input[c] as number) |
        ((input[c + 1] as number) << 8) |
        ((input[c + 2] as number) << 16) |
        ((input[c + 3] as number) << 24)) >>>
      0;
    if (hasher.digest() !== stored) {
      throw corruption(ErrorCode.CHECKSUM_MISMATCH, `zstd: ${at} decodes to bytes that do not match its checksum`);
    }
  }
  return out;
}

/** Decodes one frame with `room` bytes left under the budget; returns its bytes. */
function decodeFrame(decode: FrameDecoder, frame: ZstdFrame, room: number, maxOutputBytes: number): Uint8Array {
  const at = `the frame at offset ${frame.start}`;
  const declared = frame.contentSize;
  if (declared !== undefined && declared > room) {
    throw corruption(
      ErrorCode.OVER_LIMIT,
      `zstd: ${at} declares ${declared} bytes, which takes the output over maxOutputBytes (${maxOutputBytes})`,
    );
  }
  // Without a declared size, the room is the running budget: a frame that
  // still needs more at that capacity fails with dstSize_tooSmall, and that
  // is the limit talking.
  const ceiling = declared ?? Math.min(frame.outputBound, room);
  let capacity = declared ?? Math.min(ceiling, firstCapacity(frame));
  for (;;) {
    const result = decode(frame.start, frame.end - frame.start, capacity);
    if (result.ok) {
      if (declared !== undefined && result.bytes.length !== declared) {
        throw corruption(
          ErrorCode.CORRUPT,
          `zstd: ${at} declares ${declared} bytes but decodes to ${result.bytes.length}`,
        );
      }
      return result.bytes;
    }
    if (result.error === ZstdErrorCode.dstSizeTooSmall && capacity < ceiling) {
      capacity = Math.min(ceiling, capacity * 2);
      continue;
    }
    switch (result.error) {
      case ZstdErrorCode.checksumWrong:
        throw corruption(ErrorCode.CHECKSUM_MISMATCH, `zstd: ${at} decodes to bytes that do not match its checksum`);
      case ZstdErrorCode.dstSizeTooSmall:
        if (declared === undefined && room < frame.outputBound) {
          throw corruption(
            ErrorCode.OVER_LIMIT,
            `zstd: ${at} has no content size and decodes to more than the ${room} bytes left under maxOutputBytes (${maxOutputBytes})`,
          );
        }
        throw corruption(ErrorCode.CORRUPT, `zstd: ${at} decodes to more bytes than its headers allow`);
      case ZstdErrorCode.dictionaryWrong:
        throw corruption(ErrorCode.UNSUPPORTED, `zstd: ${at} needs a dictionary; dictionaries are not supported`);
      case ZstdErrorCode.memoryAllocation:
        throw corruption(ErrorCode.OVER_LIMIT, `zstd: ${at}: libzstd could not allocate its working memory`);
      default:
        throw corruption(ErrorCode.CORRUPT, `zstd: ${at} is corrupt (${describeError(result.error)})`);
    }
  }
}
