// The four suites on the correct reference implementations (and core's
// NullObservability): every test must pass. The broken variants are run in
// broken-implementations.test.ts.
import { NullObservability } from '@sochdb/core';
import {
  compressionConformance,
  indexConformance,
  observabilityConformance,
  storageConformance,
} from '../src/index.js';
import { GzipCodec } from './reference/gzip-codec.js';
import { gzipReferenceFrames } from './reference/gzip-frames.js';
import { RecordingObservability } from './reference/recording-observability.js';
import { SortedArrayStorage } from './reference/sorted-array-storage.js';
import {
  encodeFixedWidth,
  FixedWidthIndex,
  SortedPairsIndex,
  VectorPairsIndex,
} from './reference/sorted-pairs-index.js';

storageConformance('reference sorted-array storage', () => new SortedArrayStorage(), {
  reopen: SortedArrayStorage.reopen,
});
storageConformance('reference storage made by an async factory', async () => new SortedArrayStorage());
indexConformance('reference sorted-pairs index', () => new SortedPairsIndex());
indexConformance('reference vector index', () => new VectorPairsIndex());
// An index that takes 32-byte keys only, reached by encoding every kit key.
indexConformance('reference fixed-width index, kit keys encoded', () => new FixedWidthIndex(), {
  keys: { encode: encodeFixedWidth },
  nearest: { dimension: FixedWidthIndex.WIDTH / 4 },
});
compressionConformance('reference gzip codec', () => new GzipCodec({ maxOutputBytes: 1 << 20 }), {
  maxOutputBytes: 1 << 20,
  levels: { valid: [0, 1, 6, 9], invalid: [-1, 10, Number.NaN, 1.5] },
  samples: [new TextEncoder().encode('a sample the plugin author cares about')],
  referenceFrames: gzipReferenceFrames(),
});
observabilityConformance('reference recording observability', () => new RecordingObservability());
observabilityConformance('core NullObservability', () => new NullObservability());
