/**
 * The benchmark harness: every contender of a case runs in this one process,
 * interleaved round by round (so drift in machine speed hits all of them
 * alike), after a warm-up round. The figure kept is the median round; ratios
 * are taken against the case's named baselines inside the same run, because
 * absolute figures swing between runs and machines.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** One thing being measured. `setup` (untimed) makes fresh state for each round; `run` is timed. */
export interface Contender<State = unknown> {
  /** Shown in the table, e.g. `"@sochdb/storage-memory"` or `"raw sorted-btree"`. */
  readonly name: string;
  /** Ratios of every contender are taken against each baseline. */
  readonly baseline?: boolean;
  /** Untimed; its result is handed to `run`. */
  setup?(): State | Promise<State>;
  /** The timed work: `ops` operations of the case. */
  run(state: State): unknown | Promise<unknown>;
  /** Untimed clean-up after each round. */
  teardown?(state: State): unknown | Promise<unknown>;
}

/** A workload measured across several contenders. */
export interface Case {
  /** e.g. `"put 200k"`. */
  readonly name: string;
  /** Operations one round performs, to turn time into ops/s. */
  readonly ops: number;
  readonly contenders: readonly Contender<unknown>[];
  /** Timed rounds after the warm-up (default 5). */
  readonly rounds?: number;
  /**
   * Whether every contender first runs once untimed (default true). A case of
   * long native work, such as building a 100k-vector graph, has nothing to
   * warm up and can skip it; so can a case whose runs change shared state.
   */
  readonly warmup?: boolean;
}

/** A free-form figure (e.g. bytes per entry) reported beside the timings. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

/** What a suite gets to report into. */
export interface Bench {
  /** Measures a case and prints its table. */
  case(spec: Case): Promise<void>;
  /** Records and prints figures that are not timings. */
  figures(title: string, figures: readonly Figure[]): void;
}

/** A named group of cases, one file in `bench/src/suites/`. */
export interface Suite {
  /** The name `pnpm bench <name>` selects. */
  readonly name: string;
  readonly description: string;
  run(bench: Bench): Promise<void>;
}

/** One measured contender of one case, as written to `bench/results.json`. */
export interface Result {
  suite: string;
  case: string;
  contender: string;
  baseline: boolean;
  ops: number;
  rounds: number;
  medianMs: number;
  opsPerSec: number;
  nsPerOp: number;
  /** This contender's ops/s divided by each baseline's: above 1 is faster. */
  ratios: Record<string, number>;
}

const gc = (globalThis as { gc?: () => void }).gc;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timeOnce(contender: Contender<unknown>): Promise<number> {
  // A turn of the event loop (timers included) first: a suite awaits only promises, so without it
  // the callbacks an earlier round left pending never run and what they hold is never collected
  // (OpenTelemetry's SimpleSpanProcessor kept every span of every round: 2 GB in one case).
  await sleep(0);
  const state = await contender.setup?.();
  gc?.();
  const start = performance.now();
  await contender.run(state);
  const elapsed = performance.now() - start;
  await contender.teardown?.(state);
  return elapsed;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/** Makes a Bench that measures into `results` for `suite`. */
export function createBench(
  suite: string,
  results: Result[],
  figures: Array<Figure & { suite: string; title: string }>,
): Bench {
  return {
    async case(spec: Case): Promise<void> {
      const rounds = spec.rounds ?? 5;
      const caseStart = performance.now();
      const contenders = spec.contenders;
      const times = contenders.map(() => [] as number[]);
      if (spec.warmup !== false) for (const contender of contenders) await timeOnce(contender);
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < contenders.length; i++) {
          times[i]?.push(await timeOnce(contenders[i] as Contender<unknown>));
        }
      }
      const rows: Result[] = contenders.map((contender, i) => {
        const medianMs = median(times[i] as number[]);
        return {
          suite,
          case: spec.name,
          contender: contender.name,
          baseline: contender.baseline === true,
          ops: spec.ops,
          rounds,
          medianMs,
          opsPerSec: (spec.ops / medianMs) * 1000,
          nsPerOp: (medianMs * 1e6) / spec.ops,
          ratios: {},
        };
      });
      const baselines = rows.filter((row) => row.baseline);
      for (const row of rows) {
        for (const base of baselines) row.ratios[base.contender] = row.opsPerSec / base.opsPerSec;
      }
      results.push(...rows);
      printCase(spec.name, rows, baselines, performance.now() - caseStart);
    },
    figures(title: string, list: readonly Figure[]): void {
      figures.push(...list.map((figure) => ({ ...figure, suite, title })));
      console.log(`\n  ${title}`);
      const width = Math.max(...list.map((f) => f.name.length));
      for (const f of list) {
        console.log(
          `    ${f.name.padEnd(width)}  ${formatNumber(f.value).padStart(9)} ${f.unit}${f.note ? `  (${f.note})` : ''}`,
        );
      }
    },
  };
}

function printCase(name: string, rows: readonly Result[], baselines: readonly Result[], caseMs: number): void {
  const header = ['contender', 'median ms', 'ops/s', 'ns/op', ...baselines.map((b) => `x ${b.contender}`)];
  const body = rows.map((row) => [
    `${row.contender}${row.baseline ? ' *' : ''}`,
    row.medianMs.toFixed(2),
    formatNumber(row.opsPerSec),
    formatNumber(row.nsPerOp),
    ...baselines.map((b) => (row.ratios[b.contender] as number).toFixed(2)),
  ]);
  const widths = header.map((h, col) => Math.max(h.length, ...body.map((line) => (line[col] as string).length)));
  const line = (cells: readonly string[]) =>
    `    ${cells.map((cell, col) => (col === 0 ? cell.padEnd(widths[col] as number) : cell.padStart(widths[col] as number))).join('  ')}`;
  console.log(
    `\n  ${name}  (median of ${rows[0]?.rounds ?? 0} rounds; * = baseline; x = ops/s ratio, above 1 is faster; case ${(caseMs / 1000).toFixed(1)} s)`,
  );
  console.log(line(header));
  for (const cells of body) console.log(line(cells));
}
