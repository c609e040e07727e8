import { compressionConformance } from '@sochdb/testkit';
import { ZstdCompression } from '../src/index.js';
import { jsonLines } from './helpers.js';

compressionConformance('@sochdb/zstd', () => new ZstdCompression({ maxOutputBytes: 1024 * 1024 }), {
  maxOutputBytes: 1024 * 1024,
  levels: { valid: [1, 3, 19, 22], invalid: [0, -1, 23, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9, -1e9] },
  samples: [jsonLines(300_000), new Uint8Array(200_000).fill(7)],
});

// And with the defaults a user gets from `new ZstdCompression()`.
compressionConformance('@sochdb/zstd (default options)', () => new ZstdCompression(), {
  maxOutputBytes: 256 * 1024 * 1024,
});
