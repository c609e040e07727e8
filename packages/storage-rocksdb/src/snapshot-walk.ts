import type { NativeDatabase, NativeEntry, NativeIteratorOptions } from './binding.js';
import { plainBytes, userKey } from './table-keys.js';

/** One stored entry: a key and its value, fresh memory the caller owns. */
export type Entry = [key: Uint8Array, value: Uint8Array];

/** What a walk needs from its storage: where to read, and how to say it was closed. */
export interface WalkOwner {
  /** Throws the `SOCHDB_CLOSED` error once the storage has been shut down. */
  checkOpen(): void;
  /** Called once when the walk lets go of its snapshot. */
  released(walk: SnapshotWalk): void;
  /** Maps a binding error to a `KernelError`. */
  failure(error: unknown): Error;
}

/**
 * `iterate`'s iterator: a RocksDB snapshot taken when `iterate` was called,
 * read through a `rocksdb-native` iterator `batchSize` entries at a time (each
 * batch is one trip to the binding's thread, so the event loop runs between
 * them). The snapshot is released when the walk ends, fails, or `return()` is
 * called, including before the first `next()`.
 */
export class SnapshotWalk implements AsyncIterableIterator<Entry> {
  readonly #owner: WalkOwner;
  #snapshot: NativeDatabase | undefined;
  #range: NativeIteratorOptions | undefined;
  #inner: AsyncIterator<NativeEntry> | undefined;
  #pendingError: unknown;
  #done = false;

  /**
   * @param snapshot - a snapshot session, or `undefined` when `error` is set
   * @param range - the stored-key range and batching, already checked
   * @param error - the argument error to reject the first `next()` with
   */
  constructor(owner: WalkOwner, snapshot: NativeDatabase | undefined, range: NativeIteratorOptions, error?: unknown) {
    this.#owner = owner;
    this.#snapshot = snapshot;
    this.#range = range;
    if (error !== undefined) {
      this.#pendingError = error;
      this.#done = snapshot === undefined;
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The next entry, or done. Rejects once with a bad argument's error, or with `SOCHDB_CLOSED` after shutdown. */
  async next(): Promise<IteratorResult<Entry, undefined>> {
    if (this.#pendingError !== undefined) {
      const error = this.#pendingError;
      this.#pendingError = undefined;
      this.#done = true;
      throw error;
    }
    if (this.#done) {
      this.#owner.checkOpen();
      return { done: true, value: undefined };
    }
    this.#owner.checkOpen();
    const snapshot = this.#snapshot;
    if (snapshot === undefined) return { done: true, value: undefined };
    if (this.#inner === undefined) {
      const range = this.#range ?? {};
      this.#range = undefined;
      this.#inner = snapshot.iterator(range)[Symbol.asyncIterator]();
    }
    let step: IteratorResult<NativeEntry>;
    try {
      step = await this.#inner.next();
    } catch (error) {
      await this.release();
      this.#owner.checkOpen();
      throw this.#owner.failure(error);
    }
    if (step.done === true) {
      await this.release();
      return { done: true, value: undefined };
    }
    return { done: false, value: [userKey(step.value.key), plainBytes(step.value.value)] };
  }

  /** Ends the walk and releases the snapshot (what breaking out of `for await` calls). */
  async return(): Promise<IteratorResult<Entry, undefined>> {
    this.#pendingError = undefined;
    await this.release();
    return { done: true, value: undefined };
  }

  /** Releases the native iterator and the snapshot; idempotent. Storage shutdown calls it for every open walk. */
  async release(): Promise<void> {
    this.#done = true;
    const snapshot = this.#snapshot;
    const inner = this.#inner;
    this.#snapshot = undefined;
    this.#inner = undefined;
    this.#range = undefined;
    if (snapshot === undefined) return;
    try {
      if (inner !== undefined) await inner.return?.();
    } catch {
      // The iterator is being torn down; its error has nothing left to say.
    }
    try {
      await snapshot.close();
    } catch {
      // Closing a snapshot session only releases it; a failure leaves nothing to undo.
    }
    this.#owner.released(this);
  }
}
