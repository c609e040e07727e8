import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isCompressionExtension, isKernelError, loadPlugin, PluginManager } from '../src/index.js';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
let root: string;
let app: string;

const extension = (capability: string, extra = '') => `{
  info: { name: 'echo-' + (options?.name ?? 'x'), version: '1.0.0', description: 'echo', author: 'fixture', capabilities: ['${capability}'] },
  algorithm: 'echo',
  compress: (input) => input.slice(),
  decompress: (input) => input.slice(),
  ${extra}
}`;

/** A package laid out the way pnpm lays out an application's node_modules. */
function pnpmPackage(name: string, files: Record<string, string>, manifest: object = {}) {
  const store = join(app, 'node_modules', '.pnpm', `${name.replace('/', '+')}@1.0.0`, 'node_modules');
  const dir = join(store, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', type: 'module', main: 'index.js', ...manifest }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  // The plugin's peer, @sochdb/core, is linked beside it inside the store, as pnpm does.
  mkdirSync(join(store, '@sochdb'), { recursive: true });
  symlinkSync(coreDir, join(store, '@sochdb', 'core'), 'dir');
  mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
  symlinkSync(dir, join(app, 'node_modules', name), 'dir');
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sochdb-load-plugin-'));
  app = join(root, 'app');
  mkdirSync(join(app, 'plugins'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));

  pnpmPackage('sochdb-plugin-echo', {
    'index.js': `import { definePlugin, CORE_API_VERSION } from '@sochdb/core';
export default definePlugin({ apiVersion: CORE_API_VERSION, capability: 'compression', create: (options) => (${extension('compression')}) });`,
  });
  pnpmPackage(
    '@acme/import-only',
    {
      'index.js': `export default { apiVersion: 1, capability: 'compression', create: async (options) => (${extension('compression')}) };`,
    },
    { main: undefined, exports: { '.': { import: './index.js' }, './package.json': './package.json' } },
  );
  pnpmPackage(
    'cjs-plugin',
    {
      'index.cjs': `Object.defineProperty(exports, '__esModule', { value: true });
exports.default = { apiVersion: 1, capability: 'compression', create: (options) => (${extension('compression')}) };`,
    },
    { type: 'commonjs', main: 'index.cjs' },
  );
  // One plugin, two builds: the application's `import` gets the ESM one.
  const dualBuild = (build: string) =>
    `{ apiVersion: 1, capability: 'compression', create: (options) => ({ ...${extension('compression')}, info: { name: 'dual', version: '1.0.0', description: '${build} build', author: 'fixture', capabilities: ['compression'] } }) }`;
  pnpmPackage(
    'dual-plugin',
    {
      'index.mjs': `export default ${dualBuild('esm')};`,
      'index.cjs': `module.exports = { default: ${dualBuild('cjs')} };`,
    },
    { main: undefined, exports: { '.': { import: './index.mjs', require: './index.cjs' } } },
  );
  pnpmPackage(
    '@acme/patterned',
    {
      'lz.mjs': `export default { apiVersion: 1, capability: 'compression', create: (options) => (${extension('compression')}) };`,
    },
    {
      main: undefined,
      exports: {
        './codecs/*': { require: './missing/*.cjs', import: './*.mjs' },
        './*': './*.mjs',
        './hidden/*': null,
      },
    },
  );
  pnpmPackage('broken-main', {}, { main: 'index.js' });
  pnpmPackage('broken-exports', {}, { main: undefined, exports: { '.': { import: './dist/index.mjs' } } });
  pnpmPackage(
    'require-only',
    { 'index.cjs': 'module.exports = {};' },
    { main: undefined, exports: { require: './index.cjs' } },
  );
  // A plugin package's own folder (its tests load it by its own name, as Node's self-reference allows).
  const own = join(root, 'own-plugin');
  mkdirSync(join(own, 'test'), { recursive: true });
  writeFileSync(
    join(own, 'package.json'),
    JSON.stringify({ name: '@acme/own-plugin', type: 'module', exports: { '.': './index.mjs' } }),
  );
  writeFileSync(
    join(own, 'index.mjs'),
    `export default { apiVersion: 1, capability: 'compression', create: (options) => (${extension('compression')}) };`,
  );
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(join(app, 'src', 'main.mjs'), '// the application module whose import.meta.url is passed as from\n');
  const plugins: Record<string, string> = {
    'good.mjs': `export default { apiVersion: 1, capability: 'compression', create: (options) => (${extension('compression')}) };`,
    'named-only.mjs': `export const plugin = { apiVersion: 1, capability: 'compression', create: () => ({}) };`,
    'not-plugin.mjs': 'export default { apiVersion: 1, create: 42 };',
    'wrong-api.mjs': `export default { apiVersion: 99, capability: 'compression', create: (options) => (${extension('compression')}) };`,
    'create-throws.mjs': `export default { apiVersion: 1, capability: 'compression', create: () => { throw new Error('missing option "dir"'); } };`,
    'create-invalid.mjs': `export default { apiVersion: 1, capability: 'compression', create: () => ({ info: { name: 'x', version: '1', description: '', author: '', capabilities: ['compression'] }, algorithm: 'x' }) };`,
    'mismatch.mjs': `export default { apiVersion: 1, capability: 'observability', create: (options) => (${extension('compression', 'counterInc() {}, gaugeSet() {}, histogramObserve() {}, spanStart() { return 0; }, spanEnd() {}, spanEvent() {},')}) };`,
    'import-throws.mjs': `throw new Error('top-level failure');`,
    'future-core.mjs': `const plugin = { apiVersion: 1, capability: 'compression', create: (options) => (${extension('compression')}) };
Object.defineProperty(plugin, Symbol.for('@sochdb/core:PluginModule'), { value: '2.0.0' });
export default plugin;`,
  };
  for (const [file, text] of Object.entries(plugins)) writeFileSync(join(app, 'plugins', file), text);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKernelError(error), `expected a KernelError, got ${String(error)}`).toBe(true);
  return error as { kind: string; code: string; message: string; cause?: unknown };
}

describe('loadPlugin resolves from the application, not from core', () => {
  it('cannot be done by core’s own resolution under pnpm’s strict layout', () => {
    const fromCore = createRequire(join(coreDir, 'package.json'));
    expect(() => fromCore.resolve('sochdb-plugin-echo')).toThrow();
  });

  it('loads a package installed in the application folder (path or file URL)', async () => {
    for (const from of [app, pathToFileURL(`${app}/`)]) {
      const ext = await loadPlugin('sochdb-plugin-echo', { name: 'a' }, from);
      expect(isCompressionExtension(ext)).toBe(true);
      expect(ext.info.name).toBe('echo-a');
      const pm = new PluginManager();
      await pm.register(ext);
      expect(pm.compression('echo')?.compress(new Uint8Array([1, 2]))).toEqual(new Uint8Array([1, 2]));
    }
  });

  it('defaults to the current working directory', async () => {
    const cwd = process.cwd();
    process.chdir(app);
    try {
      expect((await loadPlugin('sochdb-plugin-echo')).info.name).toBe('echo-x');
    } finally {
      process.chdir(cwd);
    }
  });

  it('loads a package that exports only an "import" condition', async () => {
    expect((await loadPlugin('@acme/import-only', { name: 'i' }, app)).info.name).toBe('echo-i');
  });

  it('loads a CommonJS build whose plugin is exports.default', async () => {
    expect((await loadPlugin('cjs-plugin', { name: 'c' }, app)).info.name).toBe('echo-c');
  });

  it('loads a file by relative path, absolute path and file URL', async () => {
    expect((await loadPlugin('./plugins/good.mjs', { name: 'r' }, app)).info.name).toBe('echo-r');
    expect((await loadPlugin(join(app, 'plugins', 'good.mjs'), { name: 'p' })).info.name).toBe('echo-p');
    expect((await loadPlugin(pathToFileURL(join(app, 'plugins', 'good.mjs')).href, { name: 'u' })).info.name).toBe(
      'echo-u',
    );
  });
});

describe('loadPlugin resolves exactly as the application’s import would', () => {
  it('takes the import condition: a package exporting { import, require } gives its ESM build', async () => {
    const ext = await loadPlugin('dual-plugin', { name: 'd' }, app);
    expect(ext.info.description).toBe('esm build');
  });

  it('understands subpath patterns of exports, with conditions and null exclusions', async () => {
    expect((await loadPlugin('@acme/patterned/lz', { name: 'p' }, app)).info.name).toBe('echo-p');
    expect((await loadPlugin('@acme/patterned/codecs/lz', { name: 'q' }, app)).info.name).toBe('echo-q');
    const hidden = await refusal(loadPlugin('@acme/patterned/hidden/lz', undefined, app));
    expect(hidden.code).toBe(ErrorCode.PLUGIN_MODULE_UNRESOLVED);
    expect(hidden.message).toContain('does not export "./hidden/lz"');
  });

  it('resolves a package by its own name from inside it (self-reference through its exports)', async () => {
    const own = join(root, 'own-plugin');
    expect((await loadPlugin('@acme/own-plugin', { name: 's' }, own)).info.name).toBe('echo-s');
    expect((await loadPlugin('@acme/own-plugin', { name: 't' }, join(own, 'test'))).info.name).toBe('echo-t');
    // A folder URL ends in '/', as `new URL('..', import.meta.url)` gives it.
    expect((await loadPlugin('@acme/own-plugin', { name: 'u' }, pathToFileURL(`${own}/`))).info.name).toBe('echo-u');
    const error = await refusal(loadPlugin('@acme/own-plugin/sub', undefined, own));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_UNRESOLVED);
  });

  it('accepts a module’s own URL (import.meta.url) as from, as a string or a URL', async () => {
    const moduleUrl = pathToFileURL(join(app, 'src', 'main.mjs'));
    expect((await loadPlugin('sochdb-plugin-echo', { name: 'm' }, moduleUrl.href)).info.name).toBe('echo-m');
    expect((await loadPlugin('sochdb-plugin-echo', { name: 'n' }, moduleUrl)).info.name).toBe('echo-n');
    expect((await loadPlugin('../plugins/good.mjs', { name: 'o' }, moduleUrl.href)).info.name).toBe('echo-o');
  });
});

describe('an installed package whose entry point does not resolve is reported as that, not as missing', () => {
  it.each([
    ['broken-main', 'package.json "main" is "index.js", and no such file exists'],
    ['broken-exports', 'its "exports" maps "." to ./dist/index.mjs, and no such file exists'],
    ['require-only', 'its "exports" has no target for "." under the conditions'],
    ['dual-plugin/extra', 'does not export "./extra"'],
    ['@acme/patterned/nope', 'maps "./nope" to ./nope.mjs, and no such file exists'],
  ])('%s', async (specifier, reason) => {
    const error = await refusal(loadPlugin(specifier, undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_UNRESOLVED);
    expect(error.message).toContain(`Cannot load plugin "${specifier}": the package `);
    expect(error.message).toContain('is installed');
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('npm install');
  });
});

describe('loadPlugin refuses, saying which step failed and naming the specifier', () => {
  it('a package that is not installed', async () => {
    const error = await refusal(loadPlugin('sochdb-plugin-nope', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_NOT_FOUND);
    expect(error.message).toBe(
      `Cannot load plugin "sochdb-plugin-nope": no such package is installed for ${app}. ` +
        "Install it in the application (`npm install sochdb-plugin-nope`), or pass the application folder as loadPlugin's third argument.",
    );
  });

  it('a scoped package that is not installed, listing what of that scope is (a typo shows)', async () => {
    const error = await refusal(loadPlugin('@acme/import-onyl', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_NOT_FOUND);
    expect(error.message).toMatch(/Installed @acme\/\* packages: import-only, patterned\.$/);
  });

  it('a file that does not exist', async () => {
    const error = await refusal(loadPlugin('./plugins/missing.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_NOT_FOUND);
    expect(error.message).toContain(`no file at ${join(app, 'plugins', 'missing.mjs')}`);
  });

  it('a module without a default export', async () => {
    const error = await refusal(loadPlugin('./plugins/named-only.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_NO_DEFAULT);
    expect(error.message).toContain('Cannot load plugin "./plugins/named-only.mjs": it has no default export.');
  });

  it('a default export that is not a plugin module', async () => {
    const error = await refusal(loadPlugin('./plugins/not-plugin.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_NO_DEFAULT);
    expect(error.message).toContain(
      'it lacks capability (storage, index, observability, compression, ...), create (a function)',
    );
  });

  it('a module built for another apiVersion', async () => {
    const error = await refusal(loadPlugin('./plugins/wrong-api.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_API_VERSION);
    expect(error.message).toContain('built for plugin API version 99, and this @sochdb/core speaks version 1');
  });

  it('a module branded by an incompatible copy of core', async () => {
    const error = await refusal(loadPlugin('./plugins/future-core.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.CORE_INCOMPATIBLE);
    expect(error.message).toContain('was made by @sochdb/core 2.0.0');
  });

  it('a create() that throws, with the original error as cause', async () => {
    const error = await refusal(loadPlugin('./plugins/create-throws.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_CREATE_FAILED);
    expect(error.message).toContain('its create() threw: missing option "dir"');
    expect((error.cause as Error).message).toBe('missing option "dir"');
  });

  it('a create() that returns something that is not an extension', async () => {
    const error = await refusal(loadPlugin('./plugins/create-invalid.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_CREATED_INVALID);
    expect(error.message).toContain(
      'not a valid compression extension: it is missing the compression methods compress, decompress',
    );
  });

  it('an extension whose capability differs from the module’s', async () => {
    const error = await refusal(loadPlugin('./plugins/mismatch.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_CREATED_INVALID);
    expect(error.message).toContain('info.capabilities does not include "observability"');
  });

  it('a module whose import throws, with the error as cause', async () => {
    const error = await refusal(loadPlugin('./plugins/import-throws.mjs', undefined, app));
    expect(error.code).toBe(ErrorCode.PLUGIN_MODULE_IMPORT_FAILED);
    expect(error.message).toContain('threw: top-level failure');
  });

  it('a specifier that is not a string', async () => {
    await expect(loadPlugin('' as string)).rejects.toThrow(TypeError);
  });
});
