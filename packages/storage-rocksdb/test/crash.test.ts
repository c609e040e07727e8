import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RocksDBStorage } from '../src/index.js';
import { type PlannedWrite, plan, random } from './fixtures/crash-plan.mjs';
import { DIST_ENTRY, tempRoot, utf8 } from './helpers.js';

// Seeded: a failure names its seed, and SOCHDB_CRASH_SEED=<seed> replays the same kill instants and writes.
const SEED = Number(process.env.SOCHDB_CRASH_SEED ?? 20_261_204);
// Three directories written and killed side by side, eight rounds each: 24 kills in about a third of the time.
const LANES = 3;
const ROUNDS_PER_LANE = 8;
const ROUNDS = LANES * ROUNDS_PER_LANE;
const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const nextPath = tempRoot('crash');
const decoder = new TextDecoder();

interface RoundResult {
  /** Highest step whose flush resolved (its "F" line was printed), or -1. */
  flushedStep: number;
  /** Writes found, and writes that had to be there (acknowledged before a completed flush). */
  found: number;
  durable: number;
}

/** Runs one child on `path` for `round` and kills it with SIGKILL after `delayMs`; resolves with the last flushed step. */
async function killedRound(path: string, round: number, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, [WRITER, DIST_ENTRY, path, String(SEED), String(round)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  while (!stdout.startsWith('ready\n')) {
    if (child.exitCode !== null) throw new Error(`writer exited (${child.exitCode}) before opening: ${stderr}`);
    await sleep(5);
  }
  await sleep(delayMs);
  child.kill('SIGKILL');
  const code = await closed;
  // A writer that stopped by itself (an error) is a failure, not a crash.
  expect(code, `writer of round ${round} ended by itself: ${stderr}`).toBeNull();
  let flushedStep = -1;
  for (const line of stdout.split('\n')) {
    const match = /^F (\d+)$/.exec(line);
    if (match !== null) flushedStep = Math.max(flushedStep, Number(match[1]));
  }
  return flushedStep;
}

/**
 * Checks `round`'s writes in an open store: every write of a step before
 * `flushedStep` is there with its exact value; every key found is one the
 * plan wrote, with its exact value; and each batch is there whole or not at all.
 */
async function verifyRound(store: RocksDBStorage, round: number, flushedStep: number): Promise<RoundResult> {
  const found = new Map<string, Uint8Array>();
  let maxFoundStep = -1;
  for (const table of [1, 2]) {
    for (const [key, value] of await store.scan(table, utf8(`r${round}-`), utf8(`r${round}.`), Infinity)) {
      const name = decoder.decode(key);
      found.set(`${table}/${name}`, value);
      maxFoundStep = Math.max(maxFoundStep, Number(/^r\d+-s(\d+)/.exec(name)?.[1] ?? Number.NaN));
    }
  }
  const seen = (write: PlannedWrite) => found.get(`${write.table}/${write.key}`);
  const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;
  let matched = 0;
  let durable = 0;
  const where = `round ${round}, seed ${SEED}`;
  for (const step of plan(SEED, round)) {
    if (step.step > Math.max(flushedStep, maxFoundStep)) break;
    const mustBeThere = step.step < flushedStep;
    const writes = step.kind === 'put' ? [step.write] : step.kind === 'batch' ? step.writes : [];
    const present = writes.filter((write) => seen(write) !== undefined);
    for (const write of present) {
      expect(same(seen(write) as Uint8Array, write.value), `${where}: ${write.key} holds a wrong value`).toBe(true);
    }
    if (mustBeThere) {
      expect(present.length, `${where}: step ${step.step} (${step.kind}) was flushed but is missing`).toBe(
        writes.length,
      );
      durable += writes.length;
    } else if (step.kind === 'batch') {
      expect([0, writes.length], `${where}: batch at step ${step.step} is partly visible`).toContain(present.length);
    }
    matched += present.length;
  }
  expect(matched, `${where}: keys found that the plan never wrote`).toBe(found.size);
  return { flushedStep, found: found.size, durable };
}

describe('crash safety', () => {
  it(`survives ${ROUNDS} SIGKILLs at seeded instants while writing puts and batches (seed ${SEED})`, async () => {
    const results: RoundResult[] = [];
    const lane = async (first: number) => {
      const path = nextPath();
      const delays = random(SEED + first);
      const rounds: number[] = [];
      for (let round = first; round < first + ROUNDS_PER_LANE; round++) {
        const flushedStep = await killedRound(path, round, 10 + Math.floor(delays() * 400));
        // The store always opens after a kill, and holds every flushed write.
        const store = new RocksDBStorage({ path });
        await store.init();
        results[round] = await verifyRound(store, round, flushedStep);
        await store.shutdown();
        rounds.push(round);
      }
      // Every round again, after the later kills and reopenings: nothing flushed was lost since.
      const store = new RocksDBStorage({ path });
      await store.init();
      for (const round of rounds) await verifyRound(store, round, (results[round] as RoundResult).flushedStep);
      await store.shutdown();
    };
    await Promise.all(Array.from({ length: LANES }, (_, i) => lane(i * ROUNDS_PER_LANE)));
    // The kills must land while writing, after flushes: a run where nothing was flushed checks nothing.
    const flushedRounds = results.filter((r) => r.flushedStep >= 0).length;
    const durable = results.reduce((sum, r) => sum + r.durable, 0);
    const unflushedSeen = results.reduce((sum, r) => sum + r.found, 0) - durable;
    expect(flushedRounds).toBeGreaterThanOrEqual(ROUNDS / 4);
    expect(durable).toBeGreaterThan(1000);
    expect(unflushedSeen).toBeGreaterThan(0);
  });
});
