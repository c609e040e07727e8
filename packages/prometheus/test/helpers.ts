import { spawnSync } from 'node:child_process';
import { type OpenMetricsContentType, Registry } from 'prom-client';
import type { ProblemSite } from '../src/index.js';

/** One sample line of the text exposition, labels unescaped. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * Parses the sample lines of a Prometheus text exposition (0.0.4), undoing
 * the label-value escapes (`\\`, `\"`, `\n`). Comments are skipped. Throws
 * on a line it cannot read, so a malformed exposition fails the test.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/s.exec(line);
    if (match === null) throw new Error(`unreadable exposition line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = match[2]?.slice(1, -1) ?? '';
    let at = 0;
    while (at < body.length) {
      const name = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(body.slice(at));
      if (name === null) throw new Error(`unreadable labels in ${JSON.stringify(line)}`);
      at += name[0].length;
      let value = '';
      for (;;) {
        const c = body[at];
        if (c === undefined) throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
        if (c === '"') break;
        if (c === '\\') {
          const next = body[at + 1];
          value += next === 'n' ? '\n' : next;
          at += 2;
        } else {
          value += c;
          at += 1;
        }
      }
      labels[name[1] as string] = value;
      at += 1;
      if (body[at] === ',') at += 1;
    }
    const raw = match[3] as string;
    samples.push({ name: match[1] as string, labels, value: raw === '+Inf' ? Infinity : Number(raw) });
  }
  return samples;
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** An onError that records what it hears. */
export function recorder(): {
  readonly calls: Array<{ error: unknown; where: ProblemSite }>;
  readonly onError: (error: unknown, where: ProblemSite) => void;
  messages(): string[];
} {
  const calls: Array<{ error: unknown; where: ProblemSite }> = [];
  return {
    calls,
    onError: (error, where) => {
      calls.push({ error, where });
    },
    messages: () => calls.map(({ error }) => (error instanceof Error ? error.message : String(error))),
  };
}

/** Whether a command-line tool runs here. */
export function hasTool(command: string, args: readonly string[] = ['--version']): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

/**
 * For tests that need a CLI: skip visibly when it is missing, except in CI,
 * where a missing tool is a failure with a clear message.
 */
export function requireTool(command: string): boolean {
  const present = hasTool(command);
  if (!present && process.env.CI) {
    throw new Error(`${command} is required in CI but was not found on PATH (install the Debian package "prometheus")`);
  }
  return present;
}

/** A prom-client registry in OpenMetrics mode (prom-client's types omit the constructor argument). */
export function openMetricsRegistry(): Registry<OpenMetricsContentType> {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}
