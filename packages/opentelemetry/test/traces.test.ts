import { readFileSync } from 'node:fs';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CORE_API_VERSION, isPluginModule, PluginManager } from '@sochdb/core';
import { captureWarnings } from '@sochdb/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import plugin, { OpenTelemetryObservability, VERSION } from '../src/index.js';
import { createSdk, metricNamed, observed, points, type Sdk } from './sdk.js';

let sdk: Sdk;
beforeEach(() => {
  sdk = createSdk();
});
afterEach(async () => {
  await sdk.shutdown();
});

function byName(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no finished span named ${name}: ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

describe('spans are real spans', () => {
  it('spanStart/spanEnd make an ended span; a parent id makes a child in the same trace', () => {
    const { obs } = observed(sdk);
    const root = obs.spanStart('txn.commit');
    const child = obs.spanStart('wal.append', root);
    const grandchild = obs.spanStart('fsync', child);
    expect(new Set([root, child, grandchild]).size).toBe(3);
    expect(sdk.finished()).toEqual([]);
    obs.spanEnd(grandchild);
    obs.spanEnd(child);
    obs.spanEnd(root);
    const spans = sdk.finished();
    expect(spans.map((s) => s.name)).toEqual(['fsync', 'wal.append', 'txn.commit']);
    const [rootSpan, childSpan, grandchildSpan] = [
      byName(spans, 'txn.commit'),
      byName(spans, 'wal.append'),
      byName(spans, 'fsync'),
    ];
    expect(rootSpan.parentSpanContext).toBeUndefined();
    expect(childSpan.parentSpanContext?.spanId).toBe(rootSpan.spanContext().spanId);
    expect(grandchildSpan.parentSpanContext?.spanId).toBe(childSpan.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(spans.every((s) => s.ended)).toBe(true);
    expect(rootSpan.instrumentationScope).toMatchObject({ name: '@sochdb/opentelemetry', version: VERSION });
  });

  it('spanEnd forgets the id: ending twice ends once, and an unknown or ended parent means a new root', () => {
    const { obs } = observed(sdk);
    const first = obs.spanStart('first');
    obs.spanEnd(first);
    obs.spanEnd(first);
    expect(obs.openSpans).toBe(0);
    const orphan = obs.spanStart('orphan', first);
    const stranger = obs.spanStart('stranger', 123_456);
    obs.spanEnd(orphan);
    obs.spanEnd(stranger);
    const spans = sdk.finished();
    expect(spans.map((s) => s.name)).toEqual(['first', 'orphan', 'stranger']);
    expect(byName(spans, 'orphan').parentSpanContext).toBeUndefined();
    expect(byName(spans, 'stranger').parentSpanContext).toBeUndefined();
    expect(byName(spans, 'orphan').spanContext().traceId).not.toBe(byName(spans, 'first').spanContext().traceId);
  });

  it('a root span is a child of the span active in the OpenTelemetry context, if any', () => {
    const { obs } = observed(sdk);
    const request = sdk.tracerProvider.getTracer('app').startSpan('http request');
    let id = 0;
    // Without a context manager `context.with` does not propagate, so pass the context explicitly.
    const active = trace.setSpan(context.active(), request);
    const manager = {
      active: () => active,
      with: <A extends unknown[], F extends (...args: A) => ReturnType<F>>(
        _c: unknown,
        fn: F,
        thisArg?: unknown,
        ...args: A
      ) => fn.call(thisArg, ...args),
      bind: <T>(_c: unknown, target: T) => target,
      enable() {
        return this;
      },
      disable() {
        return this;
      },
    };
    context.setGlobalContextManager(manager as never);
    try {
      id = obs.spanStart('kernel work');
    } finally {
      context.disable();
    }
    obs.spanEnd(id);
    request.end();
    expect(byName(sdk.finished(), 'kernel work').parentSpanContext?.spanId).toBe(request.spanContext().spanId);
  });

  it('spanEvent adds events with attributes; events on ended or unknown spans do nothing', () => {
    const { obs, errors } = observed(sdk);
    const id = obs.spanStart('scan');
    obs.spanEvent(id, 'page read', { page: '7', bytes: 4096 as never });
    obs.spanEvent(id, 'no attributes');
    obs.spanEnd(id);
    obs.spanEvent(id, 'too late');
    obs.spanEvent(999, 'unknown');
    const [span] = sdk.finished();
    expect(span?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['page read', { page: '7', bytes: '4096' }],
      ['no attributes', {}],
    ]);
    // The number made a string is an altered value: counted, reported once.
    expect(obs.dropCounts()).toEqual([{ subject: 'page read', reason: 'label-not-string', count: 1 }]);
    expect(errors.map((e) => e.operation)).toEqual(['spanEvent']);
  });

  it('odd span and event names and attributes never reach the SDK as something it throws on', () => {
    const { obs, errors } = observed(sdk);
    const id = obs.spanStart(undefined as never);
    obs.spanEvent(id, Symbol('event') as never, { '': 'empty key', ok: 'x', bad: Object.create(null) as never });
    obs.spanEvent(id, 'attributes not an object', 'nope' as never);
    obs.spanEnd(id);
    const [span] = sdk.finished();
    expect(span?.name).toBe('undefined');
    expect(span?.events.map((e) => [e.name, e.attributes])).toEqual([
      ['Symbol(event)', { ok: 'x' }],
      ['attributes not an object', {}],
    ]);
    expect(obs.dropCounts().map((d) => d.reason)).toEqual([
      'label-empty-name',
      'label-unprintable',
      'labels-not-object',
    ]);
    expect(errors.every((e) => e.operation === 'spanEvent')).toBe(true);
  });

  it('maxOpenSpans: passing it ends the oldest span (sochdb.span.evicted = true) and reports it once', () => {
    const { obs, errors } = observed(sdk, { maxOpenSpans: 3 });
    const ids = ['a', 'b', 'c', 'd', 'e'].map((name) => obs.spanStart(name));
    expect(obs.openSpans).toBe(3);
    expect(sdk.finished().map((s) => [s.name, s.attributes])).toEqual([
      ['a', { 'db.system.name': 'sochdb', 'sochdb.span.evicted': true }],
      ['b', { 'db.system.name': 'sochdb', 'sochdb.span.evicted': true }],
    ]);
    obs.spanEnd(ids[0] as number); // already ended by eviction: nothing happens
    expect(sdk.finished()).toHaveLength(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.error.message).toMatch(/more than 3 spans open: the oldest \(id 1\) was ended/);
    for (const id of ids) obs.spanEnd(id);
    expect(sdk.finished().map((s) => s.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('shutdown ends the spans still open, and afterwards every call does nothing', async () => {
    const { obs } = observed(sdk);
    obs.spanStart('left open');
    obs.shutdown();
    expect(sdk.finished().map((s) => s.name)).toEqual(['left open']);
    expect(obs.spanStart('after')).toBe(0);
    obs.counterInc('after.shutdown', 1);
    obs.logError('after');
    expect(metricNamed(await sdk.collect(), 'after.shutdown')).toBeUndefined();
  });

  it('a sampled-out parent is still tracked, so its children are sampled out with it', async () => {
    const { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
      '@opentelemetry/sdk-trace-base'
    );
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const obs = new OpenTelemetryObservability({ tracerProvider, meterProvider: sdk.meterProvider });
    obs.init();
    const parent = obs.spanStart('unsampled');
    expect(parent).toBeGreaterThan(0);
    obs.spanEnd(obs.spanStart('child', parent));
    obs.spanEnd(parent);
    expect(exporter.getFinishedSpans()).toEqual([]);
    await tracerProvider.shutdown();
  });
});

describe('logs', () => {
  // withSpan needs a context manager, as context.with does (the Node SDK registers one).
  beforeEach(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterEach(() => {
    context.disable();
  });

  it('are a "log" event on the span active in the context, and a sochdb.log.messages counter by level', async () => {
    const { obs } = observed(sdk);
    obs.logInfo('before any span');
    const outer = obs.spanStart('outer');
    const inner = obs.spanStart('inner', outer);
    obs.withSpan(inner, () => obs.logWarn('slow fsync', { ms: '250', 'log.message': 'replaced' }));
    obs.spanEnd(inner);
    obs.withSpan(outer, () => {
      obs.logError('after inner ended');
      obs.logDebug('debug too');
    });
    obs.spanEnd(outer);
    const spans = sdk.finished();
    expect(byName(spans, 'inner').events.map((e) => [e.name, e.attributes])).toEqual([
      ['log', { ms: '250', 'log.message': 'slow fsync', 'log.severity': 'WARN' }],
    ]);
    expect(byName(spans, 'outer').events.map((e) => e.attributes)).toEqual([
      { 'log.severity': 'ERROR', 'log.message': 'after inner ended' },
      { 'log.severity': 'DEBUG', 'log.message': 'debug too' },
    ]);
    expect(points(metricNamed(await sdk.collect(), 'log.messages'))).toEqual([
      [{ level: 'debug' }, 1],
      [{ level: 'error' }, 1],
      [{ level: 'info' }, 1],
      [{ level: 'warn' }, 1],
    ]);
  });

  it('an open span that is not active gets no log events, whatever order spans start and end in', () => {
    const { obs } = observed(sdk);
    const a = obs.spanStart('a');
    const b = obs.spanStart('b');
    obs.logInfo('to no span');
    obs.withSpan(a, () => obs.logInfo('to a'));
    obs.spanEnd(b);
    obs.spanEnd(a);
    const spans = sdk.finished();
    expect(byName(spans, 'a').events.map((e) => e.attributes?.['log.message'])).toEqual(['to a']);
    expect(byName(spans, 'b').events).toEqual([]);
  });

  it('logEvents: false and logCounter: false switch the two off', async () => {
    const { obs } = observed(sdk, { logEvents: false, logCounter: false });
    const id = obs.spanStart('quiet');
    obs.withSpan(id, () => obs.logWarn('not recorded'));
    obs.spanEnd(id);
    expect(sdk.finished()[0]?.events).toEqual([]);
    expect(metricNamed(await sdk.collect(), 'log.messages')).toBeUndefined();
  });
});

describe('as a plugin', () => {
  it('is the default export and, wired into a PluginManager, gets metrics and parent/child spans', async () => {
    expect(isPluginModule(plugin)).toBe(true);
    expect(plugin.apiVersion).toBe(CORE_API_VERSION);
    expect(plugin.capability).toBe('observability');
    const obs = await plugin.create({ meterProvider: sdk.meterProvider, tracerProvider: sdk.tracerProvider });
    const reports: unknown[] = [];
    const manager = new PluginManager({ onError: (error) => reports.push(error) });
    await manager.register(obs);
    expect(manager.listExtensions()[0]).toMatchObject({ name: 'opentelemetry', version: VERSION });
    manager.counterInc('txn.commit', 1, { table: 'users' });
    manager.counterInc('txn.commit', Number.NaN); // dropped by the manager
    manager.histogramObserve('txn.seconds', 0.01);
    const root = manager.spanStart('txn');
    const child = manager.spanStart('wal', root);
    manager.spanEvent(child, 'fsync', { bytes: '4096' });
    manager.logInfo('committed');
    manager.spanEnd(child);
    manager.spanEnd(root);
    const exported = await sdk.collect();
    expect(points(metricNamed(exported, 'txn.commit'))).toEqual([[{ table: 'users' }, 1]]);
    const spans = sdk.finished();
    expect(byName(spans, 'wal').parentSpanContext?.spanId).toBe(byName(spans, 'txn').spanContext().spanId);
    // The manager's logInfo ran with no span active: a log event belongs to no span then.
    expect(byName(spans, 'wal').events.map((e) => e.name)).toEqual(['fsync']);
    await manager.shutdownAll();
    expect(reports).toHaveLength(1);
  });

  it('reports problems as one process warning by default; a throwing onError is ignored', async () => {
    const warnings = await captureWarnings(() => {
      const quiet = new OpenTelemetryObservability({ meterProvider: sdk.meterProvider });
      quiet.counterInc('w', -1);
      quiet.counterInc('w', -2);
    });
    const ours = warnings.filter((w) => (w as { code?: string }).code === 'SOCHDB_WARNING');
    expect(ours.map((w) => [w.name, w.message])).toEqual([
      [
        'SochDBWarning',
        "opentelemetry 'opentelemetry' counterInc: counter 'w': value must be a finite, non-negative number; got -1 (dropped). Further values dropped for this reason are counted, not reported.",
      ],
    ]);
    const throwing = new OpenTelemetryObservability({
      meterProvider: sdk.meterProvider,
      onError: () => {
        throw new Error('handler bug');
      },
    });
    expect(() => throwing.counterInc('w', Number.NaN)).not.toThrow();
  });

  it('bad options are clear errors naming the option', () => {
    expect(() => new OpenTelemetryObservability({ maxOpenSpans: 0 })).toThrow(/options.maxOpenSpans/);
    expect(() => new OpenTelemetryObservability({ maxInstruments: 1.5 })).toThrow(/options.maxInstruments/);
    expect(() => new OpenTelemetryObservability({ meterProvider: {} as never })).toThrow(/options.meterProvider/);
    expect(() => new OpenTelemetryObservability({ tracerProvider: 5 as never })).toThrow(/options.tracerProvider/);
    expect(() => new OpenTelemetryObservability({ scopeName: '' })).toThrow(/options.scopeName/);
    expect(() => new OpenTelemetryObservability({ logEvents: 'no' as never })).toThrow(/options.logEvents/);
  });

  it('bad options show the value with its type; a wrong type is a TypeError, a bad number a RangeError', () => {
    const spansAsString = () => new OpenTelemetryObservability({ maxOpenSpans: '3' as never });
    expect(spansAsString).toThrow(TypeError);
    expect(spansAsString).toThrow(/^options\.maxOpenSpans must be a positive integer; got string "3"$/);
    expect(() => new OpenTelemetryObservability({ maxInstruments: Number.NaN })).toThrow(RangeError);
    expect(() => new OpenTelemetryObservability({ maxInstruments: Number.NaN })).toThrow(/got number NaN$/);
    expect(() => new OpenTelemetryObservability({ scopeName: '' })).toThrow(/got string ""$/);
    expect(() => new OpenTelemetryObservability({ logCounter: 'false' as never })).toThrow(/got string "false"$/);
  });

  it('an unknown option key is a TypeError naming it and the valid ones', () => {
    const typo = () => new OpenTelemetryObservability({ logEvent: false } as never);
    expect(typo).toThrow(TypeError);
    expect(typo).toThrow(
      /unknown option "logEvent"; the options are name, meterProvider, .*logEvents, logCounter, onError/,
    );
  });

  it('reports its package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
