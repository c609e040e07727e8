import { indexConformance } from '@sochdb/testkit';
import { KitKeyedHnswIndex } from './kit-keys.js';

// The kit's keys are short byte strings; see kit-keys.ts for how they become
// vectors. Its nearest tests use 4-component vectors, 16 bytes, which the
// adapter encodes like any other key.
indexConformance('@sochdb/index-hnsw', () => new KitKeyedHnswIndex(), { nearest: { dimension: 4 } });
