/**
 * `@sochdb/lz4`: LZ4 compression for SochDB. Writes standard LZ4 frames
 * (lz4js compresses the blocks) that carry the content size and a content
 * checksum, and reads any standard LZ4 frame with a bounds-checked decoder of
 * its own that verifies every checksum and throws a typed `KernelError` on
 * anything else.
 *
 * @packageDocumentation
 */
import { CORE_API_VERSION, definePlugin } from '@sochdb/core';
import { Lz4Compression, type Lz4CompressionOptions } from './lz4-compression.js';

export type { DecompressErrorCode } from './errors.js';
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  LZ4_LEVELS,
  Lz4Compression,
  type Lz4CompressionOptions,
  MAX_OUTPUT_BYTES_LIMIT,
} from './lz4-compression.js';
export { VERSION } from './version.js';

/** The plugin module: `loadPlugin('@sochdb/lz4', options)` makes an {@link Lz4Compression}. */
const plugin = definePlugin<Lz4CompressionOptions>({
  apiVersion: CORE_API_VERSION,
  capability: 'compression',
  create: (options?: Lz4CompressionOptions) => new Lz4Compression(options),
});

export default plugin;
