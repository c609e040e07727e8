/**
 * Identity across copies of `@sochdb/core`.
 *
 * An application can end up with two copies of core (a plugin that pinned a
 * different version, a bundled copy). `instanceof` then silently fails, so
 * everything core makes carries a `Symbol.for` brand holding core's version,
 * and two copies decide whether they can work together with the rule
 * OpenTelemetry's API uses, stated from the side that receives something (the
 * host: a manager, a loader): it accepts what a consumer was built against
 * when the majors match and the consumer's minor is not newer than the host's
 * (for 0.x: same minor, the consumer's patch not newer). Prereleases must
 * match exactly.
 */
import { ErrorCode, KernelError } from './errors.js';
import { VERSION } from './version.js';

/** Brand symbols, the same in every copy of core. */
export const Brand = {
  pluginManager: Symbol.for('@sochdb/core:PluginManager'),
  pluginModule: Symbol.for('@sochdb/core:PluginModule'),
} as const;

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * The host/consumer rule: whether a host built as core `host` (this copy, by
 * default) accepts what a consumer built against core `consumer` gives it. A
 * 1.4 host accepts 1.0 to 1.4 consumers, not 1.5 ones (they may use what 1.4
 * lacks) and not 2.x ones.
 *
 * @param consumer - the core version the thing handed over was built against
 * @param host - the core version of the copy that receives it
 */
export function isCompatibleCoreVersion(consumer: string, host: string = VERSION): boolean {
  const own = host;
  const other = consumer;
  if (other === own) return true;
  const a = SEMVER.exec(own);
  const b = SEMVER.exec(other);
  if (!a || !b) return false;
  if (a[4] !== undefined || b[4] !== undefined) return false; // prereleases: exact match only
  const [ownMajor, ownMinor, ownPatch] = [Number(a[1]), Number(a[2]), Number(a[3])];
  const [major, minor, patch] = [Number(b[1]), Number(b[2]), Number(b[3])];
  if (major !== ownMajor) return false;
  if (ownMajor === 0) return minor === ownMinor && patch <= ownPatch;
  return minor <= ownMinor;
}

/** The core version recorded in `value`'s brand, or `undefined` if it carries none. */
export function brandVersion(value: unknown, brand: symbol): string | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const version = (value as Record<symbol, unknown>)[brand];
  return typeof version === 'string' ? version : undefined;
}

/** Marks `target` as made by this copy of core (non-enumerable, so it never shows in JSON or spreads). */
export function brand<T extends object>(target: T, symbol: symbol): T {
  Object.defineProperty(target, symbol, { value: VERSION, enumerable: false, configurable: true });
  return target;
}

const REMEDY =
  "The application has two copies of @sochdb/core: install one version that satisfies every plugin's peer range " +
  '(`npm ls @sochdb/core` shows them).';

/**
 * The error for a value this copy refuses under the host/consumer rule.
 *
 * @param what - the value, as the message names it (`Plugin "x"`, `This PluginManager`)
 * @param otherVersion - the core version in the value's brand
 * @param role - `consumer` when this copy is the host receiving the value (a
 *   loader given a plugin module); `host` when the value is the host and this
 *   copy's code the consumer (a manager handed to code built against this copy)
 */
export function incompatibleCore(what: string, otherVersion: string, role: 'consumer' | 'host'): KernelError {
  const rule = '(a host accepts what was built against the same major and a minor no newer than its own)';
  const why =
    role === 'consumer'
      ? `${what} was made by @sochdb/core ${otherVersion}, which this @sochdb/core ${VERSION} cannot host ${rule}.`
      : `${what} was made by @sochdb/core ${otherVersion}, and this code was built against @sochdb/core ${VERSION}, ` +
        `which it cannot serve ${rule}.`;
  return new KernelError('plugin', ErrorCode.CORE_INCOMPATIBLE, `${why} ${REMEDY}`);
}

const COPIES = Symbol.for('@sochdb/core:copies');
interface CoreCopy {
  readonly version: string;
  readonly location: string;
}
let registered = false;

/**
 * Records this copy of core in a process-wide list and warns (once per copy)
 * when a copy is loaded that neither hosts this one's things nor is hosted by
 * it (another major, another 0.x minor, another prerelease). Two copies of one
 * major work together one way (the newer hosts the older's plugins), and a
 * refusal the other way is an explained error, so they are not warned about.
 * Called when a manager or a plugin module is made, so importing core has no
 * side effect.
 */
export function announceCoreCopy(location: string): void {
  if (registered) return;
  registered = true;
  const global = globalThis as Record<symbol, unknown>;
  if (!Array.isArray(global[COPIES])) global[COPIES] = [];
  const copies = global[COPIES] as CoreCopy[];
  for (const other of copies) {
    if (!isCompatibleCoreVersion(other.version) && !isCompatibleCoreVersion(VERSION, other.version)) {
      emitSochDBWarning(
        `Two incompatible copies of @sochdb/core are loaded: ${other.version} (${other.location}) and ${VERSION} ` +
          `(${location}). Plugins built against one will be refused by managers of the other. ` +
          'Install a single @sochdb/core version that satisfies every plugin (`npm ls @sochdb/core`).',
      );
      break;
    }
  }
  copies.push({ version: VERSION, location });
}

/**
 * The default report channel of the contract ("default: a process warning"):
 * a process warning of type `SochDBWarning`, code `SOCHDB_WARNING`, where there
 * is a process, else a console warning. Extensions use it for their default
 * `onError`, so an application filters every SochDB warning one way.
 */
export function emitSochDBWarning(message: string): void {
  const proc = (globalThis as { process?: { emitWarning?: (message: string, options: object) => void } }).process;
  if (typeof proc?.emitWarning === 'function') {
    proc.emitWarning(message, { type: 'SochDBWarning', code: 'SOCHDB_WARNING' });
  } else {
    console.warn(`SochDBWarning: ${message}`);
  }
}
