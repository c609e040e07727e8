/**
 * `sorted-btree` ships CommonJS with `exports.default = BTree`. Node's ESM
 * loader hands a default import the whole `module.exports` (the class is its
 * `default`), while bundlers that honour `__esModule` hand over the class
 * itself; accept both, in this one place.
 */
import sortedBtree from 'sorted-btree';
import { bulkLoad as sortedBtreeBulkLoad } from 'sorted-btree/extended/bulkLoad.js';

type BTreeClass = typeof import('sorted-btree').default;
const imported = sortedBtree as unknown as BTreeClass | { default: BTreeClass };

/** The B+ tree class of `sorted-btree`. */
export const BTree: BTreeClass = typeof imported === 'function' ? imported : imported.default;
/** A `sorted-btree` B+ tree. */
export type BTree<K, V> = import('sorted-btree').default<K, V>;
/** Builds a tree bottom-up from keys sorted strictly ascending: O(n). */
export const bulkLoad = sortedBtreeBulkLoad;
