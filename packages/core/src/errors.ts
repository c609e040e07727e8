import { VERSION } from './version.js';

/** The part of the kernel an error comes from, as in the Rust kernel's `KernelError` variants. */
export type KernelErrorKind = 'io' | 'transaction' | 'wal' | 'page' | 'catalog' | 'plugin' | 'corruption' | 'recovery';

const KINDS: ReadonlySet<string> = new Set<KernelErrorKind>([
  'io',
  'transaction',
  'wal',
  'page',
  'catalog',
  'plugin',
  'corruption',
  'recovery',
]);

/**
 * The stable, machine-readable codes core and the `@sochdb/*` packages use.
 * Match on these, never on messages. Third-party plugins may add their own
 * codes; the `SOCHDB_` prefix is reserved for this list.
 */
export const ErrorCode = {
  /** A name (or compression algorithm) is already registered in this manager. */
  PLUGIN_DUPLICATE: 'SOCHDB_PLUGIN_DUPLICATE',
  /** The object is not a valid extension: bad `info`, or a required method missing. */
  PLUGIN_INVALID: 'SOCHDB_PLUGIN_INVALID',
  /** The declared capabilities do not allow this registration. */
  PLUGIN_CAPABILITY: 'SOCHDB_PLUGIN_CAPABILITY',
  /** The extension's `init()` threw or rejected; nothing was registered. */
  PLUGIN_INIT_FAILED: 'SOCHDB_PLUGIN_INIT_FAILED',
  /** No extension of that name is registered. */
  PLUGIN_NOT_FOUND: 'SOCHDB_PLUGIN_NOT_FOUND',
  /** The manager has been shut down; nothing can be registered any more. */
  PLUGIN_MANAGER_SHUT_DOWN: 'SOCHDB_PLUGIN_MANAGER_SHUT_DOWN',
  /**
   * The extension instance was shut down (by this or another manager): an
   * instance is initialised and shut down at most once, so register a new one.
   */
  PLUGIN_INSTANCE_SHUT_DOWN: 'SOCHDB_PLUGIN_INSTANCE_SHUT_DOWN',
  /** One or more `shutdown()` calls failed during `shutdownAll()`. */
  PLUGIN_SHUTDOWN_FAILED: 'SOCHDB_PLUGIN_SHUTDOWN_FAILED',
  /** The extension needs its `init()` (which the manager calls on registration) before this call. */
  PLUGIN_NOT_INITIALIZED: 'SOCHDB_PLUGIN_NOT_INITIALIZED',
  /** An optional operation (such as `nearest`) is not provided by this extension. */
  PLUGIN_UNSUPPORTED: 'SOCHDB_PLUGIN_UNSUPPORTED',
  /** Something was made by a copy of `@sochdb/core` this copy cannot work with. */
  CORE_INCOMPATIBLE: 'SOCHDB_CORE_INCOMPATIBLE',
  /** `loadPlugin`: the module could not be found from the application folder. */
  PLUGIN_MODULE_NOT_FOUND: 'SOCHDB_PLUGIN_MODULE_NOT_FOUND',
  /**
   * `loadPlugin`: the package is installed, but the entry point the specifier
   * names does not resolve (a `main` or `exports` target that does not exist,
   * a subpath the package does not export, no matching condition).
   */
  PLUGIN_MODULE_UNRESOLVED: 'SOCHDB_PLUGIN_MODULE_UNRESOLVED',
  /** `loadPlugin`: the module was found but importing it threw. */
  PLUGIN_MODULE_IMPORT_FAILED: 'SOCHDB_PLUGIN_MODULE_IMPORT_FAILED',
  /** `loadPlugin`: the module's default export is not a plugin module. */
  PLUGIN_MODULE_NO_DEFAULT: 'SOCHDB_PLUGIN_MODULE_NO_DEFAULT',
  /** `loadPlugin`: the module was built for another `CORE_API_VERSION`. */
  PLUGIN_API_VERSION: 'SOCHDB_PLUGIN_API_VERSION',
  /** `loadPlugin`: the module's `create()` threw or rejected. */
  PLUGIN_CREATE_FAILED: 'SOCHDB_PLUGIN_CREATE_FAILED',
  /** `loadPlugin`: `create()` returned something that is not a valid extension of the module's capability. */
  PLUGIN_CREATED_INVALID: 'SOCHDB_PLUGIN_CREATED_INVALID',
  /** The extension was shut down; the call was refused and nothing was changed. */
  CLOSED: 'SOCHDB_CLOSED',
  /** Input is not a valid frame (bad magic, reserved bits, impossible sizes). */
  CORRUPT: 'SOCHDB_CORRUPT',
  /** Input ends before the frame does. */
  TRUNCATED: 'SOCHDB_TRUNCATED',
  /** A checksum in the frame does not match the bytes. */
  CHECKSUM_MISMATCH: 'SOCHDB_CHECKSUM_MISMATCH',
  /** A valid frame that uses a feature this extension does not implement (dictionaries, legacy formats). */
  UNSUPPORTED: 'SOCHDB_UNSUPPORTED',
  /** The frame declares or would produce more than the configured bound. */
  OVER_LIMIT: 'SOCHDB_OVER_LIMIT',
} as const;

/** One of the codes in {@link ErrorCode}. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The brand every `KernelError` carries. `Symbol.for` makes it the same
 * symbol in every copy of core, so `isKernelError` recognises errors thrown
 * by a plugin that resolved a different copy.
 */
const KERNEL_ERROR_BRAND = Symbol.for('@sochdb/core:KernelError');

/**
 * The one error type of the kernel and its extensions: a `kind` (which part of
 * the kernel) and a stable `code` (what happened). The underlying error, if any,
 * is in `cause`.
 *
 * Test for it with {@link isKernelError}, not `instanceof`: an application can
 * hold two copies of this package.
 */
export class KernelError extends Error {
  /** Which part of the kernel the error comes from. */
  readonly kind: KernelErrorKind;
  /** Stable machine-readable code, e.g. `SOCHDB_PLUGIN_DUPLICATE`. See {@link ErrorCode}. */
  readonly code: string;

  /**
   * @param kind - which part of the kernel the error comes from
   * @param code - stable machine-readable code, e.g. `SOCHDB_PLUGIN_DUPLICATE`
   * @param message - what was wrong, and what to do about it
   * @param options - `cause`: the underlying error
   */
  constructor(kind: KernelErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    if (!KINDS.has(kind)) {
      throw new TypeError(`KernelError: kind must be one of ${[...KINDS].join(', ')}; got ${String(kind)}`);
    }
    if (typeof code !== 'string' || code.length === 0) {
      throw new TypeError('KernelError: code must be a non-empty string');
    }
    this.kind = kind;
    this.code = code;
    Object.defineProperty(this, KERNEL_ERROR_BRAND, { value: VERSION });
  }
}

// On the prototype, so `name` is not an own property that shows up in logs as data.
Object.defineProperty(KernelError.prototype, 'name', { value: 'KernelError', configurable: true, writable: true });

const OWN_MAJOR = majorOf(VERSION);

function majorOf(version: string): string {
  return version.slice(0, version.indexOf('.'));
}

/**
 * True when `value` is a {@link KernelError} made by any copy of
 * `@sochdb/core` of this copy's major, whatever its kind: a newer minor may
 * add kinds this copy does not know, and its errors are still kernel errors.
 */
export function isKernelError(value: unknown): value is KernelError {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<PropertyKey, unknown>;
  const brand = record[KERNEL_ERROR_BRAND];
  return (
    typeof brand === 'string' &&
    majorOf(brand) === OWN_MAJOR &&
    typeof record.kind === 'string' &&
    record.kind.length > 0 &&
    typeof record.code === 'string' &&
    typeof record.message === 'string'
  );
}
