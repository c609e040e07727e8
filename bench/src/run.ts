/**
 * `pnpm bench [suite ...]`: runs the named suites (all when none is named) in
 * this one process and writes every figure to `bench/results.json`.
 * `pnpm bench --help` lists the suites.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchHelp, parseBenchArguments } from './arguments.js';
import { createBench, type Figure, type Result, type Suite } from './harness.js';

const suitesDir = fileURLToPath(new URL('./suites/', import.meta.url));
const files = readdirSync(suitesDir)
  .filter((file) => file.endsWith('.ts'))
  .sort();
const suites: Suite[] = [];
/** Each suite's file name without `.ts`: `pnpm bench metrics-prometheus` runs one file of a suite split over several. */
const fileOf = new Map<Suite, string>();
for (const file of files) {
  const module = (await import(pathToFileURL(`${suitesDir}${file}`).href)) as { default: Suite };
  suites.push(module.default);
  fileOf.set(module.default, file.slice(0, -'.ts'.length));
}

const summaries = suites.map((suite) => ({ ...suite, file: fileOf.get(suite) ?? suite.name }));
const request = parseBenchArguments(process.argv.slice(2), summaries);
if (request.kind === 'error') {
  console.error(request.message);
  process.exit(2);
}
if (request.kind === 'help') {
  console.log(benchHelp(summaries));
  process.exit(0);
}
if (request.kind === 'list') {
  console.log([...new Set(suites.map((suite) => suite.name))].join('\n'));
  process.exit(0);
}
const wanted = request.suites;
const chosen = (suite: Suite) => wanted.includes(suite.name) || wanted.includes(fileOf.get(suite) ?? '');
if (!(globalThis as { gc?: unknown }).gc) {
  console.warn('(run with node --expose-gc, as `pnpm bench` does, to collect garbage between rounds)');
}

const results: Result[] = [];
const figures: Array<Figure & { suite: string; title: string }> = [];
for (const suite of suites.filter((s) => wanted.length === 0 || chosen(s))) {
  console.log(`\n${suite.name}: ${suite.description}`);
  await suite.run(createBench(suite.name, results, figures));
}

const out = fileURLToPath(new URL('../results.json', import.meta.url));
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, results, figures }, null, 2)}\n`,
);
console.log(`\nWrote ${results.length} results and ${figures.length} figures to bench/results.json`);
