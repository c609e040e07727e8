#!/usr/bin/env node
// The OpenTelemetry lesson: a plugin that depends on its own copy of the core
// registers into a manager the application never sees, and is silently deaf.
// So every package takes @sochdb/core as a required (not optional) peer with
// an open-ended caret range that the workspace's core satisfies (its version,
// or the version the pending changesets will release), no plugin depends on
// another plugin, and core has no runtime dependencies at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not URL.pathname: a path with a space (or any escaped character) stays a path.
const root = fileURLToPath(new URL('..', import.meta.url));
// Published packages only: an application (examples/) rightly depends on core and plugins.
const folders = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
const CORE = '@sochdb/core';
const SHARED = new Set([CORE, '@sochdb/testkit']);
const CARET = /^\^(\d+)\.(\d+)\.(\d+)$/;
const problems = [];

const coreManifest = join(root, 'packages', 'core', 'package.json');
const coreVersion = existsSync(coreManifest) ? JSON.parse(readFileSync(coreManifest, 'utf8')).version : undefined;
const coreNext = coreVersion === undefined ? undefined : afterChangesets(coreVersion);

/** Core's version once the pending changesets (.changeset/*.md) are applied, as `changeset version` would. */
function afterChangesets(version) {
  const folder = join(root, '.changeset');
  const order = ['patch', 'minor', 'major'];
  let bump = -1;
  for (const file of existsSync(folder) ? readdirSync(folder) : []) {
    if (!file.endsWith('.md') || file === 'README.md') continue;
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(join(folder, file), 'utf8'));
    const line = front?.[1].split(/\r?\n/).find((l) => /^\s*["']?@sochdb\/core["']?\s*:/.test(l));
    if (line !== undefined) bump = Math.max(bump, order.indexOf(line.split(':')[1].trim()));
  }
  const [major, minor, patch] = version.split('-')[0].split('.').map(Number);
  if (bump === 2) return `${major + 1}.0.0`;
  if (bump === 1) return `${major}.${minor + 1}.0`;
  if (bump === 0) return `${major}.${minor}.${patch + 1}`;
  return version;
}

/** Whether `^A.B.C` (already matched by CARET) admits `version`, by npm's caret rule. */
function caretSatisfies(range, version) {
  const [, ...bounds] = CARET.exec(range);
  const [a, b, c] = bounds.map(Number);
  const [x, y, z] = version.split('-')[0].split('.').map(Number);
  if (version.includes('-')) return false;
  const atLeast = x > a || (x === a && (y > b || (y === b && z >= c)));
  if (!atLeast) return false;
  if (a > 0) return x === a;
  if (b > 0) return x === 0 && y === b;
  return x === 0 && y === 0 && z === c;
}

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
  } else if (CORE in peers && coreVersion !== undefined) {
    const range = peers[CORE];
    if (!caretSatisfies(range, coreVersion) && !caretSatisfies(range, coreNext)) {
      const next = coreNext === coreVersion ? '' : ` (nor by ${coreNext}, which the pending changesets release)`;
      problems.push(
        `${where}: peer range "${range}" for ${CORE} is not satisfied by the workspace’s ${CORE} ${coreVersion}${next}; ` +
          `the package is built and tested against that core, so take "^${coreVersion}" or the lowest version it needs`,
      );
    }
  }
  if (pkg.peerDependenciesMeta?.[CORE]?.optional === true) {
    problems.push(
      `${where}: marks ${CORE} as an optional peer; it is required (without it the plugin cannot be registered), so remove peerDependenciesMeta.${CORE}.optional`,
    );
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
console.log(
  `check-peer-ranges: ${folders.length} package folders checked, all take ${CORE} as a required caret peer ` +
    `satisfied by ${coreVersion}${coreNext === coreVersion ? '' : ` or ${coreNext} (pending changesets)`}`,
);
