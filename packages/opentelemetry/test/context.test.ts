import { setTimeout as sleep } from 'node:timers/promises';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenTelemetryObservability } from '../src/index.js';
import { createSdk, observed, type Sdk } from './sdk.js';

let sdk: Sdk;
beforeEach(() => {
  sdk = createSdk();
  // What the Node SDK registers: the active context follows async calls.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterEach(async () => {
  context.disable();
  await sdk.shutdown();
});

function byName(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const span = spans.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no finished span named ${name}: ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

const logMessages = (span: ReadableSpan) =>
  span.events.filter((e) => e.name === 'log').map((e) => e.attributes?.['log.message']);

describe('logs are tied to spans only through the active context', () => {
  it('two concurrent transactions run under withSpan: each log lands on its own transaction span', async () => {
    const { obs } = observed(sdk);
    const transaction = async (name: string, wait: number) => {
      const id = obs.spanStart(name);
      await obs.withSpan(id, async () => {
        obs.logInfo(`${name} begins`);
        await sleep(wait);
        obs.logWarn(`${name} waited`);
      });
      obs.spanEnd(id);
    };
    // B starts after A, so "the span started last" is B's while A still logs.
    await Promise.all([transaction('txn A', 30), transaction('txn B', 5)]);
    const spans = sdk.finished();
    expect(logMessages(byName(spans, 'txn A'))).toEqual(['txn A begins', 'txn A waited']);
    expect(logMessages(byName(spans, 'txn B'))).toEqual(['txn B begins', 'txn B waited']);
  });

  it("two concurrent requests of the application: the kernel's logs land on each request's own span", async () => {
    const { obs } = observed(sdk);
    const tracer = sdk.tracerProvider.getTracer('app');
    const request = (name: string, wait: number) =>
      tracer.startActiveSpan(name, async (span) => {
        const kernel = obs.spanStart('txn'); // a kernel span opened meanwhile is not where logs go
        await sleep(wait);
        obs.logWarn(`slow in ${name}`);
        obs.spanEnd(kernel);
        span.end();
      });
    await Promise.all([request('GET /a', 30), request('GET /b', 5)]);
    const spans = sdk.finished();
    expect(logMessages(byName(spans, 'GET /a'))).toEqual(['slow in GET /a']);
    expect(logMessages(byName(spans, 'GET /b'))).toEqual(['slow in GET /b']);
    expect(spans.filter((s) => s.name === 'txn').flatMap(logMessages)).toEqual([]);
  });

  it('a log with no active span is an event on no span (it is still counted)', () => {
    const { obs } = observed(sdk);
    const id = obs.spanStart('open but not active');
    obs.logInfo('nowhere');
    obs.spanEnd(id);
    expect(sdk.finished()[0]?.events).toEqual([]);
  });
});

describe('kernel spans can become active', () => {
  it("withSpan runs code with the kernel span active: the application's spans and the kernel's own children nest under it", () => {
    const { obs } = observed(sdk);
    const tracer = sdk.tracerProvider.getTracer('app');
    const txn = obs.spanStart('txn.commit');
    const result = obs.withSpan(
      txn,
      (table: string) => {
        tracer.startSpan(`app trigger on ${table}`).end();
        obs.spanEnd(obs.spanStart('wal.append'));
        return 42;
      },
      undefined,
      'orders',
    );
    obs.spanEnd(txn);
    expect(result).toBe(42);
    const spans = sdk.finished();
    const txnId = byName(spans, 'txn.commit').spanContext().spanId;
    expect(byName(spans, 'app trigger on orders').parentSpanContext?.spanId).toBe(txnId);
    expect(byName(spans, 'wal.append').parentSpanContext?.spanId).toBe(txnId);
  });

  it('contextOf gives the context to hand to startSpan or context.with; an unknown id gives the base context', () => {
    const { obs } = observed(sdk);
    const tracer = sdk.tracerProvider.getTracer('app');
    const txn = obs.spanStart('txn');
    tracer.startSpan('child', undefined, obs.contextOf(txn)).end();
    expect(obs.contextOf(999)).toBe(context.active());
    expect(trace.getSpan(obs.contextOf(999))).toBeUndefined();
    obs.spanEnd(txn);
    const spans = sdk.finished();
    expect(byName(spans, 'child').parentSpanContext?.spanId).toBe(byName(spans, 'txn').spanContext().spanId);
  });

  it('withSpan of an unknown or ended id runs the function in the current context', () => {
    const { obs } = observed(sdk);
    expect(obs.withSpan(12345, () => trace.getSpan(context.active()))).toBeUndefined();
  });
});

describe('logError and span attributes', () => {
  it('logError sets ERROR status (with the message) on the kernel span it is tied to', () => {
    const { obs } = observed(sdk);
    const txn = obs.spanStart('txn');
    obs.withSpan(txn, () => obs.logError('fsync failed', { path: '/wal/0001' }));
    obs.spanEnd(txn);
    const ok = obs.spanStart('fine');
    obs.withSpan(ok, () => obs.logWarn('only a warning'));
    obs.spanEnd(ok);
    const spans = sdk.finished();
    expect(byName(spans, 'txn').status).toEqual({ code: SpanStatusCode.ERROR, message: 'fsync failed' });
    expect(byName(spans, 'fine').status.code).toBe(SpanStatusCode.UNSET);
  });

  it("logError leaves the status of an application's own span to the application", async () => {
    const { obs } = observed(sdk);
    const tracer = sdk.tracerProvider.getTracer('app');
    tracer.startActiveSpan('GET /a', (span) => {
      obs.logError('kernel error');
      span.end();
    });
    const [span] = sdk.finished();
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.events.map((e) => e.attributes?.['log.severity'])).toEqual(['ERROR']);
  });

  it("spans carry the database semantic conventions' db.system.name, and db.namespace when configured", () => {
    const { obs } = observed(sdk, { dbNamespace: 'orders-db' });
    obs.spanEnd(obs.spanStart('txn.commit'));
    const plain = new OpenTelemetryObservability({ tracerProvider: sdk.tracerProvider, onError: () => {} });
    plain.spanEnd(plain.spanStart('scan'));
    const spans = sdk.finished();
    expect(byName(spans, 'txn.commit').attributes).toEqual({ 'db.system.name': 'sochdb', 'db.namespace': 'orders-db' });
    expect(byName(spans, 'scan').attributes).toEqual({ 'db.system.name': 'sochdb' });
  });
});
