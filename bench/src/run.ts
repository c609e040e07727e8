/**
 * `pnpm bench [suite ...]`: runs the named suites (all when none is named),
 * each suite file in a child process of its own (this same file, with
 * `SOCHDB_BENCH_CHILD` naming the suite), writes every figure to
 * `bench/results.json` and ends with each suite's wall time and peak RSS
 * against the budget (2 minutes, 1 GB). `pnpm bench --help` lists the suites.
 */
import { fileURLToPath } from 'node:url';
import { CHILD_ENV, runBench, runChild } from './runner.js';

const child = process.env[CHILD_ENV];
if (child !== undefined) {
  await runChild(child);
} else {
  process.exitCode = await runBench({
    argv: process.argv.slice(2),
    suitesDir: fileURLToPath(new URL('./suites/', import.meta.url)),
    resultsFile: fileURLToPath(new URL('../results.json', import.meta.url)),
    entry: fileURLToPath(import.meta.url),
  });
}
