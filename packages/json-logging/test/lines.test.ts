import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_API_VERSION, isPluginModule, PluginManager } from '@sochdb/core';
import { captureWarnings } from '@sochdb/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import plugin, { JsonLogger, LEVEL_NUMBERS, VERSION } from '../src/index.js';
import { builtEntry, errorAt, fileLines, MemoryStream, recorder, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterEach(async () => {
  await cleanup();
});

async function logged(options: ConstructorParameters<typeof JsonLogger>[0], act: (log: JsonLogger) => void) {
  const stream = new MemoryStream();
  // No pid and hostname unless a test asks: they have their own test.
  const log = new JsonLogger({ base: null, ...options, destination: stream });
  act(log);
  await log.shutdown();
  return stream.lines();
}

describe('log lines', () => {
  it("are pino's shape: level number, epoch-ms time, msg, base fields, then the call's fields", async () => {
    const before = Date.now();
    const [line] = await logged({ base: { service: 'orders-db', shard: 3, primary: true } }, (log) =>
      log.logInfo('checkpoint finished', { table: 'users', pages: '12' }),
    );
    const after = Date.now();
    expect(Object.keys(line ?? {})).toEqual(['level', 'time', 'msg', 'service', 'shard', 'primary', 'table', 'pages']);
    expect(line).toMatchObject({
      level: 30,
      msg: 'checkpoint finished',
      service: 'orders-db',
      shard: 3,
      primary: true,
      table: 'users',
      pages: '12',
    });
    expect(line?.time).toBeGreaterThanOrEqual(before);
    expect(line?.time).toBeLessThanOrEqual(after);
  });

  it('use levels 20/30/40/50 and drop lines below the minimum level', async () => {
    const logAll = (log: JsonLogger) => {
      log.logDebug('d');
      log.logInfo('i');
      log.logWarn('w');
      log.logError('e');
    };
    const levelsAt = async (level?: 'debug' | 'info' | 'warn' | 'error' | 'silent') =>
      (await logged(level === undefined ? {} : { level }, logAll)).map((line) => [line.level, line.msg]);
    expect(await levelsAt('debug')).toEqual([
      [20, 'd'],
      [30, 'i'],
      [40, 'w'],
      [50, 'e'],
    ]);
    expect(await levelsAt()).toEqual([
      [30, 'i'],
      [40, 'w'],
      [50, 'e'],
    ]);
    expect(await levelsAt('error')).toEqual([[50, 'e']]);
    expect(await levelsAt('silent')).toEqual([]);
    expect(LEVEL_NUMBERS).toMatchObject({ debug: 20, info: 30, warn: 40, error: 50 });
  });

  it("let a call's field replace a base field of the same name, on that line only", async () => {
    const lines = await logged({ base: { service: 'db', region: 'eu' } }, (log) => {
      log.logInfo('one', { region: 'us' });
      log.logInfo('two');
    });
    expect(lines[0]).toEqual({ level: 30, time: lines[0]?.time, msg: 'one', service: 'db', region: 'us' });
    expect(lines[1]).toEqual({ level: 30, time: lines[1]?.time, msg: 'two', service: 'db', region: 'eu' });
  });

  it('write fields named level, time or msg with a leading underscore, never as duplicate keys', async () => {
    const text = await (async () => {
      const stream = new MemoryStream();
      const log = new JsonLogger({ destination: stream, base: { msg: 'base msg' } });
      log.logWarn('real', { level: 'fake', time: 'then', msg: 'other', _level: 'taken' });
      await log.shutdown();
      return stream.text;
    })();
    const line = JSON.parse(text) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 40, msg: 'real', _msg: 'base msg', _level: 'taken', __level: 'fake' });
    expect(line._time).toBe('then');
    expect(line.__msg).toBe('other');
    // No key appears twice in the text (JSON.parse would silently keep the last).
    const keys = [...text.matchAll(/"([^"]+)":/g)].map((m) => m[1]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('stringify field values that are not strings at run time, leave out undefined, and report what cannot be printed', async () => {
    const { errors, onError } = recorder();
    const fields = {
      n: 42,
      b: false,
      big: 10n,
      nan: Number.NaN,
      sym: Symbol('s'),
      arr: ['a', 'b'],
      gone: undefined,
      bare: Object.create(null) as object,
      ok: 'still here',
    };
    const [line] = await logged({ onError }, (log) => log.logInfo('odd', fields as never));
    expect(line).toEqual({
      level: 30,
      time: line?.time,
      msg: 'odd',
      n: '42',
      b: 'false',
      big: '10',
      nan: 'NaN',
      sym: 'Symbol(s)',
      arr: 'a,b',
      ok: 'still here',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.operation).toBe('logInfo');
    expect(errorAt(errors, 0).message).toMatch(/field 'bare'/);
  });

  it('ignore fields that are not an object (reported once) and stringify messages that are not strings', async () => {
    const { errors, onError } = recorder();
    const lines = await logged({ onError, base: { service: 'db' } }, (log) => {
      log.logError('fields is a string', 'nope' as never);
      log.logError('fields is null', null as never);
      log.logError(404 as never);
      log.logError(Object.create(null) as never);
    });
    expect(lines.map((line) => line.msg)).toEqual(['fields is a string', 'fields is null', '404', '[object Object]']);
    expect(lines.every((line) => line.service === 'db')).toBe(true);
    expect(errors.map((e) => e.operation)).toEqual(['logError']);
  });

  it('write a line per call with every field even for a fields object whose getter throws (that field left out)', async () => {
    const { errors, onError } = recorder();
    const fields = Object.defineProperty({ a: '1' }, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter');
      },
    });
    const [line] = await logged({ onError }, (log) => log.logInfo('getter', fields));
    expect(line).toMatchObject({ msg: 'getter', a: '1' });
    expect(line).not.toHaveProperty('boom');
    expect(errors).toHaveLength(1);
  });
});

describe('optional lines', () => {
  it('are off by default: spans return 0 and metrics and health write nothing', async () => {
    let span = -1;
    const lines = await logged({}, (log) => {
      span = log.spanStart('txn');
      log.spanEvent(span, 'e');
      log.spanEnd(span);
      log.counterInc('c', 1);
      log.gaugeSet('g', 1);
      log.histogramObserve('h', 1);
      log.reportHealth({
        operational: true,
        walSizeBytes: 1,
        activeTxns: 1,
        bufferPoolUsage: 0.5,
        checkpointAgeSecs: 1,
      });
    });
    expect(span).toBe(0);
    expect(lines).toEqual([]);
  });

  it('spans: a start line and an end line with durationMs, and the parent id on a child, whatever the level', async () => {
    const lines = await logged({ spans: true, level: 'error' }, (log) => {
      const root = log.spanStart('txn.commit');
      const child = log.spanStart('wal.append', root);
      const orphan = log.spanStart('orphan', 999);
      const wait = Date.now() + 5;
      while (Date.now() < wait) {
        // let some time pass so the root's duration is measurable
      }
      log.spanEnd(child);
      log.spanEnd(root);
      log.spanEnd(root);
      log.spanEnd(orphan);
    });
    expect(lines.map(({ msg, span, spanId, parentSpanId }) => ({ msg, span, spanId, parentSpanId }))).toEqual([
      { msg: 'span start', span: 'txn.commit', spanId: 1, parentSpanId: undefined },
      { msg: 'span start', span: 'wal.append', spanId: 2, parentSpanId: 1 },
      { msg: 'span start', span: 'orphan', spanId: 3, parentSpanId: undefined },
      { msg: 'span end', span: 'wal.append', spanId: 2, parentSpanId: undefined },
      { msg: 'span end', span: 'txn.commit', spanId: 1, parentSpanId: undefined },
      { msg: 'span end', span: 'orphan', spanId: 3, parentSpanId: undefined },
    ]);
    expect(lines.every((line) => line.level === 20)).toBe(true);
    const rootEnd = lines[4] as { durationMs: number };
    expect(rootEnd.durationMs).toBeGreaterThanOrEqual(4);
    expect(rootEnd.durationMs).toBeLessThan(5000);
  });

  it('span events: a line per event with the attributes, and nothing for an unknown or ended span', async () => {
    const lines = await logged({ spanEvents: true }, (log) => {
      const id = log.spanStart('scan');
      expect(id).toBeGreaterThan(0);
      log.spanEvent(id, 'page read', { page: '7', event: 'clash' });
      log.spanEnd(id);
      log.spanEvent(id, 'late');
      log.spanEvent(12345, 'unknown');
    });
    expect(lines).toEqual([
      {
        level: 20,
        time: lines[0]?.time,
        msg: 'span event',
        span: 'scan',
        spanId: 1,
        event: 'page read',
        page: '7',
        _event: 'clash',
      },
    ]);
  });

  it('metrics: a line per call with metric, metricType, value and labels; bad values dropped and reported', async () => {
    const { errors, onError } = recorder();
    const lines = await logged({ metrics: true, onError }, (log) => {
      log.counterInc('txn.commit', 2, { table: 'users' });
      log.gaugeSet('active_txns', -3);
      log.histogramObserve('query_seconds', 0.25, { value: 'clash' });
      log.counterInc('txn.commit', -1);
      log.counterInc('txn.commit', Number.NaN);
      log.gaugeSet('active_txns', Number.POSITIVE_INFINITY);
      log.histogramObserve('query_seconds', '5' as never);
    });
    expect(lines.map(({ time: _time, ...rest }) => rest)).toEqual([
      { level: 20, msg: 'metric', metric: 'txn.commit', metricType: 'counter', value: 2, table: 'users' },
      { level: 20, msg: 'metric', metric: 'active_txns', metricType: 'gauge', value: -3 },
      { level: 20, msg: 'metric', metric: 'query_seconds', metricType: 'histogram', value: 0.25, _value: 'clash' },
    ]);
    // Once per (metric, reason): the counter lost a negative and a NaN value.
    expect(errors.map((e) => e.operation)).toEqual(['counterInc', 'counterInc', 'gaugeSet', 'histogramObserve']);
    expect(errorAt(errors, 0).message).toMatch(/counter 'txn.commit'.*-1 \(dropped\)/);
  });

  it('health: a health object, level 30 when operational and 50 when not; odd figures become null', async () => {
    const lines = await logged({ health: true }, (log) => {
      log.reportHealth({
        operational: true,
        walSizeBytes: 4096,
        activeTxns: 3,
        bufferPoolUsage: 0.5,
        checkpointAgeSecs: 12,
      });
      log.reportHealth({
        operational: false,
        walSizeBytes: Number.NaN,
        activeTxns: '3' as never,
        bufferPoolUsage: 1,
        checkpointAgeSecs: 0,
      });
    });
    expect(lines.map(({ time: _time, ...rest }) => rest)).toEqual([
      {
        level: 30,
        msg: 'health',
        health: { operational: true, walSizeBytes: 4096, activeTxns: 3, bufferPoolUsage: 0.5, checkpointAgeSecs: 12 },
      },
      {
        level: 50,
        msg: 'health',
        health: { operational: false, walSizeBytes: null, activeTxns: null, bufferPoolUsage: 1, checkpointAgeSecs: 0 },
      },
    ]);
  });

  it('maxOpenSpans: the oldest open span is ended (evicted: true) and reported once', async () => {
    const { errors, onError } = recorder();
    const lines = await logged({ spans: true, maxOpenSpans: 2, onError }, (log) => {
      const a = log.spanStart('a');
      log.spanStart('b');
      log.spanStart('c');
      log.spanStart('d');
      log.spanEnd(a);
    });
    const ends = lines.filter((line) => line.msg === 'span end');
    expect(ends.map((line) => [line.span, line.evicted])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(errors).toHaveLength(1);
    expect(errorAt(errors, 0).message).toMatch(/more than 2 spans open: the oldest \(id 1, 'a'\)/);
  });
});

describe('destinations', () => {
  it('a file path: appended to (created when missing) and closed by shutdown', async () => {
    const path = join(dir, 'app.log');
    const first = new JsonLogger({ destination: path });
    first.logInfo('first');
    await first.shutdown();
    const second = new JsonLogger({ destination: path });
    second.logInfo('second');
    second.flush();
    expect((await fileLines(path)).map((line) => line.msg)).toEqual(['first', 'second']);
    await second.shutdown();
  });

  it('a file descriptor: written, and left open', async () => {
    const path = join(dir, 'fd.log');
    const fd = openSync(path, 'w');
    const log = new JsonLogger({ destination: fd });
    log.logWarn('to the fd');
    await log.shutdown();
    closeSync(fd); // would throw EBADF had the logger closed it
    expect((await fileLines(path))[0]).toMatchObject({ level: 40, msg: 'to the fd' });
  });

  it('buffers lines until the next turn of the event loop, flush() or a full buffer', async () => {
    const path = join(dir, 'buffered.log');
    const log = new JsonLogger({ destination: path, bufferBytes: 1000 });
    log.logInfo('one');
    expect(readFileSync(path, 'utf8')).toBe('');
    await new Promise((resolve) => setImmediate(resolve));
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(2);
    for (let i = 0; i < 40; i++) log.logInfo('filling the buffer', { i: String(i) });
    // 40 lines of ~60 bytes passed 1000 bytes: at least one write happened already.
    const lines = readFileSync(path, 'utf8').split('\n').length - 1;
    expect(lines).toBeGreaterThan(1);
    expect(lines).toBeLessThan(41);
    log.flush();
    expect(readFileSync(path, 'utf8').split('\n').length - 1).toBe(41);
    await log.shutdown();
  });

  it('bufferBytes 0 writes every line at once', async () => {
    const path = join(dir, 'unbuffered.log');
    const log = new JsonLogger({ destination: path, bufferBytes: 0 });
    log.logInfo('now');
    expect((await fileLines(path))[0]?.msg).toBe('now');
    await log.shutdown();
  });

  it('stdout by default', async () => {
    const { spawnSync } = await import('node:child_process');
    const dist = builtEntry();
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { JsonLogger } = await import(${JSON.stringify(dist)});
         const log = new JsonLogger({ base: { service: 'db' } });
         log.logInfo('to stdout', { k: 'v' });`,
      ],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ level: 30, msg: 'to stdout', service: 'db', k: 'v' });
  });

  it('bad options are clear errors naming the option', () => {
    expect(() => new JsonLogger({ level: 'verbose' as never })).toThrow(/options.level must be one of/);
    expect(() => new JsonLogger({ destination: -1 })).toThrow(RangeError);
    expect(() => new JsonLogger({ destination: {} as never })).toThrow(/options.destination must be/);
    expect(() => new JsonLogger({ destination: join(dir, 'missing', 'x.log') })).toThrow(
      expect.objectContaining({ code: 'ENOENT', message: expect.stringMatching(/cannot open/) }),
    );
    expect(() => new JsonLogger({ base: { nested: {} } as never })).toThrow(/options.base.nested/);
    expect(() => new JsonLogger({ bufferBytes: -1 })).toThrow(/options.bufferBytes/);
    expect(() => new JsonLogger({ maxOpenSpans: 0 })).toThrow(/options.maxOpenSpans/);
    expect(() => new JsonLogger({ spans: 'yes' as never })).toThrow(/options.spans/);
  });

  it('bad options show the value with its type; a wrong type is a TypeError, a bad value a RangeError', () => {
    const levelAsNumber = () => new JsonLogger({ level: 30 as never });
    expect(levelAsNumber).toThrow(TypeError);
    expect(levelAsNumber).toThrow(/options\.level must be one of .*; got number 30$/);
    expect(() => new JsonLogger({ level: 'verbose' as never })).toThrow(RangeError);
    expect(() => new JsonLogger({ level: '' as never })).toThrow(/got string ""$/);
    const spansAsString = () => new JsonLogger({ maxOpenSpans: '3' as never });
    expect(spansAsString).toThrow(TypeError);
    expect(spansAsString).toThrow(/^options\.maxOpenSpans must be a positive integer; got string "3"$/);
    expect(() => new JsonLogger({ bufferBytes: Number.NaN })).toThrow(RangeError);
    expect(() => new JsonLogger({ bufferBytes: Number.NaN })).toThrow(/got number NaN$/);
    expect(() => new JsonLogger({ base: { n: Number.NaN } })).toThrow(/options\.base\.n .*; got number NaN$/);
    expect(() => new JsonLogger({ base: [] as never })).toThrow(/options\.base .*; got an Array$/);
    expect(() => new JsonLogger({ destination: {} as never })).toThrow(/got an Object without a write\(\) method$/);
  });

  it('an unknown option key is a TypeError naming it and the valid ones', () => {
    const typo = () => new JsonLogger({ levle: 'debug' } as never);
    expect(typo).toThrow(TypeError);
    expect(typo).toThrow(/unknown option "levle"; the options are name, destination, level, base, .*onError/);
  });
});

describe('as a plugin', () => {
  it('is the default export, and wired into a PluginManager it receives the fan-out', async () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.apiVersion).toBe(CORE_API_VERSION);
    expect(plugin.capability).toBe('observability');
    const stream = new MemoryStream();
    const log = await plugin.create({ destination: stream, spans: true, metrics: true, name: 'logs' });
    const dropped: unknown[] = [];
    const manager = new PluginManager({ onError: (error) => dropped.push(error) });
    await manager.register(log);
    expect(manager.listExtensions().map((info) => info.name)).toEqual(['logs']);
    manager.logInfo('via manager', { table: 'users' });
    const span = manager.spanStart('txn');
    manager.spanEnd(span);
    manager.counterInc('txn.commit', 1);
    manager.counterInc('txn.commit', -1); // dropped by the manager itself
    await manager.shutdownAll();
    manager.logInfo('after shutdown');
    expect(stream.lines().map((line) => line.msg)).toEqual(['via manager', 'span start', 'span end', 'metric']);
    expect(dropped).toHaveLength(1);
  });

  it('counts lines logged after shutdown as dropped, and says so once through the default channel', async () => {
    const stream = new MemoryStream();
    const log = new JsonLogger({ destination: stream });
    await log.shutdown();
    const warnings = await captureWarnings(() => {
      log.logInfo('late');
      log.logError('late');
    });
    expect(log.droppedLines).toBe(2);
    expect(stream.text).toBe('');
    expect(warnings.map((w) => w.name)).toEqual(['SochDBWarning']);
  });

  it('reports its package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
    expect(new JsonLogger({ destination: new MemoryStream() }).info).toMatchObject({
      name: 'json-logging',
      version: pkg.version,
      capabilities: ['observability'],
    });
  });
});
