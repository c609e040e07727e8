import { hostname } from 'node:os';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../src/index.js';
import { MemoryStream, recorder } from './helpers.js';

/** What pino writes for `fields` at info level, parsed. */
function pinoLine(fields: Record<string, unknown>, options: pino.LoggerOptions = {}): Record<string, unknown> {
  const out = new MemoryStream();
  pino(options, out).info(fields, 'from pino');
  return JSON.parse(out.text) as Record<string, unknown>;
}

async function ourLine(fields: Record<string, unknown>, options = {}): Promise<Record<string, unknown>> {
  const out = new MemoryStream();
  const log = new JsonLogger({ destination: out, ...options });
  log.logInfo('from us', fields as never);
  await log.shutdown();
  const [line] = out.lines();
  if (line === undefined) throw new Error('no line written');
  return line;
}

describe('an Error given as a field is written as pino writes err', () => {
  it('type, message and stack with the cause chain, and own properties', async () => {
    const inner = Object.assign(new TypeError('inner'), { code: 'E_INNER' });
    const outer = Object.assign(new Error('outer', { cause: inner }), { code: 'E_OUTER', attempt: 3 });
    const ours = await ourLine({ err: outer });
    expect(ours.err).toEqual(pinoLine({ err: outer }).err);
    expect(ours.err).toMatchObject({ type: 'Error', message: 'outer: inner', code: 'E_OUTER', attempt: 3 });
    expect((ours.err as { stack: string }).stack).toMatch(/^Error: outer\n[\s\S]*\ncaused by: TypeError: inner\n/);
  });

  it('an AggregateError, a circular cause and a field of another name', async () => {
    const aggregate = new AggregateError([new Error('a'), new RangeError('b')], 'many');
    expect((await ourLine({ err: aggregate })).err).toEqual(pinoLine({ err: aggregate }).err);
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;
    expect((await ourLine({ err: loop })).err).toEqual(pinoLine({ err: loop }).err);
    // pino serializes only `err`; we write any Error field the same way.
    const ours = await ourLine({ failure: new Error('disk gone') });
    expect(ours.failure).toMatchObject({ type: 'Error', message: 'disk gone' });
  });

  it('an error whose property cannot be written as JSON still gives type and message', async () => {
    const odd = Object.assign(new Error('odd'), { big: 10n });
    expect((await ourLine({ err: odd })).err).toEqual({ type: 'Error', message: 'odd' });
  });
});

describe("pino's defaults and options", () => {
  it('pid and hostname are written by default, as pino does; base replaces them; base: null drops them', async () => {
    const ours = await ourLine({});
    const theirs = pinoLine({});
    expect(ours.pid).toBe(process.pid);
    expect(ours.hostname).toBe(hostname());
    expect([ours.pid, ours.hostname]).toEqual([theirs.pid, theirs.hostname]);
    const service = await ourLine({}, { base: { service: 'orders-db' } });
    expect(service).toMatchObject({ service: 'orders-db' });
    expect(service).not.toHaveProperty('pid');
    const none = await ourLine({}, { base: null });
    expect(Object.keys(none).sort()).toEqual(['level', 'msg', 'time']);
  });

  it("timestamp: 'iso' writes time as pino's isoTime does; false writes none", async () => {
    const before = Date.now();
    const iso = await ourLine({}, { timestamp: 'iso', base: null });
    expect(typeof iso.time).toBe('string');
    expect(iso.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(iso.time as string)).toBeGreaterThanOrEqual(before);
    expect(typeof pinoLine({}, { timestamp: pino.stdTimeFunctions.isoTime }).time).toBe('string');
    expect(await ourLine({}, { timestamp: false, base: null })).toEqual({ level: 30, msg: 'from us' });
    expect(() => new JsonLogger({ destination: new MemoryStream(), timestamp: 'unix' as never })).toThrow(RangeError);
  });

  it('the level can be changed at run time, as pino.level can', async () => {
    const out = new MemoryStream();
    const log = new JsonLogger({ destination: out, base: null });
    log.logDebug('hidden');
    log.level = 'debug';
    expect(log.level).toBe('debug');
    log.logDebug('shown');
    log.level = 'error';
    log.logWarn('hidden too');
    log.logError('shown too');
    expect(() => {
      log.level = 'verbose' as never;
    }).toThrow(RangeError);
    expect(log.level).toBe('error');
    await log.shutdown();
    expect(out.lines().map((line) => line.msg)).toEqual(['shown', 'shown too']);
  });
});

describe('drops are counted and reported once per (metric, reason)', () => {
  it('two different NaN gauges give two reports; a negative histogram value is dropped (reason negative)', async () => {
    const out = new MemoryStream();
    const { errors, onError } = recorder();
    const log = new JsonLogger({ destination: out, metrics: true, onError });
    log.gaugeSet('pool.pages', Number.NaN);
    log.gaugeSet('wal.size', Number.NaN);
    log.gaugeSet('wal.size', Number.NaN);
    log.histogramObserve('query.seconds', -0.5);
    log.counterInc('txn.commit', '1' as never);
    await log.shutdown();
    expect(out.lines()).toEqual([]);
    expect(log.dropCounts()).toEqual([
      { subject: 'pool.pages', reason: 'not-finite', count: 1 },
      { subject: 'wal.size', reason: 'not-finite', count: 2 },
      { subject: 'query.seconds', reason: 'negative', count: 1 },
      { subject: 'txn.commit', reason: 'not-a-number', count: 1 },
    ]);
    expect(errors).toHaveLength(4);
  });

  it('the default maxOpenSpans is 100,000, as the manager has', () => {
    const log = new JsonLogger({ destination: new MemoryStream(), spans: true, level: 'silent', onError: () => {} });
    for (let i = 0; i < 10_001; i++) log.spanStart('open');
    expect(log.dropCounts()).toEqual([]);
  });
});
