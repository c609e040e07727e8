/** Options of {@link ZstdCompression}, and their checks. */

import { assertOptions, describeValue } from '@sochdb/core';

/** Options for `@sochdb/zstd`. Every field is optional. */
export interface ZstdOptions {
  /** Extension name, unique in a manager. Default `"zstd"`. */
  readonly name?: string;
  /** Compression level, an integer 1-22 (20-22 need far more memory; see the README). Default 3. */
  readonly level?: number;
  /**
   * Most bytes one `decompress` call may return, over all frames of its input.
   * A frame that declares more is refused before anything is allocated. An
   * integer from 1 to 1 GiB. Default 256 MiB.
   */
  readonly maxOutputBytes?: number;
  /**
   * Largest window a frame may declare, like libzstd's `windowLogMax`. An
   * integer from 1 KiB to 128 MiB. Default 8 MiB, which every frame written
   * at levels 1-19 fits.
   */
  readonly maxWindowBytes?: number;
}

/** The default compression level, as libzstd's. */
export const DEFAULT_LEVEL = 3;
/** Lowest level accepted. (libzstd's negative "fast" levels are not offered.) */
export const MIN_LEVEL = 1;
/** Highest level accepted; 20-22 are libzstd's "ultra" levels. */
export const MAX_LEVEL = 22;
/** Default bound on `decompress` output: 256 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
/** Upper end of `maxOutputBytes`: input and output share libzstd's 2 GiB wasm heap. */
export const MAX_MAX_OUTPUT_BYTES = 1024 * 1024 * 1024;
/** Default bound on a frame's window: 8 MiB (window log 23, what level 19 uses). */
export const DEFAULT_MAX_WINDOW_BYTES = 8 * 1024 * 1024;
/** Upper end of `maxWindowBytes`: 128 MiB, libzstd's own default `windowLogMax` (27). */
export const MAX_MAX_WINDOW_BYTES = 128 * 1024 * 1024;
/** Lower end of `maxWindowBytes`: the smallest window a frame descriptor can state. */
export const MIN_MAX_WINDOW_BYTES = 1024;

/** The option keys {@link resolveOptions} accepts; any other key is refused. */
export const ZSTD_OPTION_KEYS: readonly string[] = ['name', 'level', 'maxOutputBytes', 'maxWindowBytes'];

/**
 * Throws a `TypeError` naming `level` unless it is a number, and a
 * `RangeError` unless it is an integer 1-22.
 */
export function checkLevel(level: unknown, where: string): number {
  const message = `${where}: level must be an integer from ${MIN_LEVEL} to ${MAX_LEVEL}; got ${describeValue(level)}`;
  if (typeof level !== 'number') throw new TypeError(message);
  if (!Number.isInteger(level) || level < MIN_LEVEL || level > MAX_LEVEL) throw new RangeError(message);
  return level;
}

function checkByteOption(value: unknown, option: string, min: number, max: number): number {
  const message = `@sochdb/zstd: ${option} must be an integer from ${min} to ${max}; got ${describeValue(value)}`;
  if (typeof value !== 'number') throw new TypeError(message);
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(message);
  return value;
}

/** The options with defaults filled in, after checking each. */
export interface ResolvedZstdOptions {
  readonly name: string;
  readonly level: number;
  readonly maxOutputBytes: number;
  readonly maxWindowBytes: number;
}

/**
 * Fills in defaults and checks every option.
 *
 * @throws TypeError when `options` is not an object, has a key other than
 *   {@link ZSTD_OPTION_KEYS} (a typo such as `levle`), `name` is not a
 *   non-empty string or a number option is not a number.
 * @throws RangeError when a number is out of its range.
 */
export function resolveOptions(options: ZstdOptions | undefined): ResolvedZstdOptions {
  assertOptions(options, ZSTD_OPTION_KEYS, '@sochdb/zstd');
  const name = options?.name ?? 'zstd';
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`@sochdb/zstd: name must be a non-empty string; got ${describeValue(name)}`);
  }
  return {
    name,
    level: checkLevel(options?.level ?? DEFAULT_LEVEL, '@sochdb/zstd'),
    maxOutputBytes: checkByteOption(
      options?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      'maxOutputBytes',
      1,
      MAX_MAX_OUTPUT_BYTES,
    ),
    maxWindowBytes: checkByteOption(
      options?.maxWindowBytes ?? DEFAULT_MAX_WINDOW_BYTES,
      'maxWindowBytes',
      MIN_MAX_WINDOW_BYTES,
      MAX_MAX_WINDOW_BYTES,
    ),
  };
}
