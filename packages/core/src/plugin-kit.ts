/**
 * `@sochdb/core/plugin-kit`: the helpers a plugin author needs to behave like
 * every `@sochdb/*` package (argument and option checks with the same
 * messages, the shared warning channel, the drop-counting rule of
 * observability backends). The root export stays the contract; this subpath
 * is the toolbox.
 *
 * ```ts
 * import { assertBytes, assertOptions, DropLedger } from '@sochdb/core/plugin-kit';
 * ```
 *
 * @packageDocumentation
 */
export {
  assertBytes,
  assertColumnId,
  assertLimit,
  assertOptions,
  assertRange,
  assertRowId,
  assertTableId,
  assertTransactionId,
  compareBytes,
  describeValue,
  isBytes,
} from './arguments.js';
export { emitSochDBWarning } from './brand.js';
export { type DropCount, DropLedger, type DropSite } from './drop-ledger.js';
export { describeDropped, messageOf, positiveInteger, stringOf } from './text.js';
