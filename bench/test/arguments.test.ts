import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { benchHelp, parseBenchArguments } from '../src/arguments.js';

const suites = [
  { name: 'storage', description: 'storage vs memory-level', file: 'storage' },
  { name: 'compression', description: 'lz4 vs lz4js', file: 'compression-lz4' },
  { name: 'compression', description: 'zstd vs libzstd', file: 'compression-zstd' },
];

describe('pnpm bench arguments', () => {
  it('runs every suite when none is named, and the named ones once each otherwise', () => {
    expect(parseBenchArguments([], suites)).toEqual({ kind: 'run', suites: [] });
    expect(parseBenchArguments(['--', 'storage', 'compression', 'storage'], suites)).toEqual({
      kind: 'run',
      suites: ['storage', 'compression'],
    });
  });

  it('takes one file of a suite split over several', () => {
    expect(parseBenchArguments(['compression-zstd'], suites)).toEqual({ kind: 'run', suites: ['compression-zstd'] });
  });

  it('answers --help and -h before anything else, and --list', () => {
    expect(parseBenchArguments(['storage', '--help'], suites)).toEqual({ kind: 'help' });
    expect(parseBenchArguments(['-h'], suites)).toEqual({ kind: 'help' });
    expect(parseBenchArguments(['--list'], suites)).toEqual({ kind: 'list' });
  });

  it('refuses an unknown flag and an unknown suite, naming it', () => {
    expect(parseBenchArguments(['--rounds=3'], suites)).toEqual({
      kind: 'error',
      message: 'Unknown option --rounds=3. Run `pnpm bench --help` for the options.',
    });
    expect(parseBenchArguments(['storage', 'metrix'], suites)).toEqual({
      kind: 'error',
      message: 'Unknown bench suite "metrix". Suites: storage, compression.',
    });
  });

  it('the help lists every suite with each of its descriptions and says which way ratios go', () => {
    const help = benchHelp(suites);
    expect(help).toMatch(/^Usage: pnpm bench \[suite \.\.\.\]/);
    expect(help).toContain('above 1 = ours is faster');
    expect(help).toContain('each suite file in a process of its own');
    expect(help).toContain('budget each keeps to at these settings, 2 minutes and 1 GB');
    expect(help).toMatch(/ {2}storage {6}storage vs memory-level/);
    expect(help).toMatch(
      / {2}compression {2}lz4 vs lz4js \(alone: compression-lz4\)\n {15}zstd vs libzstd \(alone: compression-zstd\)/,
    );
  });
});

describe('the bench runner', () => {
  const run = (...args: string[]) => runIn({}, ...args);
  const runIn = (env: Record<string, string>, ...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/run.ts', ...args], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ...env },
    });

  it('lists the suites without making any suite’s data or folders', () => {
    // The runner imports every suite to list them; the rocksdb suite used to make its folder then.
    const tmp = mkdtempSync(join(tmpdir(), 'sochdb-bench-list-'));
    try {
      const { status, stdout } = runIn({ TMPDIR: tmp }, '--list');
      expect(status).toBe(0);
      expect(stdout.trim().split('\n')).toContain('rocksdb');
      // (tsx keeps its cache there too.)
      expect(readdirSync(tmp).filter((name) => name.startsWith('sochdb-'))).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('prints the help and exits 0 without running a benchmark', () => {
    const { status, stdout } = run('--help');
    expect(status).toBe(0);
    expect(stdout).toContain('Suites:');
    for (const name of ['fan-out', 'storage', 'index', 'compression', 'metrics', 'log']) {
      expect(stdout).toMatch(new RegExp(`^ {2}${name} `, 'm'));
    }
    expect(stdout).not.toContain('Wrote');
  });

  it('exits 2 with one line for an unknown flag or suite', () => {
    for (const arg of ['--bogus', 'nope']) {
      const { status, stdout, stderr } = run(arg);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
