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
import { holdInstance, instanceState, releaseInstance, retireInstance } from './instance-registry.js';
import { SpanTable } from './span-table.js';
import { describeDropped, messageOf, stringOf } from './text.js';
import type { CoreCapability, ExtensionInfo, HealthInfo, Labels, SpanId } from './types.js';
import { VERSION } from './version.js';

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

/** One manager-level span: the extensions it was started on and each one's own id (0: none). */
interface OpenSpan {
  readonly targets: readonly ObservabilityExtension[];
  readonly ids: SpanId[];
}

/**
 * One `register*` call, from the moment its checks pass. Kept in call order,
 * which is the registration order whatever order the `init`s finish in.
 */
interface Registration {
  readonly ext: Extension;
  readonly kind: CoreCapability;
  /** `info.name`, read once before `init`. */
  readonly name: string;
  /** `algorithm` (compression) or `indexType` (index), read once before `init`. */
  readonly key: string | undefined;
  /** A copy of `info` taken before `init`; `listExtensions` hands out copies of it. */
  readonly info: ExtensionInfo;
  /**
   * `init`: still running; `live`: registered; `refused`: its init finished
   * after shutdownAll began; `closed`: shutdownAll took it out at its turn.
   */
  state: 'init' | 'live' | 'refused' | 'closed';
  /** Settles (never rejects) when `init` has finished either way. */
  initDone: Promise<void>;
}

const MANAGER = 'PluginManager';

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
  /** Every registration in call order: the ones in `init` and the live ones. */
  #registrations: Registration[] = [];
  /** The name each live extension registered under, for reports (read once, not from `info`). */
  readonly #nameOf = new Map<Extension, string>();

  readonly #storage = new Map<string, StorageExtension>();
  /** Set by setActiveStorage; otherwise the active storage is the first registered. */
  #chosenStorage: string | undefined;
  #activeStorage: StorageExtension | undefined;
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

  readonly #spans = new SpanTable<OpenSpan>();
  #nextSpan = 1;

  readonly #reported = new Set<string>();
  /** Set when shutdownAll begins: registering is refused from then on. */
  #shutDown = false;
  /** The promise of the one shutdownAll run. */
  #shutdown: Promise<void> | undefined;
  /** Set when that promise has settled, either way. */
  #shutdownSettled = false;

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
    switch (soleCoreCapability(ext)) {
      case 'storage':
        return this.registerStorage(ext as StorageExtension);
      case 'index':
        return this.registerIndex(ext as IndexExtension);
      case 'observability':
        return this.registerObservability(ext as ObservabilityExtension);
      case 'compression':
        return this.registerCompression(ext as CompressionExtension);
    }
  }

  /** Registers a storage backend. The first one registered becomes the active one. */
  async registerStorage(ext: StorageExtension): Promise<void> {
    await this.#add(ext, 'storage');
  }

  /** Registers an index, found later by its `info.name`. */
  async registerIndex(ext: IndexExtension): Promise<void> {
    await this.#add(ext, 'index');
  }

  /** Registers an observability backend; every one registered receives every fan-out call. */
  async registerObservability(ext: ObservabilityExtension): Promise<void> {
    await this.#add(ext, 'observability');
  }

  /** Registers a compression algorithm, found later by its `algorithm`, which must be unique among compressions. */
  async registerCompression(ext: CompressionExtension): Promise<void> {
    await this.#add(ext, 'compression');
  }

  /**
   * The registration protocol shared by every kind: check shape and
   * capability, read the name (and algorithm or index type) once, take the
   * registration's place in call order and reserve the name synchronously (so
   * two racing registrations of one name cannot both pass), await `init`,
   * then go live. A failure at any step releases everything, so nothing is
   * left half-registered.
   */
  async #add(ext: Extension, kind: CoreCapability): Promise<void> {
    this.#assertOpen();
    assertExtension(ext, kind);
    const source = ext.info;
    const name = source.name;
    const info: ExtensionInfo = {
      ...source,
      name,
      version: source.version,
      description: source.description,
      author: source.author,
      capabilities: [...source.capabilities],
    };
    const key =
      kind === 'compression'
        ? (ext as CompressionExtension).algorithm
        : kind === 'index'
          ? (ext as IndexExtension).indexType
          : undefined;
    if (name === MANAGER) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_INVALID,
        `Cannot register "${name}": the name "${MANAGER}" is reserved (the manager reports the values it drops itself under it). ` +
          'Give the extension another name.',
      );
    }
    if (this.#names.has(name)) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_DUPLICATE,
        `${kind} extension '${name}' already registered: extension names are unique in a PluginManager. ` +
          'Give the second instance another name (most plugins take a `name` option).',
      );
    }
    const algorithm = kind === 'compression' ? (key as string) : undefined;
    if (algorithm !== undefined && this.#algorithms.has(algorithm)) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_DUPLICATE,
        `compression '${algorithm}' already registered by '${this.#algorithms.get(algorithm)}', so '${name}' was not: ` +
          'a manager holds one extension per compression algorithm. Register only one of them.',
      );
    }
    const state = instanceState(ext);
    if (state === 'shut-down') {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_INSTANCE_SHUT_DOWN,
        `${kind} extension '${name}' was shut down by a PluginManager, so it cannot be registered again: ` +
          'an instance is initialised and shut down once. Create a new instance (or load the plugin again) for this manager.',
      );
    }
    if (state !== undefined) {
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_DUPLICATE,
        `${kind} extension '${name}' is already registered in ${state.heldBy === this ? 'this' : 'another'} PluginManager: ` +
          'an extension instance belongs to one manager (its shutdownAll shuts it down). Create another instance for this manager.',
      );
    }

    this.#names.add(name);
    if (algorithm !== undefined) this.#algorithms.set(algorithm, name);
    holdInstance(ext, this);
    let initDone!: () => void;
    const registration: Registration = {
      ext,
      kind,
      name,
      key,
      info,
      state: 'init',
      initDone: new Promise<void>((resolve) => (initDone = resolve)),
    };
    this.#registrations = [...this.#registrations, registration];
    try {
      await ext.init?.();
    } catch (error) {
      this.#registrations = this.#registrations.filter((r) => r !== registration);
      this.#names.delete(name);
      if (algorithm !== undefined) this.#algorithms.delete(algorithm);
      releaseInstance(ext);
      initDone();
      throw new KernelError(
        'plugin',
        ErrorCode.PLUGIN_INIT_FAILED,
        `${kind} extension '${name}' failed to initialise, so it was not registered: ${messageOf(error)}`,
        { cause: error },
      );
    }
    if (this.#shutDown) {
      // shutdownAll began while init ran: it waits for this init and shuts the
      // extension down in its turn, but the registration never completes.
      registration.state = 'refused';
      initDone();
      throw shutDownError(name);
    }
    registration.state = 'live';
    this.#attach(registration);
    initDone();
  }

  /** Puts a registration whose init finished into the lookups and the fan-out. */
  #attach({ ext, kind, name, key }: Registration): void {
    this.#nameOf.set(ext, name);
    switch (kind) {
      case 'storage':
        this.#storage.set(name, ext as StorageExtension);
        this.#activeStorage = this.#storage.get(this.#chosenStorage ?? this.#firstStorage() ?? '');
        break;
      case 'index':
        this.#indexes.set(name, ext as IndexExtension);
        break;
      case 'compression':
        this.#compression.set(key as string, ext as CompressionExtension);
        break;
      case 'observability':
        // In registration (call) order, not the order the inits finished in.
        this.#observers = this.#live('observability').map((r) => r.ext as ObservabilityExtension);
        this.#rebuildOptionalFanOut();
        break;
    }
  }

  /** Takes a registration out of the lookups and the fan-out, just before its shutdown. */
  #detach({ ext, kind, name, key }: Registration): void {
    switch (kind) {
      case 'storage':
        this.#storage.delete(name);
        if (this.#activeStorage === ext) this.#activeStorage = undefined;
        break;
      case 'index':
        this.#indexes.delete(name);
        break;
      case 'compression':
        this.#compression.delete(key as string);
        break;
      case 'observability': {
        this.#observers = this.#observers.filter((observer) => observer !== ext);
        this.#rebuildOptionalFanOut();
        // Spans it took part in end without it: it gets no call after its turn.
        for (const { targets, ids } of this.#spans.values()) {
          const at = targets.indexOf(ext as ObservabilityExtension);
          if (at >= 0) ids[at] = 0;
        }
        break;
      }
    }
  }

  /** The name of the first live storage in registration order. */
  #firstStorage(): string | undefined {
    return this.#registrations.find((r) => r.kind === 'storage' && r.state === 'live')?.name;
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
    this.#chosenStorage = name;
    this.#activeStorage = this.#storage.get(name);
  }

  /** The active storage backend (the first registered, unless changed), or `undefined`. */
  storage(): StorageExtension | undefined {
    return this.#activeStorage;
  }

  /** The index registered under `name`, or `undefined`. */
  index(name: string): IndexExtension | undefined {
    return this.#indexes.get(name);
  }

  /** The distinct `indexType` values of the registered indexes, in registration order. */
  listIndexTypes(): string[] {
    return [...new Set(this.#live('index').map((r) => r.key as string))];
  }

  /** The compression extension for `algorithm`, or `undefined`. */
  compression(algorithm: string): CompressionExtension | undefined {
    return this.#compression.get(algorithm);
  }

  /** The registered compression algorithms, in registration order. */
  listCompression(): string[] {
    return this.#live('compression').map((r) => r.key as string);
  }

  /** True when at least one observability extension is registered. */
  hasObservability(): boolean {
    return this.#observers.length > 0;
  }

  /**
   * A copy of the `info` of every registered extension, as it was when it was
   * registered, in registration order across kinds.
   */
  listExtensions(): ExtensionInfo[] {
    return this.#live().map(({ info }) => ({ ...info, capabilities: [...info.capabilities] }));
  }

  /** The registrations in the lookups and the fan-out (of `kind`, when given), in registration order. */
  #live(kind?: CoreCapability): Registration[] {
    return this.#registrations.filter((r) => r.state === 'live' && (kind === undefined || r.kind === kind));
  }

  // ---------------------------------------------------------------------------
  // Observability fan-out: the hot path. Each method reads the snapshot array
  // once and returns at once when it is empty.
  // ---------------------------------------------------------------------------

  /**
   * Adds `value` to counter `name` on every observability extension. A value
   * that is not a number, or is negative or not finite, is dropped and reported.
   */
  counterInc(name: string, value: number, labels?: Labels): void {
    const observers = this.#observers;
    if (observers.length === 0) return;
    if (typeof value !== 'number' || !(value >= 0 && value !== Number.POSITIVE_INFINITY)) {
      this.#dropCounter(name, value);
      return;
    }
    for (let i = 0; i < observers.length; i++) {
      const ext = observers[i] as ObservabilityExtension;
      try {
        ext.counterInc(name, value, labels);
      } catch (error) {
        this.#fail(ext, 'counterInc', error);
      }
    }
  }

  // Out of line, so counterInc stays small enough for V8 to inline into callers.
  #dropCounter(name: string, value: unknown): void {
    if (typeof value !== 'number') {
      this.#dropNotNumber('counter', 'counterInc', name, value);
      return;
    }
    this.#report(
      MANAGER,
      'counterInc',
      new RangeError(
        `counter '${stringOf(name)}': value must be finite and non-negative; got ${describeValue(value)} (dropped)`,
      ),
    );
  }

  // The contract: a value that is not a number (`typeof`) is dropped and
  // reported like a bad counter value. Described by its type only, so a
  // hostile object is never called into.
  #dropNotNumber(metric: string, operation: string, name: string, value: unknown): void {
    this.#report(
      MANAGER,
      operation,
      new TypeError(`${metric} '${stringOf(name)}': value must be a number; got ${describeDropped(value)} (dropped)`),
    );
  }

  /** Sets gauge `name` on every observability extension. A value that is not a number is dropped and reported. */
  gaugeSet(name: string, value: number, labels?: Labels): void {
    const observers = this.#observers;
    if (observers.length === 0) return;
    if (typeof value !== 'number') {
      this.#dropNotNumber('gauge', 'gaugeSet', name, value);
      return;
    }
    for (let i = 0; i < observers.length; i++) {
      const ext = observers[i] as ObservabilityExtension;
      try {
        ext.gaugeSet(name, value, labels);
      } catch (error) {
        this.#fail(ext, 'gaugeSet', error);
      }
    }
  }

  /**
   * Records an observation in histogram `name` on every observability
   * extension. A value that is not a number is dropped and reported.
   */
  histogramObserve(name: string, value: number, labels?: Labels): void {
    const observers = this.#observers;
    if (observers.length === 0) return;
    if (typeof value !== 'number') {
      this.#dropNotNumber('histogram', 'histogramObserve', name, value);
      return;
    }
    for (let i = 0; i < observers.length; i++) {
      const ext = observers[i] as ObservabilityExtension;
      try {
        ext.histogramObserve(name, value, labels);
      } catch (error) {
        this.#fail(ext, 'histogramObserve', error);
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
        const id: unknown = parentId === undefined ? ext.spanStart(name) : ext.spanStart(name, parentId);
        if (typeof id === 'number') {
          ids[i] = id;
        } else {
          ids[i] = 0;
          this.#badSpanId(ext, id);
        }
      } catch (error) {
        ids[i] = 0;
        this.#fail(ext, 'spanStart', error);
      }
    }
    const id = this.#nextSpan++;
    this.#spans.add(id, { targets: observers, ids });
    if (this.#spans.size > this.#maxOpenSpans) this.#evictOldestSpan();
    return id;
  }

  // Out of line: the hot loop stays small. The span is not routed to this extension.
  #badSpanId(ext: ObservabilityExtension, id: unknown): void {
    this.#fail(
      ext,
      'spanStart',
      new TypeError(
        `spanStart returned ${describeDropped(id)}, not a span id (a number); the span is not routed to this extension`,
      ),
    );
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
        this.#fail(ext, 'spanEvent', error);
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
        this.#fail(ext, 'spanEnd', error);
      }
    }
  }

  #evictOldestSpan(): void {
    const [oldest, open] = this.#spans.oldest() as [SpanId, OpenSpan];
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
        this.#fail(ext, method, error);
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
        this.#fail(ext, 'reportHealth', error);
      }
    }
  }

  /** Reports a failure of a registered extension, under the name it registered with. */
  #fail(ext: Extension, operation: string, error: unknown): void {
    this.#report(this.#nameOf.get(ext) ?? stringOf(ext.info?.name), operation, error);
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
   * across all kinds, awaiting each in turn and going on past failures; rejects
   * with one `KernelError` naming every failure.
   *
   * It first waits for registrations still in their `init` (and shuts those
   * down in their turn too). Each extension stays in the lookups and the
   * fan-out until its own turn, so a storage's last log lines reach a logger
   * registered before it. A call made while one runs returns that same
   * promise; a call after it settled resolves at once. Afterwards registering
   * throws, accessors return `undefined`, `spanStart` returns 0 and fan-out
   * does nothing.
   */
  shutdownAll(): Promise<void> {
    if (this.#shutdownSettled) return Promise.resolve();
    if (this.#shutdown === undefined) {
      this.#shutDown = true;
      this.#shutdown = this.#shutDownInTurn();
      const settled = () => {
        this.#shutdownSettled = true;
      };
      this.#shutdown.then(settled, settled);
    }
    return this.#shutdown;
  }

  async #shutDownInTurn(): Promise<void> {
    // Registrations in their init: wait until each is live, failed or refused.
    await Promise.all(this.#registrations.map((r) => r.initDone));
    const registrations = this.#registrations;
    const failures: Array<{ name: string; error: unknown }> = [];
    for (let i = registrations.length - 1; i >= 0; i--) {
      const registration = registrations[i] as Registration;
      if (registration.state === 'live') this.#detach(registration);
      registration.state = 'closed';
      retireInstance(registration.ext);
      try {
        await registration.ext.shutdown?.();
      } catch (error) {
        failures.push({ name: registration.name, error });
      }
    }
    this.#registrations = [];
    this.#storage.clear();
    this.#activeStorage = undefined;
    this.#indexes.clear();
    this.#compression.clear();
    this.#observers = [];
    this.#rebuildOptionalFanOut();
    this.#spans.clear();
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
 * True when `value` is a {@link PluginManager} that code built against this
 * copy of `@sochdb/core` can use: one of the same major whose minor is not
 * older than this copy's (the manager is the host, this code its consumer). A
 * manager of a copy that cannot serve this one is not silently refused: it
 * throws a `KernelError` (`SOCHDB_CORE_INCOMPATIBLE`) explaining the clash.
 */
export function isPluginManager(value: unknown): value is PluginManager {
  const version = brandVersion(value, Brand.pluginManager);
  if (version === undefined) return false;
  if (!isCompatibleCoreVersion(VERSION, version)) throw incompatibleCore('This PluginManager', version, 'host');
  return true;
}
