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

/** The fields of a `sorted-btree` node read by {@link getByString} (a leaf has no `children`). */
interface Node<V> {
  keys: string[];
  values: V[];
  children?: Node<V>[];
}

/**
 * `tree.get(key)` for a tree keyed by binary strings, comparing with `<` on
 * the strings instead of calling the tree's comparator. The library's search
 * calls the comparator through one call site shared by every tree in the
 * process (a row set's number comparator, another package's trees), which V8
 * stops inlining once a second comparator runs there; this loop stays
 * monomorphic. It reads the library's node fields (`_root`, `keys`, `values`,
 * `children`): the version is pinned exactly (2.1.0) and the model test checks
 * every lookup against a reference.
 */
export function getByString<V>(tree: BTree<string, V>, key: string): V | undefined {
  let node = (tree as unknown as { _root: Node<V> })._root;
  for (;;) {
    const keys = node.keys;
    const children = node.children;
    let low = 0;
    let high = keys.length;
    if (children === undefined) {
      while (low < high) {
        const mid = (low + high) >> 1;
        const k = keys[mid] as string;
        if (k < key) low = mid + 1;
        else if (k > key) high = mid;
        else return node.values[mid];
      }
      return undefined;
    }
    // The first child whose max key (its separator) is >= key.
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((keys[mid] as string) < key) low = mid + 1;
      else high = mid;
    }
    if (low >= children.length) return undefined;
    node = children[low] as Node<V>;
  }
}
