import { ErrorCode, KernelError } from '@sochdb/core';
import { SortedArrayStorage } from '../reference/sorted-array-storage.js';
import type { BrokenVariant } from './variant.js';

const ORDER = 'keys are ordered unsigned bytewise, a prefix before every longer key';
const CLOSED = 'every method rejects with a KernelError coded SOCHDB_CLOSED';
const BAD_TXN = 'put and delete reject a transaction id that is not a safe integer >= 0, naming txn';
const BAD_KEY = 'every method rejects a key that is not a Uint8Array, naming key';

/** Broken storages, one rule each, keyed by a short id. */
export const brokenStorages: Record<string, BrokenVariant<SortedArrayStorage>> = {
  'signed-order': {
    broken: 'compares bytes as signed (0x80 sorts before 0x00)',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override compare(a: Uint8Array, b: Uint8Array): number {
          const n = Math.min(a.length, b.length);
          for (let i = 0; i < n; i++) {
            const d = (((a[i] as number) << 24) >> 24) - (((b[i] as number) << 24) >> 24);
            if (d !== 0) return d;
          }
          return a.length - b.length;
        }
      })(),
    caughtBy: [ORDER, 'scan treats end as exclusive'],
  },
  'prefix-last': {
    broken: 'sorts a key after the longer keys it is a prefix of',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override compare(a: Uint8Array, b: Uint8Array): number {
          const n = Math.min(a.length, b.length);
          for (let i = 0; i < n; i++) {
            const d = (a[i] as number) - (b[i] as number);
            if (d !== 0) return d;
          }
          return b.length - a.length;
        }
      })(),
    caughtBy: [ORDER],
  },
  'inclusive-end': {
    broken: 'scan includes the end key',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override pastEnd(key: Uint8Array, end: Uint8Array): boolean {
          return end.length > 0 && this.compare(key, end) > 0;
        }
      })(),
    caughtBy: ['scan treats end as exclusive'],
  },
  'empty-end-is-a-bound': {
    broken: 'treats an empty end as an empty range instead of no upper bound',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override pastEnd(key: Uint8Array, end: Uint8Array): boolean {
          return this.compare(key, end) >= 0;
        }
      })(),
    caughtBy: ['scan with an empty end has no upper bound', ORDER],
  },
  'limit-off-by-one': {
    broken: 'scan returns limit + 1 entries',
    make: () =>
      new (class extends SortedArrayStorage {
        override async scan(table: number, start: Uint8Array, end: Uint8Array, limit: number) {
          const all = await super.scan(table, start, end, Number.POSITIVE_INFINITY);
          return all.slice(0, limit + 1);
        }
      })(),
    caughtBy: ['scan with limit 0 returns nothing', 'scan returns exactly limit entries, the first ones in order'],
  },
  'shared-key-space': {
    broken: 'ignores the table id: every table shares one key space',
    make: () =>
      new (class extends SortedArrayStorage {
        override get(_table: number, key: Uint8Array) {
          return super.get(0, key);
        }
        override put(_table: number, key: Uint8Array, value: Uint8Array, txn: number) {
          return super.put(0, key, value, txn);
        }
        override delete(_table: number, key: Uint8Array, txn: number) {
          return super.delete(0, key, txn);
        }
        override scan(_table: number, start: Uint8Array, end: Uint8Array, limit: number) {
          return super.scan(0, start, end, limit);
        }
      })(),
    caughtBy: ['each table is its own key space', 'table ids 0 and 2^32-1 are valid and distinct'],
  },
  'aliases-input': {
    broken: 'keeps the caller’s key and value buffers instead of copying them',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override copyIn(bytes: Uint8Array): Uint8Array {
          return bytes;
        }
      })(),
    caughtBy: ['mutating the key and value buffers after put does not change what is stored'],
  },
  'aliases-output': {
    broken: 'hands out its stored buffers instead of copies',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override copyOut(bytes: Uint8Array): Uint8Array {
          return bytes;
        }
      })(),
    caughtBy: [
      'mutating a buffer returned by get does not change what is stored',
      'mutating buffers returned by scan does not change what is stored',
      'two reads of one key return distinct buffers',
    ],
  },
  'copies-whole-buffer': {
    broken: 'copies the whole ArrayBuffer behind a view instead of the view',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override copyIn(bytes: Uint8Array): Uint8Array {
          return new Uint8Array(bytes.buffer.slice(0));
        }
      })(),
    caughtBy: ['put stores only the bytes of a view, not the rest of its buffer'],
  },
  'overwrite-ignored': {
    broken: 'put keeps the first value of a key',
    make: () =>
      new (class extends SortedArrayStorage {
        override async put(table: number, key: Uint8Array, value: Uint8Array, txn: number): Promise<void> {
          if ((await this.get(table, key)) === undefined) await super.put(table, key, value, txn);
        }
      })(),
    caughtBy: ['put overwrites the previous value of a key'],
  },
  'empty-value-is-absent': {
    broken: 'get reports an empty value as absent',
    make: () =>
      new (class extends SortedArrayStorage {
        override async get(table: number, key: Uint8Array) {
          const value = await super.get(table, key);
          return value?.length === 0 ? undefined : value;
        }
      })(),
    caughtBy: ['an empty value is stored and read back as an empty Uint8Array, not as absent'],
  },
  'delete-absent-throws': {
    broken: 'delete of an absent key rejects',
    make: () =>
      new (class extends SortedArrayStorage {
        override async delete(table: number, key: Uint8Array, txn: number): Promise<void> {
          if ((await this.get(table, key)) === undefined) throw new Error('no such key');
          await super.delete(table, key, txn);
        }
      })(),
    caughtBy: ['delete of an absent key resolves and changes nothing'],
  },
  'throws-synchronously': {
    broken: 'checks arguments before returning a promise, so bad input throws synchronously',
    make: () =>
      new (class extends SortedArrayStorage {
        override put(table: number, key: Uint8Array, value: Uint8Array, txn: number): Promise<void> {
          this.validatePut(table, key, value, txn);
          return super.put(table, key, value, txn);
        }
      })(),
    caughtBy: [BAD_KEY, BAD_TXN],
  },
  'swallows-bad-txn': {
    broken: 'ignores a bad transaction id instead of rejecting (a swallowed error)',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override validatePut(table: number, key: Uint8Array, value: Uint8Array, txn: number): void {
          try {
            super.validatePut(table, key, value, txn);
          } catch (error) {
            if (!(error instanceof Error && error.message.startsWith('txn'))) throw error;
          }
        }
      })(),
    caughtBy: [BAD_TXN],
  },
  'writes-before-checking': {
    broken: 'writes the entry, then checks the transaction id (half-changed on error)',
    make: () =>
      new (class extends SortedArrayStorage {
        override async put(table: number, key: Uint8Array, value: Uint8Array, txn: number): Promise<void> {
          this.checkOpen();
          if (key instanceof Uint8Array && value instanceof Uint8Array && Number.isInteger(table) && table >= 0) {
            this.write(table, key, value);
          }
          this.validatePut(table, key, value, txn);
        }
      })(),
    caughtBy: [BAD_TXN],
  },
  'vague-errors': {
    broken: 'rejects bad arguments with a message that does not name the argument',
    make: () =>
      new (class extends SortedArrayStorage {
        override async get(table: number, key: Uint8Array) {
          try {
            return await super.get(table, key);
          } catch {
            throw new TypeError('invalid argument');
          }
        }
      })(),
    caughtBy: [BAD_KEY, 'every method rejects a table id that is not an integer in [0, 2^32), naming table'],
  },
  'no-range-check': {
    broken: 'scan with start after end returns an empty array instead of a RangeError',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override checkRange(start: Uint8Array, end: Uint8Array): void {
          if (!(start instanceof Uint8Array)) throw new TypeError('start must be a Uint8Array');
          if (!(end instanceof Uint8Array)) throw new TypeError('end must be a Uint8Array');
        }
      })(),
    caughtBy: ['scan rejects start after a non-empty end with a RangeError'],
  },
  'open-after-shutdown': {
    broken: 'keeps working after shutdown',
    make: () =>
      new (class extends SortedArrayStorage {
        override shutdown(): void {}
      })(),
    caughtBy: [CLOSED],
  },
  'wrong-closed-error': {
    broken: 'rejects after shutdown with a plain Error instead of a SOCHDB_CLOSED KernelError',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override checkOpen(): void {
          if (this.closed) throw new Error('closed');
        }
      })(),
    caughtBy: [CLOSED],
  },
  'closed-code-mismatch': {
    broken: 'rejects after shutdown with a KernelError of another code',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override checkOpen(): void {
          if (this.closed) throw new KernelError('io', ErrorCode.PLUGIN_NOT_FOUND, 'closed');
        }
      })(),
    caughtBy: [CLOSED],
  },
  'reverse-ascending': {
    broken: 'scanReverse returns the lowest keys of the range, ascending',
    make: () =>
      new (class extends SortedArrayStorage {
        override scanReverse(table: number, start: Uint8Array, end: Uint8Array, limit: number) {
          return this.scan(table, start, end, limit);
        }
      })(),
    caughtBy: [
      'scanReverse, when present, returns the range of scan in descending order',
      'scanReverse, when present, returns the highest limit keys of the range, end exclusive',
    ],
  },
  'iterate-repeats-at-batch-boundary': {
    broken: 'iterate resumes at the last key of a batch instead of after it',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override after(key: Uint8Array): Uint8Array {
          return key;
        }
      })(),
    caughtBy: ['iterate, when present, walks a range larger than one batch without repeating or skipping keys'],
  },
  'stats-miscount': {
    broken: 'stats().keyCount counts overwrites as new keys',
    make: () =>
      new (class extends SortedArrayStorage {
        private puts = 0;
        override async put(table: number, key: Uint8Array, value: Uint8Array, txn: number): Promise<void> {
          await super.put(table, key, value, txn);
          this.puts++;
        }
        override stats() {
          return { ...super.stats(), keyCount: Math.max(super.stats().keyCount, this.puts) };
        }
      })(),
    caughtBy: ['stats().keyCount, when present, counts keys over every table through puts, overwrites and deletes'],
  },
};
