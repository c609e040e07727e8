import { describe, expect, it } from 'vitest';
import { labelName, metricName } from '../src/index.js';

describe('metric names (core-api.md "Metric names")', () => {
  it.each([
    ['txn.commit', 'counter', 'sochdb_txn_commit_total'],
    ['txn.commit', 'gauge', 'sochdb_txn_commit'],
    ['txn.commit', 'histogram', 'sochdb_txn_commit'],
    ['a-b', 'gauge', 'sochdb_a_b'],
    ['9x', 'gauge', 'sochdb__9x'],
    ['has space/and:colon', 'gauge', 'sochdb_has_space_and:colon'],
    ['üñí', 'gauge', 'sochdb____'],
    ['requests_total', 'counter', 'sochdb_requests_total'],
    ['', 'gauge', 'sochdb_'],
  ] as const)('%j as a %s is %s', (name, kind, expected) => {
    expect(metricName('sochdb_', name, kind)).toBe(expected);
  });

  it('applies the rules without a prefix, avoiding the reserved "__" start and the empty name', () => {
    expect(metricName('', '9x', 'gauge')).toBe('_9x');
    expect(metricName('', '__name__', 'gauge')).toBe('_name__');
    expect(metricName('', '', 'gauge')).toBe('_');
    expect(metricName('', '', 'counter')).toBe('_total');
    expect(metricName('', '__x', 'counter')).toBe('_x_total');
    expect(metricName('app:', 'x', 'counter')).toBe('app:x_total');
  });

  it('every mapped name is valid in the Prometheus data model', () => {
    const valid = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
    for (const name of ['', ' ', '9', '.', '名前', 'a\nb', '"', '__', 'x'.repeat(300)]) {
      for (const kind of ['counter', 'gauge', 'histogram'] as const) {
        for (const prefix of ['', 'sochdb_', ':', '_']) {
          const mapped = metricName(prefix, name, kind);
          expect(mapped).toMatch(valid);
          expect(mapped.startsWith('__'), mapped).toBe(false);
        }
      }
    }
  });
});

describe('label names', () => {
  it.each([
    ['table', 'counter', 'table'],
    ['txn.kind', 'counter', 'txn_kind'],
    ['a-b', 'gauge', 'a_b'],
    ['9lead', 'gauge', '_9lead'],
    ['__name__', 'counter', '_name__'],
    ['___x', 'counter', '_x'],
    ['', 'counter', '_'],
    ['a:b', 'counter', 'a_b'],
    ['le', 'counter', 'le'],
    ['le', 'histogram', '_le'],
  ] as const)('%j on a %s is %s', (name, kind, expected) => {
    expect(labelName(name, kind)).toBe(expected);
  });

  it('never yields a reserved or invalid label name', () => {
    for (const name of ['__', '_', '__x', '0', '名前', ' ', 'le']) {
      const mapped = labelName(name, 'histogram');
      expect(mapped).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
      expect(mapped.startsWith('__')).toBe(false);
      expect(mapped).not.toBe('le');
    }
  });
});
