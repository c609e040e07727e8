import { extensionProblem, type HealthInfo, type ObservabilityExtension } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { show } from './bytes.js';
import { callLoosely, describeCall } from './call.js';
import { checkFactory, type Factory, freshInstance } from './lifecycle.js';

const METRIC_METHODS = ['counterInc', 'gaugeSet', 'histogramObserve'] as const;
const LOG_METHODS = ['logDebug', 'logInfo', 'logWarn', 'logError'] as const;

const LONG = 'x'.repeat(10_000);

/** Names that are fine in one backend and illegal in another. */
const ODD_NAMES: readonly string[] = [
  'a-b',
  '9x',
  'txn.commit',
  '',
  ' ',
  'has space',
  'üñíçødé_名前',
  '__name__',
  'a/b:c',
  'emoji_🚀',
  'line\nbreak',
  'quote"and\\backslash',
  'x_total',
  'x_bucket',
  LONG,
];

/** Values that are not strings at run time, in places typed as strings. */
function notStrings(): unknown[] {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  return [
    undefined,
    null,
    42,
    Number.NaN,
    true,
    10n,
    { nested: 'object' },
    circular,
    ['array'],
    Symbol('symbol'),
    () => 'function',
    Object.create(null),
    {
      toString(): string {
        throw new Error('toString throws');
      },
    },
  ];
}

/** Label sets with names that Prometheus or OpenTelemetry reserve or refuse. */
function oddLabelSets(): unknown[] {
  const sets: unknown[] = [
    { __name__: 'x' },
    { 'a-b': 'x' },
    { '': 'x' },
    { '9lead': 'x' },
    { le: '0.5' },
    { quantile: '0.9' },
    { 'txn.kind': 'read' },
    { [LONG]: LONG },
    { many: 'a', labels: 'b', at: 'c', once: 'd', with: 'e', odd: 'f', 'na-mes': 'g' },
    {},
    null,
    'not an object',
    42,
    ['array'],
  ];
  for (const value of notStrings()) sets.push({ key: value });
  return sets;
}

const ODD_NUMBERS: readonly unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  -0,
  0,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  2 ** 53 + 1,
  1e-300,
  '5',
  undefined,
  null,
  {},
  10n,
];

const ODD_SPAN_IDS: readonly unknown[] = [
  0,
  -1,
  Number.NaN,
  1.5,
  Number.POSITIVE_INFINITY,
  Number.MAX_SAFE_INTEGER,
  987_654_321,
  '1',
  undefined,
  null,
  {},
];

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Calls `method` and fails with the call if it throws or returns a promise
 * (hot-path methods are synchronous: a promise would hide a rejection from
 * the caller, who cannot await it on the hot path).
 */
function expectNoThrow(target: ObservabilityExtension, method: string, args: readonly unknown[]): unknown {
  let result: unknown;
  try {
    result = callLoosely(target, method, args);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : show(error);
    expect.fail(`${describeCall(method, args)} threw (${message}); observability calls must never throw`);
  }
  if (isThenable(result)) {
    // Swallow its outcome: the failure is that it is a promise at all.
    Promise.resolve(result).catch(() => {});
    expect.fail(
      `${describeCall(method, args)} returned a promise; observability methods are synchronous (hot path): ` +
        'do the work in the call, or queue it and return',
    );
  }
  return result;
}

function expectSpanId(id: unknown, what: string): void {
  expect(
    typeof id === 'number' && Number.isSafeInteger(id) && id >= 0,
    `${what} returned ${show(id)}; a span id is 0 (no span) or a positive safe integer`,
  ).toBe(true);
}

const HEALTH: HealthInfo = {
  operational: true,
  walSizeBytes: 4096,
  activeTxns: 3,
  bufferPoolUsage: 0.5,
  checkpointAgeSecs: 12,
};

/**
 * The conformance suite for an {@link ObservabilityExtension}: registers a
 * vitest `describe` block whose tests check the `@sochdb/core` 1.x
 * observability contract on a fresh instance each. The contract's one hard
 * rule is that these hot-path calls never throw, so most tests feed hostile
 * input: names illegal in Prometheus or OpenTelemetry, reserved or empty label
 * names, label values that are not strings at run time (numbers, objects,
 * circular objects, symbols), `NaN`/`Infinity`/negative values, huge strings,
 * one name reused as another metric kind or with other label names, unknown,
 * ended and nonsensical span ids, and calls after `shutdown`.
 *
 * Also covered: `spanStart` returns 0 or a safe integer, distinct for spans
 * open at the same time; optional log methods and `reportHealth` are exercised
 * when present.
 *
 * @param name - shown in the `describe` title, e.g. the package name
 * @param factory - makes a fresh, uninitialised instance; called once per test. The suite calls `init()` and `shutdown()` itself.
 */
export function observabilityConformance(
  name: string,
  factory: () => ObservabilityExtension | Promise<ObservabilityExtension>,
): void {
  checkFactory('observabilityConformance', 'observability', factory);
  describe(`${name} — observability conformance (@sochdb/core 1.x)`, () => {
    const fixture = freshInstance<ObservabilityExtension>(factory as Factory<ObservabilityExtension>, 'observability');

    describe('shape', () => {
      it('is an observability extension: valid info declaring "observability" and every required method', () => {
        expect(extensionProblem(fixture.ext, 'observability')).toBeUndefined();
      });
    });

    describe('synchronous', () => {
      it('every hot-path method returns synchronously, never a promise', () => {
        const obs = fixture.ext;
        for (const method of METRIC_METHODS) expectNoThrow(obs, method, ['sochdb_sync_check', 1, { k: 'v' }]);
        const span = expectNoThrow(obs, 'spanStart', ['sync check']);
        expectSpanId(span, 'spanStart');
        expectNoThrow(obs, 'spanEvent', [span, 'event', { k: 'v' }]);
        expectNoThrow(obs, 'spanEnd', [span]);
        for (const method of LOG_METHODS) {
          if (typeof obs[method] === 'function') expectNoThrow(obs, method, ['sync check', { k: 'v' }]);
        }
        if (typeof obs.reportHealth === 'function') expectNoThrow(obs, 'reportHealth', [HEALTH]);
      });
    });

    describe('metrics', () => {
      it('counters, gauges and histograms accept ordinary names, values and labels', () => {
        const obs = fixture.ext;
        obs.counterInc('sochdb_txn_commits', 1);
        obs.counterInc('sochdb_txn_commits', 3, { table: 'users' });
        obs.counterInc('sochdb_bytes_written', 0, { table: 'users', op: 'put' });
        obs.gaugeSet('sochdb_active_txns', 7);
        obs.gaugeSet('sochdb_active_txns', -2, { pool: 'main' });
        obs.gaugeSet('sochdb_buffer_pool_usage', 0.25);
        obs.histogramObserve('sochdb_query_seconds', 0.003);
        obs.histogramObserve('sochdb_query_seconds', 12, { kind: 'scan' });
        obs.histogramObserve('sochdb_page_bytes', 0, { kind: 'scan' });
      });

      it('metric calls with names illegal in some backend never throw', () => {
        const obs = fixture.ext;
        for (const method of METRIC_METHODS) {
          for (const metric of ODD_NAMES) {
            expectNoThrow(obs, method, [metric, 1]);
            expectNoThrow(obs, method, [metric, 2, { label: 'value' }]);
          }
        }
      });

      it('metric calls with names that are not strings at run time never throw', () => {
        const obs = fixture.ext;
        for (const method of METRIC_METHODS) {
          for (const metric of notStrings()) expectNoThrow(obs, method, [metric, 1]);
        }
      });

      it('metric calls with odd label names, non-string label values and non-object labels never throw', () => {
        const obs = fixture.ext;
        for (const method of METRIC_METHODS) {
          for (const labels of oddLabelSets()) expectNoThrow(obs, method, ['sochdb_odd_labels', 1, labels]);
        }
      });

      it('NaN, Infinity, negative and non-number values never throw', () => {
        const obs = fixture.ext;
        for (const method of METRIC_METHODS) {
          for (const value of ODD_NUMBERS) {
            expectNoThrow(obs, method, [`sochdb_odd_value_${method}`, value]);
            expectNoThrow(obs, method, [`sochdb_odd_value_${method}`, value, { k: 'v' }]);
          }
        }
      });

      it('one name used as a counter, a gauge and a histogram never throws', () => {
        const obs = fixture.ext;
        for (const method of METRIC_METHODS) expectNoThrow(obs, method, ['sochdb_reused_name', 1]);
        for (const method of [...METRIC_METHODS].reverse()) expectNoThrow(obs, method, ['sochdb_reused_name', 2]);
      });

      it('one metric used with different label names never throws', () => {
        const obs = fixture.ext;
        for (const method of METRIC_METHODS) {
          const metric = `sochdb_label_sets_${method}`;
          expectNoThrow(obs, method, [metric, 1]);
          expectNoThrow(obs, method, [metric, 1, { a: 'x' }]);
          expectNoThrow(obs, method, [metric, 1, { b: 'y' }]);
          expectNoThrow(obs, method, [metric, 1, { a: 'x', b: 'y' }]);
          expectNoThrow(obs, method, [metric, 1]);
        }
      });

      it('many distinct label values never throw', () => {
        const obs = fixture.ext;
        for (let i = 0; i < 3000; i++) {
          expectNoThrow(obs, 'counterInc', ['sochdb_high_cardinality', 1, { id: String(i) }]);
        }
        for (let i = 0; i < 500; i++) {
          expectNoThrow(obs, 'histogramObserve', ['sochdb_high_cardinality_seconds', i / 100, { id: String(i) }]);
        }
      });

      it('a labels object mutated after the call never throws later calls', () => {
        const obs = fixture.ext;
        const labels: Record<string, unknown> = { table: 'users' };
        expectNoThrow(obs, 'counterInc', ['sochdb_mutated_labels', 1, labels]);
        labels.table = 5;
        labels.extra = 'x';
        expectNoThrow(obs, 'counterInc', ['sochdb_mutated_labels', 1, labels]);
        expectNoThrow(obs, 'counterInc', ['sochdb_mutated_labels', 1, { table: 'users' }]);
      });
    });

    describe('spans', () => {
      it('spanStart returns 0 or a positive safe integer', () => {
        const obs = fixture.ext;
        const root = obs.spanStart('txn.commit');
        expectSpanId(root, 'spanStart("txn.commit")');
        const child = obs.spanStart('wal.append', root);
        expectSpanId(child, 'spanStart("wal.append", root)');
        obs.spanEvent(child, 'fsync', { bytes: '4096' });
        obs.spanEnd(child);
        obs.spanEnd(root);
      });

      it('spans open at the same time get distinct ids', () => {
        const obs = fixture.ext;
        const ids = Array.from({ length: 50 }, (_, i) => obs.spanStart(`span-${i}`));
        for (const id of ids) expectSpanId(id, 'spanStart');
        const traced = ids.filter((id) => id !== 0);
        expect(new Set(traced).size, `span ids of 50 open spans: ${traced.join(', ')}`).toBe(traced.length);
        for (const id of ids) obs.spanEnd(id);
      });

      it('spanStart with an unknown, ended or nonsensical parent never throws and returns a span id', () => {
        const obs = fixture.ext;
        const ended = obs.spanStart('ended');
        obs.spanEnd(ended);
        for (const parent of [...ODD_SPAN_IDS, ended]) {
          const id = expectNoThrow(obs, 'spanStart', ['child', parent]);
          expectSpanId(id, describeCall('spanStart', ['child', parent]));
          expectNoThrow(obs, 'spanEnd', [id]);
        }
      });

      it('spanStart with odd names never throws', () => {
        const obs = fixture.ext;
        for (const spanName of [...ODD_NAMES, ...notStrings()]) {
          const id = expectNoThrow(obs, 'spanStart', [spanName]);
          expectSpanId(id, describeCall('spanStart', [spanName]));
          expectNoThrow(obs, 'spanEnd', [id]);
        }
      });

      it('spanEnd and spanEvent on unknown ids (0, -1, NaN, ...) never throw', () => {
        const obs = fixture.ext;
        for (const id of ODD_SPAN_IDS) {
          expectNoThrow(obs, 'spanEvent', [id, 'event']);
          expectNoThrow(obs, 'spanEvent', [id, 'event', { k: 'v' }]);
          expectNoThrow(obs, 'spanEnd', [id]);
        }
      });

      it('ending a span twice, and events on an ended span, never throw', () => {
        const obs = fixture.ext;
        const id = obs.spanStart('twice');
        obs.spanEnd(id);
        expectNoThrow(obs, 'spanEnd', [id]);
        expectNoThrow(obs, 'spanEvent', [id, 'late event', { k: 'v' }]);
      });

      it('ending a parent before its child never throws', () => {
        const obs = fixture.ext;
        const parent = obs.spanStart('parent');
        const child = obs.spanStart('child', parent);
        expectNoThrow(obs, 'spanEnd', [parent]);
        expectNoThrow(obs, 'spanEvent', [child, 'after parent ended']);
        const grandchild = expectNoThrow(obs, 'spanStart', ['grandchild', child]);
        expectNoThrow(obs, 'spanEnd', [grandchild]);
        expectNoThrow(obs, 'spanEnd', [child]);
      });

      it('spanEvent with odd names and attributes never throws', () => {
        const obs = fixture.ext;
        const id = obs.spanStart('events');
        for (const eventName of [...ODD_NAMES, ...notStrings()]) expectNoThrow(obs, 'spanEvent', [id, eventName]);
        for (const attributes of oddLabelSets()) expectNoThrow(obs, 'spanEvent', [id, 'event', attributes]);
        obs.spanEnd(id);
      });

      it('many spans started and ended never throw', () => {
        const obs = fixture.ext;
        for (let i = 0; i < 2000; i++) {
          const id = expectNoThrow(obs, 'spanStart', ['loop']);
          expectNoThrow(obs, 'spanEnd', [id]);
        }
        // Left open on purpose: an extension must cope with spans that are never ended.
        for (let i = 0; i < 200; i++) expectNoThrow(obs, 'spanStart', ['leaked']);
      });
    });

    describe('logs and health', () => {
      it('log methods, when present, accept ordinary messages and fields', (context) => {
        const obs = fixture.ext;
        const present = LOG_METHODS.filter((method) => typeof obs[method] === 'function');
        if (present.length === 0) context.skip('this extension has no log methods');
        for (const method of present) {
          expectNoThrow(obs, method, ['checkpoint finished']);
          expectNoThrow(obs, method, ['checkpoint finished', { table: 'users', pages: '12' }]);
        }
      });

      it('log methods, when present, never throw on odd messages and fields', (context) => {
        const obs = fixture.ext;
        const present = LOG_METHODS.filter((method) => typeof obs[method] === 'function');
        if (present.length === 0) context.skip('this extension has no log methods');
        for (const method of present) {
          for (const message of [...ODD_NAMES, ...notStrings()]) expectNoThrow(obs, method, [message]);
          for (const fields of oddLabelSets()) expectNoThrow(obs, method, ['odd fields', fields]);
          expectNoThrow(obs, method, ['reserved field names', { level: 'x', msg: 'y', time: 'z', pid: '1' }]);
        }
      });

      it('reportHealth, when present, accepts a health snapshot', (context) => {
        const obs = fixture.ext;
        if (typeof obs.reportHealth !== 'function') context.skip('this extension has no reportHealth()');
        expectNoThrow(obs, 'reportHealth', [HEALTH]);
        expectNoThrow(obs, 'reportHealth', [{ ...HEALTH, operational: false, bufferPoolUsage: 1 }]);
      });

      it('reportHealth, when present, never throws on odd snapshots', (context) => {
        const obs = fixture.ext;
        if (typeof obs.reportHealth !== 'function') context.skip('this extension has no reportHealth()');
        const odd: unknown[] = [
          { ...HEALTH, walSizeBytes: Number.NaN, activeTxns: -1, bufferPoolUsage: 7, checkpointAgeSecs: Infinity },
          { operational: 'yes' },
          {},
          null,
          undefined,
          42,
          'healthy',
        ];
        for (const health of odd) expectNoThrow(obs, 'reportHealth', [health]);
      });
    });

    describe('after shutdown', () => {
      it('every method still never throws after shutdown', async () => {
        const obs = fixture.ext;
        const open = obs.spanStart('open across shutdown');
        await fixture.shutdown();
        for (const method of METRIC_METHODS) {
          expectNoThrow(obs, method, ['sochdb_after_shutdown', 1]);
          expectNoThrow(obs, method, ['sochdb_after_shutdown', 1, { k: 'v' }]);
        }
        const id = expectNoThrow(obs, 'spanStart', ['after shutdown']);
        expectSpanId(id, 'spanStart after shutdown');
        expectNoThrow(obs, 'spanStart', ['after shutdown', open]);
        expectNoThrow(obs, 'spanEvent', [open, 'event']);
        expectNoThrow(obs, 'spanEnd', [open]);
        expectNoThrow(obs, 'spanEnd', [id]);
        for (const method of LOG_METHODS) {
          if (typeof obs[method] === 'function') expectNoThrow(obs, method, ['after shutdown', { k: 'v' }]);
        }
        if (typeof obs.reportHealth === 'function') expectNoThrow(obs, 'reportHealth', [HEALTH]);
      });
    });
  });
}
