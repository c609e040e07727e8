import { assertBytes, assertRowId, compareBytes } from '@sochdb/core';
import type { IndexConformanceOptions } from '../../src/index.js';
import {
  encodeFixedWidth,
  FixedWidthIndex,
  SortedPairsIndex,
  VectorPairsIndex,
} from '../reference/sorted-pairs-index.js';
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
  'declares-no-capability': {
    broken: 'info.capabilities does not declare "index"',
    make: () => {
      const index = new SortedPairsIndex();
      Object.defineProperty(index, 'info', { value: { ...index.info, capabilities: [] } });
      return index;
    },
    caughtBy: ['is an index extension: valid info declaring "index", an indexType and every required method'],
  },
  'starts-with-a-pair': {
    broken: 'a new index holds a sentinel pair',
    make: () => {
      const index = new SortedPairsIndex();
      index.insert(new Uint8Array(0), 0);
      return index;
    },
    caughtBy: ['a fresh index is empty'],
  },
  tombstones: {
    broken: 'delete leaves a tombstone, and inserting the pair again is a no-op',
    make: () =>
      new (class extends SortedPairsIndex {
        private readonly dead = new Set<string>();
        override delete(key: Uint8Array, rowId: number): boolean {
          const found = super.delete(key, rowId);
          if (found) this.dead.add(`${key.join()}:${rowId}`);
          return found;
        }
        override insert(key: Uint8Array, rowId: number): void {
          if (key instanceof Uint8Array && this.dead.has(`${key.join()}:${rowId}`)) return;
          super.insert(key, rowId);
        }
      })(),
    caughtBy: ['a pair can be inserted again after it was deleted'],
  },
  'delete-removes-key': {
    broken: 'delete removes every row of the key, not only the pair',
    make: () =>
      new (class extends SortedPairsIndex {
        override delete(key: Uint8Array, rowId: number): boolean {
          const found = super.delete(key, rowId);
          if (found) for (const other of this.lookup(key)) super.delete(key, other);
          return found;
        }
      })(),
    caughtBy: ['delete returns true and removes only that pair when the pair was present'],
  },
  'lookup-by-prefix': {
    broken: 'lookup also returns the rows of longer keys starting with the key',
    make: () =>
      new (class extends SortedPairsIndex {
        override lookup(key: Uint8Array): number[] {
          const exact = super.lookup(key);
          const end = Uint8Array.from([...key, 0xff, 0xff, 0xff, 0xff]);
          return [...new Set([...exact, ...this.range(key, end, Number.POSITIVE_INFINITY)])].sort((a, b) => a - b);
        }
      })(),
    caughtBy: ['lookup of an absent key returns an empty array'],
  },
  'one-key-per-row': {
    broken: 'inserting a row under a new key moves it from its old key',
    make: () =>
      new (class extends SortedPairsIndex {
        override insert(key: Uint8Array, rowId: number): void {
          super.insert(key, rowId);
          for (const pair of [...this.pairs]) {
            if (pair.rowId === rowId && pair.key.join() !== key.join()) super.delete(pair.key, rowId);
          }
        }
      })(),
    caughtBy: ['one row id may be stored under many keys'],
  },
  'range-rows-descending': {
    broken: 'range returns the rows of each key in descending row id order',
    make: () =>
      new (class extends SortedPairsIndex {
        override range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
          super.range(start, end, limit);
          const groups: number[][] = [];
          let last: string | undefined;
          for (const pair of this.pairs) {
            if (compareBytes(pair.key, start) < 0 || (end.length > 0 && compareBytes(pair.key, end) >= 0)) continue;
            const key = pair.key.join();
            if (key !== last) groups.push([]);
            last = key;
            groups[groups.length - 1]?.unshift(pair.rowId);
          }
          return groups.flat().slice(0, limit);
        }
      })(),
    caughtBy: ['range orders rows by (key, rowId)'],
  },
  'range-unchecked': {
    broken:
      'range does not check its arguments: bad bounds read as empty, a bad limit as no limit, start after end as empty',
    make: () =>
      new (class extends SortedPairsIndex {
        override range(start: Uint8Array, end: Uint8Array, limit: number): number[] {
          const empty = new Uint8Array(0);
          const from = start instanceof Uint8Array ? start : empty;
          const to = end instanceof Uint8Array ? end : empty;
          if (to.length > 0 && compareBytes(from, to) > 0) return [];
          return super.range(
            from,
            to,
            typeof limit === 'number' && limit >= 0 && limit % 1 === 0 ? limit : Number.POSITIVE_INFINITY,
          );
        }
      })(),
    caughtBy: [
      'range throws a RangeError when start sorts after a non-empty end',
      'range throws naming limit for a limit that is not a non-negative integer or Infinity',
      'range throws naming start or end when they are not Uint8Arrays',
    ],
  },
  'frozen-after-build': {
    broken: 'build freezes its pairs, and later inserts fail silently',
    make: () =>
      new (class extends SortedPairsIndex {
        private built = false;
        override build(table: number, column: number, data: Iterable<readonly [number, Uint8Array]>): void {
          super.build(table, column, data);
          this.built = true;
        }
        override insert(key: Uint8Array, rowId: number): void {
          if (!this.built) super.insert(key, rowId);
        }
      })(),
    caughtBy: ['the index keeps working after build'],
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
  'nearest-sees-deleted': {
    broken: 'nearest searches every vector ever inserted, deleted ones included',
    make: () =>
      new (class extends VectorPairsIndex {
        private readonly deleted: Array<{ key: Uint8Array; rowId: number }> = [];
        override delete(key: Uint8Array, rowId: number): boolean {
          const found = super.delete(key, rowId);
          if (found) this.deleted.push({ key: key.slice(), rowId });
          return found;
        }
        override nearest(query: Uint8Array, k: number): Array<[number, number]> {
          const live = this.pairs;
          this.pairs = [...live, ...this.deleted];
          try {
            return super.nearest(query, k);
          } finally {
            this.pairs = live;
          }
        }
      })(),
    caughtBy: ['nearest, when present, does not return deleted rows'],
  },
};

/** How the suite reaches a {@link FixedWidthIndex}: every kit key encoded to its width. */
export const FIXED_WIDTH_OPTIONS: IndexConformanceOptions = {
  keys: { encode: encodeFixedWidth },
  nearest: { dimension: FixedWidthIndex.WIDTH / 4 },
};

/**
 * Broken fixed-width indexes, run with {@link FIXED_WIDTH_OPTIONS}: the rules
 * still bite when the suite's keys are encoded (the aliasing tests mutate the
 * encoded buffers the index was given, not the kit's own).
 */
export const brokenFixedWidthIndexes: Record<string, BrokenVariant<FixedWidthIndex>> = {
  'fixed-width-aliases-keys': {
    broken: 'keeps the caller’s key buffers (keys encoded to a fixed width)',
    make: () =>
      new (class extends FixedWidthIndex {
        protected override copyIn(key: Uint8Array): Uint8Array {
          return key;
        }
      })(),
    caughtBy: [
      'mutating a key buffer after insert does not change the index',
      'mutating key buffers after build does not change the index',
    ],
  },
  'fixed-width-signed-order': {
    broken: 'compares key bytes as signed (keys encoded to a fixed width)',
    make: () =>
      new (class extends FixedWidthIndex {
        protected override compare(a: { key: Uint8Array; rowId: number }, b: { key: Uint8Array; rowId: number }) {
          for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) {
            const d = (((a.key[i] as number) << 24) >> 24) - (((b.key[i] as number) << 24) >> 24);
            if (d !== 0) return d;
          }
          return a.key.length - b.key.length || a.rowId - b.rowId;
        }
      })(),
    caughtBy: ['range walks keys in unsigned bytewise order, a prefix before longer keys'],
  },
};
