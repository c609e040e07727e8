/**
 * Shape checks. Extensions are plain objects from other packages, maybe built
 * against another copy of core, so they are recognised by shape, never by
 * `instanceof`.
 */

import { describeValue } from './arguments.js';
import { ErrorCode, type ErrorCodeValue, KernelError } from './errors.js';
import type {
  CompressionExtension,
  Extension,
  IndexExtension,
  ObservabilityExtension,
  StorageExtension,
} from './extension.js';
import type { CoreCapability, ExtensionCapability } from './types.js';

/** The capabilities `PluginManager.register` dispatches on. */
export const CORE_CAPABILITIES: readonly CoreCapability[] = ['storage', 'index', 'observability', 'compression'];
const OTHER_CAPABILITIES: ReadonlySet<string> = new Set(['query-optimizer', 'auth']);

const REQUIRED: Record<CoreCapability, readonly string[]> = {
  storage: ['get', 'put', 'delete', 'scan', 'flush'],
  index: ['build', 'insert', 'delete', 'lookup', 'range', 'sizeBytes'],
  observability: ['counterInc', 'gaugeSet', 'histogramObserve', 'spanStart', 'spanEnd', 'spanEvent'],
  compression: ['compress', 'decompress'],
};
const OPTIONAL: Record<CoreCapability, readonly string[]> = {
  storage: ['compact', 'stats', 'scanReverse', 'iterate', 'batch'],
  index: ['nearest'],
  observability: ['logDebug', 'logInfo', 'logWarn', 'logError', 'reportHealth'],
  compression: ['setLevel'],
};
const LIFECYCLE = ['init', 'shutdown'];

/** True for one of the capability strings the contract allows. */
export function isExtensionCapability(value: unknown): value is ExtensionCapability {
  if (typeof value !== 'string') return false;
  if ((CORE_CAPABILITIES as readonly string[]).includes(value) || OTHER_CAPABILITIES.has(value)) return true;
  return value.startsWith('custom:') && value.length > 'custom:'.length;
}

/** True for `storage`, `index`, `observability` or `compression`. */
export function isCoreCapability(value: unknown): value is CoreCapability {
  return (CORE_CAPABILITIES as readonly unknown[]).includes(value);
}

function label(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const name = (value as { info?: { name?: unknown } }).info?.name;
    if (typeof name === 'string' && name.length > 0) return `"${name}"`;
  }
  return 'extension';
}

/** Why a value is not a valid extension: the code a refusal carries and a sentence fragment naming the field or method. */
interface Problem {
  readonly code: ErrorCodeValue;
  readonly reason: string;
}

const invalid = (reason: string): Problem => ({ code: ErrorCode.PLUGIN_INVALID, reason });

function problemOf(value: unknown, capability?: CoreCapability): Problem | undefined {
  if (typeof value === 'function') {
    return invalid(`expected an extension object, got ${describeValue(value)}: did you forget \`new\`?`);
  }
  if (typeof value !== 'object' || value === null) {
    return invalid(`expected an extension object, got ${describeValue(value)}`);
  }
  const ext = value as Record<string, unknown>;
  if (ext.info === undefined && typeof ext.create === 'function' && typeof ext.apiVersion === 'number') {
    return invalid(
      'this is a plugin module, not an extension: register the extension it makes, ' +
        '`await module.create(options)`, or load it with `loadPlugin(name, options)`',
    );
  }
  const info = ext.info as Record<string, unknown> | undefined;
  if (typeof info !== 'object' || info === null) return invalid('info is missing (it must be an ExtensionInfo object)');
  if (typeof info.name !== 'string' || info.name.trim().length === 0) {
    return invalid('info.name must be a non-empty string');
  }
  for (const field of ['version', 'description', 'author'] as const) {
    if (typeof info[field] !== 'string') return invalid(`info.${field} must be a string`);
  }
  if (!Array.isArray(info.capabilities)) return invalid('info.capabilities must be an array of capabilities');
  for (const cap of info.capabilities as unknown[]) {
    if (!isExtensionCapability(cap)) {
      return invalid(
        `info.capabilities has ${JSON.stringify(cap)}, which is not a capability (storage, index, observability, compression, query-optimizer, auth or custom:<name>)`,
      );
    }
  }
  for (const method of LIFECYCLE) {
    if (ext[method] !== undefined && typeof ext[method] !== 'function') {
      return invalid(`${method} must be a function when present`);
    }
  }
  if (capability === undefined) return undefined;
  if (!(info.capabilities as unknown[]).includes(capability)) {
    return {
      code: ErrorCode.PLUGIN_CAPABILITY,
      reason: `info.capabilities does not include "${capability}" (it declares ${JSON.stringify(info.capabilities)})`,
    };
  }
  const missing = REQUIRED[capability].filter((method) => typeof ext[method] !== 'function');
  if (missing.length > 0) {
    return invalid(`it is missing the ${capability} method${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  for (const method of OPTIONAL[capability]) {
    if (ext[method] !== undefined && typeof ext[method] !== 'function') {
      return invalid(`${method} must be a function when present`);
    }
  }
  if (capability === 'index' && (typeof ext.indexType !== 'string' || ext.indexType.length === 0)) {
    return invalid('indexType must be a non-empty string');
  }
  if (capability === 'compression' && (typeof ext.algorithm !== 'string' || ext.algorithm.length === 0)) {
    return invalid('algorithm must be a non-empty string');
  }
  return undefined;
}

/**
 * Why `value` is not a valid extension (of `capability`, when given), or
 * `undefined` if it is one. The reason is a sentence fragment naming the
 * offending field or method.
 */
export function extensionProblem(value: unknown, capability?: CoreCapability): string | undefined {
  return problemOf(value, capability)?.reason;
}

/**
 * Throws a `KernelError` (`plugin`) unless `value` is a valid extension of
 * `capability`: `SOCHDB_PLUGIN_CAPABILITY` when it does not declare the
 * capability, `SOCHDB_PLUGIN_INVALID` for anything else.
 */
export function assertExtension(value: unknown, capability?: CoreCapability, context = 'Cannot register'): void {
  const problem = problemOf(value, capability);
  if (problem === undefined) return;
  throw new KernelError(
    'plugin',
    problem.code,
    `${context} ${label(value)}: ${problem.reason}. See the ${capability ?? 'Extension'} interface in @sochdb/core.`,
  );
}

/** True if `value` has the shape of an {@link Extension}. */
export function isExtension(value: unknown): value is Extension {
  return extensionProblem(value) === undefined;
}
/** True if `value` is a {@link StorageExtension}: valid info declaring `storage`, every required method. */
export function isStorageExtension(value: unknown): value is StorageExtension {
  return extensionProblem(value, 'storage') === undefined;
}
/** True if `value` is an {@link IndexExtension}: valid info declaring `index`, `indexType`, every required method. */
export function isIndexExtension(value: unknown): value is IndexExtension {
  return extensionProblem(value, 'index') === undefined;
}
/** True if `value` is an {@link ObservabilityExtension}: valid info declaring `observability`, every required method. */
export function isObservabilityExtension(value: unknown): value is ObservabilityExtension {
  return extensionProblem(value, 'observability') === undefined;
}
/** True if `value` is a {@link CompressionExtension}: valid info declaring `compression`, `algorithm`, every required method. */
export function isCompressionExtension(value: unknown): value is CompressionExtension {
  return extensionProblem(value, 'compression') === undefined;
}

/**
 * The one core capability `ext` declares; none, two, or only informational
 * ones is a `KernelError` (`plugin`, `SOCHDB_PLUGIN_CAPABILITY`).
 */
export function soleCoreCapability(ext: Extension): CoreCapability {
  const declared = ext.info.capabilities;
  const unique = [...new Set(declared.filter(isCoreCapability))];
  if (unique.length === 1) return unique[0] as CoreCapability;
  const why =
    unique.length === 0
      ? `it declares no core capability (${JSON.stringify(declared)}); declare exactly one of ${CORE_CAPABILITIES.join(', ')}`
      : `it declares ${unique.join(' and ')}; register() needs exactly one core capability, so call the register<Kind>() method you mean`;
  throw new KernelError('plugin', ErrorCode.PLUGIN_CAPABILITY, `Cannot register "${ext.info.name}": ${why}.`);
}

/**
 * Calls `index.nearest`, or throws the kernel's plugin error when the index has
 * no nearest-neighbour search.
 */
export function nearestOf(
  index: IndexExtension,
  query: Uint8Array,
  k: number,
): Array<[rowId: number, distance: number]> {
  if (typeof index.nearest !== 'function') {
    throw new KernelError('plugin', ErrorCode.PLUGIN_UNSUPPORTED, 'nearest neighbor not supported by this index type');
  }
  return index.nearest(query, k);
}
