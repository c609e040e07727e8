import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The storage package's own throwaway-cluster helper (a test file, not part of its public API).
import {
  findPostgresBin,
  startThrowawayCluster,
  type ThrowawayCluster,
} from '../../../packages/storage-postgres/test/throwaway-cluster.js';

const demo = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const demoDir = fileURLToPath(new URL('..', import.meta.url));
const shipped = JSON.parse(readFileSync(fileURLToPath(new URL('../sochdb.config.json', import.meta.url)), 'utf8'));
const available = findPostgresBin() !== undefined;
if (!available) {
  const line =
    'kernel-demo: the PostgreSQL demo test needs PostgreSQL installed (node scripts/ensure-tools.mjs as root)';
  if (process.env.CI === 'true') throw new Error(line);
  console.log(`${line}; skipped`);
}

describe.skipIf(!available)('the kernel demo on PostgreSQL', () => {
  let cluster: ThrowawayCluster;
  const work = mkdtempSync(join(tmpdir(), 'sochdb-demo-pg-'));
  beforeAll(async () => {
    cluster = await startThrowawayCluster(['fsync = off']);
  });
  afterAll(async () => {
    await cluster?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('runs with "storage": "postgres" and a connectionString, storing every row in the database', async () => {
    const config = structuredClone(shipped);
    config.storage = 'postgres';
    config.connectionString = cluster.url;
    config.rows = 1500;
    const file = join(work, 'postgres.json');
    writeFileSync(file, JSON.stringify(config));
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', demo, '--config', file, '--json'],
        { cwd: demoDir, timeout: 110_000 },
        (error, out, err) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
      );
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.plugins.map((p: { name: string }) => p.name)).toContain('postgres');
    expect(summary.plugins.map((p: { name: string }) => p.name)).not.toContain('memory');
    expect(summary.lookups.rowsVerified).toBe(1500);
  });

  it('names a missing connectionString in one line', async () => {
    const config = structuredClone(shipped);
    config.storage = 'postgres';
    const file = join(work, 'no-url.json');
    writeFileSync(file, JSON.stringify(config));
    const stderr = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', demo, '--config', file], { cwd: demoDir }, (_e, _o, err) =>
        resolve(err),
      );
    });
    expect(stderr.trim()).toMatch(/^kernel-demo: .*"storage": "postgres" needs "connectionString"/);
  });
});
