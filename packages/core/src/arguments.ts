/**
 * Argument checks every storage and index implementation applies, so that bad
 * input meets the same `TypeError`/`RangeError`, naming the argument, whichever
 * plugin is behind the interface. They are part of the contract, which is why
 * they live in core.
 */

const MAX_U32 = 2 ** 32 - 1;
const MAX_U16 = 2 ** 16 - 1;

/**
 * A value as an error message should show it: its type and, for primitives,
 * the value (`string "3"`, `number NaN`, `an Array`, `undefined`), so a user
 * who passed `"3"` for a number sees why it was refused. Every `@sochdb/*`
 * package uses it for option and argument errors.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'function') return value.name ? `function ${value.name}` : 'a function';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    if (typeof name !== 'string' || name === '') return 'an object';
    return `${article(name)} ${name}`;
  }
  return typeof value;
}

/**
 * "a" or "an" for a class name, by how it is read: "an Array", "an Error",
 * "an Unknown...", but "a Uint8Array", "a URL", "a Map".
 */
function article(name: string): 'a' | 'an' {
  return /^(?:[AEIO]|Un(?!i))/.test(name) ? 'an' : 'a';
}

const describe = describeValue;

/**
 * `%TypedArray%.prototype[Symbol.toStringTag]`: a getter that reads a typed
 * array's internal name, so it answers for arrays of any realm and cannot be
 * fooled by a look-alike object (it returns `undefined` for those).
 */
const typedArrayName = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag)
  ?.get as (this: unknown) => string | undefined;

/**
 * True for a `Uint8Array` from any realm (a `vm` context, an iframe, a test
 * environment's window), a Node `Buffer` included; false for other typed
 * arrays and look-alikes.
 */
export function isBytes(value: unknown): value is Uint8Array {
  if (value instanceof Uint8Array) return typedArrayName.call(value) === 'Uint8Array';
  return typeof value === 'object' && value !== null && typedArrayName.call(value) === 'Uint8Array';
}

/**
 * Checks a constructor's options object: `undefined` (no options) or a plain
 * object whose every key is in `known`. A misspelt option is a `TypeError`
 * naming it and listing the valid ones, instead of a default silently used.
 *
 * @param owner - prefixed to the message, e.g. `"Lz4Compression"`
 */
export function assertOptions(options: unknown, known: readonly string[], owner?: string): void {
  if (options === undefined) return;
  const prefix = owner === undefined ? '' : `${owner}: `;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${prefix}options must be an object; got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new TypeError(`${prefix}unknown option ${JSON.stringify(key)}; the options are ${known.join(', ')}`);
    }
  }
}

function checkInteger(value: unknown, name: string, max: number, range: string): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be an integer in ${range}; got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} must be an integer in ${range}; got ${describe(value)}`);
  }
}

/** Throws unless `value` is a {@link TableId}: an integer in `[0, 2^32)`. */
export function assertTableId(value: unknown, name = 'table'): asserts value is number {
  checkInteger(value, name, MAX_U32, '[0, 2^32)');
}

/** Throws unless `value` is a {@link ColumnId}: an integer in `[0, 2^16)`. */
export function assertColumnId(value: unknown, name = 'column'): asserts value is number {
  checkInteger(value, name, MAX_U16, '[0, 2^16)');
}

/** Throws unless `value` is a {@link RowId}: a safe integer in `[0, 2^53)`. */
export function assertRowId(value: unknown, name = 'rowId'): asserts value is number {
  checkInteger(value, name, Number.MAX_SAFE_INTEGER, '[0, 2^53)');
}

/** Throws unless `value` is a {@link TransactionId}: a safe integer in `[0, 2^53)`. */
export function assertTransactionId(value: unknown, name = 'txn'): asserts value is number {
  checkInteger(value, name, Number.MAX_SAFE_INTEGER, '[0, 2^53)');
}

/**
 * Throws a `TypeError` unless `value` is a `Uint8Array`: one of any realm (a
 * `vm` context, a test environment's window) and a `Buffer` are accepted.
 */
export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!isBytes(value)) {
    throw new TypeError(`${name} must be a Uint8Array; got ${describe(value)}`);
  }
}

/** Throws unless `value` is a non-negative integer or `Infinity`. */
export function assertLimit(value: unknown, name = 'limit'): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(`${name} must be a non-negative integer or Infinity; got ${describe(value)}`);
  }
  if (value !== Number.POSITIVE_INFINITY && !(Number.isInteger(value) && value >= 0)) {
    throw new RangeError(`${name} must be a non-negative integer or Infinity; got ${describe(value)}`);
  }
}

/**
 * Checks a `[start, end)` range: both `Uint8Array`s, and `start <= end` unless
 * `end` is empty (no upper bound).
 */
export function assertRange(start: unknown, end: unknown): asserts start is Uint8Array {
  assertBytes(start, 'start');
  assertBytes(end, 'end');
  if (end.length > 0 && compareBytes(start, end) > 0) {
    throw new RangeError('start must not sort after end (an empty end means no upper bound)');
  }
}

/**
 * Unsigned bytewise lexicographic order, the order of every key space:
 * negative when `a` sorts first, 0 when equal, positive when `b` sorts first.
 * A key sorts before every longer key it is a prefix of.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
