import { describe, expect, it } from 'vitest';
import * as kit from '../src/plugin-kit.js';
import { DropLedger, describeDropped, messageOf, positiveInteger, stringOf } from '../src/plugin-kit.js';

describe('@sochdb/core/plugin-kit', () => {
  it('exports the argument checks, the warning channel and the drop ledger', () => {
    expect(Object.keys(kit).sort()).toEqual(
      [
        'assertBytes',
        'assertColumnId',
        'assertLimit',
        'assertOptions',
        'assertRange',
        'assertRowId',
        'assertTableId',
        'assertTransactionId',
        'compareBytes',
        'describeDropped',
        'describeValue',
        'DropLedger',
        'emitSochDBWarning',
        'isBytes',
        'messageOf',
        'positiveInteger',
        'stringOf',
      ].sort(),
    );
  });

  it('turns hostile values into text without throwing', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(stringOf(hostile)).toBe('[object Object]');
    expect(stringOf(Object.create(null))).toBe('[object Object]');
    expect(stringOf(Symbol('s'))).toBe('Symbol(s)');
    expect(messageOf(new TypeError('bad'))).toBe('bad');
    expect(messageOf(hostile)).toBe('[object Object]');
    expect([-1, Number.NaN, 5n, '5', null, [], true].map(describeDropped)).toEqual([
      '-1',
      'NaN',
      '5n',
      'string',
      'null',
      'object',
      'boolean',
    ]);
  });

  it('positiveInteger: a wrong type is a TypeError, a bad number a RangeError, both naming the option', () => {
    expect(positiveInteger(3, 'maxMetrics')).toBe(3);
    expect(() => positiveInteger('3', 'maxMetrics')).toThrow(
      new TypeError('maxMetrics must be a positive integer; got string "3"'),
    );
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => positiveInteger(bad, 'maxMetrics')).toThrow(RangeError);
    }
  });
});

describe('DropLedger', () => {
  it('counts every drop and reports once per (subject, reason)', () => {
    const reports: Array<[string, string, string]> = [];
    const drops = new DropLedger('metrics', (error, { extension, operation }) =>
      reports.push([extension, operation, error.message]),
    );
    drops.record('counterInc', 'rows', 'negative', () => 'counter rows got -1');
    drops.record('counterInc', 'rows', 'negative', () => 'counter rows got -2');
    drops.record('gaugeSet', 'rows', 'not-a-number', () => 'gauge rows got string');
    drops.record('counterInc', 'bytes', 'negative', () => 'counter bytes got -1');
    expect(reports.map(([extension, operation]) => `${extension}.${operation}`)).toEqual([
      'metrics.counterInc',
      'metrics.gaugeSet',
      'metrics.counterInc',
    ]);
    expect(reports[0]?.[2]).toMatch(/^counter rows got -1\. Further values/);
    expect(drops.total).toBe(4);
    expect(drops.count('rows')).toBe(3);
    expect(drops.count('rows', 'negative')).toBe(2);
    expect(drops.count('nothing')).toBe(0);
    expect([...drops.entries()]).toEqual([
      { subject: 'rows', reason: 'negative', count: 2 },
      { subject: 'rows', reason: 'not-a-number', count: 1 },
      { subject: 'bytes', reason: 'negative', count: 1 },
    ]);
  });

  it('describes only the first drop of a pair, and survives a throwing report', () => {
    let described = 0;
    const drops = new DropLedger('metrics', () => {
      throw new Error('onError broke');
    });
    for (let i = 0; i < 3; i++) {
      expect(() =>
        drops.record('counterInc', 'rows', 'negative', () => {
          described += 1;
          return 'x';
        }),
      ).not.toThrow();
    }
    expect(described).toBe(1);
    expect(drops.count('rows', 'negative')).toBe(3);
  });
});
