import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runBench } from '../src/runner.js';

const dir = mkdtempSync(join(tmpdir(), 'sochdb-bench-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Written {
  suites: Array<{ suite: string; files: string[]; wallMs: number; peakRssBytes?: number; failures: string[] }>;
  results: Array<{ suite: string; case: string; contender: string }>;
  figures: Array<{ suite: string; name: string; value: number }>;
}

let runs = 0;
async function bench(...argv: string[]): Promise<{ code: number; written: Written }> {
  const resultsFile = join(dir, `results-${runs++}.json`);
  const code = await runBench({
    argv,
    suitesDir: fileURLToPath(new URL('./fixtures/suites/', import.meta.url)),
    resultsFile,
    entry: fileURLToPath(new URL('../src/run.ts', import.meta.url)),
    execArgv: ['--import', 'tsx'],
  });
  return { code, written: JSON.parse(readFileSync(resultsFile, 'utf8')) as Written };
}

const figure = (written: Written, name: string) => written.figures.filter((f) => f.name === name).map((f) => f.value);

describe('the bench runner', () => {
  it('runs each suite file in a process of its own and reports each suite’s own peak RSS', async () => {
    process.env.SOCHDB_BENCH_ONLY = '7';
    let result: { code: number; written: Written };
    try {
      result = await bench('split', 'small');
    } finally {
      delete process.env.SOCHDB_BENCH_ONLY;
    }
    const { code, written } = result;
    expect(code).toBe(0);

    // Three files, three processes, none of them this one.
    const pids = figure(written, 'pid');
    expect(pids).toHaveLength(3);
    expect(new Set([...pids, process.pid]).size).toBe(4);
    // Each child gets --expose-gc and this process's environment.
    expect(figure(written, 'gc exposed')).toEqual([1]);
    expect(figure(written, 'SOCHDB_BENCH_ONLY')).toEqual([7]);
    expect(written.results.map((r) => `${r.suite}/${r.case}/${r.contender}`)).toEqual(['small/sum 1k/loop']);

    // In the order of the files; a suite split over two files is one suite of two files.
    expect(written.suites.map(({ suite, files }) => [suite, files])).toEqual([
      ['small', ['small']],
      ['split', ['split-big', 'split-echo']],
    ]);
    const [small, split] = written.suites as [Written['suites'][0], Written['suites'][0]];
    // split-big held 300 MB; small's process never did, so its peak is its own.
    expect(split.peakRssBytes).toBeGreaterThan(300e6);
    expect(small.peakRssBytes).toBeGreaterThan(10e6);
    expect(small.peakRssBytes).toBeLessThan(300e6);
    expect(small.wallMs).toBeGreaterThan(0);
    expect(split.failures).toEqual([]);
  });

  it('runs one file of a split suite when that file is named', async () => {
    const { code, written } = await bench('split-echo');
    expect(code).toBe(0);
    expect(written.suites.map(({ suite, files }) => [suite, files])).toEqual([['split', ['split-echo']]]);
  });

  it('goes on past a suite that fails, keeps the others’ results and exits 1', async () => {
    const { code, written } = await bench('broken', 'small');
    expect(code).toBe(1);
    expect(written.suites.map(({ suite, failures }) => [suite, failures])).toEqual([
      ['broken', ['broken: exit code 1']],
      ['small', []],
    ]);
    expect(written.results.map((r) => r.suite)).toEqual(['small']);
  });
});
