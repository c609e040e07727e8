/**
 * `@sochdb/core`: the extension interfaces of the SochDB kernel, the
 * `PluginManager` that holds them, the errors they throw, and the loader for
 * plugin modules. No runtime dependencies.
 *
 * @packageDocumentation
 */
export {
  assertBytes,
  assertColumnId,
  assertLimit,
  assertOptions,
  assertRange,
  assertRowId,
  assertTableId,
  assertTransactionId,
  compareBytes,
  describeValue,
} from './arguments.js';
export { emitSochDBWarning, isCompatibleCoreVersion } from './brand.js';
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
