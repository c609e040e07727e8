import { ErrorCode } from '@sochdb/core';
import { describe, expect, it } from 'vitest';
import { BTreeIndex, type BTreeIndexOptions } from '../src/index.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('BTreeIndex 1.1 fixes', () => {
  it('table and column throw SOCHDB_CLOSED after shutdown, like every other member', () => {
    const index = new BTreeIndex();
    index.build(3, 4, [[1, bytes(1)]]);
    expect(index.table).toBe(3);
    expect(index.column).toBe(4);
    index.shutdown();
    expect(() => index.table).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
    expect(() => index.column).toThrow(expect.objectContaining({ code: ErrorCode.CLOSED }));
  });

  it('normalises a row id of -0 to 0, in insert as in build', () => {
    const index = new BTreeIndex();
    index.insert(bytes(1), -0);
    expect(Object.is(index.lookup(bytes(1))[0], 0)).toBe(true);
    expect(Object.is(index.range(bytes(), bytes(), 10)[0], 0)).toBe(true);
    index.insert(bytes(1), 0);
    expect(index.size).toBe(1);
    expect(index.delete(bytes(1), -0)).toBe(true);
    index.build(1, 1, [[-0, bytes(2)]]);
    expect(Object.is(index.lookup(bytes(2))[0], 0)).toBe(true);
  });

  it('refuses unknown options and non-object options', () => {
    expect(() => new BTreeIndex({ nmae: 'x' } as BTreeIndexOptions)).toThrow(/unknown option "nmae"/);
    expect(() => new BTreeIndex([] as BTreeIndexOptions)).toThrow(TypeError);
    expect(() => new BTreeIndex(null as unknown as BTreeIndexOptions)).toThrow(TypeError);
    expect(new BTreeIndex({ name: 'n' }).info.name).toBe('n');
  });

  it('build orders keys that share long prefixes, with prefixes of each other and zero bytes, as insert does', () => {
    const next = (() => {
      let x = 7;
      return () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
      };
    })();
    const prefix = [0x74, 0x65, 0x6e, 0x00, 0x01, 0xff];
    const pairs: Array<[number, Uint8Array]> = [];
    for (let row = 0; row < 5000; row++) {
      const shared = next() % (prefix.length + 1);
      const tail = Array.from({ length: next() % 6 }, () => [0, 1, 0x7f, 0x80, 0xff][next() % 5] as number);
      pairs.push([row, Uint8Array.from([...prefix.slice(0, shared), ...tail])]);
    }
    const built = new BTreeIndex();
    built.build(1, 1, pairs);
    const inserted = new BTreeIndex();
    for (const [row, key] of pairs) inserted.insert(key, row);
    expect(built.range(bytes(), bytes(), Infinity)).toEqual(inserted.range(bytes(), bytes(), Infinity));
    expect(built.size).toBe(inserted.size);
  });
});
