import { indexConformance } from '@sochdb/testkit';
import { HnswIndex } from '../src/index.js';
import { encodeKitKey, KIT_KEY_BYTES } from './kit-keys.js';

// The kit's keys are short byte strings; kit-keys.ts encodes each into a
// vector of KIT_KEY_BYTES dimensions. Its nearest tests make vectors of the
// index's own dimensions, which the kit passes unencoded.
indexConformance('@sochdb/index-hnsw', () => new HnswIndex({ dimensions: KIT_KEY_BYTES }), {
  keys: { encode: encodeKitKey },
  nearest: { dimension: KIT_KEY_BYTES },
});
