import { describe, expect, it } from 'vitest';
import {
  assertBytes,
  assertColumnId,
  assertLimit,
  assertOptions,
  assertRange,
  assertRowId,
  assertTableId,
  assertTransactionId,
  compareBytes,
  describeValue,
  ErrorCode,
  isKernelError,
  nearestOf,
} from '../src/index.js';

const b = (...bytes: number[]) => new Uint8Array(bytes);

describe('compareBytes', () => {
  it('orders unsigned bytewise, prefixes first', () => {
    const sorted = [b(), b(0), b(0, 0), b(0, 1), b(1), b(0x7f), b(0x80), b(0xff), b(0xff, 0)];
    const shuffled = [...sorted].reverse();
    expect(shuffled.sort(compareBytes)).toEqual(sorted);
    expect(compareBytes(b(1, 2), b(1, 2))).toBe(0);
    expect(Math.sign(compareBytes(b(0x80), b(0x7f)))).toBe(1);
  });
});

describe('argument checks name the argument', () => {
  it.each([
    [() => assertTableId(-1), RangeError, 'table must be an integer in [0, 2^32); got number -1'],
    [() => assertTableId(2 ** 32), RangeError, 'table must be an integer'],
    [() => assertTableId(1.5), RangeError, 'got number 1.5'],
    [() => assertTableId('1'), TypeError, 'table must be an integer in [0, 2^32); got string "1"'],
    [() => assertColumnId(65536), RangeError, 'column must be an integer in [0, 2^16)'],
    [() => assertRowId(2 ** 53), RangeError, 'rowId must be an integer in [0, 2^53)'],
    [() => assertRowId(Number.NaN), RangeError, 'got number NaN'],
    [() => assertTransactionId(-0.5), RangeError, 'txn must be'],
    [() => assertBytes('k', 'key'), TypeError, 'key must be a Uint8Array; got string "k"'],
    [() => assertBytes([1], 'value'), TypeError, 'value must be a Uint8Array; got an Array'],
    [() => assertLimit(-1), RangeError, 'limit must be a non-negative integer or Infinity; got number -1'],
    [() => assertLimit(Number.NaN), RangeError, 'got number NaN'],
    [() => assertLimit(undefined), TypeError, 'got undefined'],
    [() => assertRange(b(2), b(1)), RangeError, 'start must not sort after end'],
    [() => assertRange(b(), 'z'), TypeError, 'end must be a Uint8Array'],
  ] as const)('%#', (call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('accepts the edges of every range', () => {
    expect(() => {
      assertTableId(0);
      assertTableId(2 ** 32 - 1);
      assertColumnId(65535);
      assertRowId(Number.MAX_SAFE_INTEGER);
      assertTransactionId(0);
      assertBytes(Buffer.from('k'), 'key');
      assertLimit(0);
      assertLimit(Number.POSITIVE_INFINITY);
      assertRange(b(9), b()); // empty end: unbounded
      assertRange(b(1), b(1));
    }).not.toThrow();
  });
});

describe('describeValue', () => {
  it('shows the type, and the value of primitives, so "3" and 3 read differently', () => {
    expect(describeValue('3')).toBe('string "3"');
    expect(describeValue(3)).toBe('number 3');
    expect(describeValue('')).toBe('string ""');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([])).toBe('an Array');
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue(Object.create(null))).toBe('an object');
    expect(describeValue(class Store {})).toBe('function Store');
    expect(describeValue('x'.repeat(50))).toBe(`string "${'x'.repeat(40)}…"`);
  });
});

describe('assertOptions', () => {
  it('accepts no options and known keys, and names an unknown key with the valid ones', () => {
    expect(() => assertOptions(undefined, ['level'])).not.toThrow();
    expect(() => assertOptions({ level: 3 }, ['level', 'name'])).not.toThrow();
    expect(() => assertOptions({ levle: 3 }, ['level', 'name'], 'Codec')).toThrow(
      new TypeError('Codec: unknown option "levle"; the options are level, name'),
    );
    expect(() => assertOptions([], ['level'])).toThrow(new TypeError('options must be an object; got an Array'));
    expect(() => assertOptions(3, ['level'])).toThrow(TypeError);
  });
});

describe('nearestOf', () => {
  it('throws the kernel’s plugin error for an index without nearest', () => {
    const index = { indexType: 'btree' } as never;
    let error: unknown;
    try {
      nearestOf(index, b(1), 3);
    } catch (e) {
      error = e;
    }
    expect(isKernelError(error) && error.kind).toBe('plugin');
    expect((error as { code: string }).code).toBe(ErrorCode.PLUGIN_UNSUPPORTED);
    expect((error as Error).message).toBe('nearest neighbor not supported by this index type');
  });
});

describe('bytes across realms', () => {
  it('assertBytes accepts a Uint8Array made in another realm (vm context) and a Buffer', async () => {
    const { runInNewContext } = await import('node:vm');
    const foreign = runInNewContext('new Uint8Array([1, 2, 3])') as Uint8Array;
    expect(foreign instanceof Uint8Array).toBe(false);
    expect(() => assertBytes(foreign, 'key')).not.toThrow();
    expect(() => assertRange(foreign, runInNewContext('new Uint8Array(0)'))).not.toThrow();
    expect(() => assertBytes(Buffer.from('k'), 'key')).not.toThrow();
  });

  it('still refuses other typed arrays and look-alikes, from any realm', async () => {
    const { runInNewContext } = await import('node:vm');
    const lookAlike = { length: 1, 0: 1, [Symbol.toStringTag]: 'Uint8Array' };
    for (const value of [
      new Uint16Array(1),
      new Uint8ClampedArray(1),
      runInNewContext('new Int8Array(1)'),
      new DataView(new ArrayBuffer(1)),
      lookAlike,
      Object.create(Uint8Array.prototype),
    ]) {
      expect(() => assertBytes(value, 'key')).toThrow(TypeError);
    }
  });

  it('says "a Uint8Array", not "an Uint8Array"', () => {
    expect(describeValue(new Uint8Array(1))).toBe('a Uint8Array');
    expect(describeValue(new Uint16Array(1))).toBe('a Uint16Array');
    expect(describeValue([])).toBe('an Array');
    expect(describeValue(new Error('x'))).toBe('an Error');
    expect(describeValue(new Map())).toBe('a Map');
  });
});
