/**
 * Which manager holds each extension instance, and which instances were shut
 * down: the contract's "an instance belongs to one live manager at a time, and
 * an instance that was shut down is refused". Kept on `globalThis` under a
 * `Symbol.for` key so that every copy of core in the process shares it, and
 * made on first use so that importing core changes nothing.
 */

/** An instance's place: held by a manager (any copy's), or shut down for good. */
export type InstanceState = { readonly heldBy: object } | 'shut-down';

const KEY = Symbol.for('@sochdb/core:extension-instances');

function registry(): WeakMap<object, InstanceState> {
  const global = globalThis as Record<symbol, unknown>;
  let map = global[KEY];
  if (!(map instanceof WeakMap)) {
    map = new WeakMap<object, InstanceState>();
    Object.defineProperty(global, KEY, { value: map, configurable: true });
  }
  return map as WeakMap<object, InstanceState>;
}

/** The instance's state, or `undefined` when no manager holds it and it was never shut down. */
export function instanceState(instance: object): InstanceState | undefined {
  return registry().get(instance);
}

/** Records that `manager` holds `instance` (from the start of its registration). */
export function holdInstance(instance: object, manager: object): void {
  registry().set(instance, { heldBy: manager });
}

/** Frees an instance whose registration failed before it was ever live: it may be registered again. */
export function releaseInstance(instance: object): void {
  registry().delete(instance);
}

/** Records that the instance was shut down: no manager will take it again. */
export function retireInstance(instance: object): void {
  registry().set(instance, 'shut-down');
}
