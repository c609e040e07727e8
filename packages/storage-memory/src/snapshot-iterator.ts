import { fromBinaryString } from './binary-string.js';
import type { BTree } from './sorted-btree.js';

/** One stored entry: a key and its value, fresh copies the caller owns. */
export type Entry = [key: Uint8Array, value: Uint8Array];

type Table = BTree<string, string>;

// A batch also stops once it has copied this many bytes, so a walk over large
// values holds at most about this much beyond one entry, whatever `batchSize`.
const BATCH_BYTES = 4 * 1024 * 1024;
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a walk was asked for, checked and copied at the `iterate` call. */
export interface WalkPlan {
  /** The snapshot (a copy-on-write `clone()` of the table), or `undefined` for a table that did not exist. */
  readonly snapshot: Table | undefined;
  readonly low: string;
  readonly high: string | undefined;
  readonly reverse: boolean;
  readonly limit: number;
  readonly batchSize: number;
}

/**
 * The iterator `MemoryStorage.iterate` returns: walks a snapshot of one table,
 * `batchSize` entries (or {@link BATCH_BYTES}) copied out per step, giving the
 * event loop a turn (`setImmediate`) before every batch after the first.
 * `return()` drops the snapshot at once; so does reaching the end. Calls to
 * `next()` are answered in order, one at a time, however many are pending.
 */
export class SnapshotIterator implements AsyncIterableIterator<Entry> {
  #snapshot: Table | undefined;
  #error: unknown;
  #low = '';
  #high: string | undefined;
  #reverse = false;
  #remaining = 0;
  #batchSize = 1;
  #batch: Entry[] = [];
  #at = 0;
  #started = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #checkOpen: () => void;

  /**
   * @param plan - the checked walk, or `{ error }` for a bad call: the first `next()` rejects with it.
   * @param checkOpen - throws the store's closed error once it has been shut down.
   */
  constructor(plan: WalkPlan | { readonly error: unknown }, checkOpen: () => void) {
    this.#checkOpen = checkOpen;
    if ('error' in plan) {
      this.#error = plan.error;
      return;
    }
    this.#snapshot = plan.snapshot;
    this.#low = plan.low;
    this.#high = plan.high;
    this.#reverse = plan.reverse;
    this.#remaining = plan.limit;
    this.#batchSize = plan.batchSize;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next entry; rejects with the call's argument error first, or `SOCHDB_CLOSED` after shutdown. */
  next(): Promise<IteratorResult<Entry, undefined>> {
    const result = this.#queue.then(() => this.#step());
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the walk and releases the snapshot. */
  return(): Promise<IteratorResult<Entry, undefined>> {
    this.#release();
    this.#error = undefined;
    return Promise.resolve(DONE);
  }

  #release(): void {
    this.#snapshot = undefined;
    this.#batch = [];
    this.#at = 0;
  }

  async #step(): Promise<IteratorResult<Entry, undefined>> {
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      throw error;
    }
    if (this.#snapshot === undefined) return DONE;
    try {
      this.#checkOpen();
    } catch (error) {
      this.#release();
      throw error;
    }
    if (this.#at < this.#batch.length) return { done: false, value: this.#take() };
    if (this.#remaining <= 0) {
      this.#release();
      return DONE;
    }
    if (this.#started) {
      await nextTurn();
      // Released, or the store shut down, while waiting for the turn.
      if (this.#snapshot === undefined) return DONE;
      try {
        this.#checkOpen();
      } catch (error) {
        this.#release();
        throw error;
      }
    }
    this.#started = true;
    this.#fill(this.#snapshot);
    if (this.#batch.length === 0) {
      this.#release();
      return DONE;
    }
    return { done: false, value: this.#take() };
  }

  #take(): Entry {
    const entry = this.#batch[this.#at] as Entry;
    // Drop the reference: the caller owns the entry now, the batch need not keep it alive.
    this.#batch[this.#at++] = undefined as unknown as Entry;
    return entry;
  }

  /** Copies the next batch out of the snapshot and moves the bounds past it. */
  #fill(tree: Table): void {
    const batch: Entry[] = [];
    const take = Math.min(this.#remaining, this.#batchSize);
    let bytes = 0;
    let last: string | undefined;
    const add = (key: string, value: string): boolean => {
      batch.push([fromBinaryString(key), fromBinaryString(value)]);
      last = key;
      bytes += key.length + value.length;
      return batch.length >= take || bytes >= BATCH_BYTES;
    };
    const low = this.#low;
    const high = this.#high;
    if (!this.#reverse) {
      const max = high ?? tree.maxKey();
      if (max !== undefined && (high === undefined || low < high)) {
        tree.forRange(low, max, high === undefined, (key, value) => (add(key, value) ? { break: 0 } : undefined));
      }
    } else if (tree.size > 0 && (high === undefined || low < high)) {
      const entries = high === undefined ? tree.entriesReversed() : tree.entriesReversed(high, undefined, true);
      for (const [key, value] of entries) {
        if (key < low || add(key, value)) break;
      }
      // `add` ran for the entry that broke the loop only when it was in range.
    }
    this.#batch = batch;
    this.#at = 0;
    this.#remaining -= batch.length;
    if (last !== undefined) {
      // Resume strictly past the last key: upward, the smallest key above it is
      // `last + "\0"`; downward, `last` becomes the exclusive upper bound.
      if (this.#reverse) this.#high = last;
      else this.#low = `${last}\0`;
    }
    if (batch.length < take && bytes < BATCH_BYTES) this.#remaining = 0; // the range is exhausted
  }
}
