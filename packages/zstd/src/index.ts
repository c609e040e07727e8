/**
 * `@sochdb/zstd`: a Zstandard `CompressionExtension` for SochDB. Frames are
 * written by libzstd with content size and checksum, and read back with the
 * window, output and checksum checks a database needs on bytes from disk.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import type { ZstdOptions } from './options.js';
import { ZstdCompression } from './zstd-compression.js';

export { type FrameScan, type ScanLimits, scanFrames, type ZstdFrame } from './frame.js';
export {
  DEFAULT_LEVEL,
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MAX_WINDOW_BYTES,
  MAX_LEVEL,
  MAX_MAX_OUTPUT_BYTES,
  MAX_MAX_WINDOW_BYTES,
  MIN_LEVEL,
  MIN_MAX_WINDOW_BYTES,
  type ZstdOptions,
} from './options.js';
export { VERSION } from './version.js';
export { NOT_INITIALIZED, ZstdCompression, type ZstdEncoder } from './zstd-compression.js';

/** The plugin module: `loadPlugin('@sochdb/zstd', options)` or `register((await import('@sochdb/zstd')).default.create())`. */
export default definePlugin<ZstdOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'compression',
  create: (options?: ZstdOptions) => new ZstdCompression(options),
});
