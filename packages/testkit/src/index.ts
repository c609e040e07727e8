/**
 * `@sochdb/testkit`: the executable form of the `@sochdb/core` 1.x extension
 * contract. Each export registers a vitest suite that checks one kind of
 * extension, on a fresh instance per test, against every rule of the contract.
 *
 * ```ts
 * import { storageConformance } from '@sochdb/testkit';
 * storageConformance('my-storage', () => new MyStorage());
 * ```
 *
 * @packageDocumentation
 */
export { type CompressionConformanceOptions, compressionConformance } from './compression-conformance.js';
export { type IndexConformanceOptions, indexConformance } from './index-conformance.js';
export { observabilityConformance } from './observability-conformance.js';
export { EDGE_KEYS, randomBytes, randomInt, randomKey, randomPick, seededRandom } from './property.js';
export { type ReferenceFrame, SHIPPED_ALGORITHMS, shippedReferenceFrames } from './reference-frames.js';
export { type StorageConformanceOptions, storageConformance } from './storage-conformance.js';
export type { BatchOp, IterateOptions } from './storage-shared.js';
export { timeRatio } from './time-ratio.js';
export { captureWarnings } from './warnings.js';
