/**
 * Two built copies of core at different versions in one process, as an
 * application gets when a plugin resolves its own copy. Each copy is core's
 * own dist with the version it reports patched, loaded from its own folder.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

type Core = typeof import('../src/index.js');

const dist = fileURLToPath(new URL('../dist', import.meta.url));
const COPIES = Symbol.for('@sochdb/core:copies');
let root: string;

/** A copy of core's dist reporting `version`; `edit` changes one of its files, as a newer release would. */
async function copyOfCore(version: string, edit?: { file: string; from: string; to: string }): Promise<Core> {
  const dir = join(root, `core-${version}`);
  cpSync(dist, join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@sochdb/core', version, type: 'module' }));
  const versionFile = join(dir, 'dist', 'version.js');
  const text = readFileSync(versionFile, 'utf8');
  const patched = text.replace(/VERSION = '[^']*'/, `VERSION = '${version}'`);
  expect(patched).toContain(`VERSION = '${version}'`);
  writeFileSync(versionFile, patched);
  if (edit !== undefined) {
    const file = join(dir, 'dist', edit.file);
    const source = readFileSync(file, 'utf8');
    expect(source).toContain(edit.from);
    writeFileSync(file, source.replace(edit.from, edit.to));
  }
  return (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'dist', 'index.js')).href)) as Core;
}

/** A plugin module file made with `definePlugin` of the copy at `coreDir`. */
function pluginFile(version: string): string {
  const file = join(root, `plugin-for-${version}.mjs`);
  const core = pathToFileURL(join(root, `core-${version}`, 'dist', 'index.js')).href;
  writeFileSync(
    file,
    `import { definePlugin } from '${core}';
export default definePlugin({ apiVersion: 1, capability: 'compression', create: () => ({
  info: { name: 'built-for-${version}', version: '1.0.0', description: '', author: '', capabilities: ['compression'] },
  algorithm: 'copy', compress: (b) => b.slice(), decompress: (b) => b.slice(),
}) });`,
  );
  return file;
}

let v10: Core;
let v14: Core;
let v15: Core;
let v2: Core;
let savedCopies: unknown;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sochdb-two-copies-'));
  mkdirSync(root, { recursive: true });
  savedCopies = (globalThis as Record<symbol, unknown>)[COPIES];
  v10 = await copyOfCore('1.0.0');
  v14 = await copyOfCore('1.4.0');
  // 1.5 adds a kind of error that 1.4 does not know.
  v15 = await copyOfCore('1.5.0', { file: 'errors.js', from: "'recovery',", to: "'recovery',\n    'replication'," });
  v2 = await copyOfCore('2.0.0');
});

afterAll(() => {
  (globalThis as Record<symbol, unknown>)[COPIES] = savedCopies;
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('the host accepts what a consumer built against the same major and no newer minor', () => {
  it('code of core 1.4 works with managers of 1.4 and 1.5, and explains why not with a 1.0 manager', () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(v14.isPluginManager(new v14.PluginManager())).toBe(true);
    expect(v14.isPluginManager(new v15.PluginManager())).toBe(true);
    const error = thrown(() => v14.isPluginManager(new v10.PluginManager())) as { code: string; message: string };
    expect(v14.isKernelError(error)).toBe(true);
    expect(error.code).toBe(v14.ErrorCode.CORE_INCOMPATIBLE);
    expect(error.message).toContain('@sochdb/core 1.0.0');
    expect(error.message).toContain('1.4.0');
    const major = thrown(() => v14.isPluginManager(new v2.PluginManager())) as { code: string };
    expect(major.code).toBe(v14.ErrorCode.CORE_INCOMPATIBLE);
  });

  it('a 1.4 loader loads plugins built for 1.0 and 1.4, and refuses one built for 1.5', async () => {
    vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect((await v14.loadPlugin(pluginFile('1.0.0'))).info.name).toBe('built-for-1.0.0');
    expect((await v14.loadPlugin(pluginFile('1.4.0'))).info.name).toBe('built-for-1.4.0');
    const error = (await v14.loadPlugin(pluginFile('1.5.0')).catch((e: unknown) => e)) as {
      code: string;
      message: string;
    };
    expect(v14.isKernelError(error)).toBe(true);
    expect(error.code).toBe(v14.ErrorCode.CORE_INCOMPATIBLE);
    expect(error.message).toContain('made by @sochdb/core 1.5.0');
  });
});

describe('isKernelError across copies', () => {
  it('recognises every branded error of the same major, whatever its kind', () => {
    const newer = new v15.KernelError('replication' as never, 'ACME_LAG', 'replica behind');
    expect(v14.isKernelError(newer)).toBe(true);
    expect(v10.isKernelError(newer)).toBe(true);
    expect(v15.isKernelError(new v10.KernelError('io', 'SOCHDB_X', 'm'))).toBe(true);
  });

  it('does not claim an error of another major', () => {
    const other = new v2.KernelError('io', 'SOCHDB_X', 'm');
    expect(v14.isKernelError(other)).toBe(false);
    expect(v2.isKernelError(new v14.KernelError('io', 'SOCHDB_X', 'm'))).toBe(false);
  });
});

describe('the warning about two copies', () => {
  it('is not given for copies of one major (one hosts the other’s things)', async () => {
    (globalThis as Record<symbol, unknown>)[COPIES] = [{ version: '1.0.0', location: 'file:///a/core-1.0.0' }];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const fresh = await copyOfCore('1.4.1');
    new fresh.PluginManager();
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([]);
  });

  it('calls copies of different majors incompatible, naming both', async () => {
    (globalThis as Record<symbol, unknown>)[COPIES] = [{ version: '2.0.0', location: 'file:///b/core-2.0.0' }];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const fresh = await copyOfCore('1.3.0');
    new fresh.PluginManager();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^Two incompatible copies of @sochdb\/core are loaded: 2\.0\.0 \(file:\/\/\/b\/core-2\.0\.0\) and 1\.3\.0 /,
    );
  });
});
