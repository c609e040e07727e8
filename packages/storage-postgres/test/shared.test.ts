/**
 * Several kernels, one store: 8 processes, each its own PostgresStorage on
 * one table, 10,000 mixed operations each on overlapping and disjoint keys.
 * Afterwards the table is what a model of the operations allows, and every
 * read saw the writes that had resolved (in any process) before it began.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { noServer, openStorage, serverUrl, uniqueTable } from './server.js';

const PROCESSES = 8;
// 10,000 as the issue asks; SOCHDB_TEST_SHARED_OPS lowers it for a quick local run on a busy machine.
const OPS = Number(process.env.SOCHDB_TEST_SHARED_OPS ?? 10_000);
const worker = fileURLToPath(new URL('./fixtures/shared-worker.mjs', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sochdb-pg-shared-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A logged call: a write (`v` null for a delete) or a read (`v` null for absent), start and end in ns. */
interface Call {
  t: 'w' | 'r';
  k: string;
  v: string | null;
  s: number;
  e: number;
}

function runWorker(tableName: string, index: number): Promise<Call[]> {
  const logFile = join(work, `${index}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [worker, serverUrl as string, tableName, String(index), String(OPS), logFile],
      {
        stdio: ['ignore', 'inherit', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(readFileSync(logFile, 'utf8')) as Call[]);
      else reject(new Error(`worker ${index} exited ${code}: ${stderr}`));
    });
  });
}

/**
 * Whether `value` may be read by a read over `[start, end]` of a register
 * whose writes are `writes` (initially absent): some write of that value (or
 * the initial state, for absent) began before the read ended and was not
 * overwritten by a write that began after it ended and ended before the read began.
 */
function allowed(writes: readonly Call[], value: string | null, start: number, end: number): boolean {
  const producers: Array<{ s: number; e: number }> = writes.filter((w) => w.v === value && w.s < end);
  if (value === null) producers.push({ s: -1, e: -1 });
  return producers.some((p) => !writes.some((w) => w.s > p.e && w.e < start));
}

describe.skipIf(noServer())('several kernels, one store', () => {
  it(`${PROCESSES} processes x ${OPS.toLocaleString('en-US')} mixed operations: the table is what the model allows, and each saw the others' resolved writes`, async () => {
    const tableName = uniqueTable('shared');
    const setup = await openStorage({ tableName });
    const logs = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => runWorker(tableName, i)));
    const all = logs.flat();
    const writesByKey = new Map<string, Call[]>();
    for (const call of all) if (call.t === 'w') writesByKey.set(call.k, [...(writesByKey.get(call.k) ?? []), call]);

    // Every read, in every process, returned a value the writes allow.
    const stale = all.filter((c) => c.t === 'r' && !allowed(writesByKey.get(c.k) ?? [], c.v, c.s, c.e));
    expect(stale.slice(0, 5)).toEqual([]);
    // The processes did see each other: reads of shared keys returned values other processes wrote.
    const crossReads = logs.reduce(
      (n, log, p) => n + log.filter((c) => c.t === 'r' && c.v !== null && !c.v.startsWith(`${p}:`)).length,
      0,
    );
    expect(crossReads).toBeGreaterThan(100);

    // The final table: each key's value is the last write of one the model allows to be last.
    const stored = new Map(
      (await setup.scan(1, new Uint8Array(0), new Uint8Array(0), Number.POSITIVE_INFINITY)).map(([k, v]) => [
        new TextDecoder().decode(k),
        new TextDecoder().decode(v),
      ]),
    );
    const end = Number(process.hrtime.bigint());
    for (const [key, writes] of writesByKey) {
      const value = stored.get(key) ?? null;
      expect(allowed(writes, value, end, end), `${key} = ${value}`).toBe(true);
      // A key only one process wrote has exactly its last write.
      if (key.startsWith('p')) expect(value, key).toBe(writes[writes.length - 1]?.v ?? null);
    }
    expect([...stored.keys()].filter((key) => !writesByKey.has(key))).toEqual([]);
    await setup.shutdown();
  }, 600_000);
});
