import { assertOptions, describeValue } from './arguments.js';
import {
  announceCoreCopy,
  Brand,
  brand,
  brandVersion,
  emitSochDBWarning,
  incompatibleCore,
  isCompatibleCoreVersion,
} from './brand.js';
import { ErrorCode, KernelError } from './errors.js';
import type {
  CompressionExtension,
  Extension,
  IndexExtension,
  ObservabilityExtension,
  StorageExtension,
} from './extension.js';
import { assertExtension, soleCoreCapability } from './guards.js';
import { messageOf } from './text.js';
import type { CoreCapability, ExtensionInfo, HealthInfo, Labels, SpanId } from './types.js';

/** Where an extension failed, as handed to {@link PluginManagerOptions.onError}. */
export interface ErrorSite {
  /** The extension's `info.name`, or `"PluginManager"` for a value the manager dropped itself. */
  readonly extension: string;
  /** The method that was called, e.g. `"counterInc"`. */
  readonly operation: string;
}

/** Options of a {@link PluginManager}. */
export interface PluginManagerOptions {
  /**
   * Hears about failures on the observability hot path, once per
   * (extension, operation). Default: a process warning. If it throws, the
   * manager ignores that.
   */
  onError?: (error: unknown, where: ErrorSite) => void;
  /**
   * Spans the manager keeps open before it ends the oldest (and reports it
   * once), so spans that are never ended cannot grow memory without bound.
   * Default 100,000.
   */
  maxOpenSpans?: number;
}

type LogMethod = 'logDebug' | 'logInfo' | 'logWarn' | 'logError';

/** One manager-level span: the extensions it was started on and each one's own id. */
interface OpenSpan {
  readonly targets: readonly ObservabilityExtension[];
  readonly ids: readonly SpanId[];
}

interface Registered {
  readonly ext: Extension;
  readonly kind: CoreCapability;
}

const MANAGER = 'PluginManager';

/** Which manager holds each registered extension instance (an instance belongs to one). */
const owners = new WeakMap<Extension, PluginManager>();

/**
 * The registry of a kernel's extensions: storage backends, indexes,
 * observability backends and compression algorithms.
 *
 * Registration is asynchronous (it awaits the extension's `init`); the
 * observability fan-out methods are synchronous, never throw, and cost about
 * an empty call when no observability is registered.
 */
export class PluginManager {
  readonly #onError: (error: unknown, where: ErrorSite) => void;
  readonly #maxOpenSpans: number;

  /** Names taken, including registrations whose `init` is still running. */
  readonly #names = new Set<string>();
  /** Compression algorithm to the name of the extension holding it. */
  readonly #algorithms = new Map<string, string>();
  #registered: Registered[] = [];

  readonly #storage = new Map<string, StorageExtension>();
  #activeStorage: string | undefined;
  readonly #indexes = new Map<string, IndexExtension>();
  readonly #compression = new Map<string, CompressionExtension>();

  // Copy-on-write arrays: a fan-out iterates a snapshot, and registration
  // swaps in a new array instead of mutating one being iterated. Plain `[]`,
  // never a shared frozen array: V8 gives frozen arrays another map, which
  // made the fan-out call site polymorphic and twice as slow (bench fan-out).
  #observers: readonly ObservabilityExtension[] = [];
  #logDebug: readonly ObservabilityExtension[] = [];
  #logInfo: readonly ObservabilityExtension[] = [];
  #logWarn: readonly ObservabilityExtension[] = [];
  #logError: readonly ObservabilityExtension[] = [];
  #health: readonly ObservabilityExtension[] = [];

  readonly #spans = new Map<SpanId, OpenSpan>();
  #nextSpan = 1;

  readonly #reported = new Set<string>();
  #shutDown = false;

  /** @param options - error reporting and span bound; see {@link PluginManagerOptions} */
  constructor(options: PluginManagerOptions = {}) {
    assertOptions(options, ['onError', 'maxOpenSpans'], 'PluginManager');
    const { onError, maxOpenSpans = 100_000 } = options;
    if (onError !== undefined && typeof onError !== 'function') {
      throw new TypeError(
        `options.onError must be a function (error, { extension, operation }); got ${describeValue(onError)}`,
      );
    }
    if (typeof maxOpenSpans !== 'number') {
      throw new TypeError(`options.maxOpenSpans must be a positive integer; got ${describeValue(maxOpenSpans)}`);
    }
    if (!Number.isInteger(maxOpenSpans) || maxOpenSpans < 1) {
      throw new RangeError(`options.maxOpenSpans must be a positive integer; got ${describeValue(maxOpenSpans)}`);
    }
    this.#onError = onError ?? defaultOnError;
    this.#maxOpenSpans = maxOpenSpans;
    brand(this, Brand.pluginManager);
    announceCoreCopy(import.meta.url);
  }

  // ---------------------------------------------------------------------------
  // Registration
  // ---------------------------------------------------------------------------

  /**
   * Registers `ext` under the one core capability it declares (`storage`,
   * `index`, `observability` or `compression`). None, two, or only
   * `custom:*` capabilities is a `KernelError` before `init` runs.
   */
  async register(ext: Extension): Promise<void> {
    this.#assertOpen();
    assertExtension(ext);
    const kind = soleCoreCapability(ext);
    switch (kind) {
      case 'storage':
        return this.registerStorage(ext as StorageExtension);
      case 'index':
        return this.registerIndex(ext as IndexExtension);
      case 'observability':
        return this.registerObservability(ext as ObservabilityExtension);
      case 'compression':
        return this.registerCompression(ext as CompressionExtension);
      default:
        throw new KernelError('plugin', ErrorCode.PLUGIN_CAPABILITY, `Cannot register "${ext.info.name}": ${kind}.`);
    }
  }

  /** Registers a storage backend. The first one registered becomes the active one. */
  async registerStorage(ext: StorageExtension): Promise<void> {
    await this.#add(ext, 'storage', () => {
      this.#storage.set(ext.info.name, ext);
      this.#activeStorage ??= ext.info.name;
    });
  }

  /** Registers an index, found later by its `info.name`. */
  async registerIndex(ext: IndexExtension): Promise<void> {
    await this.#add(ext, 'index', () => {
      this.#indexes.set(ext.info.name, ext);
    });
  }

  /** Registers an observability backend; every one registered receives every fan-out call. */
  async registerObservability(ext: ObservabilityExtension): Promise<void> {
    await this.#add(ext, 'observability', () => {
      this.#observers = [...this.#observers, ext];
      this.#rebuildOptionalFanOut();
    });
  }

  /** Registers a compression algorithm, found later by its `algorithm`, which must be unique among compressions. */
  async registerCompression(ext: CompressionExtension): Promise<void> {
    await this.#add(ext, 'compression', () => {
      this.#compression.set(ext.algorithm, ext);
    });
  }

  /**
   * The registration protocol shared by every kind: check shape and
   * capability, reserve the name synchronously (so two racing registrations
   * of one name cannot both pass), await `init`, then add. A failure at any
   * step releases the reservation, so nothing is left half-registered.
   */
  async #add(ext: Extension, kind: CoreCapability, insert: () => void): Promise<void> {
    this.#assertOpen();
    assertExtension(ext, kind);
    const name = ext.info.name;
    if (this.#names.has(name)) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_DUPLICATE,
        `${kind} extension '${name}' already registered: extension names are unique in a PluginManager. ` +
          'Give the second instance another name (most plugins take a `name` option).',
      );
    }
    const algorithm = kind === 'compression' ? (ext as CompressionExtension).algorithm : undefined;
    if (algorithm !== undefined && this.#algorithms.has(algorithm)) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_DUPLICATE,
        `compression '${algorithm}' already registered by '${this.#algorithms.get(algorithm)}', so '${name}' was not: ` +
          'a manager holds one extension per compression algorithm. Register only one of them.',
      );
    }
    const owner = owners.get(ext);
    if (owner !== undefined && owner !== this) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_DUPLICATE,
        `${kind} extension '${name}' is already registered in another PluginManager: an extension instance belongs ` +
          'to one manager (its shutdownAll shuts it down). Create another instance for this manager.',
      );
    }
    this.#names.add(name);
    if (algorithm !== undefined) this.#algorithms.set(algorithm, name);
    owners.set(ext, this);
    const release = () => {
      this.#names.delete(name);
      if (algorithm !== undefined) this.#algorithms.delete(algorithm);
      owners.delete(ext);
    };
    try {
      await ext.init?.();
    } catch (error) {
      release();
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_INIT_FAILED,
        `${kind} extension '${name}' failed to initialise, so it was not registered: ${messageOf(error)}`,
        { cause: error },
      );
    }
    if (this.#shutDown) {
      // shutdownAll ran while init was pending: this extension will never be
      // shut down by it, so do that here rather than leak what init opened.
      release();
      try {
        await ext.shutdown?.();
      } catch (error) {
        this.#report(ext.info.name, 'shutdown', error);
      }
      throw shutDownError(name);
    }
    insert();
    this.#registered = [...this.#registered, { ext, kind }];
  }

  #assertOpen(): void {
    if (this.#shutDown) throw shutDownError();
  }

  #rebuildOptionalFanOut(): void {
    const having = (method: keyof ObservabilityExtension) =>
      this.#observers.filter((ext) => typeof ext[method] === 'function');
    this.#logDebug = having('logDebug');
    this.#logInfo = having('logInfo');
    this.#logWarn = having('logWarn');
    this.#logError = having('logError');
    this.#health = having('reportHealth');
  }

  // ---------------------------------------------------------------------------
  // Lookup
  // ---------------------------------------------------------------------------

  /** Makes the storage backend named `name` the active one. */
  setActiveStorage(name: string): void {
    if (!this.#storage.has(name)) {
      const known = [...this.#storage.keys()];
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_NOT_FOUND,
        `storage extension '${String(name)}' not found; ` +
          (known.length > 0 ? `registered storage: ${known.join(', ')}` : 'no storage is registered'),
      );
    }
    this.#activeStorage = name;
  }

  /** The active storage backend (the first registered, unless changed), or `undefined`. */
  storage(): StorageExtension | undefined {
    return this.#activeStorage === undefined ? undefined : this.#storage.get(this.#activeStorage);
  }

  /** The index registered under `name`, or `undefined`. */
  index(name: string): IndexExtension | undefined {
    return this.#indexes.get(name);
  }

  /** The distinct `indexType` values of the registered indexes, in registration order. */
  listIndexTypes(): string[] {
    return [...new Set([...this.#indexes.values()].map((ext) => ext.indexType))];
  }

  /** The compression extension for `algorithm`, or `undefined`. */
  compression(algorithm: string): CompressionExtension | undefined {
    return this.#compression.get(algorithm);
  }

  /** The registered compression algorithms, in registration order. */
  listCompression(): string[] {
    return [...this.#compression.keys()];
  }

  /** True when at least one observability extension is registered. */
  hasObservability(): boolean {
    return this.#observers.length > 0;
  }

  /** The `info` of every registered extension, in registration order across kinds. */
  listExtensions(): ExtensionInfo[] {
    return this.#registered.map(({ ext }) => ext.info);
  }

  // ---------------------------------------------------------------------------
  // Observability fan-out: the hot path. Each method reads the snapshot array
  // once and returns at once when it is empty.
  // ---------------------------------------------------------------------------

  /** Adds `value` to counter `name` on every observability extension. A negative or non-finite value is dropped and reported. */
  counterInc(name: string, value: number, labels?: Labels): void {
    const observers = this.#observers;
    if (observers.length === 0) return;
    if (!(value >= 0 && value !== Number.POSITIVE_INFINITY)) {
      this.#dropCounter(name, value);
      return;
    }
    for (let i = 0; i < observers.length; i++) {
      const ext = observers[i] as ObservabilityExtension;
      try {
        ext.counterInc(name, value, labels);
      } catch (error) {
        this.#report(ext.info.name, 'counterInc', error);
      }
    }
  }

  // Out of line, so counterInc stays small enough for V8 to inline into callers.
  #dropCounter(name: string, value: number): void {
    this.#report(
      MANAGER,
      'counterInc',
      new RangeError(
        `counter '${String(name)}': value must be finite and non-negative; got ${describeValue(value)} (dropped)`,
      ),
    );
  }

  /** Sets gauge `name` on every observability extension. */
  gaugeSet(name: string, value: number, labels?: Labels): void {
    const observers = this.#observers;
    for (let i = 0; i < observers.length; i++) {
      const ext = observers[i] as ObservabilityExtension;
      try {
        ext.gaugeSet(name, value, labels);
      } catch (error) {
        this.#report(ext.info.name, 'gaugeSet', error);
      }
    }
  }

  /** Records an observation in histogram `name` on every observability extension. */
  histogramObserve(name: string, value: number, labels?: Labels): void {
    const observers = this.#observers;
    for (let i = 0; i < observers.length; i++) {
      const ext = observers[i] as ObservabilityExtension;
      try {
        ext.histogramObserve(name, value, labels);
      } catch (error) {
        this.#report(ext.info.name, 'histogramObserve', error);
      }
    }
  }

  /**
   * Starts a span on every observability extension and returns one
   * manager-level id that maps to each extension's own span. With no
   * observability (or after `shutdownAll`) it returns 0. An unknown or ended
   * `parent` means no parent.
   */
  spanStart(name: string, parent?: SpanId): SpanId {
    const observers = this.#observers;
    if (observers.length === 0) return 0;
    const parentSpan = parent === undefined || parent === 0 ? undefined : this.#spans.get(parent);
    const ids: SpanId[] = new Array<SpanId>(observers.length);
    for (let i = 0; i < observers.length; i++) {
      const ext = observers[i] as ObservabilityExtension;
      let parentId: SpanId | undefined;
      if (parentSpan !== undefined) {
        const at = parentSpan.targets === observers ? i : parentSpan.targets.indexOf(ext);
        const id = at < 0 ? 0 : (parentSpan.ids[at] as SpanId);
        parentId = id === 0 ? undefined : id;
      }
      try {
        const id = parentId === undefined ? ext.spanStart(name) : ext.spanStart(name, parentId);
        ids[i] = typeof id === 'number' ? id : 0;
      } catch (error) {
        ids[i] = 0;
        this.#report(ext.info.name, 'spanStart', error);
      }
    }
    const id = this.#nextSpan++;
    this.#spans.set(id, { targets: observers, ids });
    if (this.#spans.size > this.#maxOpenSpans) this.#evictOldestSpan();
    return id;
  }

  /** Ends the span on every extension it was started on; an unknown or ended id does nothing. */
  spanEnd(span: SpanId): void {
    const open = this.#spans.get(span);
    if (open === undefined) return;
    this.#spans.delete(span);
    this.#endOn(open);
  }

  /** Records an event on the span on every extension it was started on; an unknown or ended id does nothing. */
  spanEvent(span: SpanId, name: string, attributes?: Labels): void {
    const open = this.#spans.get(span);
    if (open === undefined) return;
    const { targets, ids } = open;
    for (let i = 0; i < targets.length; i++) {
      const id = ids[i] as SpanId;
      if (id === 0) continue;
      const ext = targets[i] as ObservabilityExtension;
      try {
        ext.spanEvent(id, name, attributes);
      } catch (error) {
        this.#report(ext.info.name, 'spanEvent', error);
      }
    }
  }

  #endOn({ targets, ids }: OpenSpan): void {
    for (let i = 0; i < targets.length; i++) {
      const id = ids[i] as SpanId;
      if (id === 0) continue;
      const ext = targets[i] as ObservabilityExtension;
      try {
        ext.spanEnd(id);
      } catch (error) {
        this.#report(ext.info.name, 'spanEnd', error);
      }
    }
  }

  #evictOldestSpan(): void {
    const [oldest, open] = this.#spans.entries().next().value as [SpanId, OpenSpan];
    this.#spans.delete(oldest);
    this.#endOn(open);
    this.#report(
      MANAGER,
      'spanStart',
      new RangeError(
        `more than ${this.#maxOpenSpans} spans open: the oldest (id ${oldest}) was ended. ` +
          'End every span you start, or raise maxOpenSpans.',
      ),
    );
  }

  /** Logs at debug level on every extension that logs. */
  logDebug(message: string, fields?: Labels): void {
    this.#log(this.#logDebug, 'logDebug', message, fields);
  }
  /** Logs at info level on every extension that logs. */
  logInfo(message: string, fields?: Labels): void {
    this.#log(this.#logInfo, 'logInfo', message, fields);
  }
  /** Logs at warn level on every extension that logs. */
  logWarn(message: string, fields?: Labels): void {
    this.#log(this.#logWarn, 'logWarn', message, fields);
  }
  /** Logs at error level on every extension that logs. */
  logError(message: string, fields?: Labels): void {
    this.#log(this.#logError, 'logError', message, fields);
  }

  #log(targets: readonly ObservabilityExtension[], method: LogMethod, message: string, fields?: Labels): void {
    for (let i = 0; i < targets.length; i++) {
      const ext = targets[i] as ObservabilityExtension;
      try {
        (ext[method] as (message: string, fields?: Labels) => void)(message, fields);
      } catch (error) {
        this.#report(ext.info.name, method, error);
      }
    }
  }

  /** Hands a health snapshot to every extension that takes one. */
  reportHealth(health: HealthInfo): void {
    const targets = this.#health;
    for (let i = 0; i < targets.length; i++) {
      const ext = targets[i] as ObservabilityExtension;
      try {
        (ext.reportHealth as (health: HealthInfo) => void)(health);
      } catch (error) {
        this.#report(ext.info.name, 'reportHealth', error);
      }
    }
  }

  /** Reports a failure once per (extension, operation); `onError` throwing is ignored. */
  #report(extension: string, operation: string, error: unknown): void {
    const key = `${extension}\u0000${operation}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    try {
      this.#onError(error, { extension, operation });
    } catch {
      // The hot path must not throw, whatever the application's handler does.
    }
  }

  // ---------------------------------------------------------------------------
  // Lifecycle
  // ---------------------------------------------------------------------------

  /**
   * Shuts every extension down exactly once, in reverse registration order
   * across all kinds, awaiting each in turn and going on past failures. Rejects
   * with one `KernelError` naming every failure. Idempotent: a second call
   * resolves at once. Afterwards registering throws, accessors return
   * `undefined`, `spanStart` returns 0 and fan-out does nothing.
   */
  async shutdownAll(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    const registered = this.#registered;
    this.#registered = [];
    this.#storage.clear();
    this.#activeStorage = undefined;
    this.#indexes.clear();
    this.#compression.clear();
    this.#observers = [];
    this.#rebuildOptionalFanOut();
    this.#spans.clear();

    const failures: Array<{ name: string; error: unknown }> = [];
    for (let i = registered.length - 1; i >= 0; i--) {
      const { ext } = registered[i] as Registered;
      owners.delete(ext);
      try {
        await ext.shutdown?.();
      } catch (error) {
        failures.push({ name: ext.info.name, error });
      }
    }
    if (failures.length > 0) {
      const list = failures.map(({ name, error }) => `'${name}' (${messageOf(error)})`).join('; ');
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_SHUTDOWN_FAILED,
        `${failures.length} extension${failures.length > 1 ? 's' : ''} failed to shut down: ${list}. Every other extension was shut down.`,
        {
          cause: new AggregateError(
            failures.map((f) => f.error),
            'shutdown failures',
          ),
        },
      );
    }
  }
}

function shutDownError(name?: string): KernelError {
  return new KernelError(
    'plugin',
    ErrorCode.PLUGIN_MANAGER_SHUT_DOWN,
    `${name === undefined ? 'Cannot register' : `Cannot register '${name}'`}: this PluginManager has been shut down. Create a new PluginManager.`,
  );
}

function defaultOnError(error: unknown, { extension, operation }: ErrorSite): void {
  emitSochDBWarning(
    `${extension === MANAGER ? 'PluginManager dropped a value' : `observability extension '${extension}' threw`} in ${operation}: ${messageOf(error)}. ` +
      'Further failures of this operation are not reported.',
  );
}

/**
 * True when `value` is a {@link PluginManager} from this or a compatible copy
 * of `@sochdb/core`. A manager from an incompatible copy is not silently
 * refused: it throws a `KernelError` (`SOCHDB_CORE_INCOMPATIBLE`) explaining
 * the version clash.
 */
export function isPluginManager(value: unknown): value is PluginManager {
  const version = brandVersion(value, Brand.pluginManager);
  if (version === undefined) return false;
  if (!isCompatibleCoreVersion(version)) throw incompatibleCore('This PluginManager', version);
  return true;
}
