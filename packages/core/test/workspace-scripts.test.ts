/**
 * The repository's root scripts (scripts/*.mjs), run from a copy of the
 * repository in a folder whose path contains a space, as a clone in
 * "~/My Projects/" would be. The copy holds the real scripts and small
 * packages of its own; node_modules is the repository's, linked.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
let parent: string;
let clone: string;

function writeJson(file: string, value: unknown) {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** A published plugin package of the copy, taking core as a peer with `peer` (and `meta` as peerDependenciesMeta). */
function plugin(name: string, peer: string, meta?: object) {
  writeJson(join(clone, 'packages', name, 'package.json'), {
    name: `@sochdb/${name}`,
    version: '1.0.0',
    type: 'module',
    peerDependencies: { '@sochdb/core': peer },
    ...(meta === undefined ? {} : { peerDependenciesMeta: meta }),
  });
}

function run(script: string, args: string[] = []) {
  const result = spawnSync(process.execPath, [join('scripts', script), ...args], {
    cwd: clone,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'sochdb scripts '));
  clone = join(parent, 'my repo');
  cpSync(join(repo, 'scripts'), join(clone, 'scripts'), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(clone, 'node_modules'), 'dir');
  writeJson(join(clone, 'package.json'), { name: 'copy', private: true, type: 'module' });
  writeJson(join(clone, 'packages', 'core', 'package.json'), {
    name: '@sochdb/core',
    version: '1.0.0',
    type: 'module',
  });
  mkdirSync(join(clone, '.changeset'), { recursive: true });
});

afterAll(() => {
  rmSync(parent, { recursive: true, force: true });
});

describe('check-peer-ranges', () => {
  it('passes a caret peer that the workspace’s core satisfies, from a path with spaces', () => {
    rmSync(join(clone, 'packages', 'plugin'), { recursive: true, force: true });
    plugin('plugin', '^1.0.0');
    const { status, output } = run('check-peer-ranges.mjs');
    expect(output).toContain('check-peer-ranges: 2 package folders checked');
    expect(status).toBe(0);
  });

  it.each([
    ['^0.1.0', 'is not satisfied by the workspace’s @sochdb/core 1.0.0'],
    ['^9.0.0', 'is not satisfied by the workspace’s @sochdb/core 1.0.0'],
    ['^1.2.0', 'is not satisfied by the workspace’s @sochdb/core 1.0.0'],
    ['>=1.0.0 <3', 'use "^A.B.C" with no upper bound'],
  ])('refuses the peer range %s', (range, message) => {
    rmSync(join(clone, 'packages', 'plugin'), { recursive: true, force: true });
    plugin('plugin', range);
    const { status, output } = run('check-peer-ranges.mjs');
    expect(output).toContain(message);
    expect(status).toBe(1);
  });

  it('refuses an optional peer on core', () => {
    rmSync(join(clone, 'packages', 'plugin'), { recursive: true, force: true });
    plugin('plugin', '^1.0.0', { '@sochdb/core': { optional: true } });
    const { status, output } = run('check-peer-ranges.mjs');
    expect(output).toContain('marks @sochdb/core as an optional peer');
    expect(status).toBe(1);
  });

  it('accepts the range of the core version pending changesets will release', () => {
    rmSync(join(clone, 'packages', 'plugin'), { recursive: true, force: true });
    plugin('plugin', '^1.1.0');
    writeFileSync(join(clone, '.changeset', 'core-feature.md'), '---\n"@sochdb/core": minor\n---\n\nA feature.\n');
    try {
      const { status, output } = run('check-peer-ranges.mjs');
      expect(output).toContain('check-peer-ranges: 2 package folders checked');
      expect(status).toBe(0);
    } finally {
      rmSync(join(clone, '.changeset', 'core-feature.md'));
    }
  });
});

describe('the test runner and the package lint, from a path with spaces', () => {
  it('test.mjs runs vitest there and writes the count line', () => {
    writeFileSync(join(clone, 'vitest.config.mjs'), "export default { test: { include: ['checks/*.test.mjs'] } };\n");
    mkdirSync(join(clone, 'checks'), { recursive: true });
    writeFileSync(
      join(clone, 'checks', 'sum.test.mjs'),
      "import { expect, it } from 'vitest';\nit('adds', () => expect(1 + 1).toBe(2));\n",
    );
    const { status, output } = run('test.mjs');
    expect(output.trim().split('\n').at(-1)).toBe('1 passed, 0 failed');
    expect(status).toBe(0);
    expect(readFileSync(join(clone, '.tmp', 'test-summary.txt'), 'utf8')).toBe('1 passed, 0 failed\n');
  }, 60_000);

  it('lint-packages.mjs packs and lints a package there', () => {
    rmSync(join(clone, 'packages', 'plugin'), { recursive: true, force: true });
    const core = join(clone, 'packages', 'core');
    writeJson(join(core, 'package.json'), {
      name: '@sochdb/core',
      version: '1.0.0',
      description: 'a copy',
      license: 'MIT',
      type: 'module',
      repository: { type: 'git', url: 'git+https://example.invalid/repo.git', directory: 'packages/core' },
      homepage: 'https://example.invalid/repo#readme',
      bugs: { url: 'https://example.invalid/repo/issues' },
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
      files: ['dist'],
      scripts: { prepack: 'node ../../scripts/prepack.mjs' },
    });
    writeFileSync(join(clone, 'LICENSE'), 'MIT License\n');
    mkdirSync(join(core, 'dist'), { recursive: true });
    writeFileSync(join(core, 'dist', 'index.js'), 'export const one = 1;\n');
    writeFileSync(join(core, 'dist', 'index.d.ts'), 'export declare const one = 1;\n');
    const { status, output } = run('lint-packages.mjs');
    expect(output).toContain('✓ @sochdb/core: dist/, LICENSE and metadata shipped; publint --strict, attw (esm-only)');
    expect(status).toBe(0);
    // Nothing was written under the percent-encoded path a URL's pathname gives.
    expect(existsSync(parent.replaceAll(' ', '%20'))).toBe(false);
  }, 60_000);
});
