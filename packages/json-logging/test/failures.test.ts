import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { captureWarnings } from '@sochdb/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JsonLogger, type WritableLike } from '../src/index.js';
import { builtEntry, errorAt, fileLines, parseLines, recorder, tempDir } from './helpers.js';

const DIST = builtEntry();
const tick = () => new Promise((resolve) => setImmediate(resolve));

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

/** A destination whose first `failures` writes fail, and which works after that. */
function flakyDestination(failures: number): WritableLike & { text: string } {
  let calls = 0;
  const destination = {
    text: '',
    write(chunk: string, callback?: (error?: Error | null) => void): boolean {
      calls++;
      if (calls <= failures) {
        const error = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        queueMicrotask(() => callback?.(error));
      } else {
        destination.text += chunk;
        queueMicrotask(() => callback?.(null));
      }
      return true;
    },
  };
  return destination;
}

describe('a destination that fails', () => {
  it('a stream whose writes fail: lost lines counted, reported once, and logging goes on when it recovers', async () => {
    const { errors, onError } = recorder();
    const destination = flakyDestination(2);
    const log = new JsonLogger({ destination, onError });
    for (let i = 0; i < 5; i++) log.logInfo('lost in write 1', { i: String(i) });
    log.flush();
    for (let i = 0; i < 3; i++) log.logInfo('lost in write 2');
    log.flush();
    for (let i = 0; i < 4; i++) log.logInfo('arrives');
    await log.shutdown();
    expect(log.droppedLines).toBe(8);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.operation).toBe('write');
    expect(errorAt(errors, 0).message).toMatch(/cannot write to the destination \(5 lines lost.*write EPIPE/);
    expect((errorAt(errors, 0).cause as { code: string }).code).toBe('EPIPE');
    expect(parseLines(destination.text).map((line) => line.msg)).toEqual(['arrives', 'arrives', 'arrives', 'arrives']);
  });

  it('a stream that errors and is destroyed does not crash the process; later lines are counted as lost', async () => {
    const { errors, onError } = recorder();
    const stream = new Writable({
      write(_chunk, _encoding, callback) {
        callback(new Error('disk gone'));
      },
    });
    const log = new JsonLogger({ destination: stream, onError });
    log.logInfo('first');
    log.flush();
    await tick();
    await tick();
    expect(stream.destroyed).toBe(true);
    log.logInfo('second');
    log.logInfo('third');
    log.flush();
    await log.shutdown();
    expect(log.droppedLines).toBe(3);
    expect(errors).toHaveLength(1);
    expect(errorAt(errors, 0).message).toMatch(/disk gone/);
  });

  it.skipIf(!existsSync('/dev/full'))('a full disk (/dev/full): every line counted, one report, no throw', async () => {
    const { errors, onError } = recorder();
    const log = new JsonLogger({ destination: '/dev/full', onError });
    for (let i = 0; i < 100; i++) log.logInfo('no space', { i: String(i) });
    log.flush();
    expect(log.droppedLines).toBe(100);
    for (let i = 0; i < 50; i++) log.logError('still no space');
    await log.shutdown();
    expect(log.droppedLines).toBe(150);
    expect(errors).toHaveLength(1);
    expect((errorAt(errors, 0).cause as { code: string }).code).toBe('ENOSPC');
  });

  it.skipIf(!existsSync('/dev/full'))('by default the failure is one process warning', async () => {
    const warnings = await captureWarnings(async () => {
      const log = new JsonLogger({ destination: '/dev/full', bufferBytes: 0 });
      log.logInfo('one');
      log.logInfo('two');
      await log.shutdown();
      await tick();
    });
    const ours = warnings.filter((w) => (w as { code?: string }).code === 'SOCHDB_WARNING');
    expect(ours).toHaveLength(1);
    expect(ours[0]?.name).toBe('SochDBWarning');
    expect(ours[0]?.message).toMatch(/json-logging 'json-logging' write: cannot write to the destination/);
  });

  it('an onError that throws is ignored', async () => {
    const log = new JsonLogger({
      destination: flakyDestination(1),
      metrics: true,
      onError: () => {
        throw new Error('handler bug');
      },
    });
    expect(() => log.counterInc('c', Number.NaN)).not.toThrow();
    log.logInfo('x');
    log.flush();
    await log.shutdown();
    expect(log.droppedLines).toBe(1);
  });

  it('stdout that is a closed pipe (EPIPE): counted and reported, and the process carries on', async () => {
    // The child waits for "go" on stdin, which the parent sends after closing the child's stdout.
    const script = `
      const { JsonLogger } = await import(${JSON.stringify(DIST)});
      const reports = [];
      const log = new JsonLogger({ bufferBytes: 0, onError: (error) => reports.push(error.cause?.code ?? error.message) });
      process.stdin.once('data', () => {
        for (let i = 0; i < 10; i++) log.logInfo('into a closed pipe', { i: String(i) });
        process.stderr.write(JSON.stringify({ dropped: log.droppedLines, reports }));
      });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.destroy();
    child.stdin.end('go\n');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stderr)).toEqual({ dropped: 10, reports: ['EPIPE'] });
  });
});

describe('a slow reader', () => {
  it('stdout a non-blocking pipe whose reader pauses: what the pipe does not take waits in memory (EAGAIN retried) and no line is lost', async () => {
    // Touching process.stdout makes libuv put the pipe in non-blocking mode, so a full pipe is EAGAIN.
    const script = `
      const { JsonLogger } = await import(${JSON.stringify(DIST)});
      process.stdout;
      const log = new JsonLogger({ onError: (error) => process.stderr.write(String(error)) });
      for (let i = 0; i < 20000; i++) log.logInfo('through a full pipe', { i: String(i) });
      log.flush();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const chunks: Buffer[] = [];
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the pipe (64 KiB) fills meanwhile
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = parseLines(Buffer.concat(chunks).toString('utf8'));
    expect(lines).toHaveLength(20_000);
    expect(lines[19_999]?.i).toBe('19999');
  });
  // A reader that never reads: see slow-destinations.test.ts (no wait at all, bounded by maxBufferedBytes).
});

describe('no line lost at exit', () => {
  async function runChild(body: string, file: string): Promise<number | null> {
    const script = `
      const { JsonLogger } = await import(${JSON.stringify(DIST)});
      const log = new JsonLogger({ destination: ${JSON.stringify(file)}, base: { pid: process.pid } });
      ${body}`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    return new Promise((resolve) => child.on('close', resolve));
  }

  it('a process that logs and ends normally leaves every line in the file', async () => {
    const file = join(dir, 'normal.log');
    const code = await runChild("for (let i = 0; i < 10000; i++) log.logInfo('line', { i: String(i) });", file);
    expect(code).toBe(0);
    const lines = await fileLines(file);
    expect(lines).toHaveLength(10_000);
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 10_000 }, (_, i) => String(i)));
  });

  it('a process that logs and calls process.exit() at once leaves every line in the file', async () => {
    const file = join(dir, 'exit.log');
    const code = await runChild(
      "for (let i = 0; i < 10000; i++) log.logInfo('line', { i: String(i) }); process.exit(3);",
      file,
    );
    expect(code).toBe(3);
    const lines = await fileLines(file);
    expect(lines).toHaveLength(10_000);
    expect(lines[9999]?.i).toBe('9999');
  });

  it('an exit listener added after the logger can still log, and flush() writes it (documented)', async () => {
    const file = join(dir, 'late.log');
    const code = await runChild(
      "log.logInfo('before'); process.on('exit', () => { log.logInfo('in exit'); log.flush(); }); process.exit(0);",
      file,
    );
    expect(code).toBe(0);
    expect((await fileLines(file)).map((line) => line.msg)).toEqual(['before', 'in exit']);
  });
});
