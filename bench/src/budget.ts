/**
 * What each suite cost to run, and whether it kept to the budget every suite
 * is held to at default settings: two minutes of wall time and 1 GB of peak
 * resident memory, run alone. Kept apart from the runner so the verdict and
 * the report can be tested without running a benchmark.
 */

/** The most a suite may take, run alone at default settings. */
export interface Budget {
  readonly wallMs: number;
  readonly peakRssBytes: number;
}

/** Two minutes and 1 GB (10^9 bytes). */
export const SUITE_BUDGET: Budget = { wallMs: 120_000, peakRssBytes: 1e9 };

/** One suite file run in its own process. */
export interface PartRun {
  /** The suite's name, as `pnpm bench <name>` selects it. */
  readonly suite: string;
  /** The suite's file without `.ts`. */
  readonly file: string;
  /** From starting the process to its exit. */
  readonly wallMs: number;
  /** The process's peak resident set size, undefined when it reported none (it failed). */
  readonly peakRssBytes: number | undefined;
  /** Undefined when the suite finished; otherwise why it did not. */
  readonly failure?: string;
}

/** A suite's cost: its parts' wall times added, the largest of their peaks. */
export interface SuiteRun {
  readonly suite: string;
  readonly files: readonly string[];
  readonly wallMs: number;
  readonly peakRssBytes: number | undefined;
  readonly failures: readonly string[];
  /** What went over the budget, e.g. `"2.4 min > 2 min"`; empty when within it. */
  readonly over: readonly string[];
}

/** Groups part runs by suite, in the order the suites first ran, and judges each against `budget`. */
export function suiteRuns(parts: readonly PartRun[], budget: Budget = SUITE_BUDGET): SuiteRun[] {
  const bySuite = new Map<string, PartRun[]>();
  for (const part of parts) bySuite.set(part.suite, [...(bySuite.get(part.suite) ?? []), part]);
  return [...bySuite].map(([suite, runs]) => {
    const wallMs = runs.reduce((sum, run) => sum + run.wallMs, 0);
    const peaks = runs.flatMap((run) => (run.peakRssBytes === undefined ? [] : [run.peakRssBytes]));
    const peakRssBytes = peaks.length === 0 ? undefined : Math.max(...peaks);
    return {
      suite,
      files: runs.map((run) => run.file),
      wallMs,
      peakRssBytes,
      failures: runs.flatMap((run) => (run.failure === undefined ? [] : [`${run.file}: ${run.failure}`])),
      over: overBudget(wallMs, peakRssBytes, budget),
    };
  });
}

/** What of `wallMs` and `peakRssBytes` is over `budget`: none, one or both, as text. */
export function overBudget(wallMs: number, peakRssBytes: number | undefined, budget: Budget = SUITE_BUDGET): string[] {
  const over: string[] = [];
  if (wallMs > budget.wallMs) over.push(`${formatDuration(wallMs)} > ${formatDuration(budget.wallMs)}`);
  if (peakRssBytes !== undefined && peakRssBytes > budget.peakRssBytes) {
    over.push(`${formatBytes(peakRssBytes)} > ${formatBytes(budget.peakRssBytes)}`);
  }
  return over;
}

/** `8.5 s`, `45 s`, `2 min`, `2 min 14 s`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 100) return `${seconds} s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)} min${rest === 0 ? '' : ` ${rest} s`}`;
}

/** `820 MB`, `1 GB`, `1.25 GB` (powers of ten, as the budget is stated). */
export function formatBytes(bytes: number): string {
  if (bytes < 1e9) return `${Math.round(bytes / 1e6)} MB`;
  return `${Number((bytes / 1e9).toFixed(2))} GB`;
}

/**
 * The report printed after the suites: one line per suite with its wall time
 * and peak RSS, then one line saying which suites went over the budget (or
 * that none did) and one naming those that failed.
 */
export function budgetReport(runs: readonly SuiteRun[], budget: Budget = SUITE_BUDGET): string {
  const width = Math.max(5, ...runs.map((run) => run.suite.length));
  const lines = runs.map((run) => {
    const parts = run.files.length > 1 ? `  (${run.files.join(' + ')})` : '';
    const peak = run.peakRssBytes === undefined ? '?' : formatBytes(run.peakRssBytes);
    const flag = run.failures.length > 0 ? '  FAILED' : run.over.length > 0 ? '  OVER BUDGET' : '';
    return `  ${run.suite.padEnd(width)}  ${formatDuration(run.wallMs).padStart(10)}  ${peak.padStart(8)}${flag}${parts}`;
  });
  const over = runs.filter((run) => run.over.length > 0);
  const failed = runs.filter((run) => run.failures.length > 0);
  const limit = `${formatDuration(budget.wallMs)}, ${formatBytes(budget.peakRssBytes)} peak RSS`;
  return [
    `Each suite in its own process: wall time and peak RSS (budget per suite: ${limit})`,
    `  ${'suite'.padEnd(width)}  ${'wall'.padStart(10)}  ${'peak'.padStart(8)}`,
    ...lines,
    over.length === 0
      ? `Every suite within the budget (${limit}).`
      : `Over the budget (${limit}): ${over.map((run) => `${run.suite} (${run.over.join(', ')})`).join('; ')}.`,
    ...(failed.length === 0 ? [] : [`Failed: ${failed.flatMap((run) => run.failures).join('; ')}.`]),
  ].join('\n');
}
