#!/usr/bin/env node
// Lints every publishable package as npm would ship it: publint --strict on
// the packed tarball, and @arethetypeswrong/cli on the same tarball with the
// esm-only profile (our packages are ESM; CommonJS consumers use require(esm)
// on Node >= 20.19). Also checks what every tarball must carry: its built
// code (dist/), the LICENSE it declares, and the metadata npm shows
// (repository, homepage, bugs, license).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not URL.pathname: a path with a space (or any escaped character) stays a path.
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);

const out = mkdtempSync(join(tmpdir(), 'sochdb-pack-'));
let failed = 0;
try {
  for (const dir of packages) {
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (!existsSync(join(dir, 'dist'))) {
      console.error(`✗ ${name}: no dist/ (run pnpm build first)`);
      failed++;
      continue;
    }
    const before = new Set(readdirSync(out));
    execFileSync('pnpm', ['pack', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    const tarball = join(
      out,
      readdirSync(out).find((file) => !before.has(file)),
    );
    let ok = true;
    for (const problem of shipProblems(dir, tarball)) {
      failed++;
      ok = false;
      console.error(`✗ ${name}: ${problem}`);
    }
    for (const [tool, args] of [
      ['publint', ['--strict', tarball]],
      ['attw', [tarball, '--profile', 'esm-only', '--format', 'table-flipped']],
    ]) {
      try {
        execFileSync(bin(tool), args, { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
      } catch (error) {
        failed++;
        ok = false;
        console.error(`✗ ${name}: ${tool} failed\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      }
    }
    if (ok) console.log(`✓ ${name}: dist/, LICENSE and metadata shipped; publint --strict, attw (esm-only)`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(`lint-packages: ${failed} check(s) failed`);
  process.exit(1);
}

/** What the tarball of the package in `dir` lacks that every published package must have. */
function shipProblems(dir, tarball) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  const problems = [];
  if (!files.some((file) => file.startsWith('package/dist/'))) problems.push('the tarball has no dist/');
  if (!files.includes('package/LICENSE')) problems.push('the tarball has no LICENSE');
  for (const field of ['license', 'repository', 'homepage', 'bugs']) {
    if (manifest[field] === undefined) problems.push(`package.json has no "${field}"`);
  }
  if (manifest.repository?.directory !== `packages/${dir.split(/[\\/]/).pop()}`) {
    problems.push('package.json "repository.directory" is not the package\'s folder');
  }
  if (manifest.scripts?.prepack !== 'node ../../scripts/prepack.mjs') {
    problems.push('package.json has no "prepack": "node ../../scripts/prepack.mjs" (builds dist/, copies LICENSE)');
  }
  return problems;
}
