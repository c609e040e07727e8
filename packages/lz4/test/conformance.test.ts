import { compressionConformance } from '@sochdb/testkit';
import { Lz4Compression } from '../src/index.js';
import { jsonLines, prng, randomBytes } from './frame-builder.js';

compressionConformance('@sochdb/lz4', () => new Lz4Compression({ maxOutputBytes: 1 << 20 }), {
  maxOutputBytes: 1 << 20,
  // lz4js has one level (see LZ4_LEVELS); every other level is a RangeError.
  levels: { valid: [1], invalid: [0, 2, 9, 12, -1, Number.NaN, Number.POSITIVE_INFINITY, 1.5, 1e9] },
  samples: [jsonLines(200_000, 21), jsonLines(65_536, 22), randomBytes(70_000, prng(23)), new Uint8Array(1 << 20)],
});
