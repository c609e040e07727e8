/**
 * The contract's rule for observability backends: every value a backend drops
 * or alters is counted where an operator can see it, and reported through the
 * warning channel once per (metric or logger, reason). Three packages follow
 * that rule; this is the one place it is written.
 */

/** Where a drop is reported: what the contract's `onError` receives beside the error. */
export interface DropSite {
  /** The extension's name. */
  readonly extension: string;
  /** The method that dropped or altered the value (`counterInc`, `logWarn`, ...). */
  readonly operation: string;
}

/** One line of {@link DropLedger.entries}: how often one subject lost values for one reason. */
export interface DropCount {
  /** The metric name or logger the values were meant for. */
  readonly subject: string;
  /** Why they were dropped or altered, a short stable word such as `negative`, `cardinality`, `buffer-full`. */
  readonly reason: string;
  /** How many values. */
  readonly count: number;
}

/**
 * Counts dropped or altered values per (subject, reason) and reports the
 * first of each pair through `report`. Recording costs one or two `Map`
 * look-ups; it is meant for the rare path where a value is refused, not for
 * every call.
 *
 * ```ts
 * const drops = new DropLedger('my-metrics', onError);
 * if (!(value >= 0)) drops.record('counterInc', name, 'negative', () => `counter ${name} got ${value}`);
 * ```
 */
export class DropLedger {
  readonly #extension: string;
  readonly #report: (error: Error, site: DropSite) => void;
  readonly #counts = new Map<string, Map<string, number>>();
  #total = 0;

  /**
   * @param extension - the extension's name, passed on to `report`
   * @param report - the extension's `onError`; called once per (subject, reason). If it
   *   throws, the throw is swallowed: observability never throws into the caller.
   */
  constructor(extension: string, report: (error: Error, site: DropSite) => void) {
    this.#extension = extension;
    this.#report = report;
  }

  /**
   * Counts one dropped or altered value; the first for this (subject, reason)
   * is reported with the message `describe()` returns (called only then).
   */
  record(operation: string, subject: string, reason: string, describe: () => string): void {
    this.#total += 1;
    let reasons = this.#counts.get(subject);
    if (reasons === undefined) {
      reasons = new Map();
      this.#counts.set(subject, reasons);
    }
    const seen = reasons.get(reason);
    reasons.set(reason, (seen ?? 0) + 1);
    if (seen !== undefined) return;
    try {
      this.#report(new Error(`${describe()}. Further values dropped for this reason are counted, not reported.`), {
        extension: this.#extension,
        operation,
      });
    } catch {
      // The contract: a throwing onError is ignored.
    }
  }

  /** Every value recorded so far, whatever its subject and reason. */
  get total(): number {
    return this.#total;
  }

  /** How many values `subject` lost for `reason` (or for any reason when `reason` is left out). */
  count(subject: string, reason?: string): number {
    const reasons = this.#counts.get(subject);
    if (reasons === undefined) return 0;
    if (reason !== undefined) return reasons.get(reason) ?? 0;
    let sum = 0;
    for (const n of reasons.values()) sum += n;
    return sum;
  }

  /** Every (subject, reason) pair with its count, in the order first seen: what an exporter publishes. */
  *entries(): IterableIterator<DropCount> {
    for (const [subject, reasons] of this.#counts) {
      for (const [reason, count] of reasons) yield { subject, reason, count };
    }
  }
}
