import { describe, expect, it } from 'vitest';
import { budgetReport, formatBytes, formatDuration, overBudget, SUITE_BUDGET, suiteRuns } from '../src/budget.js';

describe('the suite budget', () => {
  it('is two minutes and 1 GB', () => {
    expect(SUITE_BUDGET).toEqual({ wallMs: 120_000, peakRssBytes: 1e9 });
  });

  it('judges time and memory apart, the limits themselves within', () => {
    expect(overBudget(120_000, 1e9)).toEqual([]);
    expect(overBudget(134_000, 5e8)).toEqual(['2 min 14 s > 2 min']);
    expect(overBudget(60_000, 1.6e9)).toEqual(['1.6 GB > 1 GB']);
    expect(overBudget(264_000, 1.6e9)).toEqual(['4 min 24 s > 2 min', '1.6 GB > 1 GB']);
    // A suite that reported no peak (it failed) is judged on its time only.
    expect(overBudget(1_000, undefined)).toEqual([]);
  });

  it('formats durations and sizes as the report shows them', () => {
    expect(formatDuration(8_470)).toBe('8.5 s');
    expect(formatDuration(45_400)).toBe('45 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(2_400_000)).toBe('40 min');
    expect(formatBytes(812_345_678)).toBe('812 MB');
    expect(formatBytes(1.25e9)).toBe('1.25 GB');
  });

  it('adds the times of a suite split over several files and keeps the largest peak', () => {
    const runs = suiteRuns([
      { suite: 'compression', file: 'compression-lz4', wallMs: 70_000, peakRssBytes: 4e8 },
      { suite: 'fan-out', file: 'fan-out', wallMs: 50_000, peakRssBytes: 2e8 },
      { suite: 'compression', file: 'compression-zstd', wallMs: 60_000, peakRssBytes: 3e8 },
    ]);
    expect(runs).toEqual([
      {
        suite: 'compression',
        files: ['compression-lz4', 'compression-zstd'],
        wallMs: 130_000,
        peakRssBytes: 4e8,
        failures: [],
        over: ['2 min 10 s > 2 min'],
      },
      { suite: 'fan-out', files: ['fan-out'], wallMs: 50_000, peakRssBytes: 2e8, failures: [], over: [] },
    ]);
  });

  it('reports every suite on a line, then one line naming those over the budget', () => {
    const report = budgetReport(
      suiteRuns([
        { suite: 'fan-out', file: 'fan-out', wallMs: 50_000, peakRssBytes: 2e8 },
        { suite: 'storage', file: 'storage', wallMs: 264_000, peakRssBytes: 1.6e9 },
        { suite: 'log', file: 'log', wallMs: 3_000, peakRssBytes: undefined, failure: 'exit code 1' },
      ]),
    );
    const lines = report.split('\n');
    expect(lines[0]).toBe(
      'Each suite in its own process: wall time and peak RSS (budget per suite: 2 min, 1 GB peak RSS)',
    );
    expect(lines.find((line) => line.startsWith('  fan-out'))).toMatch(/^ {2}fan-out +50 s +200 MB$/);
    expect(lines.find((line) => line.startsWith('  storage'))).toMatch(/4 min 24 s +1\.6 GB {2}OVER BUDGET$/);
    expect(lines.find((line) => line.startsWith('  log'))).toMatch(/3\.0 s +\? {2}FAILED$/);
    expect(lines.at(-2)).toBe('Over the budget (2 min, 1 GB peak RSS): storage (4 min 24 s > 2 min, 1.6 GB > 1 GB).');
    expect(lines.at(-1)).toBe('Failed: log: exit code 1.');
  });

  it('says so when every suite kept to the budget', () => {
    const report = budgetReport(suiteRuns([{ suite: 'log', file: 'log', wallMs: 45_000, peakRssBytes: 3e8 }]));
    expect(report.split('\n').at(-1)).toBe('Every suite within the budget (2 min, 1 GB peak RSS).');
  });
});
