/**
 * Identity across copies of `@sochdb/core`.
 *
 * An application can end up with two copies of core (a plugin that pinned a
 * different version, a bundled copy). `instanceof` then silently fails, so
 * everything core makes carries a `Symbol.for` brand holding core's version,
 * and two copies decide whether they can work together with the rule
 * OpenTelemetry's API uses: same major; the other's minor not newer than ours
 * (for 0.x: same minor, the other's patch not newer). Prereleases must match
 * exactly.
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
 * Whether something made by core version `other` can be used by core version
 * `own` (this copy, by default).
 */
export function isCompatibleCoreVersion(other: string, own: string = VERSION): boolean {
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

/** The error for a value made by a copy of core this copy cannot work with. */
export function incompatibleCore(what: string, otherVersion: string): KernelError {
  return new KernelError(
    'plugin',
    ErrorCode.CORE_INCOMPATIBLE,
    `${what} was made by @sochdb/core ${otherVersion}, which this @sochdb/core ${VERSION} cannot work with ` +
      '(the major must match and the other minor must not be newer). The application has two incompatible ' +
      "copies of @sochdb/core: install one version that satisfies every plugin's peer range (`npm ls @sochdb/core` shows them).",
  );
}

const COPIES = Symbol.for('@sochdb/core:copies');
interface CoreCopy {
  readonly version: string;
  readonly location: string;
}
let registered = false;

/**
 * Records this copy of core in a process-wide list and warns (once per copy)
 * when a copy this one is incompatible with is loaded too. Called when a
 * manager or a plugin module is made, so importing core has no side effect.
 */
export function announceCoreCopy(location: string): void {
  if (registered) return;
  registered = true;
  const global = globalThis as Record<symbol, unknown>;
  if (!Array.isArray(global[COPIES])) global[COPIES] = [];
  const copies = global[COPIES] as CoreCopy[];
  for (const other of copies) {
    if (!isCompatibleCoreVersion(other.version) || !isCompatibleCoreVersion(VERSION, other.version)) {
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
