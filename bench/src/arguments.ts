/**
 * The command line of `pnpm bench`: suite names and a few flags. Kept apart
 * from the runner so it can be tested without running a benchmark.
 */

/** What the command line asks for. */
export type BenchRequest =
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | { readonly kind: 'run'; readonly suites: readonly string[] }
  | { readonly kind: 'error'; readonly message: string };

/** A suite as the help text shows it. */
export interface SuiteSummary {
  readonly name: string;
  readonly description: string;
  /** The suite's file without `.ts`: one part of a suite split over several files (`metrics-prometheus`). */
  readonly file?: string;
}

/** Reads `argv` (without node and the script) against the suites that exist. */
export function parseBenchArguments(argv: readonly string[], suites: readonly SuiteSummary[]): BenchRequest {
  const names = [...new Set(suites.map((suite) => suite.name))];
  const parts = suites.flatMap((suite) => (suite.file !== undefined && suite.file !== suite.name ? [suite.file] : []));
  const wanted: string[] = [];
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--list') return { kind: 'list' };
    if (arg === '--') continue; // `pnpm bench -- storage` passes the separator through
    if (arg.startsWith('-')) {
      return { kind: 'error', message: `Unknown option ${arg}. Run \`pnpm bench --help\` for the options.` };
    }
    if (!names.includes(arg) && !parts.includes(arg)) {
      return { kind: 'error', message: `Unknown bench suite "${arg}". Suites: ${names.join(', ')}.` };
    }
    if (!wanted.includes(arg)) wanted.push(arg);
  }
  return { kind: 'run', suites: wanted };
}

/** The text `pnpm bench --help` prints. */
export function benchHelp(suites: readonly SuiteSummary[]): string {
  const byName = new Map<string, string[]>();
  for (const { name, description, file } of suites) {
    const part = file !== undefined && file !== name ? ` (alone: ${file})` : '';
    byName.set(name, [...(byName.get(name) ?? []), `${description}${part}`]);
  }
  const width = Math.max(...[...byName.keys()].map((name) => name.length));
  const lines = [...byName].flatMap(([name, descriptions]) =>
    descriptions.map((description, i) => `  ${(i === 0 ? name : '').padEnd(width)}  ${description}`),
  );
  return [
    'Usage: pnpm bench [suite ...]',
    '',
    'Runs the named suites (every suite when none is named), each suite file in a process of its own:',
    'each case runs our package interleaved with its raw library and its peers, and prints the median of',
    'the rounds and the ratio to the baselines (above 1 = ours is faster). Figures go to bench/results.json.',
    "At the end: each suite's wall time and peak RSS (of its own process), and which suites went over the",
    'budget each keeps to at these settings, 2 minutes and 1 GB. On a 2-core machine a suite takes 25 to',
    "75 s, the whole run about 8 minutes (the root README has each suite's figures).",
    '',
    'Suites:',
    ...lines,
    '',
    'Options:',
    '  --list      print the suite names, one a line',
    '  -h, --help  this text',
  ].join('\n');
}
