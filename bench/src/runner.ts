/**
 * The bench runner. The parent process reads the command line against the
 * suites in a folder, then runs each chosen suite file in a child process of
 * its own (the same entry file, with {@link CHILD_ENV} naming the suite file):
 * so each suite's peak RSS is its own, and no suite's garbage or JIT state
 * skews the next. Each child sends back its results, its figures and its peak
 * RSS; the parent times it, writes everything to one results file and ends
 * with each suite's wall time and peak RSS against the budget.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { benchHelp, parseBenchArguments } from './arguments.js';
import { budgetReport, type PartRun, suiteRuns } from './budget.js';
import { createBench, type Figure, type Result, type Suite } from './harness.js';

/** Set in a child's environment to the absolute path of the suite file it runs. */
export const CHILD_ENV = 'SOCHDB_BENCH_CHILD';

/** A figure as written to the results file. */
export type SuiteFigure = Figure & { suite: string; title: string };

/** What a child sends its parent when its suite has run. */
export interface ChildReport {
  readonly results: Result[];
  readonly figures: SuiteFigure[];
  readonly peakRssBytes: number;
}

/** How to run the bench. */
export interface RunOptions {
  /** The command line after the script. */
  readonly argv: readonly string[];
  /** The folder of suite files (`*.ts`, each default-exporting a {@link Suite}). */
  readonly suitesDir: string;
  /** Where the results go (JSON). */
  readonly resultsFile: string;
  /** The script each child runs: an entry that calls {@link runChild} when {@link CHILD_ENV} is set. */
  readonly entry: string;
  /** Node options of each child; `--expose-gc` is added when missing. Default: this process's. */
  readonly execArgv?: readonly string[];
}

/**
 * This process's peak resident set size in bytes: VmHWM on Linux (getrusage's
 * maxRSS can carry over the peak of the process that forked this one), else
 * `process.resourceUsage().maxRSS`.
 */
export function peakRssBytes(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function loadSuites(suitesDir: string): Promise<Array<{ suite: Suite; file: string; path: string }>> {
  const dir = suitesDir.endsWith('/') ? suitesDir : `${suitesDir}/`;
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .sort();
  const loaded = [];
  for (const file of files) {
    const path = `${dir}${file}`;
    const module = (await import(pathToFileURL(path).href)) as { default: Suite };
    loaded.push({ suite: module.default, file: file.slice(0, -'.ts'.length), path });
  }
  return loaded;
}

/** Runs the command line `options.argv`; resolves to the exit code. */
export async function runBench(options: RunOptions): Promise<number> {
  const suites = await loadSuites(options.suitesDir);
  const summaries = suites.map(({ suite, file }) => ({ name: suite.name, description: suite.description, file }));
  const request = parseBenchArguments(options.argv, summaries);
  if (request.kind === 'error') {
    console.error(request.message);
    return 2;
  }
  if (request.kind === 'help') {
    console.log(benchHelp(summaries));
    return 0;
  }
  if (request.kind === 'list') {
    console.log([...new Set(suites.map(({ suite }) => suite.name))].join('\n'));
    return 0;
  }
  const wanted = request.suites;
  // In the order of the files, so a suite's parts (compression-lz4, compression-zstd) run one after the other.
  const chosen = suites.filter(
    ({ suite, file }) => wanted.length === 0 || wanted.includes(suite.name) || wanted.includes(file),
  );

  const execArgv = [...(options.execArgv ?? process.execArgv)];
  if (!execArgv.includes('--expose-gc')) execArgv.unshift('--expose-gc');
  const results: Result[] = [];
  const figures: SuiteFigure[] = [];
  const parts: PartRun[] = [];
  for (const { suite, file, path } of chosen) {
    const start = performance.now();
    const outcome = await runPart(options.entry, execArgv, path);
    const wallMs = performance.now() - start;
    if (outcome.report) {
      results.push(...outcome.report.results);
      figures.push(...outcome.report.figures);
    }
    parts.push({
      suite: suite.name,
      file,
      wallMs,
      peakRssBytes: outcome.report?.peakRssBytes,
      ...(outcome.failure === undefined ? {} : { failure: outcome.failure }),
    });
  }

  const runs = suiteRuns(parts);
  writeFileSync(
    options.resultsFile,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        suites: runs.map(({ suite, files, wallMs, peakRssBytes, failures, over }) => ({
          suite,
          files,
          wallMs: Math.round(wallMs),
          peakRssBytes,
          failures,
          overBudget: over,
        })),
        results,
        figures,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\n${budgetReport(runs)}`);
  console.log(`\nWrote ${results.length} results and ${figures.length} figures to ${options.resultsFile}`);
  return parts.some((part) => part.failure !== undefined) ? 1 : 0;
}

/** Runs one suite file in a child; its output goes straight to this process's. */
function runPart(
  entry: string,
  execArgv: readonly string[],
  path: string,
): Promise<{ report?: ChildReport; failure?: string }> {
  return new Promise((resolve) => {
    let report: ChildReport | undefined;
    const child: ChildProcess = fork(entry, [], {
      execArgv: [...execArgv],
      env: { ...process.env, [CHILD_ENV]: path },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message) => {
      report = message as ChildReport;
    });
    child.on('error', (error) => resolve({ failure: error.message }));
    child.on('exit', (code, signal) => {
      if (code === 0 && report) resolve({ report });
      else if (report) resolve({ report, failure: `exit ${code ?? signal}` });
      else resolve({ failure: signal ? `killed by ${signal}` : `exit code ${code}` });
    });
  });
}

/** In a child: runs the suite file at `path` and sends its {@link ChildReport} to the parent. */
export async function runChild(path: string): Promise<void> {
  const suite = ((await import(pathToFileURL(path).href)) as { default: Suite }).default;
  const results: Result[] = [];
  const figures: SuiteFigure[] = [];
  console.log(`\n${suite.name}: ${suite.description}`);
  await suite.run(createBench(suite.name, results, figures));
  const report: ChildReport = { results, figures, peakRssBytes: peakRssBytes() };
  if (!process.send) throw new Error(`${CHILD_ENV} is set but this process has no parent to report to`);
  // Exit once the report is sent, whatever handles a suite left open.
  process.send(report, () => process.exit(0));
}
