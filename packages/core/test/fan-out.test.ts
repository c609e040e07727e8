import { describe, expect, it, vi } from 'vitest';
import { type ErrorSite, PluginManager } from '../src/index.js';
import { health, Recorder, thrower } from './helpers.js';

async function managerWith(...extensions: Recorder[]) {
  const errors: Array<[unknown, ErrorSite]> = [];
  const pm = new PluginManager({ onError: (error, where) => errors.push([error, where]) });
  for (const ext of extensions) await pm.registerObservability(ext);
  return { pm, errors };
}

describe('metric, log and health fan-out', () => {
  it('reaches every observability extension with the same arguments', async () => {
    const a = new Recorder('a');
    const b = new Recorder('b');
    const { pm } = await managerWith(a, b);
    const labels = { table: 'users' };
    pm.counterInc('txn.commit', 2, labels);
    pm.gaugeSet('wal.bytes', 4096);
    pm.histogramObserve('query.seconds', 0.25, labels);
    pm.logDebug('d', { k: 'v' });
    pm.logInfo('i');
    pm.logWarn('w');
    pm.logError('e', { code: '42' });
    pm.reportHealth(health);
    const expected = [
      ['counterInc', 'txn.commit', 2, labels],
      ['gaugeSet', 'wal.bytes', 4096, undefined],
      ['histogramObserve', 'query.seconds', 0.25, labels],
      ['logDebug', 'd', { k: 'v' }],
      ['logInfo', 'i', undefined],
      ['logWarn', 'w', undefined],
      ['logError', 'e', { code: '42' }],
      ['reportHealth', health],
    ];
    expect(a.calls).toEqual(expected);
    expect(b.calls).toEqual(expected);
  });

  it('skips extensions without the optional log and health methods', async () => {
    const { pm } = await managerWith();
    const calls: string[] = [];
    const { logDebug: _d, logInfo: _i, logWarn: _w, logError: _e, reportHealth: _h, ...bare } = thrower('bare');
    await pm.registerObservability({ ...bare, counterInc: () => void calls.push('counterInc') });
    pm.logInfo('nobody listens');
    pm.reportHealth(health);
    pm.counterInc('c', 1);
    expect(calls).toEqual(['counterInc']);
  });

  it('does nothing, and hasObservability is false, when none is registered', async () => {
    const { pm, errors } = await managerWith();
    expect(pm.hasObservability()).toBe(false);
    pm.counterInc('c', -1);
    pm.gaugeSet('g', 1);
    pm.logError('x');
    expect(pm.spanStart('s')).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('counter values', () => {
  it('drops negative, NaN and infinite increments and reports each once as the manager', async () => {
    const a = new Recorder('a');
    const { pm, errors } = await managerWith(a);
    pm.counterInc('c', -1);
    pm.counterInc('c', Number.NaN);
    pm.counterInc('c', Number.POSITIVE_INFINITY);
    pm.counterInc('c', 0);
    pm.counterInc('c', 1.5);
    expect(a.calls).toEqual([
      ['counterInc', 'c', 0, undefined],
      ['counterInc', 'c', 1.5, undefined],
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toEqual({ extension: 'PluginManager', operation: 'counterInc' });
    expect(String(errors[0]?.[0])).toContain("counter 'c': value must be finite and non-negative; got number -1");
  });
});

describe('an extension that throws', () => {
  it('never stops the others nor reaches the caller, and is reported once per operation', async () => {
    const a = new Recorder('a', 100);
    const c = new Recorder('c', 500);
    const errors: Array<[unknown, ErrorSite]> = [];
    const pm = new PluginManager({ onError: (error, where) => errors.push([error, where]) });
    await pm.registerObservability(a);
    await pm.registerObservability(thrower('bad'));
    await pm.registerObservability(c);
    for (let round = 0; round < 3; round++) {
      pm.counterInc('n', 1);
      pm.gaugeSet('g', 1);
      pm.histogramObserve('h', 1);
      const span = pm.spanStart('s');
      pm.spanEvent(span, 'e');
      pm.spanEnd(span);
      pm.logDebug('m');
      pm.logInfo('m');
      pm.logWarn('m');
      pm.logError('m');
      pm.reportHealth(health);
    }
    for (const recorder of [a, c]) {
      expect(recorder.calls.filter(([m]) => m === 'counterInc')).toHaveLength(3);
      expect(recorder.calls.filter(([m]) => m === 'spanEnd')).toHaveLength(3);
      expect(recorder.calls.filter(([m]) => m === 'reportHealth')).toHaveLength(3);
      expect(recorder.calls).toHaveLength(33);
    }
    // The thrower's spanStart failed, so it has no span to receive events or ends.
    expect(errors.map(([, where]) => where.operation).sort()).toEqual(
      [
        'counterInc',
        'gaugeSet',
        'histogramObserve',
        'logDebug',
        'logError',
        'logInfo',
        'logWarn',
        'reportHealth',
        'spanStart',
      ].sort(),
    );
    for (const [error, where] of errors) {
      expect(where.extension).toBe('bad');
      expect((error as Error).message).toBe(`bad fails in ${where.operation}`);
    }
  });

  it('reports spanEnd and spanEvent failures of an extension whose spanStart works', async () => {
    const errors: ErrorSite[] = [];
    const pm = new PluginManager({ onError: (_e, where) => errors.push(where) });
    await pm.registerObservability({ ...thrower('half'), spanStart: () => 7 });
    const span = pm.spanStart('s');
    pm.spanEvent(span, 'e');
    pm.spanEvent(span, 'e');
    pm.spanEnd(span);
    expect(errors).toEqual([
      { extension: 'half', operation: 'spanEvent' },
      { extension: 'half', operation: 'spanEnd' },
    ]);
  });

  it('ignores an onError that throws', async () => {
    const pm = new PluginManager({
      onError: () => {
        throw new Error('handler broken');
      },
    });
    await pm.registerObservability(thrower('bad'));
    expect(() => pm.counterInc('n', 1)).not.toThrow();
    expect(() => pm.counterInc('n', -1)).not.toThrow();
  });

  it('by default reports through a process warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const pm = new PluginManager();
      await pm.registerObservability(thrower('noisy'));
      pm.gaugeSet('g', 1);
      pm.gaugeSet('g', 1);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain(
        "observability extension 'noisy' threw in gaugeSet: noisy fails in gaugeSet",
      );
    } finally {
      warn.mockRestore();
    }
  });
});

describe('spans', () => {
  it('maps one manager id to each extension’s own span, and routes events and ends to each', async () => {
    const a = new Recorder('a', 100);
    const b = new Recorder('b', 900);
    const { pm } = await managerWith(a, b);
    const root = pm.spanStart('query');
    const child = pm.spanStart('scan', root);
    expect(root).toBeGreaterThan(0);
    expect(child).not.toBe(root);
    pm.spanEvent(child, 'page-miss', { page: '7' });
    pm.spanEnd(child);
    pm.spanEnd(root);
    expect(a.calls).toEqual([
      ['spanStart', 'query', undefined, 100],
      ['spanStart', 'scan', 100, 101],
      ['spanEvent', 101, 'page-miss', { page: '7' }],
      ['spanEnd', 101],
      ['spanEnd', 100],
    ]);
    expect(b.calls).toEqual([
      ['spanStart', 'query', undefined, 900],
      ['spanStart', 'scan', 900, 901],
      ['spanEvent', 901, 'page-miss', { page: '7' }],
      ['spanEnd', 901],
      ['spanEnd', 900],
    ]);
  });

  it('treats an unknown or ended parent as no parent, and ignores unknown or ended ids', async () => {
    const a = new Recorder('a', 1);
    const { pm } = await managerWith(a);
    const ended = pm.spanStart('first');
    pm.spanEnd(ended);
    pm.spanEnd(ended);
    pm.spanEvent(ended, 'late');
    pm.spanEvent(12345, 'unknown');
    pm.spanEnd(0);
    pm.spanStart('orphan', ended);
    pm.spanStart('orphan2', 999);
    expect(a.calls).toEqual([
      ['spanStart', 'first', undefined, 1],
      ['spanEnd', 1],
      ['spanStart', 'orphan', undefined, 2],
      ['spanStart', 'orphan2', undefined, 3],
    ]);
  });

  it('does not route a span started before an extension was registered to it', async () => {
    const a = new Recorder('a', 1);
    const { pm } = await managerWith(a);
    const early = pm.spanStart('early');
    const late = new Recorder('late', 50);
    await pm.registerObservability(late);
    const child = pm.spanStart('child', early);
    pm.spanEvent(early, 'e');
    pm.spanEnd(child);
    pm.spanEnd(early);
    expect(late.calls).toEqual([
      ['spanStart', 'child', undefined, 50],
      ['spanEnd', 50],
    ]);
    expect(a.calls.map((c) => c[0])).toEqual(['spanStart', 'spanStart', 'spanEvent', 'spanEnd', 'spanEnd']);
    expect(a.calls[1]).toEqual(['spanStart', 'child', 1, 2]);
  });

  it('ends the oldest span, and reports once, when more than maxOpenSpans are open', async () => {
    const a = new Recorder('a', 1);
    const errors: ErrorSite[] = [];
    const pm = new PluginManager({ maxOpenSpans: 2, onError: (_e, where) => errors.push(where) });
    await pm.registerObservability(a);
    const first = pm.spanStart('1');
    pm.spanStart('2');
    pm.spanStart('3');
    pm.spanStart('4');
    expect(a.calls.filter(([m]) => m === 'spanEnd')).toEqual([
      ['spanEnd', 1],
      ['spanEnd', 2],
    ]);
    pm.spanEnd(first);
    expect(a.calls.filter(([m]) => m === 'spanEnd')).toHaveLength(2);
    expect(errors).toEqual([{ extension: 'PluginManager', operation: 'spanStart' }]);
  });

  it("past 1,024 open spans (the fast table's ring), every span still routes and the oldest is ended first", async () => {
    const a = new Recorder('a', 1);
    const pm = new PluginManager({ maxOpenSpans: 3000, onError: () => {} });
    await pm.registerObservability(a);
    const ids = Array.from({ length: 3001 }, (_, i) => pm.spanStart(`s${i}`));
    // The 3,001st ended the first.
    expect(a.calls.filter(([m]) => m === 'spanEnd')).toEqual([['spanEnd', 1]]);
    a.calls.length = 0;
    // An old span (displaced from the ring) and a recent one both still route events and end once.
    for (const id of [ids[5] as number, ids[2999] as number]) {
      pm.spanEvent(id, 'e');
      pm.spanEnd(id);
      pm.spanEnd(id);
    }
    expect(a.calls).toEqual([
      ['spanEvent', 6, 'e', undefined],
      ['spanEnd', 6],
      ['spanEvent', 3000, 'e', undefined],
      ['spanEnd', 3000],
    ]);
  });

  it('validates its options, showing the value it refused', () => {
    expect(() => new PluginManager({ maxOpenSpans: 0 })).toThrow(RangeError);
    expect(() => new PluginManager({ maxOpenSpans: '10' as never })).toThrow(
      new TypeError('options.maxOpenSpans must be a positive integer; got string "10"'),
    );
    expect(() => new PluginManager({ onError: 'log' as never })).toThrow(TypeError);
    expect(() => new PluginManager({ onErr: () => {} } as never)).toThrow(
      new TypeError('PluginManager: unknown option "onErr"; the options are onError, maxOpenSpans'),
    );
    expect(() => new PluginManager('x' as never)).toThrow('PluginManager: options must be an object; got string "x"');
  });
});

describe('metric values that are not numbers', () => {
  const notNumbers: unknown[] = [null, '5', true, [], '', 5n, undefined, { value: 1 }];

  it.each([
    ['counterInc', 'counter'],
    ['gaugeSet', 'gauge'],
    ['histogramObserve', 'histogram'],
  ] as const)('%s drops each and reports once as the manager, like a negative counter value', async (method, what) => {
    const a = new Recorder('a');
    const { pm, errors } = await managerWith(a);
    for (const value of notNumbers) pm[method]('m', value as number);
    pm[method]('m', 2);
    expect(a.calls).toEqual([[method, 'm', 2, undefined]]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.[1]).toEqual({ extension: 'PluginManager', operation: method });
    expect(errors[0]?.[0]).toBeInstanceOf(TypeError);
    expect(String(errors[0]?.[0])).toContain(`${what} 'm': value must be a number; got null (dropped)`);
  });

  it('never calls into a hostile value (valueOf that throws) and never throws', async () => {
    const a = new Recorder('a');
    const { pm, errors } = await managerWith(a);
    const hostile = {
      valueOf() {
        throw new Error('valueOf called');
      },
    };
    expect(() => pm.counterInc('m', hostile as never)).not.toThrow();
    expect(() => pm.gaugeSet('m', hostile as never)).not.toThrow();
    expect(() => pm.histogramObserve('m', hostile as never)).not.toThrow();
    expect(a.calls).toEqual([]);
    expect(errors.map(([e]) => String(e))).not.toContain('valueOf called');
  });

  it('passes every number on to the backends, NaN gauges included (the backends decide)', async () => {
    const a = new Recorder('a');
    const { pm, errors } = await managerWith(a);
    pm.gaugeSet('g', -3);
    pm.gaugeSet('g', Number.NaN);
    pm.histogramObserve('h', 0);
    expect(a.calls).toEqual([
      ['gaugeSet', 'g', -3, undefined],
      ['gaugeSet', 'g', Number.NaN, undefined],
      ['histogramObserve', 'h', 0, undefined],
    ]);
    expect(errors).toEqual([]);
  });
});

describe('a spanStart that returns something other than a number', () => {
  it('is reported once, and the span is not routed to that extension', async () => {
    const errors: Array<[unknown, ErrorSite]> = [];
    const pm = new PluginManager({ onError: (error, where) => errors.push([error, where]) });
    // Its spanEnd and spanEvent throw: they must never be called for a span it did not give an id for.
    await pm.registerObservability({ ...thrower('odd'), spanStart: () => 'span-7' as never });
    const span = pm.spanStart('s');
    pm.spanStart('s');
    pm.spanEvent(span, 'e');
    pm.spanEnd(span);
    expect(errors.map(([, where]) => where)).toEqual([{ extension: 'odd', operation: 'spanStart' }]);
    expect(String(errors[0]?.[0])).toContain('spanStart returned string, not a span id (a number)');
  });
});
