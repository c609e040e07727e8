/**
 * The manager's open spans by manager-level id. Ids are handed out in
 * increasing order and most spans end soon after they start, so the recent
 * ones live in a ring of slots indexed by the id's low bits; a span still
 * open when a newer id lands on its slot moves to an overflow `Map`.
 *
 * Why not one `Map`: a `Map` that sees a set and a delete per span churns
 * V8's hash table (52 ns a span in a loop of its own), and two such maps in
 * one process, as two managers have, measured 500-700 ns a span, in garbage
 * collection and table rebuilds. The ring costs 9-12 ns either way.
 *
 * Order: every span in the overflow is older than every span in the ring
 * (a slot is overwritten, and its span displaced, exactly `SLOTS` ids after
 * it was filled), and spans enter the overflow in id order, so the oldest
 * open span is the overflow's first entry, or else the ring's lowest id.
 */

/** Slots in the ring: spans among the last this many started are found without the overflow. */
const SLOTS = 1024;
const MASK = SLOTS - 1;

/** Open spans by id: ids must be added in increasing order, each at most once. */
export class SpanTable<T> {
  // 0 marks a free slot: ids start at 1.
  readonly #ids = new Float64Array(SLOTS);
  readonly #values: Array<T | undefined> = new Array<T | undefined>(SLOTS).fill(undefined);
  readonly #overflow = new Map<number, T>();
  #size = 0;
  /** The last id added. */
  #last = 0;
  /** No span in the ring has an id below this (a lower bound kept by {@link oldest}). */
  #scanFrom = 1;

  /** Open spans. */
  get size(): number {
    return this.#size;
  }

  /** The span with this id, if open. */
  get(id: number): T | undefined {
    // `&` keeps the low bits of any safe integer (ToInt32 is modulo 2^32).
    const at = id & MASK;
    if (this.#ids[at] === id) return this.#values[at];
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(id);
  }

  /** Adds a span under `id`, larger than every id added before. */
  add(id: number, value: T): void {
    const at = id & MASK;
    const displaced = this.#ids[at] as number;
    if (displaced !== 0) this.#overflow.set(displaced, this.#values[at] as T);
    this.#ids[at] = id;
    this.#values[at] = value;
    this.#last = id;
    this.#size++;
  }

  /** Removes the span with this id; true if it was open. */
  delete(id: number): boolean {
    const at = id & MASK;
    if (this.#ids[at] === id) {
      this.#ids[at] = 0;
      this.#values[at] = undefined;
      this.#size--;
      return true;
    }
    if (this.#overflow.size > 0 && this.#overflow.delete(id)) {
      this.#size--;
      return true;
    }
    return false;
  }

  /** The open span with the lowest id, if any. */
  oldest(): [id: number, value: T] | undefined {
    if (this.#size === 0) return undefined;
    if (this.#overflow.size > 0) return this.#overflow.entries().next().value as [number, T];
    // Every id in the ring is among the last SLOTS added; scan up from the lower bound.
    for (let id = Math.max(this.#scanFrom, this.#last - SLOTS + 1); id <= this.#last; id++) {
      if (this.#ids[id & MASK] === id) {
        this.#scanFrom = id;
        return [id, this.#values[id & MASK] as T];
      }
    }
    return undefined;
  }

  /** Every open span, in no particular order. */
  *values(): IterableIterator<T> {
    for (let at = 0; at < SLOTS; at++) if (this.#ids[at] !== 0) yield this.#values[at] as T;
    yield* this.#overflow.values();
  }

  /** Forgets every span. */
  clear(): void {
    this.#ids.fill(0);
    this.#values.fill(undefined);
    this.#overflow.clear();
    this.#size = 0;
  }
}
