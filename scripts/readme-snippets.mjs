#!/usr/bin/env node
// Every TypeScript/JavaScript block in the READMEs is either runnable as
// written, against the packages as npm installs them, or marked as a fragment
// (```ts fragment). `node scripts/readme-snippets.mjs --run` packs every
// package, installs the tarballs into a fresh app with npm and runs each
// runnable block there (a block marked ```ts test is a vitest file and runs
// with vitest); without --run it lists the blocks.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packAll } from './pack-all.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);

/** The READMEs a user reads: the root's, every package's and every example's. */
export function readmeFiles() {
  const files = [join(root, 'README.md')];
  for (const folder of ['packages', 'examples']) {
    for (const name of readdirSync(join(root, folder)).sort()) {
      const file = join(root, folder, name, 'README.md');
      if (existsSync(file)) files.push(file);
    }
  }
  return files;
}

/** The package a bare import specifier names (`@scope/name/sub` -> `@scope/name`), or undefined for node: and paths. */
function packageOf(specifier) {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every code block of `file`: `{ file, line, info, code, runnable, packages }`. */
export function snippetsOf(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const snippets = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const language = open[1].toLowerCase();
    if (!LANGUAGES.has(language)) continue;
    const code = body.join('\n');
    // Imports, and plugins loaded by name: both must be installed.
    const specifiers = [
      ...code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*|loadPlugin\(\s*)['"]([^'"]+)['"]/g),
    ].map((match) => match[1]);
    snippets.push({
      file: relative(root, file),
      line: start + 1,
      code,
      runnable: !/\bfragment\b/.test(open[2]),
      test: /\btest\b/.test(open[2]),
      packages: [...new Set(specifiers.map(packageOf).filter(Boolean))],
    });
  }
  return snippets;
}

/** The version range the workspace uses for a third-party package (so snippets run against what we test). */
function workspaceRange(name) {
  const manifests = [join(root, 'package.json'), join(root, 'bench', 'package.json')];
  for (const folder of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, folder))) manifests.push(join(root, folder, entry, 'package.json'));
  }
  for (const file of manifests.filter(existsSync)) {
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
      const range = manifest[field]?.[name];
      if (range && !range.startsWith('workspace:')) return range;
    }
  }
  return 'latest';
}

/**
 * Installs what the runnable snippets import into one app under `work` (our
 * packages from `tarballs`, the rest at the workspace's ranges) and runs each
 * snippet in a folder of its own with tsx (or vitest). Returns how many ran
 * and passed, and the failures as `file:line: output`.
 */
export function runSnippets(work, tarballs, env = {}) {
  const snippets = readmeFiles()
    .flatMap(snippetsOf)
    .filter((snippet) => snippet.runnable);
  const app = join(work, 'readme-snippets');
  mkdirSync(app, { recursive: true });
  const tools = snippets.some((snippet) => snippet.test) ? ['tsx', 'vitest'] : ['tsx'];
  // Every package of ours, as a user installing them all would have them (peers included).
  const packages = [...new Set([...tools, ...Object.keys(tarballs), ...snippets.flatMap((s) => s.packages)])].sort();
  const dependencies = Object.fromEntries(
    packages.map((name) => [name, tarballs[name] ? `file:${tarballs[name]}` : workspaceRange(name)]),
  );
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'readme-snippets', private: true, type: 'module', dependencies }, null, 2),
  );
  const install = spawnSync('npm', ['install', '--no-package-lock', '--no-audit', '--no-fund'], {
    cwd: app,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (install.status !== 0) {
    return {
      ran: snippets.length,
      passed: 0,
      failures: [`npm install of ${packages.join(', ')} failed:\n${install.stdout}${install.stderr}`],
    };
  }
  const failures = [];
  for (const [n, snippet] of snippets.entries()) {
    const dir = join(app, 'snippets', String(n));
    mkdirSync(dir, { recursive: true });
    const file = snippet.test ? 'snippet.test.ts' : 'snippet.mts';
    writeFileSync(join(dir, file), `${snippet.code}\n`);
    const command = snippet.test
      ? [join(app, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir]
      : ['--import', 'tsx', file];
    const result = spawnSync(process.execPath, command, {
      cwd: dir,
      env: { ...process.env, ...env, NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    console.log(`${result.status === 0 ? '✓' : '✗'} ${snippet.file}:${snippet.line}`);
    if (result.status !== 0) {
      const why = result.error ? result.error.message : `exit ${result.status}`;
      failures.push(`${snippet.file}:${snippet.line}: ${why}\n${result.stdout}${result.stderr}`.trim());
    }
  }
  return { ran: snippets.length, passed: snippets.length - failures.length, failures };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--run')) {
  const work = mkdtempSync(join(tmpdir(), 'sochdb-snippets-'));
  try {
    const tarballs = packAll(join(work, 'tarballs'));
    const { ran, passed, failures } = runSnippets(work, tarballs);
    for (const failure of failures) console.error(`\n✗ ${failure}`);
    console.log(`readme-snippets: ${passed} of ${ran} runnable README blocks ran`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const snippet of readmeFiles().flatMap(snippetsOf)) {
    console.log(
      `${snippet.runnable ? 'run     ' : 'fragment'} ${snippet.file}:${snippet.line}  ${snippet.packages.join(' ')}`,
    );
  }
}
