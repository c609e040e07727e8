import { ErrorCode, KernelError } from '@sochdb/core';
import {
  type BatchOp,
  type Entry,
  type IterateOptions,
  SortedArrayStorage,
} from '../reference/sorted-array-storage.js';
import type { BrokenVariant } from './variant.js';

/** The next turn of the event loop: lets a reader run in the middle of a write. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const ORDER = 'keys are ordered unsigned bytewise, a prefix before every longer key';
const CLOSED = 'every method rejects with a KernelError coded SOCHDB_CLOSED';
const BAD_TXN = 'put and delete reject a transaction id that is not a safe integer >= 0, naming txn';
const BAD_KEY = 'every method rejects a key that is not a Uint8Array, naming key';
const TRANSFER =
  'a returned buffer transferred away (structuredClone with transfer) changes no other result and no later call';
const SURVIVES_FLUSH = 'writes that resolved before flush survive shutdown and a reopen, over every table';
const SHUTDOWN_FLUSHES = 'shutdown flushes: writes that resolved before shutdown survive a reopen';
const NOTHING_AFTER_SHUTDOWN =
  'nothing is written after shutdown: every call rejects and a reopened instance does not see them';
const SECOND_INSTANCE =
  'a second live instance on the location is refused with a KernelError of kind io, and the first keeps working';
const REOPENS = 'shutdown releases the location: it reopens again and again, each instance seeing the last';
const ITERATE_WALKS = 'iterate, when present, walks the entries scan returns, ascending or descending, with limit';
const ITERATE_SNAPSHOT =
  'iterate, when present, is a snapshot: it yields what the store held at the call, whatever is written after';
const ITERATE_OPTIONS =
  'iterate, when present, copies its options at the call: changing them afterwards changes nothing';
const BATCH_APPLIES =
  'batch, when present, applies puts and deletes across tables, in order, the last op on a key winning';
const BATCH_BAD_OP = 'batch, when present, with one bad op anywhere rejects naming it and applies nothing';

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
  'value-limit-1mib': {
    broken: 'refuses values over 1 MiB (the contract requires 16 MiB)',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override validatePut(table: number, key: Uint8Array, value: Uint8Array, txn: number): void {
          super.validatePut(table, key, value, txn);
          if (value.length > 1 << 20) throw new RangeError('value must be at most 1 MiB');
        }
      })(),
    caughtBy: ['accepts keys up to 1 KiB and values up to 16 MiB'],
  },
  'results-share-a-buffer': {
    broken: 'hands out the entries of a scan as views into one buffer',
    make: () =>
      new (class extends SortedArrayStorage {
        override async scan(table: number, start: Uint8Array, end: Uint8Array, limit: number) {
          const entries = await super.scan(table, start, end, limit);
          const total = entries.reduce((n, [key, value]) => n + key.length + value.length, 0);
          const pool = new Uint8Array(total);
          let at = 0;
          const view = (bytes: Uint8Array): Uint8Array => {
            pool.set(bytes, at);
            at += bytes.length;
            return pool.subarray(at - bytes.length, at);
          };
          return entries.map(([key, value]): [Uint8Array, Uint8Array] => [view(key), view(value)]);
        }
      })(),
    caughtBy: [TRANSFER],
  },
  'forgets-on-reopen': {
    broken: 'flush and shutdown write nothing to the location',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override persist(): void {}
      })(),
    caughtBy: [SURVIVES_FLUSH, SHUTDOWN_FLUSHES, REOPENS],
  },
  'shutdown-does-not-flush': {
    broken: 'shutdown closes without writing what resolved since the last flush',
    make: () =>
      new (class extends SortedArrayStorage {
        private shuttingDown = false;
        protected override persist(): void {
          if (!this.shuttingDown) super.persist();
        }
        override shutdown(): void {
          this.shuttingDown = true;
          super.shutdown();
        }
      })(),
    caughtBy: [SHUTDOWN_FLUSHES],
  },
  'writes-after-shutdown': {
    broken: 'after shutdown, writes reach the location although every call rejects',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override write(table: number, key: Uint8Array, value: Uint8Array): void {
          super.write(table, key, value);
          if (this.closed) super.persist();
        }
        protected override remove(table: number, key: Uint8Array): void {
          super.remove(table, key);
          if (this.closed) super.persist();
        }
        override async put(table: number, key: Uint8Array, value: Uint8Array, txn: number): Promise<void> {
          if (this.closed) this.write(table, key, value);
          return super.put(table, key, value, txn);
        }
        override async delete(table: number, key: Uint8Array, txn: number): Promise<void> {
          if (this.closed) this.remove(table, key);
          return super.delete(table, key, txn);
        }
      })(),
    caughtBy: [NOTHING_AFTER_SHUTDOWN],
  },
  'no-lock': {
    broken: 'opens a location another live instance holds',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override acquire(): void {
          this.location.holder = this;
        }
      })(),
    caughtBy: [SECOND_INSTANCE],
  },
  'lock-plain-error': {
    broken: 'refuses a held location with a plain Error instead of a KernelError of kind io',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override acquire(): void {
          if (this.location.holder !== undefined && this.location.holder !== this) throw new Error('locked');
          this.location.holder = this;
        }
      })(),
    caughtBy: [SECOND_INSTANCE],
  },
  'lock-kept-after-shutdown': {
    broken: 'shutdown does not release the location, so it never reopens',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override release(): void {}
      })(),
    caughtBy: [SURVIVES_FLUSH, SHUTDOWN_FLUSHES, NOTHING_AFTER_SHUTDOWN, REOPENS],
  },
  'reverse-open-after-shutdown': {
    broken: 'scanReverse keeps working after shutdown',
    make: () =>
      new (class extends SortedArrayStorage {
        override async scanReverse(table: number, start: Uint8Array, end: Uint8Array, limit: number) {
          return this.descending(this.entriesOf(table), start, end, limit);
        }
      })(),
    caughtBy: ['scanReverse, when present, rejects after shutdown with a KernelError coded SOCHDB_CLOSED'],
  },
  'reverse-aliases-output': {
    broken: 'scanReverse hands out its stored buffers',
    make: () =>
      new (class extends SortedArrayStorage {
        override async scanReverse(table: number, start: Uint8Array, end: Uint8Array, limit: number) {
          const found = new Set((await super.scanReverse(table, start, end, limit)).map(([key]) => key.join()));
          return this.entriesOf(table)
            .filter(({ key }) => found.has(key.join()))
            .reverse()
            .map(({ key, value }): [Uint8Array, Uint8Array] => [key, value]);
        }
      })(),
    caughtBy: ['scanReverse, when present, hands out copies the caller may mutate'],
  },
  'reverse-unchecked': {
    broken: 'scanReverse does not check its arguments (a bad limit reads as no limit)',
    make: () =>
      new (class extends SortedArrayStorage {
        override async scanReverse(table: number, start: Uint8Array, end: Uint8Array, limit: number) {
          this.checkOpen();
          if (!(start instanceof Uint8Array) || !(end instanceof Uint8Array)) return [];
          return this.descending(this.entriesOf(table), start, end, Number(limit) >= 0 ? limit : Infinity);
        }
      })(),
    caughtBy: ['scanReverse, when present, rejects bad arguments like scan, naming them'],
  },
  'iterate-ignores-limit': {
    broken: 'iterate walks the whole range whatever its limit',
    make: () =>
      new (class extends SortedArrayStorage {
        override iterate(table: number, options: IterateOptions = {}) {
          return super.iterate(table, { ...options, limit: Number.POSITIVE_INFINITY });
        }
      })(),
    caughtBy: [ITERATE_WALKS],
  },
  'iterate-live': {
    broken: 'iterate reads the live store at each batch (and from the first next()), not a snapshot',
    make: () =>
      new (class extends SortedArrayStorage {
        override async *iterate(table: number, options: IterateOptions = {}) {
          const plan = this.iteratePlan(options);
          let low = plan.start;
          let high = plan.end;
          for (;;) {
            const batch = plan.reverse
              ? this.descending(this.entriesOf(table), low, high, 5)
              : this.ascending(this.entriesOf(table), low, high, 5);
            yield* batch;
            const last = batch[batch.length - 1];
            if (last === undefined || batch.length < 5) return;
            if (plan.reverse) high = last[0];
            else low = this.after(last[0]);
            await nextTurn();
          }
        }
      })(),
    caughtBy: [ITERATE_SNAPSHOT],
  },
  'iterate-reads-options-late': {
    broken: 'iterate keeps the caller’s options and reads them at the first next()',
    make: () =>
      new (class extends SortedArrayStorage {
        override iterate(table: number, options: IterateOptions = {}) {
          const snapshot = this.entriesOf(table);
          const self = this;
          return (async function* () {
            const { start = new Uint8Array(0), end = new Uint8Array(0), reverse = false, limit = Infinity } = options;
            const entries = reverse
              ? self.descending(snapshot, start, end, limit)
              : self.ascending(snapshot, start, end, limit);
            yield* entries;
          })();
        }
      })(),
    caughtBy: [ITERATE_OPTIONS],
  },
  'iterate-throws-synchronously': {
    broken: 'iterate throws a bad option at the call instead of rejecting the first next()',
    make: () =>
      new (class extends SortedArrayStorage {
        override iterate(table: number, options?: IterateOptions) {
          this.iteratePlan(options);
          return super.iterate(table, options);
        }
      })(),
    caughtBy: ['iterate, when present, reports bad arguments as a rejected first next(), naming them'],
  },
  'iterate-starves-event-loop': {
    broken: 'iterate waits only on microtasks between batches, so timers never run during a walk',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override betweenBatches(): Promise<void> {
          return Promise.resolve();
        }
      })(),
    caughtBy: ['iterate, when present, lets the event loop run during a long walk (a timer fires before it ends)'],
  },
  'iterate-aliases-output': {
    broken: 'iterate hands out its stored buffers',
    make: () =>
      new (class extends SortedArrayStorage {
        override async *iterate(table: number, options: IterateOptions = {}) {
          const plan = this.iteratePlan(options);
          const keys = new Set(
            this.ascending(this.entriesOf(table), plan.start, plan.end, plan.limit).map(([k]) => k.join()),
          );
          const entries = this.entriesOf(table).filter(({ key }) => keys.has(key.join()));
          for (const { key, value } of plan.reverse ? entries.reverse() : entries)
            yield [key, value] as [Uint8Array, Uint8Array];
        }
      })(),
    caughtBy: ['iterate, when present, hands out buffers the caller may mutate'],
  },
  'iterate-ignores-return': {
    broken: 'iterate’s return() does not end the walk: next() goes on yielding',
    make: () =>
      new (class extends SortedArrayStorage {
        override iterate(table: number, options?: IterateOptions) {
          const inner = super.iterate(table, options);
          return {
            next: () => inner.next(),
            return: async () => ({ done: true as const, value: undefined }),
            [Symbol.asyncIterator]() {
              return this;
            },
          } as AsyncIterableIterator<[Uint8Array, Uint8Array]>;
        }
      })(),
    caughtBy: [
      'iterate, when present, ends the walk at return() (breaking out of for await): later next() calls are done',
    ],
  },
  'iterate-open-after-shutdown': {
    broken: 'iterate keeps working after shutdown',
    make: () =>
      new (class extends SortedArrayStorage {
        override async *iterate(table: number, options?: IterateOptions) {
          const plan = this.iteratePlan(options);
          yield* this.ascending(this.entriesOf(table), plan.start, plan.end, plan.limit);
        }
      })(),
    caughtBy: ['iterate, when present, rejects next() after shutdown with a KernelError coded SOCHDB_CLOSED'],
  },
  'batch-deletes-first': {
    broken: 'batch applies every delete before every put, not in order',
    make: () =>
      new (class extends SortedArrayStorage {
        protected override applyBatch(ops: readonly BatchOp[]): void {
          super.applyBatch([...ops.filter((op) => op.type === 'delete'), ...ops.filter((op) => op.type === 'put')]);
        }
      })(),
    caughtBy: [BATCH_APPLIES],
  },
  'batch-applies-until-bad-op': {
    broken: 'batch checks and applies op by op, so ops before a bad one stay applied',
    make: () =>
      new (class extends SortedArrayStorage {
        override async batch(ops: readonly BatchOp[], txn: number): Promise<void> {
          this.checkOpen();
          if (!Array.isArray(ops)) throw new TypeError('ops must be an array');
          const changed = new Map<number, Entry[]>();
          for (const [i, op] of ops.entries()) {
            const [checked] = this.checkBatch([op], 0);
            if (checked === undefined) throw new TypeError(`ops[${i}] is bad`);
            let entries = changed.get(checked.table);
            if (entries === undefined) {
              entries = [...this.entriesOf(checked.table)];
              changed.set(checked.table, entries);
              this.tables.set(checked.table, entries);
            }
            if (checked.type === 'put') this.writeInto(entries, checked.key, checked.value);
            else this.removeFrom(entries, checked.key);
          }
          this.checkBatch([], txn);
        }
      })(),
    caughtBy: [BATCH_BAD_OP],
  },
  'batch-not-atomic': {
    broken: 'batch applies half its ops, lets readers run, then the rest',
    make: () =>
      new (class extends SortedArrayStorage {
        override async batch(ops: readonly BatchOp[], txn: number): Promise<void> {
          this.checkOpen();
          const checked = this.checkBatch(ops, txn);
          const half = checked.length >> 1;
          this.applyBatch(checked.slice(0, half));
          await nextTurn();
          this.applyBatch(checked.slice(half));
        }
      })(),
    caughtBy: ['batch, when present, is atomic: no reader sees some of its ops and not others'],
  },
  'batch-reads-ops-late': {
    broken: 'batch reads its ops after an await, so changes the caller makes after the call land',
    make: () =>
      new (class extends SortedArrayStorage {
        override async batch(ops: readonly BatchOp[], txn: number): Promise<void> {
          await nextTurn();
          return super.batch(ops, txn);
        }
      })(),
    caughtBy: ['batch, when present, copies its ops at the call: changing them afterwards changes nothing'],
  },
  'batch-open-after-shutdown': {
    broken: 'batch keeps working after shutdown',
    make: () =>
      new (class extends SortedArrayStorage {
        override async batch(ops: readonly BatchOp[], txn: number): Promise<void> {
          this.applyBatch(this.checkBatch(ops, txn));
        }
      })(),
    caughtBy: ['batch, when present, rejects after shutdown with a KernelError coded SOCHDB_CLOSED'],
  },
};

/**
 * Not broken: a store with an `iterate` of its own that is not the
 * contract's (a synchronous callback walk). The required tests must all pass
 * on it; only the iterate tests may fail.
 */
export class OtherIterateStorage extends SortedArrayStorage {
  // @ts-expect-error: deliberately not the contract's iterate
  override iterate(callback: (entry: Entry) => void): number {
    let count = 0;
    for (const [, entries] of this.tables) {
      for (const entry of entries) {
        callback(entry);
        count++;
      }
    }
    return count;
  }
}
