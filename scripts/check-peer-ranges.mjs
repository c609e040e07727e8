#!/usr/bin/env node
// The OpenTelemetry lesson: a plugin that depends on its own copy of the core
// registers into a manager the application never sees, and is silently deaf.
// So every package takes @sochdb/core as a peer with an open-ended caret
// range, no plugin depends on another plugin, and core has no runtime
// dependencies at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// Published packages only: an application (examples/) rightly depends on core and plugins.
const folders = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
const CORE = '@sochdb/core';
const SHARED = new Set([CORE, '@sochdb/testkit']);
const CARET = /^\^\d+\.\d+\.\d+$/;
const problems = [];

for (const folder of folders) {
  const file = join(folder, 'package.json');
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  const where = `${pkg.name} (${file.slice(root.length)})`;
  const deps = pkg.dependencies ?? {};
  const peers = pkg.peerDependencies ?? {};
  if (pkg.name === CORE) {
    if (Object.keys(deps).length > 0)
      problems.push(`${where}: core must have no runtime dependencies, has ${Object.keys(deps).join(', ')}`);
    continue;
  }
  if (CORE in deps) {
    problems.push(
      `${where}: lists ${CORE} under dependencies; make it a peerDependency ("${CORE}": "^1.0.0") so the application's one copy is used`,
    );
  }
  if (pkg.private) continue;
  if (!(CORE in peers)) {
    problems.push(`${where}: a published package must list ${CORE} under peerDependencies ("^A.B.C")`);
  }
  if (CORE in peers && !CARET.test(peers[CORE])) {
    problems.push(`${where}: peer range for ${CORE} is "${peers[CORE]}"; use "^A.B.C" with no upper bound`);
  }
  for (const name of [...Object.keys(deps), ...Object.keys(peers)]) {
    if (name.startsWith('@sochdb/') && !SHARED.has(name)) {
      problems.push(
        `${where}: depends on the plugin ${name}; no package may import another plugin (put shared contract code in core)`,
      );
    }
  }
}

if (problems.length > 0) {
  console.error(`check-peer-ranges: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-peer-ranges: ${folders.length} package folders checked, all take ${CORE} as a caret peer`);
