/**
 * How objects that are not plain data (a Lock, say) travel to a child process in
 * `args`. Such an object implements `[TRANSFER]()` returning its kind, plain state,
 * and the module that defines the kind (its `__filename`). That module registers a
 * reviver when it loads, so the child loads just that module to rebuild a usable
 * object. Everything else must be structured-clone data.
 */
import * as path from "node:path";

export const TRANSFER: unique symbol = Symbol.for("proclab.transfer");

/** What a transferable object sends: its kind, the module registering the kind's reviver, and plain state. */
export interface Transfer<State = unknown> {
  kind: string;
  /** Absolute path of the module that calls `registerReviver(kind, …)` when loaded. */
  module: string;
  state: State;
}

export interface Transferable {
  [TRANSFER](): Transfer;
}

/** The wire form of a transferable object inside serialised args. */
export interface TransferredValue {
  $proclab: string;
  module: string;
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

/** The wire form of `value`. */
export function transferredForm(value: Transferable): TransferredValue {
  const { kind, module, state } = value[TRANSFER]();
  if (typeof kind !== "string" || typeof module !== "string" || !path.isAbsolute(module)) {
    throw new TypeError(
      `[TRANSFER]() must return { kind, module, state } with the absolute path of the module that registers the kind's reviver, got kind ${JSON.stringify(kind)}, module ${JSON.stringify(module)}`,
    );
  }
  return { $proclab: kind, module, state };
}

/** Rebuilds one transferred value, loading the module that defines its kind if needed. */
export function reviveTransferred(value: TransferredValue): unknown {
  if (!revivers.has(value.$proclab) && typeof value.module === "string") require(value.module);
  const revive = revivers.get(value.$proclab);
  if (!revive) throw new Error(`proclab: cannot revive a transferred "${value.$proclab}": ${value.module} registers no reviver for it`);
  return revive(value.state);
}
