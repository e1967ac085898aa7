/**
 * How objects that are not plain data (a Lock, say) travel to a child process in
 * `args`. Such an object implements `[TRANSFER]()` returning a kind and plain
 * state; the module that defines the kind registers a reviver that rebuilds a
 * usable object in the child. Everything else must be structured-clone data.
 */

export const TRANSFER: unique symbol = Symbol.for("proclab.transfer");

export interface Transferable {
  [TRANSFER](): { kind: string; state: unknown };
}

/** The wire form of a transferable object inside serialised args. */
export interface TransferredValue {
  $proclab: string;
  state: unknown;
}

const revivers = new Map<string, (state: unknown) => unknown>();

/** Registers how to rebuild objects of `kind` in a child process. */
export function registerReviver(kind: string, revive: (state: unknown) => unknown): void {
  revivers.set(kind, revive);
}

export function isTransferable(value: unknown): value is Transferable {
  return typeof value === "object" && value !== null && typeof (value as Partial<Transferable>)[TRANSFER] === "function";
}

/** Rebuilds one transferred value; throws when its kind has no reviver. */
export function reviveTransferred(value: TransferredValue): unknown {
  const revive = revivers.get(value.$proclab);
  if (!revive) throw new Error(`proclab: cannot revive a transferred "${value.$proclab}": no reviver registered`);
  return revive(value.state);
}
