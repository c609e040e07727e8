import type { Span } from '@opentelemetry/api';

/**
 * The spans this extension started and has not ended, by id, in start
 * order, and which of them was started last (the "innermost", where log
 * events go). Ending a span out of order leaves its id in the stack until it
 * surfaces; the stack is compacted when such ids outnumber the open spans.
 */
export class OpenSpans {
  readonly #byId = new Map<number, Span>();
  #stack: number[] = [];

  get size(): number {
    return this.#byId.size;
  }

  get(id: number): Span | undefined {
    return this.#byId.get(id);
  }

  add(id: number, span: Span): void {
    this.#byId.set(id, span);
    this.#stack.push(id);
  }

  /** Forgets the span and returns it, or `undefined` for an unknown id. */
  take(id: number): Span | undefined {
    const span = this.#byId.get(id);
    if (span === undefined) return undefined;
    this.#byId.delete(id);
    const stack = this.#stack;
    while (stack.length > 0 && !this.#byId.has(stack[stack.length - 1] as number)) stack.pop();
    if (stack.length > 2 * this.#byId.size + 64) this.#stack = stack.filter((open) => this.#byId.has(open));
    return span;
  }

  /** The open span started first, with its id. */
  oldest(): [number, Span] | undefined {
    return this.#byId.entries().next().value;
  }

  /** The open span started last. */
  innermost(): Span | undefined {
    const stack = this.#stack;
    return stack.length === 0 ? undefined : this.#byId.get(stack[stack.length - 1] as number);
  }

  /** Every open span, oldest first; and forgets them all. */
  drain(): Span[] {
    const spans = [...this.#byId.values()];
    this.#byId.clear();
    this.#stack = [];
    return spans;
  }
}
