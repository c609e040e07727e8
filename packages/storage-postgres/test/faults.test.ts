/**
 * What happens when the server fails: restarted under a write loop, a
 * connection killed, stopped at init, a wrong password. These tests stop and
 * restart a server, so they run on a throwaway cluster of their own, never on
 * the run's shared one (nor on SOCHDB_TEST_POSTGRES_URL's).
 */
import { isKernelError, type KernelError } from '@sochdb/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresErrorCode, PostgresStorage } from '../src/index.js';
import { noServer, uniqueTable } from './server.js';
import { findPostgresBin, startThrowawayCluster, type ThrowawayCluster } from './throwaway-cluster.js';

const utf8 = (text: string) => new TextEncoder().encode(text);
const EMPTY = new Uint8Array(0);
const canRestart = !noServer() && findPostgresBin() !== undefined;

function expectIo(error: unknown, cluster: ThrowawayCluster): KernelError {
  expect(isKernelError(error), String(error)).toBe(true);
  const e = error as KernelError;
  expect(e.kind).toBe('io');
  expect(e.message).toContain(`127.0.0.1:${cluster.port}`);
  expect(e.message).toContain(`"${cluster.database}"`);
  expect(e.message).not.toContain(cluster.password);
  return e;
}

describe.skipIf(!canRestart)('when the server fails', () => {
  let cluster: ThrowawayCluster;
  beforeAll(async () => {
    cluster = await startThrowawayCluster(['fsync = off']);
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('pg_ctl restart mid write loop: in-flight calls reject io, later ones succeed, nothing acknowledged is lost', async () => {
    const s = new PostgresStorage({ connectionString: cluster.url, tableName: uniqueTable(), poolSize: 4 });
    await s.init();
    const acknowledged: number[] = [];
    const failures: unknown[] = [];
    let restarted = false;
    let afterRestart = 0;
    const restart = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await cluster.restartServer();
      restarted = true;
    })();
    const key = (i: number) => Uint8Array.of(i >> 16, (i >> 8) & 0xff, i & 0xff);
    let i = 0;
    const deadline = Date.now() + 45_000;
    // Four writers at a time until the restart is over and 100 more rounds went through.
    while ((!restarted || afterRestart < 100) && Date.now() < deadline) {
      const round = [i, i + 1, i + 2, i + 3];
      i += 4;
      const results = await Promise.allSettled(round.map((n) => s.put(1, key(n), Uint8Array.of(n & 0xff), 0)));
      results.forEach((result, j) => {
        if (result.status === 'fulfilled') acknowledged.push(round[j] as number);
        else failures.push(result.reason);
      });
      if (restarted && results.every((result) => result.status === 'fulfilled')) afterRestart++;
    }
    await restart;
    expect(afterRestart).toBe(100);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expectIo(failure, cluster);
    const codes = new Set(failures.map((f) => (f as KernelError).code));
    expect([...codes].every((code) => code === PostgresErrorCode.UNAVAILABLE)).toBe(true);
    const stored = new Set(
      (await s.scan(1, EMPTY, EMPTY, Number.POSITIVE_INFINITY)).map(
        ([k]) => ((k[0] as number) << 16) | ((k[1] as number) << 8) | (k[2] as number),
      ),
    );
    expect(acknowledged.filter((n) => !stored.has(n))).toEqual([]);
    await s.shutdown();
  });

  it('a connection killed with pg_terminate_backend: the call on it rejects io, the next succeeds', async () => {
    const s = new PostgresStorage({ connectionString: cluster.url, tableName: uniqueTable(), poolSize: 1 });
    await s.init();
    await s.put(1, utf8('a'), utf8('1'), 0);
    await s.put(1, utf8('c'), utf8('3'), 0);
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    // A snapshot walk holds the storage's one connection between batches: kill it there.
    const walk = s.iterate(1, { batchSize: 1 });
    const first = await walk.next();
    expect(first.done).toBe(false);
    const { rows } = await admin.query(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1`,
      [`sochdb:${s.info.name}`],
    );
    expect(rows.length).toBeGreaterThan(0);
    await admin.end();
    const failed = await walk.next().catch((error: unknown) => error);
    expectIo(failed, cluster);
    // The pool dropped the dead connection; the next call connects afresh.
    await s.put(1, utf8('b'), utf8('2'), 0);
    expect((await s.scan(1, EMPTY, EMPTY, 10)).length).toBe(3);
    // An idle connection killed between calls: at most the next call fails, then it recovers.
    const admin2 = new pg.Client({ connectionString: cluster.url });
    await admin2.connect();
    await admin2.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [
      `sochdb:${s.info.name}`,
    ]);
    await admin2.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await s.get(1, utf8('a')).catch((error: unknown) => error);
    if (!(next instanceof Uint8Array)) expectIo(next, cluster);
    expect(Buffer.from((await s.get(1, utf8('a'))) as Uint8Array).toString()).toBe('1');
    await s.shutdown();
  });

  it('a stopped server at init: io naming host, port and database; works once the server is back', async () => {
    await cluster.stopServer();
    const tableName = uniqueTable();
    try {
      const s = new PostgresStorage({ connectionString: cluster.url, tableName });
      const error = await s.init().catch((e: unknown) => e);
      const e = expectIo(error, cluster);
      expect(e.code).toBe(PostgresErrorCode.UNAVAILABLE);
      expect(e.message).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:\d+, database "postgres"/);
    } finally {
      await cluster.startServer();
    }
    const again = new PostgresStorage({ connectionString: cluster.url, tableName });
    await again.init();
    await again.put(1, utf8('k'), utf8('v'), 0);
    await again.shutdown();
  });

  it('calls while the server is down reject io, and the same instance recovers by itself', async () => {
    const s = new PostgresStorage({ connectionString: cluster.url, tableName: uniqueTable() });
    await s.init();
    await s.put(1, utf8('k'), utf8('v'), 0);
    await cluster.stopServer();
    try {
      for (const call of [
        () => s.get(1, utf8('k')),
        () => s.put(1, utf8('k'), utf8('w'), 0),
        () => s.scan(1, EMPTY, EMPTY, 10),
        () => s.batch([{ type: 'delete', table: 1, key: utf8('k') }], 0),
        () => s.iterate(1).next(),
      ]) {
        expectIo(await call().catch((e: unknown) => e), cluster);
      }
    } finally {
      await cluster.startServer();
    }
    expect(Buffer.from((await s.get(1, utf8('k'))) as Uint8Array).toString()).toBe('v');
    await s.shutdown();
  });

  it('a wrong password is io saying authentication failed, without the password', async () => {
    const url = new URL(cluster.url);
    url.password = 'not-the-password-31337';
    const s = new PostgresStorage({ connectionString: url.href, tableName: uniqueTable() });
    const error = (await s.init().catch((e: unknown) => e)) as KernelError;
    expectIo(error, cluster);
    expect(error.code).toBe(PostgresErrorCode.AUTHENTICATION_FAILED);
    expect(error.message).toMatch(/authentication failed/);
    expect(error.message).not.toContain('not-the-password-31337');
  });
});
