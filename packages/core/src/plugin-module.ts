/**
 * Plugins as modules: the TypeScript form of the Rust kernel's
 * `dynamic-plugins` feature. A plugin package's default export is a
 * {@link PluginModule}; {@link loadPlugin} finds it by package name or path,
 * from the application's folder, and makes an extension from it.
 */
import { announceCoreCopy, Brand, brand, brandVersion, incompatibleCore, isCompatibleCoreVersion } from './brand.js';
import { ErrorCode, KernelError } from './errors.js';
import type { Extension } from './extension.js';
import { extensionProblem, isCoreCapability, isExtensionCapability } from './guards.js';
import { directoryOf, installedAlongside, nodeApis, resolveSpecifier } from './package-resolver.js';
import type { ExtensionCapability } from './types.js';

/**
 * The version of the plugin-module contract this core speaks. A module built
 * for another version is refused by {@link loadPlugin}. It changes only with a
 * breaking change of the extension interfaces, i.e. a major of core.
 */
export const CORE_API_VERSION = 1;

/** What a plugin package exports by default. */
export interface PluginModule<Options = unknown> {
  /** The {@link CORE_API_VERSION} the module was built for. */
  readonly apiVersion: number;
  /** The capability of the extensions `create` makes. */
  readonly capability: ExtensionCapability;
  /** Makes a new extension; called once per `loadPlugin`. */
  create(options?: Options): Extension | Promise<Extension>;
}

/** Why `value` is not a plugin module, or `undefined` when it is one. */
function moduleProblem(value: unknown): string | undefined {
  if (value === undefined) return 'it has no default export';
  if (typeof value !== 'object' || value === null)
    return `its default export is ${value === null ? 'null' : `a ${typeof value}`}, not a plugin module`;
  const module = value as Record<string, unknown>;
  const missing: string[] = [];
  if (typeof module.apiVersion !== 'number') missing.push('apiVersion (a number)');
  if (!isExtensionCapability(module.capability))
    missing.push('capability (storage, index, observability, compression, ...)');
  if (typeof module.create !== 'function') missing.push('create (a function)');
  if (missing.length === 0) return undefined;
  return `its default export is not a plugin module: it lacks ${missing.join(', ')}`;
}

/** True when `value` has the shape of a {@link PluginModule}. A plain object qualifies; {@link definePlugin} is not required. */
export function isPluginModule(value: unknown): value is PluginModule {
  return moduleProblem(value) === undefined;
}

/**
 * Types and brands a plugin module: returns a branded copy (same prototype,
 * same properties), never changing its argument, so a frozen object works.
 * Use it as a plugin package's default export:
 *
 * ```ts
 * export default definePlugin({
 *   apiVersion: CORE_API_VERSION,
 *   capability: 'compression',
 *   create: (options?: MyOptions) => new MyCodec(options),
 * });
 * ```
 *
 * @throws TypeError when `module` lacks `apiVersion`, `capability` or `create`.
 */
export function definePlugin<Options>(module: PluginModule<Options>): PluginModule<Options> {
  const problem = moduleProblem(module);
  if (problem !== undefined)
    throw new TypeError(`definePlugin: ${problem.replace('its default export', 'the argument')}`);
  announceCoreCopy(import.meta.url);
  const copy = Object.create(
    Object.getPrototypeOf(module) as object | null,
    Object.getOwnPropertyDescriptors(module),
  ) as PluginModule<Options>;
  return brand(copy, Brand.pluginModule);
}

function loadError(code: string, specifier: string, what: string, cause?: unknown): KernelError {
  return new KernelError(
    'plugin',
    code,
    `Cannot load plugin "${specifier}": ${what}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Loads a plugin module and makes an extension from it.
 *
 * @param specifier - a package name (`"@sochdb/lz4"`) or a file path / file URL
 * @param options - passed to the module's `create`
 * Resolution is the application's own: from `from` (not from core's folder,
 * which under pnpm cannot see the application's dependencies), exactly as an
 * `import` there would resolve, with the `node`, `import`, `module-sync` and
 * `default` conditions and the subpath patterns of `exports`. Node's built-in
 * modules are loaded on the first call, never when core is imported.
 *
 * @param from - where to resolve from: the application folder (a path or file URL), or a module's own URL
 *   such as `import.meta.url`; default `process.cwd()`
 * @returns the extension `create` made, checked against the module's capability; register it with a `PluginManager`
 * @throws KernelError (`plugin`) with a code saying which step failed: `SOCHDB_PLUGIN_MODULE_NOT_FOUND`,
 *   `SOCHDB_PLUGIN_MODULE_UNRESOLVED`, `SOCHDB_PLUGIN_MODULE_IMPORT_FAILED`, `SOCHDB_PLUGIN_MODULE_NO_DEFAULT`,
 *   `SOCHDB_PLUGIN_API_VERSION`, `SOCHDB_CORE_INCOMPATIBLE`, `SOCHDB_PLUGIN_CREATE_FAILED` or
 *   `SOCHDB_PLUGIN_CREATED_INVALID`
 */
export async function loadPlugin(specifier: string, options?: unknown, from?: string | URL): Promise<Extension> {
  if (typeof specifier !== 'string' || specifier.length === 0) {
    throw new TypeError('loadPlugin: specifier must be a non-empty package name or path');
  }
  const directory = directoryOf(from);
  const resolution = resolveSpecifier(specifier, directory);
  if ('noFile' in resolution) {
    throw loadError(ErrorCode.PLUGIN_MODULE_NOT_FOUND, specifier, `no file at ${resolution.noFile}.`);
  }
  if ('noPackage' in resolution) {
    throw loadError(
      ErrorCode.PLUGIN_MODULE_NOT_FOUND,
      specifier,
      `no such package is installed for ${directory}. Install it in the application (\`npm install ${resolution.noPackage}\`), ` +
        "or pass the application folder as loadPlugin's third argument." +
        installedAlongside(resolution.noPackage, directory),
    );
  }
  if ('unresolved' in resolution) {
    throw loadError(
      ErrorCode.PLUGIN_MODULE_UNRESOLVED,
      specifier,
      `the package ${resolution.packageName} is installed (${resolution.packageDir}), but ${resolution.unresolved}. ` +
        'The package is broken or was built for another layout: reinstall it, or report it to its author.',
    );
  }
  const resolved = resolution.found;

  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(nodeApis().url.pathToFileURL(resolved).href)) as Record<string, unknown>;
  } catch (error) {
    throw loadError(
      ErrorCode.PLUGIN_MODULE_IMPORT_FAILED,
      specifier,
      `importing ${resolved} threw: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }

  let module: unknown = namespace.default;
  // A CommonJS build of an ES module puts the plugin under exports.default.
  if (!isPluginModule(module) && isPluginModule((module as { default?: unknown } | undefined)?.default)) {
    module = (module as { default: unknown }).default;
  }
  const problem = moduleProblem(module);
  if (problem !== undefined) {
    throw loadError(
      ErrorCode.PLUGIN_MODULE_NO_DEFAULT,
      specifier,
      `${problem}. A plugin package must \`export default definePlugin({ apiVersion, capability, create })\`.`,
    );
  }
  const plugin = module as PluginModule;
  if (plugin.apiVersion !== CORE_API_VERSION) {
    throw loadError(
      ErrorCode.PLUGIN_API_VERSION,
      specifier,
      `it was built for plugin API version ${plugin.apiVersion}, and this @sochdb/core speaks version ${CORE_API_VERSION}. ` +
        'Install a version of the plugin made for the @sochdb/core the application uses.',
    );
  }
  const builtWith = brandVersion(plugin, Brand.pluginModule);
  if (builtWith !== undefined && !isCompatibleCoreVersion(builtWith)) {
    throw incompatibleCore(`Plugin "${specifier}"`, builtWith, 'consumer');
  }

  let extension: unknown;
  try {
    extension = await plugin.create(options);
  } catch (error) {
    throw loadError(
      ErrorCode.PLUGIN_CREATE_FAILED,
      specifier,
      `its create() threw: ${error instanceof Error ? error.message : String(error)}`,
      error,
    );
  }
  const capability = plugin.capability;
  const invalid = extensionProblem(extension, isCoreCapability(capability) ? capability : undefined);
  if (invalid !== undefined) {
    throw loadError(
      ErrorCode.PLUGIN_CREATED_INVALID,
      specifier,
      `its create() returned something that is not a valid ${capability} extension: ${invalid}.`,
    );
  }
  const declared = (extension as Extension).info.capabilities;
  if (!declared.includes(capability)) {
    throw loadError(
      ErrorCode.PLUGIN_CREATED_INVALID,
      specifier,
      `the module declares capability "${capability}" but its extension declares ${JSON.stringify(declared)}.`,
    );
  }
  return extension as Extension;
}
