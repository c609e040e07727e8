/**
 * libzstd compiled to WebAssembly (`@bokuweb/zstd-wasm`, libzstd 1.5.7), and
 * XXH64 from `xxhash-wasm`. Both are loaded once per process, asynchronously,
 * by {@link loadLibZstd} (called from the extension's `init`).
 *
 * We call the wasm exports directly rather than the package's `compress` /
 * `decompress` helpers: those malloc and free on every call, trust the
 * frame's content size, and throw plain `Error`s. Here the scratch buffers
 * are reused between calls (per-call overhead matters for 1 KiB row values),
 * and every capacity comes from our own frame scan.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import xxhash from 'xxhash-wasm';

/** The parts of the Emscripten module of `@bokuweb/zstd-wasm` we use. */
interface ZstdWasmModule {
  /** The wasm heap; replaced whenever memory grows, so read it after every malloc. */
  readonly HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _ZSTD_compressBound(srcSize: number): number;
  _ZSTD_isError(code: number): number;
  _ZSTD_createCCtx(): number;
  _ZSTD_createDCtx(): number;
  /** With no dictionary (pointer 0, size 0): `ZSTD_compressCCtx`, i.e. `ZSTD_compress` on a reused context. */
  _ZSTD_compress_usingDict(
    cctx: number,
    dst: number,
    dstCapacity: number,
    src: number,
    srcSize: number,
    dict: number,
    dictSize: number,
    level: number,
  ): number;
  /** With no dictionary: `ZSTD_decompressDCtx`, i.e. `ZSTD_decompress` on a reused context. */
  _ZSTD_decompress_usingDict(
    dctx: number,
    dst: number,
    dstCapacity: number,
    src: number,
    srcSize: number,
    dict: number,
    dictSize: number,
  ): number;
}

/** libzstd's `ZSTD_ErrorCode` values we tell apart (stable across versions, see `zstd_errors.h`). */
export const ZstdErrorCode = {
  corruptionDetected: 20,
  checksumWrong: 22,
  dictionaryWrong: 32,
  memoryAllocation: 64,
  dstSizeTooSmall: 70,
  srcSizeWrong: 72,
} as const;

/** A wasm-heap scratch buffer, kept between calls and grown on demand. */
interface Scratch {
  pointer: number;
  size: number;
}

/** Scratch buffers larger than this are released after each call rather than kept. */
const KEEP_SCRATCH_BYTES = 1024 * 1024;

/** Thrown by {@link LibZstd} when the wasm heap cannot give the bytes asked for. */
export class WasmMemoryError extends Error {
  /** Bytes that were asked for. */
  readonly bytes: number;
  constructor(bytes: number) {
    super(`the WebAssembly heap could not allocate ${bytes} bytes (libzstd's heap is limited to 2 GiB)`);
    this.bytes = bytes;
  }
}

/** The result of one `ZSTD_decompress` call: a copy of the bytes written, or libzstd's error code. */
export type DecodeResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: number };

/** The XXH64 functions of `xxhash-wasm` we use: one-shot, and streaming. */
export interface Xxh64 {
  h64Raw(input: Uint8Array, seed?: bigint): bigint;
  create64(seed?: bigint): { update(input: Uint8Array): unknown; digest(): bigint };
}

/**
 * XXH64 runs over pieces of this size: `xxhash-wasm` copies its input into
 * WebAssembly memory before hashing, and a piece this small is still in the
 * CPU cache when it is hashed. Measured on 3 MB: about 3x the speed of one
 * whole-buffer call.
 */
export const HASH_PIECE_BYTES = 128 * 1024;

/** A running zstd content checksum: feed the content in order, then read the low 32 bits of its XXH64. */
export interface ContentHasher {
  update(bytes: Uint8Array): void;
  digest(): number;
}

/** Synchronous access to libzstd and XXH64 once loaded. One per process; calls never overlap (JS is single-threaded). */
export class LibZstd {
  readonly #module: ZstdWasmModule;
  readonly #xxh64: Xxh64;
  readonly #input: Scratch = { pointer: 0, size: 0 };
  readonly #output: Scratch = { pointer: 0, size: 0 };
  /**
   * One compression and one decompression context, reused by every call:
   * `ZSTD_compress`/`ZSTD_decompress` make and free a context per call, which
   * costs a third of the time on 1 KiB values. Output is byte-identical.
   */
  readonly #cctx: number;
  readonly #dctx: number;

  constructor(module: ZstdWasmModule, xxh64: Xxh64) {
    this.#module = module;
    this.#xxh64 = xxh64;
    this.#cctx = module._ZSTD_createCCtx();
    this.#dctx = module._ZSTD_createDCtx();
    if (this.#cctx === 0 || this.#dctx === 0) throw new WasmMemoryError(0);
  }

  /** The low 32 bits of XXH64(input, seed 0): the zstd content checksum. */
  contentChecksum(input: Uint8Array): number {
    if (input.length <= HASH_PIECE_BYTES) return Number(this.#xxh64.h64Raw(input, 0n) & 0xffffffffn);
    const hasher = this.contentHasher();
    for (let at = 0; at < input.length; at += HASH_PIECE_BYTES) {
      hasher.update(input.subarray(at, at + HASH_PIECE_BYTES));
    }
    return hasher.digest();
  }

  /** A streaming content checksum, for content produced piece by piece (fed pieces of at most {@link HASH_PIECE_BYTES}). */
  contentHasher(): ContentHasher {
    const state = this.#xxh64.create64(0n);
    return {
      update: (bytes) => {
        state.update(bytes);
      },
      digest: () => Number(state.digest() & 0xffffffffn),
    };
  }

  #reserve(scratch: Scratch, size: number): number {
    if (scratch.size >= size && scratch.pointer !== 0) return scratch.pointer;
    if (scratch.pointer !== 0) this.#module._free(scratch.pointer);
    scratch.pointer = 0;
    scratch.size = 0;
    // malloc(0) may return 0; always ask for at least one byte.
    const pointer = this.#module._malloc(Math.max(size, 1));
    if (pointer === 0) throw new WasmMemoryError(size);
    scratch.pointer = pointer;
    scratch.size = size;
    return pointer;
  }

  #trim(): void {
    for (const scratch of [this.#input, this.#output]) {
      if (scratch.size > KEEP_SCRATCH_BYTES) {
        this.#module._free(scratch.pointer);
        scratch.pointer = 0;
        scratch.size = 0;
      }
    }
  }

  /**
   * One zstd frame of `input` at `level` via `ZSTD_compressCCtx` (which writes
   * the content size), with the content-checksum flag set and the checksum
   * appended: this wasm build exports no `ZSTD_CCtx_setParameter`, and the
   * header descriptor is not covered by any checksum, so setting the flag
   * afterwards gives exactly the frame libzstd writes with `ZSTD_c_checksumFlag`.
   */
  compress(input: Uint8Array, level: number): Uint8Array {
    try {
      const module = this.#module;
      const bound = module._ZSTD_compressBound(input.length);
      const src = this.#reserve(this.#input, input.length);
      const dst = this.#reserve(this.#output, bound);
      module.HEAPU8.set(input, src);
      const written = module._ZSTD_compress_usingDict(this.#cctx, dst, bound, src, input.length, 0, 0, level);
      if (module._ZSTD_isError(written)) {
        throw new Error(`libzstd ZSTD_compress failed with error ${-(written | 0)}`);
      }
      const frame = new Uint8Array(written + 4);
      frame.set(module.HEAPU8.subarray(dst, dst + written));
      frame[4] = (frame[4] as number) | 0x04; // Content_Checksum_flag
      const checksum = this.contentChecksum(input);
      frame[written] = checksum & 0xff;
      frame[written + 1] = (checksum >>> 8) & 0xff;
      frame[written + 2] = (checksum >>> 16) & 0xff;
      frame[written + 3] = checksum >>> 24;
      return frame;
    } finally {
      this.#trim();
    }
  }

  /** Current size of libzstd's wasm heap. It grows on demand and never shrinks (a wasm memory cannot). */
  get heapBytes(): number {
    return this.#module.HEAPU8.length;
  }

  /**
   * Hands `fn` a decoder for frames at offsets in `input`; the first call
   * copies `input` into the wasm heap, later ones reuse it. Scratch buffers
   * are trimmed afterwards.
   *
   * @param emptyCompressedBlocks - offsets of block headers of compressed
   *   blocks of size 0, rewritten in the heap copy as empty raw blocks: the
   *   same content, which libzstd's one-shot decoder (unlike its streaming
   *   one, and `zstd -d`) accepts.
   */
  withInput<T>(input: Uint8Array, fn: (decode: FrameDecoder) => T, emptyCompressedBlocks: readonly number[] = []): T {
    try {
      const module = this.#module;
      let src = -1; // copied on first use: frames of only raw and RLE blocks never need it
      return fn((srcOffset, srcSize, capacity) => {
        if (src < 0) {
          src = this.#reserve(this.#input, input.length);
          const heap = module.HEAPU8;
          heap.set(input, src);
          // Block_Type is bits 1-2 of the header's first byte; 0 is raw.
          for (const at of emptyCompressedBlocks) heap[src + at] = (heap[src + at] as number) & ~0x06;
        }
        const dst = this.#reserve(this.#output, capacity);
        const result = module._ZSTD_decompress_usingDict(this.#dctx, dst, capacity, src + srcOffset, srcSize, 0, 0);
        if (module._ZSTD_isError(result)) return { ok: false, error: -(result | 0) };
        const size = result >>> 0;
        return { ok: true, bytes: module.HEAPU8.slice(dst, dst + size) };
      });
    } finally {
      this.#trim();
    }
  }
}

/** Decodes the frame at `srcOffset` (exactly `srcSize` bytes) into at most `capacity` bytes. */
export type FrameDecoder = (srcOffset: number, srcSize: number, capacity: number) => DecodeResult;

let loading: Promise<LibZstd> | undefined;

/**
 * A WebAssembly instance of libzstd that is ours alone. `@bokuweb/zstd-wasm`
 * keeps one Emscripten module per process, and its `init()` instantiates the
 * wasm again each time it is called: an application calling it after us would
 * swap the memory under our contexts and scratch buffers (compress then
 * returned its input as the "frame", silently). So we evaluate a fresh copy
 * of the package's Emscripten glue, whose module state is private to that
 * copy, and instantiate the package's own `zstd.wasm` in it; the package's
 * exported module, and every application's use of it, stay untouched.
 */
async function privateModule(): Promise<ZstdWasmModule> {
  const require = createRequire(import.meta.url);
  // The package's "exports" hide its files; resolve the entry and go next to it.
  const folder = dirname(require.resolve('@bokuweb/zstd-wasm'));
  const glue = join(folder, 'zstd.js');
  const shared = require.cache[glue];
  delete require.cache[glue];
  let module: ZstdWasmModule & { init(wasm: Uint8Array): void; onRuntimeInitialized?: () => void };
  try {
    ({ Module: module } = require(glue) as { Module: typeof module });
  } finally {
    // Leave the cache as we found it: the package's own module.js keeps its copy.
    if (shared === undefined) delete require.cache[glue];
    else require.cache[glue] = shared;
  }
  const wasm = await readFile(join(folder, 'zstd.wasm'));
  const ready = new Promise<void>((resolve) => {
    module.onRuntimeInitialized = resolve;
  });
  module.init(wasm);
  await ready;
  return module;
}

/**
 * Loads libzstd's wasm and XXH64 once per process; later calls share the
 * same promise. A failed load is forgotten, so a later `init` tries again.
 */
export function loadLibZstd(): Promise<LibZstd> {
  loading ??= (async () => {
    const [module, hasher] = await Promise.all([privateModule(), xxhash()]);
    return new LibZstd(module, hasher);
  })();
  return loading.catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
}
