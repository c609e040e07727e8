#!/usr/bin/env node
// `pnpm test:all`: every check a change must pass, each run even when an
// earlier one failed, so one run shows everything that is wrong. Ends with
// the test-count line; a failed gate (lint, typecheck, ...) counts as one
// failure in it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not URL.pathname: a path with a space (or any escaped character) stays a path.
const root = fileURLToPath(new URL('..', import.meta.url));
const steps = [
  ['tools', ['node', 'scripts/ensure-tools.mjs']],
  ['lint', ['pnpm', 'lint']],
  ['typecheck', ['pnpm', 'typecheck']],
  ['test', ['pnpm', 'test']],
];
steps.push(['readme snippets', ['pnpm', 'test:snippets']]);
steps.push(['release test', ['pnpm', 'test:release']]);

const summaryFile = join(root, '.tmp', 'test-summary.txt');
const releaseFile = join(root, '.tmp', 'release-summary.txt');
rmSync(summaryFile, { force: true });
rmSync(releaseFile, { force: true });
const failedSteps = [];
for (const [name, [command, ...args]] of steps) {
  console.log(`\n=== ${name}: ${[command, ...args].join(' ')}`);
  // No turbo telemetry notice in the middle of the test output.
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (status !== 0) failedSteps.push(name);
}

const counted = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8').trim() : '';
const match = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/.exec(counted);
const [passed, failedTests, skipped] = match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : [0, 0, 0];
let failed = failedTests;
let passedAll = passed;
// The release test's checks count like tests.
const release = existsSync(releaseFile) ? /^(\d+) passed, (\d+) failed/.exec(readFileSync(releaseFile, 'utf8')) : null;
if (release) {
  passedAll += Number(release[1]);
  failed += Number(release[2]);
}
// `test` and `release test` failing are already in their own counts (unless
// they died before counting); other gates add one failure each.
failed += failedSteps.filter((name) => (name !== 'test' || !match) && (name !== 'release test' || !release)).length;
if (failedSteps.length > 0) console.log(`\nFailed: ${failedSteps.join(', ')}`);
const line = `${passedAll} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
mkdirSync(join(root, '.tmp'), { recursive: true });
writeFileSync(summaryFile, `${line}\n`);
console.log(line);
process.exit(failedSteps.length > 0 ? 1 : 0);
