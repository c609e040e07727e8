#!/usr/bin/env node
// Runs every vitest project in one run and ends with the one plain line CI
// reads: "N passed, N failed" (", N skipped" when any were skipped). The line
// is also written to .tmp/test-summary.txt so .ci/run can repeat it last.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not URL.pathname: a path with a space (or any escaped character) stays a path.
const root = fileURLToPath(new URL('..', import.meta.url));
const report = join(root, '.tmp', 'vitest-results.json');
mkdirSync(join(root, '.tmp'), { recursive: true });
rmSync(report, { force: true });

const vitest = spawnSync(
  join(root, 'node_modules', '.bin', 'vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  passed = result.numPassedTests;
  failed = result.numFailedTests;
  skipped = (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
  printSkipped(result);
  // A test file that fails to load has no tests to count: count it as a failure.
  failed += (result.testResults ?? []).filter(
    (file) => file.status === 'failed' && file.assertionResults.length === 0,
  ).length;
}
if (vitest.status !== 0 && failed === 0) failed = 1; // vitest itself failed (crash, bad config)

const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
writeFileSync(join(root, '.tmp', 'test-summary.txt'), `${line}\n`);
console.log(line);
process.exit(failed > 0 ? 1 : 0);

/**
 * Names every skipped test, grouped by file, so a skip is never silent: the
 * conformance kit's titles say which optional feature the extension lacks.
 */
function printSkipped(result) {
  const groups = [];
  for (const file of result.testResults ?? []) {
    const names = file.assertionResults
      .filter((test) => test.status === 'pending' || test.status === 'skipped' || test.status === 'todo')
      .map((test) => test.fullName ?? test.title);
    if (names.length > 0) groups.push([file.name.slice(root.length), names]);
  }
  if (groups.length === 0) return;
  console.log('\nSkipped tests (an optional feature the extension under test does not have, or a tool not installed):');
  for (const [file, names] of groups) {
    console.log(`  ${file}`);
    for (const name of names) console.log(`    - ${name}`);
  }
}
