/**
 * `@sochdb/core`: the extension interfaces of the SochDB kernel, the
 * `PluginManager` that holds them, the errors they throw, and the loader for
 * plugin modules. No runtime dependencies.
 *
 * @packageDocumentation
 */
import * as kit from './plugin-kit.js';

// The helpers for plugin authors live in `@sochdb/core/plugin-kit`. The root
// keeps re-exporting the ones 1.0 exported here, deprecated, until 2.0.
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertBytes: typeof kit.assertBytes = kit.assertBytes;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertColumnId: typeof kit.assertColumnId = kit.assertColumnId;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertLimit: typeof kit.assertLimit = kit.assertLimit;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertOptions: typeof kit.assertOptions = kit.assertOptions;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertRange: typeof kit.assertRange = kit.assertRange;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertRowId: typeof kit.assertRowId = kit.assertRowId;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertTableId: typeof kit.assertTableId = kit.assertTableId;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const assertTransactionId: typeof kit.assertTransactionId = kit.assertTransactionId;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const compareBytes: typeof kit.compareBytes = kit.compareBytes;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const describeValue: typeof kit.describeValue = kit.describeValue;
/** @deprecated Import it from `@sochdb/core/plugin-kit`; the root re-export goes away in 2.0. */
export const emitSochDBWarning: typeof kit.emitSochDBWarning = kit.emitSochDBWarning;
export { isCompatibleCoreVersion } from './brand.js';
export { ErrorCode, type ErrorCodeValue, isKernelError, KernelError, type KernelErrorKind } from './errors.js';
export type {
  BatchOp,
  CompressionExtension,
  Extension,
  IndexExtension,
  IterateOptions,
  ObservabilityExtension,
  StorageExtension,
} from './extension.js';
export {
  CORE_CAPABILITIES,
  extensionProblem,
  isCompressionExtension,
  isCoreCapability,
  isExtension,
  isExtensionCapability,
  isIndexExtension,
  isObservabilityExtension,
  isStorageExtension,
  nearestOf,
} from './guards.js';
export { NullObservability } from './null-observability.js';
export { type ErrorSite, isPluginManager, PluginManager, type PluginManagerOptions } from './plugin-manager.js';
export { CORE_API_VERSION, definePlugin, isPluginModule, loadPlugin, type PluginModule } from './plugin-module.js';
export type {
  ColumnId,
  CoreCapability,
  ExtensionCapability,
  ExtensionInfo,
  HealthInfo,
  Labels,
  RowId,
  SpanId,
  StorageStats,
  TableId,
  TransactionId,
} from './types.js';
export { VERSION } from './version.js';
