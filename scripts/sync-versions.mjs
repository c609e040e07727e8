#!/usr/bin/env node
// Run by `pnpm version-packages` after `changeset version`: every package's
// src/version.ts (the VERSION its extensions report in `info.version`) takes
// the version changesets just wrote to its package.json. Each package has a
// test that keeps the two equal, so a release cannot ship them apart.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../packages/', import.meta.url));
for (const name of readdirSync(packages).sort()) {
  const file = join(packages, name, 'src', 'version.ts');
  if (!existsSync(file)) continue;
  const { version } = JSON.parse(readFileSync(join(packages, name, 'package.json'), 'utf8'));
  const text = readFileSync(file, 'utf8');
  const next = text.replace(/VERSION = '[^']*'/, `VERSION = '${version}'`);
  if (next === text) continue;
  writeFileSync(file, next);
  console.log(`packages/${name}/src/version.ts: ${version}`);
}
