import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const demoDir = fileURLToPath(new URL('..', import.meta.url));
const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../sochdb.config.json', import.meta.url)), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'sochdb-demo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the demo in a child process, as `pnpm demo` does. */
function runDemo(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', demo, ...args],
      { cwd: demoDir, timeout: 110_000, env: { ...process.env, INIT_CWD: '', ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** The shipped configuration with changes, written next to the test's data. */
function config(name: string, change: (c: typeof shipped) => void): string {
  const copy = structuredClone(shipped);
  change(copy);
  const file = join(work, name);
  writeFileSync(file, JSON.stringify(copy));
  return file;
}

describe('the kernel demo, end to end', () => {
  it('stores, compresses, indexes and queries a small dataset, and reports it', async () => {
    const file = config('small.json', (c) => {
      c.rows = 3000;
    });
    const { code, stdout, stderr } = await runDemo(['--config', file, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.rows).toBe(3000);
    expect(summary.plugins).toHaveLength(shipped.plugins.length);
    expect(summary.plugins.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['memory', 'rows-by-city']),
    );
    expect(summary.codecs.map((c: { algorithm: string }) => c.algorithm).sort()).toEqual(['lz4', 'zstd']);
    // Each value is compressed on its own (~470 B of JSON): zstd shrinks them about 2x, lz4 about 1.5x.
    for (const codec of summary.codecs) {
      expect(codec.rawBytes).toBeGreaterThan(1_000_000);
      expect(codec.ratio).toBeGreaterThan(codec.algorithm === 'zstd' ? 1.8 : 1.3);
    }
    // Every row is found through the index, fetched, decompressed and checked.
    expect(summary.lookups.rowsVerified).toBe(3000);
    expect(summary.index).toMatchObject({ type: 'btree', column: 'city', keys: 20 });
    expect(summary.index.sizeBytes).toBeGreaterThan(0);
    expect(summary.ranges.rows).toBeGreaterThan(0);
    expect(summary.metricSeries).toContain('sochdb_rows_put_total{table="demo"} 3000');
    // The JSON log file has the run's lines, each valid JSON.
    const lines = readFileSync(summary.logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['kernel demo started', 'kernel demo finished']),
    );
    expect(lines.every((line) => line.service === 'kernel-demo')).toBe(true);
  });

  it('reads rows from a JSON Lines file', async () => {
    const data = join(work, 'rows.jsonl');
    writeFileSync(
      data,
      `${JSON.stringify({ id: 1, city: 'Oslo' })}\n${JSON.stringify({ id: 2, city: 'Lima' })}\n\n${JSON.stringify({ id: 3, city: 'Oslo' })}\n`,
    );
    const { code, stdout } = await runDemo(['--config', config('jsonl.json', () => {}), '--data', data, '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ rows: 3, source: data, index: { keys: 2 }, lookups: { rowsVerified: 3 } });
  });

  it('turns an unknown plugin into one clear line, not a stack trace', async () => {
    const file = config('unknown.json', (c) => {
      c.plugins.push({ module: '@sochdb/nope', options: {} });
    });
    const { code, stdout, stderr } = await runDemo(['--config', file, '--rows', '10']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^kernel-demo: plugin "@sochdb\/nope": Cannot load plugin "@sochdb\/nope": no such package is installed/,
    );
  });

  it('turns a bad option into one clear line', async () => {
    const file = config('bad-level.json', (c) => {
      c.plugins.find((p: { module: string }) => p.module === '@sochdb/zstd').options.level = 99;
    });
    const { code, stderr } = await runDemo(['--config', file, '--rows', '10']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^kernel-demo: plugin "@sochdb\/zstd": .*level/);
  });

  it('names a codec that is not configured', async () => {
    const file = config('bad-codec.json', (c) => {
      c.codec = 'brotli';
    });
    const { code, stderr } = await runDemo(['--config', file, '--rows', '10']);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'kernel-demo: "codec": "brotli" is not a configured compression plugin (configured: lz4, zstd)',
    );
  });
});

describe('the demo command line', () => {
  /** Exit 1 with exactly one line on stderr, starting `kernel-demo: `, and nothing on stdout. */
  function expectOneLineError(result: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toMatch(pattern);
  }

  it('--help prints the options and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^Usage: pnpm demo \[options\]/);
    for (const option of ['--config', '--data', '--rows', '--serve', '--port', '--json', '--help']) {
      expect(stdout).toContain(option);
    }
  });

  it('accepts the `--` that `pnpm demo -- --rows 5` passes on', async () => {
    const { code, stdout } = await runDemo(['--', '--rows', '5', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ rows: 5, source: 'generated' });
  });

  it('resolves --data and --config against the folder the user ran pnpm in (INIT_CWD)', async () => {
    writeFileSync(join(work, 'mine.jsonl'), `${JSON.stringify({ city: 'Oslo' })}\n`);
    writeFileSync(join(work, 'mine.json'), JSON.stringify(shipped));
    const { code, stdout } = await runDemo(['--config', 'mine.json', '--data', 'mine.jsonl', '--json'], {
      INIT_CWD: work,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ rows: 1, source: join(work, 'mine.jsonl') });
  });

  it('a mistake is one line, not a stack trace: unknown flag, bad --rows, missing data file, bad JSON line', async () => {
    expectOneLineError(await runDemo(['--bogus']), /^kernel-demo: Unknown option '--bogus' \(see --help\)$/);
    expectOneLineError(await runDemo(['--rows', 'ten']), /^kernel-demo: --rows must be a positive integer; got ten$/);
    expectOneLineError(
      await runDemo(['--data', join(work, 'missing.jsonl')]),
      /^kernel-demo: .*missing\.jsonl: cannot read the data file \(ENOENT\)$/,
    );
    writeFileSync(join(work, 'bad.jsonl'), '{"city":"Oslo"}\n{"city": oops}\n');
    expectOneLineError(await runDemo(['--data', join(work, 'bad.jsonl')]), /^kernel-demo: .*bad\.jsonl:2: not JSON/);
  });

  it('a port already in use is one line saying to pick another', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as AddressInfo;
    try {
      expectOneLineError(
        await runDemo(['--rows', '5', '--serve', '--port', String(port), '--json']).then((r) => ({
          ...r,
          stdout: '', // the summary is printed before the server starts
        })),
        new RegExp(`^kernel-demo: port ${port} is already in use: pass another with --port`),
      );
    } finally {
      blocker.close();
    }
  });

  it('says which rows lack the indexed column, and prints small sizes and rates readably', async () => {
    writeFileSync(join(work, 'gaps.jsonl'), `${JSON.stringify({ city: 'Oslo' })}\n${JSON.stringify({ id: 2 })}\n`);
    const { code, stdout } = await runDemo(['--data', join(work, 'gaps.jsonl')]);
    expect(code).toBe(0);
    expect(stdout).toContain('1 row(s) have no "city": indexed under the empty key');
    expect(stdout).not.toMatch(/0\.00 MB|\b0 MB\/s/);
    expect(stdout).toMatch(/config {4}.*sochdb\.config\.json/);
    expect(stdout).toContain('Next:');
  });
});

describe('the kernel demo with a vector index (@sochdb/index-hnsw)', () => {
  const vector = JSON.parse(
    readFileSync(fileURLToPath(new URL('../sochdb.vector.config.json', import.meta.url)), 'utf8'),
  );
  /** The shipped vector configuration with changes, written next to the test's data. */
  function vectorConfig(name: string, change: (c: typeof vector) => void = () => {}): string {
    const copy = structuredClone(vector);
    copy.plugins = copy.plugins.filter((p: { module: string }) => p.module !== '@sochdb/json-logging');
    change(copy);
    const file = join(work, name);
    writeFileSync(file, JSON.stringify(copy));
    return file;
  }

  it('indexes the generated embeddings and answers nearest-neighbour queries, checked against an exact search', async () => {
    const file = vectorConfig('vector.json', (c) => {
      c.rows = 3000;
    });
    const { code, stdout, stderr } = await runDemo(['--config', file, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.index).toMatchObject({ type: 'hnsw', column: 'embedding', kind: 'vector', rowsWithoutColumn: 0 });
    expect(summary.index.keys).toBeGreaterThan(2900); // nearly every bag of words is distinct
    // Each sampled vector finds its own row (and any row with the same vector).
    expect(summary.lookups.keys).toBe(1000);
    expect(summary.lookups.rowsVerified).toBeGreaterThanOrEqual(1000);
    expect(summary.ranges).toBeUndefined();
    // 200 queries of k = 10, every answer fetched and its cosine distance recomputed from the stored row.
    expect(summary.nearest).toMatchObject({ queries: 200, k: 10, rowsVerified: 2000, metric: 'cosine' });
    expect(summary.nearest.recall).toBeGreaterThanOrEqual(0.95);
    expect(summary.metricSeries).toContain('sochdb_index_nearest_total{index="rows-by-embedding"} 200');
  });

  it('prints the nearest-neighbour line and skips rows without a vector, saying so', async () => {
    const data = join(work, 'vectors.jsonl');
    const rows = [
      { text: 'cat', embedding: [1, 0, 0] },
      { text: 'dog', embedding: [0.9, 0.1, 0] },
      { text: 'rain', embedding: [0, 1, 0] },
      { text: 'no vector' },
    ];
    writeFileSync(data, rows.map((row) => JSON.stringify(row)).join('\n'));
    const file = vectorConfig('vector3.json', (c) => {
      c.plugins[1].options.dimensions = 3;
    });
    const { code, stdout, stderr } = await runDemo(['--config', file, '--data', data]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('index     hnsw on "embedding"');
    expect(stdout).toContain('1 row(s) have no "embedding": not indexed');
    expect(stdout).toMatch(
      /nearest {3}3 queries \(k=10\) in [\d.]+ ms -> 9 rows fetched, distances checked; recall@10 1\.000/,
    );
    expect(stdout).not.toContain('ranges');
  });

  it('a vector that is not numbers, or of the wrong length, is one line naming the row or the dimensions', async () => {
    const bad = join(work, 'bad-vectors.jsonl');
    writeFileSync(bad, `${JSON.stringify({ embedding: [1, 2, 3] })}\n${JSON.stringify({ embedding: 'soft' })}\n`);
    const file = vectorConfig('vector-bad.json', (c) => {
      c.plugins[1].options.dimensions = 3;
    });
    let result = await runDemo(['--config', file, '--data', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'kernel-demo: row 1: "embedding" must be an array of finite numbers (a vector) for a vector index',
    );
    const short = join(work, 'short-vectors.jsonl');
    writeFileSync(short, `${JSON.stringify({ embedding: [1, 2, 3] })}\n${JSON.stringify({ embedding: [1, 2] })}\n`);
    result = await runDemo(['--config', file, '--data', short]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr.trim()).toBe(
      'kernel-demo: row 1: "embedding" has 2 numbers; index "rows-by-embedding" takes 3 (its dimensions option)',
    );
  });
});

describe('the kernel demo on durable storage (@sochdb/storage-rocksdb)', () => {
  const durable = JSON.parse(
    readFileSync(fileURLToPath(new URL('../sochdb.rocksdb.config.json', import.meta.url)), 'utf8'),
  );

  it('a second run finds the rows the first one stored, and says so', async () => {
    const copy = structuredClone(durable);
    copy.rows = 2000;
    copy.plugins[0].options.path = 'rocksdb-data';
    copy.plugins = copy.plugins.filter((p: { module: string }) => p.module !== '@sochdb/json-logging');
    const file = join(work, 'rocksdb.json');
    writeFileSync(file, JSON.stringify(copy));
    const first = await runDemo(['--config', file, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ rows: 2000, earlierRows: 0, lookups: { rowsVerified: 2000 } });
    const second = await runDemo(['--config', file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('  earlier   2,000 rows found in the storage from an earlier run');
    expect(second.stdout).toContain('rocksdb (storage)');
  });
});
