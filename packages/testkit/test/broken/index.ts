import { assertBytes, assertRowId, compareBytes } from '@sochdb/core';
import { SortedPairsIndex, VectorPairsIndex } from '../reference/sorted-pairs-index.js';
import type { BrokenVariant } from './variant.js';

const BAD_ROW = 'insert and delete throw naming rowId for a row id that is not a safe integer >= 0';

const TABLE_COLUMN = 'table and column are undefined before the first build and read back what build was given';

/** Broken indexes, one rule each, keyed by a short id. */
export const brokenIndexes: Record<string, BrokenVariant<SortedPairsIndex>> = {
  'signed-order': {
    broken: 'compares key bytes as signed',
    make: () =>
      new (class extends SortedPairsIndex {
        protected override compare(a: { key: Uint8Array; rowId: number }, b: { key: Uint8Array; rowId: number }) {
          const signed = (x: Uint8Array): Int8Array => new Int8Array(x.buffer, x.byteOffset, x.byteLength);
          const sa = signed(a.key);
          const sb = signed(b.key);
          for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
            const d = (sa[i] as number) - (sb[i] as number);
            if (d !== 0) return d;
          }
          return sa.length - sb.length || a.rowId - b.rowId;
        }
      })(),
    caughtBy: ['range walks keys in unsigned bytewise order, a prefix before longer keys'],
  },
  'string-row-order': {
    broken: 'orders row ids as strings ("10" before "9")',
    make: () =>
      new (class extends SortedPairsIndex {
        protected override compare(a: { key: Uint8Array; rowId: number }, b: { key: Uint8Array; rowId: number }) {
          return compareBytes(a.key, b.key) || String(a.rowId).localeCompare(String(b.rowId));
        }
      })(),
    caughtBy: ['lookup orders row ids numerically, not as strings'],
  },
  'insertion-order-lookup': {
    broken: 'lookup returns row ids in insertion order',
    make: () =>
      new (class extends SortedPairsIndex {
        private readonly order: Array<[string, number]> = [];
        override insert(key: Uint8Array, rowId: number): void {
          super.insert(key, rowId);
          this.order.push([Buffer.from(key).toString('hex'), rowId]);
        }
        override lookup(key: Uint8Array): number[] {
          const present = new Set(super.lookup(key));
          const hexKey = Buffer.from(key).toString('hex');
          return [...new Set(this.order.filter(([k, row]) => k === hexKey && present.has(row)).map(([, r]) => r))];
        }
      })(),
    caughtBy: ['lookup returns every row id stored under the key, ascending'],
  },
  'duplicate-insert': {
    broken: 'inserting a present pair stores it twice',
    make: () =>
      new (class extends SortedPairsIndex {
        override insert(key: Uint8Array, rowId: number): void {
          assertBytes(key, 'key');
          assertRowId(rowId);
          const at = this.lowerBound({ key, rowId });
          this.pairs.splice(at, 0, { key: key.slice(), rowId });
        }
      })(),
    caughtBy: ['inserting a pair that is present changes nothing'],
  },
  'inclusive-end': {
    broken: 'range includes the end key',
    make: () =>
      new (class extends SortedPairsIndex {
        protected override pastEnd(key: Uint8Array, end: Uint8Array): boolean {
          return end.length > 0 && compareBytes(key, end) > 0;
        }
      })(),
    caughtBy: ['range treats end as exclusive'],
  },
  'limit-ignored': {
    broken: 'range ignores limit',
    make: () =>
      new (class extends SortedPairsIndex {
        override range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
          super.range(start, end, limit);
          return super.range(start, end, Number.POSITIVE_INFINITY);
        }
      })(),
    caughtBy: [
      'range with limit 0 returns nothing',
      'range returns exactly limit row ids, the first ones in (key, rowId) order',
    ],
  },
  'delete-always-true': {
    broken: 'delete returns true even when the pair was absent',
    make: () =>
      new (class extends SortedPairsIndex {
        override delete(key: Uint8Array, rowId: number): boolean {
          super.delete(key, rowId);
          return true;
        }
      })(),
    caughtBy: ['delete returns false and changes nothing when the pair is absent'],
  },
  'build-appends': {
    broken: 'build adds to the contents instead of replacing them',
    make: () =>
      new (class extends SortedPairsIndex {
        override build(table: number, column: number, data: Iterable<readonly [number, Uint8Array]>): void {
          const old = this.pairs;
          super.build(table, column, data);
          for (const pair of old) this.insert(pair.key, pair.rowId);
        }
      })(),
    caughtBy: ['build replaces the contents with the given pairs', 'build with an empty iterable empties the index'],
  },
  'build-arrays-only': {
    broken: 'build indexes data by position, so only arrays work',
    make: () =>
      new (class extends SortedPairsIndex {
        override build(table: number, column: number, data: Iterable<readonly [number, Uint8Array]>): void {
          const list = data as unknown as ReadonlyArray<readonly [number, Uint8Array]>;
          const copy: Array<readonly [number, Uint8Array]> = [];
          for (let i = 0; i < (list.length ?? 0); i++) copy.push(list[i] as readonly [number, Uint8Array]);
          super.build(table, column, copy);
        }
      })(),
    caughtBy: ['build accepts any iterable, a generator included'],
  },
  'build-not-atomic': {
    broken: 'build clears the index, then fails half way on a bad pair',
    make: () =>
      new (class extends SortedPairsIndex {
        override build(table: number, column: number, data: Iterable<readonly [number, Uint8Array]>): void {
          this.pairs = [];
          for (const pair of data) {
            if (!Array.isArray(pair)) throw new TypeError('data must hold [rowId, key] pairs');
            this.insert(pair[1], pair[0]);
          }
          this.table = table;
          this.column = column;
        }
      })(),
    caughtBy: ['build with one bad pair anywhere throws and leaves the old contents (all or nothing)'],
  },
  'aliases-keys': {
    broken: 'keeps the caller’s key buffers',
    make: () =>
      new (class extends SortedPairsIndex {
        protected override copyIn(key: Uint8Array): Uint8Array {
          return key;
        }
      })(),
    caughtBy: [
      'mutating a key buffer after insert does not change the index',
      'mutating key buffers after build does not change the index',
    ],
  },
  'cached-lookup': {
    broken: 'returns a cached array from lookup that callers can mutate',
    make: () =>
      new (class extends SortedPairsIndex {
        private readonly cache = new Map<string, number[]>();
        override insert(key: Uint8Array, rowId: number): void {
          super.insert(key, rowId);
          this.cache.clear();
        }
        override lookup(key: Uint8Array): number[] {
          const hexKey = Buffer.from(key).toString('hex');
          let rows = this.cache.get(hexKey);
          if (rows === undefined) {
            rows = super.lookup(key);
            this.cache.set(hexKey, rows);
          }
          return rows;
        }
      })(),
    caughtBy: ['mutating an array returned by lookup or range does not change the index'],
  },
  'constant-size': {
    broken: 'sizeBytes always returns 0',
    make: () =>
      new (class extends SortedPairsIndex {
        override sizeBytes(): number {
          return 0;
        }
      })(),
    caughtBy: ['sizeBytes is a non-negative finite number that grows with content'],
  },
  'swallows-bad-row-id': {
    broken: 'insert ignores a bad row id instead of throwing (a swallowed error)',
    make: () =>
      new (class extends SortedPairsIndex {
        override insert(key: Uint8Array, rowId: number): void {
          try {
            super.insert(key, rowId);
          } catch (error) {
            if (key instanceof Uint8Array) return; // the row id was bad: swallowed
            throw error;
          }
        }
      })(),
    caughtBy: [BAD_ROW],
  },
  'table-column-zero-before-build': {
    broken: 'table and column read 0 before the first build',
    make: () =>
      new (class extends SortedPairsIndex {
        override table: number | undefined = 0;
        override column: number | undefined = 0;
      })(),
    caughtBy: [TABLE_COLUMN],
  },
  'table-column-swapped': {
    broken: 'build records the column as the table and the table as the column',
    make: () =>
      new (class extends SortedPairsIndex {
        override build(table: number, column: number, data: Iterable<readonly [number, Uint8Array]>): void {
          super.build(table, column, data);
          [this.table, this.column] = [column, table];
        }
      })(),
    caughtBy: [TABLE_COLUMN],
  },
};

/** Broken vector indexes (nearest), keyed by a short id. */
export const brokenVectorIndexes: Record<string, BrokenVariant<VectorPairsIndex>> = {
  'nearest-farthest-first': {
    broken: 'nearest returns results by descending distance',
    make: () =>
      new (class extends VectorPairsIndex {
        override nearest(query: Uint8Array, k: number): Array<[number, number]> {
          return super.nearest(query, this.pairs.length).reverse().slice(0, k);
        }
      })(),
    caughtBy: ['nearest, when present, returns k results ordered by ascending distance'],
  },
  'nearest-ignores-k': {
    broken: 'nearest returns every row whatever k is',
    make: () =>
      new (class extends VectorPairsIndex {
        override nearest(query: Uint8Array, _k: number): Array<[number, number]> {
          return super.nearest(query, this.pairs.length);
        }
      })(),
    caughtBy: [
      'nearest, when present, returns k results ordered by ascending distance',
      'nearest, when present, returns at most as many rows as are indexed, and none for k = 0',
    ],
  },
};
