/**
 * `sorted-btree` ships CommonJS with `exports.default = BTree`. Node's ESM
 * loader hands a default import the whole `module.exports` (the class is its
 * `default`), while bundlers that honour `__esModule` hand over the class
 * itself; accept both, in this one place.
 *
 * Two things here reach past the library's typed API, into the node classes it
 * exports (`BNode`, `BNodeInternal`) and a tree's `_root`/`_compare`/
 * `_maxNodeSize` fields, because its public methods cannot do them: a put that
 * reports the value it replaced in one walk ({@link setInOneWalk}), and a tree
 * assembled from leaves built a slice at a time ({@link treeFromSortedSlices}).
 * The version is pinned exactly (2.1.0) in package.json, and the model test
 * plus `checkValid` in the tests hold both to the library's invariants.
 */

/**
 * `sorted-btree` ships CommonJS with `exports.default = BTree`. Node's ESM
 * loader hands a default import the whole `module.exports` (the class is its
 * `default`), while bundlers that honour `__esModule` hand over the class
 * itself; accept both, in this one place.
 *
 * Two things here reach past the library's typed API, into the node classes it
 * exports (`BNode`, `BNodeInternal`) and a tree's `_root`/`_compare`/
 * `_maxNodeSize` fields, because its public methods cannot do them: a put that
 * reports the value it replaced in one walk ({@link setInOneWalk}), and a tree
 * assembled from leaves built a slice at a time ({@link treeFromSortedSlices}).
 * The version is pinned exactly (2.1.0) in package.json, and the model test
 * plus `checkValid` in the tests hold both to the library's invariants.
 */
import sortedBtree, * as sortedBtreeNamespace from 'sorted-btree';

type BTreeClass = typeof import('sorted-btree').default;
const imported = sortedBtree as unknown as BTreeClass | { default: BTreeClass };

/** The B+ tree class of `sorted-btree`. */
export const BTree: BTreeClass = typeof imported === 'function' ? imported : imported.default;
/** A `sorted-btree` B+ tree. */
export type BTree<K, V> = import('sorted-btree').default<K, V>;

/** The fields of a `sorted-btree` node used here (leaf: no `children`). */
interface Node<K, V> {
  keys: K[];
  values: V[];
  children?: Node<K, V>[];
  isShared?: boolean;
  _size?: number;
  indexOf(key: K, failXor: number, compare: (a: K, b: K) => number): number;
  maxKey(): K;
}
interface TreeFields<K, V> {
  _root: Node<K, V>;
  _compare: (a: K, b: K) => number;
  _maxNodeSize: number;
}
interface NodeClasses {
  BNode: new <K, V>(keys: K[], values: V[]) => Node<K, V>;
  BNodeInternal: new <K, V>(children: Node<K, V>[], size: number) => Node<K, V>;
}
const namespace = sortedBtreeNamespace as unknown as Partial<NodeClasses> & { default?: Partial<NodeClasses> };
const { BNode, BNodeInternal } = (typeof namespace.BNode === 'function' ? namespace : namespace.default) as NodeClasses;

const pathNodes: Node<unknown, unknown>[] = [];

/**
 * Sets `key` to `value` (replacing any value) and returns the value replaced,
 * or `undefined` when the key is new: one walk from the root, where `set` plus
 * `get` take two (the library's `set` does not say what it replaced). Falls
 * back to the library's own `set` when a node on the way is shared with a
 * snapshot (copy on write) or the leaf is full (a split): about one new key in
 * thirty after random inserts. `value` must not be `undefined`.
 */
export function setInOneWalk<K, V>(tree: BTree<K, V>, key: K, value: V): V | undefined {
  const fields = tree as unknown as TreeFields<K, V>;
  const compare = fields._compare;
  let node = fields._root;
  let shared = node.isShared === true;
  let depth = 0;
  while (!shared && node.children !== undefined) {
    const children = node.children;
    const i = Math.min(node.indexOf(key, 0, compare), children.length - 1);
    pathNodes[depth++] = node as Node<unknown, unknown>;
    node = children[i] as Node<K, V>;
    shared = node.isShared === true;
  }
  if (!shared) {
    const keys = node.keys;
    const i = node.indexOf(key, -1, compare);
    if (i >= 0 && keys.length > 0) {
      const old = node.values[i];
      node.values[i] = value;
      return old;
    }
    const at = ~i;
    if (i < 0 && keys.length > 0 && keys.length < fields._maxNodeSize) {
      keys.splice(at, 0, key);
      node.values.splice(at, 0, value);
      // Each ancestor counts one more entry; where the key became its child's
      // last, the ancestor's separator (its child's max key) moves up to it.
      const last = at === keys.length - 1;
      for (let d = depth - 1; d >= 0; d--) {
        const parent = pathNodes[d] as Node<K, V>;
        parent._size = (parent._size as number) + 1;
        if (last) {
          const children = parent.children as Node<K, V>[];
          const c = Math.min(parent.indexOf(key, 0, compare), children.length - 1);
          if (compare(parent.keys[c] as K, key) < 0) parent.keys[c] = key;
        }
      }
      pathNodes.length = 0;
      return undefined;
    }
  }
  pathNodes.length = 0;
  // Copy on write, a split, or an empty tree: the library's path (it re-walks).
  if (tree.set(key, value, false)) return undefined;
  let old: V | undefined;
  tree.editRange(key, key, true, (_k, v) => {
    old = v;
    return { value };
  });
  return old;
}

/** Deletes `key`, returning its value (or `undefined` if absent): one walk. */
export function deleteInOneWalk<K, V>(tree: BTree<K, V>, key: K): V | undefined {
  let old: V | undefined;
  tree.editRange(key, key, true, (_k, v) => {
    old = v;
    return { delete: true };
  });
  return old;
}

/**
 * Builds a tree bottom-up, full leaves first, from sorted entries handed over a
 * slice at a time: `next()` returns the next slice (keys strictly ascending
 * across all slices, each slice's length a multiple of `maxNodeSize` except the
 * last) or `undefined` at the end, and may await between slices, so a million
 * entries never hold the event loop in one piece. Same shape as the library's
 * `bulkLoad` with a load factor of 1. Returns `undefined` if `next` does.
 */
export async function treeFromSortedSlices<K, V>(
  compare: (a: K, b: K) => number,
  maxNodeSize: number,
  next: () => Promise<{ keys: K[]; values: V[] } | undefined | null>,
): Promise<BTree<K, V> | undefined> {
  const half = maxNodeSize >> 1;
  const leaves: Node<K, V>[] = [];
  for (;;) {
    const slice = await next();
    if (slice === null) return undefined;
    if (slice === undefined) break;
    const { keys, values } = slice;
    for (let at = 0; at < keys.length; at += maxNodeSize) {
      leaves.push(new BNode<K, V>(keys.slice(at, at + maxNodeSize), values.slice(at, at + maxNodeSize)));
    }
  }
  const tree = new BTree<K, V>(undefined, compare, maxNodeSize);
  if (leaves.length === 0) return tree;
  // Only the last leaf can be short; evening it out with the one before keeps every leaf half full.
  const lastLeaf = leaves[leaves.length - 1] as Node<K, V>;
  if (leaves.length > 1 && lastLeaf.keys.length < half) {
    const before = leaves[leaves.length - 2] as Node<K, V>;
    const keys = before.keys.concat(lastLeaf.keys);
    const values = before.values.concat(lastLeaf.values);
    const split = keys.length >> 1;
    leaves[leaves.length - 2] = new BNode<K, V>(keys.slice(0, split), values.slice(0, split));
    leaves[leaves.length - 1] = new BNode<K, V>(keys.slice(split), values.slice(split));
  }
  let level: Node<K, V>[] = leaves;
  const sizeOf = (node: Node<K, V>) => (node.children === undefined ? node.keys.length : (node._size as number));
  while (level.length > 1) {
    const groups: Node<K, V>[][] = [];
    for (let at = 0; at < level.length; at += maxNodeSize) groups.push(level.slice(at, at + maxNodeSize));
    const lastGroup = groups[groups.length - 1] as Node<K, V>[];
    if (groups.length > 1 && lastGroup.length < half) {
      const joined = (groups[groups.length - 2] as Node<K, V>[]).concat(lastGroup);
      const split = joined.length >> 1;
      groups[groups.length - 2] = joined.slice(0, split);
      groups[groups.length - 1] = joined.slice(split);
    }
    level = groups.map((children) => {
      let size = 0;
      for (const child of children) size += sizeOf(child);
      return new BNodeInternal<K, V>(children, size);
    });
  }
  (tree as unknown as TreeFields<K, V>)._root = level[0] as Node<K, V>;
  return tree;
}

/**
 * `tree.get(key)` for a tree of binary strings, with the comparisons written
 * as `<` on strings instead of calls to the tree's comparator. The library's
 * search calls the comparator through one shared call site, which V8 stops
 * inlining as soon as a second comparator (another package's, a number
 * comparator) runs in the same process; this loop stays monomorphic.
 */
export function getString(tree: BTree<string, string>, key: string): string | undefined {
  let node = (tree as unknown as TreeFields<string, string>)._root;
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
    node = children[low] as Node<string, string>;
  }
}
