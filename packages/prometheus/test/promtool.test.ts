/**
 * `promtool check metrics` (the Prometheus project's own linter and parser)
 * on our exposition, ordinary and after hostile input.
 */
import { spawnSync } from 'node:child_process';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PrometheusObservability } from '../src/index.js';
import { requireTool } from './helpers.js';

const present = requireTool('promtool');

function promtool(text: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(!present)('promtool check metrics', () => {
  it('passes on an exposition with every kind of metric, spans, logs and health', async () => {
    const ext = new PrometheusObservability({ onError: () => {} });
    ext.counterInc('txn.commit', 3, { table: 'users', op: 'put' });
    ext.counterInc('txn.commit', 1, { table: 'orders', op: 'get' });
    ext.counterInc('wal.bytes_written', 4096);
    ext.gaugeSet('buffer_pool.pages', 17, { pool: 'main' });
    ext.histogramObserve('query.duration_seconds', 0.12, { kind: 'scan' });
    ext.histogramObserve('query.duration_seconds', 3, { kind: 'point' });
    const span = ext.spanStart('txn.commit');
    ext.spanEvent(span, 'fsync');
    ext.spanEnd(span);
    ext.logInfo('hello');
    ext.reportHealth({ operational: true, walSizeBytes: 1, activeTxns: 2, bufferPoolUsage: 0.5, checkpointAgeSecs: 3 });
    const result = promtool(await ext.metrics());
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
    await ext.shutdown();
  });

  it('passes after hostile names, labels and values (where a raw prom-client exposition fails)', async () => {
    const raw = new Registry();
    new Counter({ name: 'raw_total', help: 'x', labelNames: ['__name__'], registers: [raw] }).inc({ __name__: 'x' }, 1);
    expect(promtool(await raw.metrics()).status).not.toBe(0);

    const ext = new PrometheusObservability({ onError: () => {}, maxSeriesPerMetric: 50 });
    const names = [
      'a-b',
      '9x',
      'txn.commit',
      '',
      ' ',
      'üñí',
      '__name__',
      'a/b:c',
      'line\nbreak',
      'q"b\\',
      'x_total',
      'x_bucket',
    ];
    const labelSets: unknown[] = [
      { __name__: 'x' },
      { 'a-b': 'x' },
      { '': 'x' },
      { le: '0.5' },
      { v: 'quote " backslash \\ newline \n tab \t' },
      { v: 'ünïcødé 名前 🚀' },
      { v: 'lone \ud800 surrogate' },
      { v: 42 },
      { v: null },
      'not an object',
    ];
    for (const name of names) {
      for (const labels of labelSets) {
        (ext.counterInc as (...args: unknown[]) => void)(name, 1, labels);
        // Gauge x and histogram x would clash with each other (both are family "x"), so each kind gets its own names.
        (ext.gaugeSet as (...args: unknown[]) => void)(`g ${name}`, 1, labels);
        (ext.histogramObserve as (...args: unknown[]) => void)(`h ${name}`, 1, labels);
      }
      (ext.counterInc as (...args: unknown[]) => void)(name, Number.NaN);
      (ext.gaugeSet as (...args: unknown[]) => void)(`g ${name}`, Number.POSITIVE_INFINITY);
    }
    const span = ext.spanStart('span "with" \\ odd\nname');
    ext.spanEvent(span, 'event\n"x"');
    ext.spanEnd(span);
    // Over HTTP, as Prometheus reads it (a lone surrogate becomes U+FFFD in UTF-8).
    const { url } = await ext.serve({ port: 0 });
    const text = await (await fetch(url)).text();
    // Every name made it in, as each kind (plus span_events_total, dropped_values_total and span_duration_seconds).
    const types = [...text.matchAll(/^# TYPE \S+ (\w+)$/gm)].map((m) => m[1]);
    const expected = { counter: names.length + 2, gauge: names.length, histogram: names.length + 1 };
    for (const [kind, count] of Object.entries(expected)) {
      expect(types.filter((type) => type === kind).length, kind).toBe(count);
    }
    const result = promtool(text);
    // promtool parses everything; what it may still say are naming-convention lints
    // about the odd names themselves (a ':' in a name, "abbreviated units", a caller's
    // label "le" on a counter, which the label-name rule keeps rather than drops).
    expect(result.output).not.toMatch(/error/i);
    const lints = result.output.split('\n').filter((line) => line !== '');
    for (const line of lints) {
      expect(line).toMatch(
        / metric names should not contain (':'|abbreviated units)$| metrics should (not )?have "_\w+" suffix$| non-histogram metrics should not have "le" label$/,
      );
    }
    expect(result.status).toBe(lints.length === 0 ? 0 : 3);
    await ext.shutdown();
  });
});
