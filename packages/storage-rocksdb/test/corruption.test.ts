import { cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, isKernelError } from '@sochdb/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { RocksDBStorage } from '../src/index.js';
import { random } from './fixtures/crash-plan.mjs';
import { DIST_ENTRY, EMPTY, runModule, tempRoot, text, waitForLine } from './helpers.js';

const SEED = Number(process.env.SOCHDB_CRASH_SEED ?? 20_261_204);
const WRITES = 3000;
const nextPath = tempRoot('corruption');
const keyOf = (i: number) => `k${String(i).padStart(5, '0')}`;
const valueText = (i: number) => `${keyOf(i)}:${'v'.repeat(i % 97)}`;

/** A database whose writes are only in its write-ahead log: written by a child that is then killed. */
let crashed: string;

beforeAll(async () => {
  crashed = nextPath();
  const child = runModule(
    `import { RocksDBStorage } from ${JSON.stringify(DIST_ENTRY)};
     const store = new RocksDBStorage({ path: process.argv.at(-1) });
     await store.init();
     const utf8 = (s) => new TextEncoder().encode(s);
     for (let i = 0; i < ${WRITES}; i++) {
       const key = 'k' + String(i).padStart(5, '0');
       await store.put(1, utf8(key), utf8(key + ':' + 'v'.repeat(i % 97)), 0);
     }
     console.log('written');
     setInterval(() => {}, 1000);`,
    [crashed],
  );
  await waitForLine(child, /^written$/);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('close', resolve));
});

function walFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .map((name) => join(dir, name));
}

/**
 * Opens a damaged copy: either it opens and holds exactly the first `n`
 * writes, each exact (what the log can prove, as RocksDB's point-in-time
 * recovery promises), or `init` rejects with `KernelError` `corruption`
 * naming the path. Resolves with `n`, or -1 for a refusal.
 */
async function openDamaged(path: string): Promise<number> {
  const store = new RocksDBStorage({ path });
  try {
    await store.init();
  } catch (error) {
    expect(isKernelError(error), String(error)).toBe(true);
    expect(error).toMatchObject({ kind: 'corruption', code: ErrorCode.CORRUPT });
    expect((error as Error).message).toContain(path);
    return -1;
  }
  const entries = await store.scan(1, EMPTY, EMPTY, Infinity);
  entries.forEach(([key, value], i) => {
    expect(text(key), `${path}: write ${i} missing while later ones survived`).toBe(keyOf(i));
    expect(text(value)).toBe(valueText(i));
  });
  // Still a working store.
  await store.put(1, new TextEncoder().encode('after'), new TextEncoder().encode('x'), 0);
  await store.shutdown();
  return entries.length;
}

describe('a damaged directory', () => {
  it('the crashed database itself holds every write (the log was written before the kill)', async () => {
    const copy = nextPath();
    cpSync(crashed, copy, { recursive: true });
    expect(walFiles(copy).length).toBeGreaterThan(0);
    expect(await openDamaged(copy)).toBe(WRITES);
  });

  it(`a write-ahead log cut short at seeded random offsets opens with a prefix of the writes (seed ${SEED})`, async () => {
    const next = random(SEED);
    const survived: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const copy = nextPath();
      cpSync(crashed, copy, { recursive: true });
      const [wal] = walFiles(copy).sort((a, b) => statSync(b).size - statSync(a).size);
      const size = statSync(wal as string).size;
      truncateSync(wal as string, Math.floor(next() * size));
      survived.push(await openDamaged(copy));
    }
    // Some writes were lost, never all of them kept: the cuts really cut.
    expect(survived.every((n) => n < WRITES)).toBe(true);
  });

  it(`a write-ahead log with bytes overwritten in the middle opens with a prefix or refuses as corruption (seed ${SEED})`, async () => {
    const next = random(SEED + 1);
    for (let attempt = 0; attempt < 4; attempt++) {
      const copy = nextPath();
      cpSync(crashed, copy, { recursive: true });
      const [wal] = walFiles(copy).sort((a, b) => statSync(b).size - statSync(a).size);
      const data = readFileSync(wal as string);
      const at = Math.floor(data.length * (0.2 + 0.6 * next()));
      for (let i = at; i < Math.min(data.length, at + 64); i++) data[i] = Math.floor(next() * 256);
      writeFileSync(wal as string, data);
      expect(await openDamaged(copy)).toBeLessThan(WRITES);
    }
  });

  it('unknown files in the directory are left alone: the database opens whole', async () => {
    const copy = nextPath();
    cpSync(crashed, copy, { recursive: true });
    writeFileSync(join(copy, 'notes.txt'), 'not RocksDB');
    writeFileSync(join(copy, '999999.sst'), Buffer.alloc(4096, 0xab));
    writeFileSync(join(copy, '999998.log'), Buffer.alloc(100, 0xcd));
    expect(await openDamaged(copy)).toBe(WRITES);
  });

  it('a damaged MANIFEST is refused with KernelError corruption naming the path, never a crash', async () => {
    const copy = nextPath();
    cpSync(crashed, copy, { recursive: true });
    const manifest = readdirSync(copy).find((name) => name.startsWith('MANIFEST-')) as string;
    const data = readFileSync(join(copy, manifest));
    for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ 0x5a;
    writeFileSync(join(copy, manifest), data);
    expect(await openDamaged(copy)).toBe(-1);
  });
});
