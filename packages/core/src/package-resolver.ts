/**
 * Resolving a plugin specifier the way an `import` in the application would:
 * Node's ESM resolution (`node_modules` lookup from the application's folder,
 * `exports` with the `node`/`import`/`module-sync`/`default` conditions and
 * subpath patterns, `main` for packages without `exports`).
 *
 * Node offers no API that resolves an `import` from another module's folder
 * (`import.meta.resolve` takes no parent without a flag, and `require.resolve`
 * uses the `require` conditions, which picks a dual package's CommonJS build
 * and makes the plugin exist twice), so the algorithm of Node's documentation
 * is written out here; it is small because plugins need no `imports` (`#x`)
 * or self-references.
 *
 * Node's built-in modules are taken with `process.getBuiltinModule` when a
 * resolution runs, never imported, so that importing `@sochdb/core` loads
 * none of them and a browser bundle of the manager needs no shims.
 */

import type * as Fs from 'node:fs';
import type * as Module from 'node:module';
import type * as Path from 'node:path';
import type * as Url from 'node:url';

/** What resolving a specifier gave. */
export type Resolution =
  /** The file to import (real path, symlinks resolved as Node resolves them). */
  | { readonly found: string }
  /** No file at that path (a path specifier). */
  | { readonly noFile: string }
  /** No package of that name is installed for the folder. */
  | { readonly noPackage: string }
  /** The package is installed at `packageDir`, but the specifier does not resolve in it: `reason` says why. */
  | { readonly unresolved: string; readonly packageDir: string; readonly packageName: string };

interface NodeApis {
  readonly fs: typeof Fs;
  readonly path: typeof Path;
  readonly url: typeof Url;
  readonly module: typeof Module;
}

let apis: NodeApis | undefined;

/** Node's `fs`, `path`, `url` and `module`, taken on first use. */
export function nodeApis(): NodeApis {
  if (apis !== undefined) return apis;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') {
    throw new TypeError(
      'loadPlugin needs Node.js (>= 20.19): it resolves and imports plugin packages from the file system. ' +
        'In a browser, import the plugin and register the extension it makes yourself.',
    );
  }
  apis = {
    fs: proc.getBuiltinModule('node:fs') as typeof Fs,
    path: proc.getBuiltinModule('node:path') as typeof Path,
    url: proc.getBuiltinModule('node:url') as typeof Url,
    module: proc.getBuiltinModule('node:module') as typeof Module,
  };
  return apis;
}

/** True for `./x`, `../x`, `/x`, `C:\x` and `file:` specifiers; the rest are package names. */
export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || specifier.startsWith('file:') || nodeApis().path.isAbsolute(specifier);
}

/**
 * The folder to resolve from: `from` is a folder (path or file URL) or a
 * module's own URL such as `import.meta.url` (its folder is used); default
 * the current working directory.
 */
export function directoryOf(from: string | URL | undefined): string {
  const { fs, path, url } = nodeApis();
  if (from === undefined) return process.cwd();
  let location: string;
  if (
    from instanceof URL ||
    (typeof from === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(from) && !path.isAbsolute(from))
  ) {
    const href = String(from);
    if (!href.startsWith('file:')) {
      throw new TypeError(
        `loadPlugin: from must be a folder path or a file URL; got the ${href.split(':')[0]}: URL ${href}`,
      );
    }
    // A folder URL ends in `/`: resolve() drops it, so the package checks compare clean paths.
    location = path.resolve(url.fileURLToPath(href));
  } else if (typeof from === 'string') {
    location = path.resolve(from);
  } else {
    throw new TypeError('loadPlugin: from must be a folder path, a file URL, or a module URL such as import.meta.url');
  }
  try {
    if (fs.statSync(location).isFile()) return path.dirname(location);
  } catch {
    // A folder that does not exist: resolving from it finds nothing, and says so.
  }
  return location;
}

/** Resolves `specifier` as an `import` in a module of `directory` would. */
export function resolveSpecifier(specifier: string, directory: string): Resolution {
  return isPathSpecifier(specifier) ? resolvePath(specifier, directory) : resolvePackage(specifier, directory);
}

function isFile(file: string): boolean {
  try {
    return nodeApis().fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function found(file: string): Resolution {
  return { found: nodeApis().fs.realpathSync(file) };
}

function resolvePath(specifier: string, directory: string): Resolution {
  const { path, url, module } = nodeApis();
  const file = specifier.startsWith('file:') ? url.fileURLToPath(specifier) : path.resolve(directory, specifier);
  if (isFile(file)) return found(file);
  // Kept from 1.0 for paths only: a folder with an index file, or a file
  // named without its extension, as `require` finds them.
  try {
    return found(module.createRequire(path.join(directory, '__sochdb_plugin_loader__.js')).resolve(file));
  } catch {
    return { noFile: file };
  }
}

/** `name` and `./subpath` of a bare specifier (`@scope/name/sub` gives `@scope/name` and `./sub`). */
function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const length = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, length).join('/');
  return { name, subpath: parts.length > length ? `./${parts.slice(length).join('/')}` : '.' };
}

function resolvePackage(specifier: string, directory: string): Resolution {
  const { fs, path } = nodeApis();
  const { name, subpath } = splitSpecifier(specifier);
  const self = resolveSelf(name, subpath, directory);
  if (self !== undefined) return self;
  for (let dir = directory; ; dir = path.dirname(dir)) {
    const packageDir = path.join(dir, 'node_modules', name);
    let isDirectory = false;
    try {
      isDirectory = fs.statSync(packageDir).isDirectory();
    } catch {
      // Not at this level.
    }
    if (isDirectory) {
      const outcome = resolveInPackage(packageDir, subpath);
      return 'file' in outcome ? found(outcome.file) : { unresolved: outcome.reason, packageDir, packageName: name };
    }
    if (path.dirname(dir) === dir) return { noPackage: name };
  }
}

/**
 * Node's PACKAGE_SELF_RESOLVE: inside a package whose package.json has that
 * `name` and an `exports`, the package imports itself through its `exports`
 * (a plugin's own tests load it by name that way).
 */
function resolveSelf(name: string, subpath: string, directory: string): Resolution | undefined {
  const { fs, path } = nodeApis();
  for (let dir = directory; ; dir = path.dirname(dir)) {
    if (path.basename(dir) === 'node_modules') return undefined;
    const manifestFile = path.join(dir, 'package.json');
    if (isFile(manifestFile)) {
      let manifest: { name?: unknown; exports?: unknown };
      try {
        manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as typeof manifest;
      } catch {
        return undefined;
      }
      if (manifest.name !== name || manifest.exports === undefined || manifest.exports === null) return undefined;
      const outcome = resolveExports(dir, subpath, manifest.exports);
      return 'file' in outcome
        ? found(outcome.file)
        : { unresolved: outcome.reason, packageDir: dir, packageName: name };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

type InPackage = { readonly file: string } | { readonly reason: string };

function resolveInPackage(packageDir: string, subpath: string): InPackage {
  const { fs, path } = nodeApis();
  let manifest: { main?: unknown; exports?: unknown } = {};
  const manifestFile = path.join(packageDir, 'package.json');
  if (isFile(manifestFile)) {
    try {
      manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as typeof manifest;
    } catch (error) {
      return { reason: `its package.json cannot be read (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  if (manifest.exports !== undefined && manifest.exports !== null) {
    return resolveExports(packageDir, subpath, manifest.exports);
  }
  if (subpath !== '.') {
    const file = path.join(packageDir, subpath);
    return isFile(file)
      ? { file }
      : { reason: `it has no file ${subpath} (an import names the file exactly, extension included)` };
  }
  return resolveMain(packageDir, manifest.main);
}

/** Node's legacy main resolution, for packages without `exports`. */
function resolveMain(packageDir: string, main: unknown): InPackage {
  const { path } = nodeApis();
  if (typeof main === 'string' && main.length > 0) {
    for (const candidate of [
      main,
      `${main}.js`,
      `${main}.json`,
      `${main}.node`,
      `${main}/index.js`,
      `${main}/index.json`,
      `${main}/index.node`,
    ]) {
      const file = path.join(packageDir, candidate);
      if (isFile(file)) return { file };
    }
  }
  for (const index of ['index.js', 'index.json', 'index.node']) {
    const file = path.join(packageDir, index);
    if (isFile(file)) return { file };
  }
  return {
    reason:
      typeof main === 'string'
        ? `its package.json "main" is ${JSON.stringify(main)}, and no such file exists`
        : 'it has neither "exports" nor "main" in its package.json, and no index.js',
  };
}

/** The conditions an `import` in this process matches, in Node's terms, plus any `--conditions` it was started with. */
function conditions(): ReadonlySet<string> {
  const set = new Set(['node', 'import', 'module-sync', 'node-addons', 'default']);
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline) set.add(inline[1] as string);
    else if ((arg === '--conditions' || arg === '-C') && i + 1 < args.length) set.add(args[++i] as string);
  }
  if (args.includes('--no-addons')) set.delete('node-addons');
  return set;
}

/** Node's PACKAGE_EXPORTS_RESOLVE: `subpath` (`.` or `./x`) in the `exports` of the package at `packageDir`. */
function resolveExports(packageDir: string, subpath: string, exports: unknown): InPackage {
  const active = conditions();
  const conditionList = [...active].join(', ');
  const keys = typeof exports === 'object' && exports !== null && !Array.isArray(exports) ? Object.keys(exports) : [];
  const dotted = keys.filter((key) => key.startsWith('.'));
  if (dotted.length > 0 && dotted.length !== keys.length) {
    return { reason: 'its "exports" mixes subpaths ("./x") with conditions, which Node refuses' };
  }
  const map = exports as Record<string, unknown>;
  let target: unknown;
  let match: string | undefined;
  if (subpath === '.') {
    target = dotted.length === 0 ? exports : map['.'];
  } else if (dotted.length > 0) {
    if (Object.hasOwn(map, subpath) && !subpath.includes('*')) {
      target = map[subpath];
    } else {
      const best = bestPattern(dotted, subpath);
      if (best !== undefined) {
        match = best.match;
        target = map[best.key];
      }
    }
  }
  if (target === undefined) return { reason: `it does not export ${JSON.stringify(subpath)} (see its "exports")` };
  const resolved = resolveTarget(packageDir, target, match, active);
  if (resolved === undefined) {
    return {
      reason: `its "exports" has no target for ${JSON.stringify(subpath)} under the conditions an import uses (${conditionList})`,
    };
  }
  if (resolved === null)
    return { reason: `it does not export ${JSON.stringify(subpath)} (its "exports" maps it to null)` };
  if ('reason' in resolved) return resolved;
  if (!isFile(resolved.file)) {
    const shown = `./${nodeApis().path.relative(packageDir, resolved.file).split('\\').join('/')}`;
    return { reason: `its "exports" maps ${JSON.stringify(subpath)} to ${shown}, and no such file exists` };
  }
  return resolved;
}

/** The pattern key (`./x/*`) that matches `subpath`, the most specific first, and what `*` stands for. */
function bestPattern(keys: readonly string[], subpath: string): { key: string; match: string } | undefined {
  let best: { key: string; match: string } | undefined;
  for (const key of keys) {
    const star = key.indexOf('*');
    if (star < 0 || key.indexOf('*', star + 1) >= 0) continue;
    const base = key.slice(0, star);
    const trailer = key.slice(star + 1);
    if (!subpath.startsWith(base) || subpath === base) continue;
    if (trailer.length > 0 && !(subpath.endsWith(trailer) && subpath.length >= key.length)) continue;
    if (best === undefined || comparePatternKeys(key, best.key) < 0) {
      best = { key, match: subpath.slice(base.length, subpath.length - trailer.length) };
    }
  }
  return best;
}

/** Node's PATTERN_KEY_COMPARE: the longer prefix before `*` first, then the longer key. */
function comparePatternKeys(a: string, b: string): number {
  const baseA = a.indexOf('*');
  const baseB = b.indexOf('*');
  if (baseA !== baseB) return baseB - baseA;
  return b.length - a.length;
}

/**
 * Node's PACKAGE_TARGET_RESOLVE: a string target (with `*` replaced), the
 * first resolving entry of an array, or the first matching condition of an
 * object, in the object's order. `undefined`: nothing matched; `null`:
 * explicitly not exported.
 */
function resolveTarget(
  packageDir: string,
  target: unknown,
  match: string | undefined,
  active: ReadonlySet<string>,
): { file: string } | { reason: string } | null | undefined {
  const { path } = nodeApis();
  if (typeof target === 'string') {
    if (!target.startsWith('./')) {
      return { reason: `its "exports" target ${JSON.stringify(target)} is not a path inside the package ("./...")` };
    }
    const relative = match === undefined ? target : target.split('*').join(match);
    const file = path.resolve(packageDir, relative);
    if (file !== packageDir && !file.startsWith(packageDir + path.sep)) {
      return { reason: `its "exports" target ${JSON.stringify(relative)} points outside the package` };
    }
    return { file };
  }
  if (Array.isArray(target)) {
    let last: { reason: string } | null | undefined;
    for (const entry of target) {
      const resolved = resolveTarget(packageDir, entry, match, active);
      if (resolved !== undefined && resolved !== null && !('reason' in resolved)) return resolved;
      last = resolved;
    }
    return last;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (condition !== 'default' && !active.has(condition)) continue;
      const resolved = resolveTarget(packageDir, value, match, active);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  return null;
}

/**
 * For a scoped name that is not installed (often a typo), the packages of the
 * same scope that are: `" Installed @sochdb/* packages: core, lz4."`.
 */
export function installedAlongside(name: string, directory: string): string {
  const { fs, path } = nodeApis();
  if (!name.startsWith('@') || !name.includes('/')) return '';
  const scope = name.slice(0, name.indexOf('/'));
  const seen = new Set<string>();
  for (let dir = directory; ; dir = path.dirname(dir)) {
    try {
      for (const entry of fs.readdirSync(path.join(dir, 'node_modules', scope))) {
        if (!entry.startsWith('.')) seen.add(entry);
      }
    } catch {
      // No such folder at this level.
    }
    if (path.dirname(dir) === dir) break;
  }
  return seen.size > 0
    ? ` Installed ${scope}/* packages: ${[...seen].sort().join(', ')}.`
    : ` No ${scope}/* package is installed.`;
}
