#!/usr/bin/env node
// src/version.ts holds the version a running copy of core reports in its
// brands, so it must equal package.json's. It is tracked in git, so the build
// never rewrites it:
//   node scripts/version.mjs --check   (the build) fails when they differ;
//   node scripts/version.mjs --write   (pnpm version-packages, after
//                                       `changeset version` bumped package.json) writes it.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const manifest = fileURLToPath(new URL('../package.json', import.meta.url));
const file = fileURLToPath(new URL('../src/version.ts', import.meta.url));
const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
const text = `/** The version of this copy of \`@sochdb/core\` (package.json's; \`pnpm version-packages\` keeps them equal). */\nexport const VERSION = '${version}';\n`;
let current = '';
try {
  current = readFileSync(file, 'utf8');
} catch {}

const mode = process.argv[2];
if (mode === '--write') {
  if (current !== text) writeFileSync(file, text);
  console.log(`src/version.ts: ${version}`);
} else if (mode === '--check') {
  const said = /VERSION = '([^']*)'/.exec(current)?.[1];
  if (said !== version) {
    console.error(
      `@sochdb/core: src/version.ts says ${said ?? '(nothing)'}, package.json says ${version}. ` +
        'Run `pnpm version-packages` (it bumps versions and writes src/version.ts), ' +
        'or `node packages/core/scripts/version.mjs --write`, and commit the result.',
    );
    process.exit(1);
  }
} else {
  console.error('usage: node scripts/version.mjs --check | --write');
  process.exit(2);
}
