/**
 * src/version.ts is tracked in git, so the build must not rewrite it: the
 * build checks it against package.json, and `pnpm version-packages` (which
 * bumps package.json) writes it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/index.js';

const coreDir = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(coreDir, 'package.json'), 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
};

/** The build's step before tsc, e.g. `node scripts/version.mjs --check`. */
const versionStep = (manifest.scripts.build ?? '').split('&&')[0]?.trim() ?? '';

function copyWithVersion(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sochdb-core-version-'));
  cpSync(join(coreDir, 'scripts'), join(dir, 'scripts'), { recursive: true });
  cpSync(join(coreDir, 'src', 'version.ts'), join(dir, 'src', 'version.ts'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, version }));
  return dir;
}

function run(dir: string, command: string) {
  const [node, ...args] = command.split(/\s+/);
  expect(node).toBe('node');
  const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('VERSION', () => {
  it('is the version in package.json', () => {
    expect(VERSION).toBe(manifest.version);
  });

  it('the build never rewrites the tracked src/version.ts: it stops and says how to update it', () => {
    const dir = copyWithVersion('1.2.3');
    try {
      const before = readFileSync(join(dir, 'src', 'version.ts'), 'utf8');
      const { status, output } = run(dir, versionStep);
      expect(readFileSync(join(dir, 'src', 'version.ts'), 'utf8')).toBe(before);
      expect(status).toBe(1);
      expect(output).toContain('src/version.ts says');
      expect(output).toContain('pnpm version-packages');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('version-packages writes it from package.json (scripts/sync-versions.mjs, after changeset version)', () => {
    const root = join(coreDir, '..', '..');
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const step = scripts.scripts['version-packages']
      ?.split('&&')
      .map((part) => part.trim())
      .find((part) => part.includes('sync-versions'));
    expect(step).toBe('node scripts/sync-versions.mjs');
    // A repository of one package, core at 1.2.3 with an older src/version.ts.
    const repo = mkdtempSync(join(tmpdir(), 'sochdb-sync-versions-'));
    try {
      const dir = copyWithVersion('1.2.3');
      cpSync(dir, join(repo, 'packages', 'core'), { recursive: true });
      rmSync(dir, { recursive: true, force: true });
      cpSync(join(root, 'scripts', 'sync-versions.mjs'), join(repo, 'scripts', 'sync-versions.mjs'));
      expect(run(repo, step as string).status).toBe(0);
      const core = join(repo, 'packages', 'core');
      expect(readFileSync(join(core, 'src', 'version.ts'), 'utf8')).toContain("export const VERSION = '1.2.3';");
      expect(run(core, versionStep).status).toBe(0);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
