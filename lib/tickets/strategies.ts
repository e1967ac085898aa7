/**
 * The ways to run a ticket rush. Each is data: whether buyers run at once or
 * one after another, what the lock covers, and how db.json is written.
 * The buyer (buyer.ts) and the runner (rush.ts) read these fields; nothing
 * else knows a strategy by name.
 */

import { tr } from "../core/lang";
import { showInput } from "../core/text";

export type StrategyName = "none" | "join" | "seed-lock" | "lock" | "coarse";

/** What the mutex covers in one buyer's task. */
export type LockScope =
  /** No lock. */
  | "none"
  /** read → think → write (the article puts `buy()` here; show() stays outside). */
  | "buy"
  /** The whole task: the non-file work, show() and buy(). */
  | "task";

/** How a buyer writes db.json. */
export type WriteMode =
  /** open with truncation, then write (Python's open('w'), Node's writeFileSync): readers can see an empty or mixed file. */
  | "truncate"
  /** write a temporary file, then rename it over db.json: readers see the old file or the new one, never a part. */
  | "atomic";

export interface Strategy {
  name: StrategyName;
  /** Protected against overselling (shown in cool colours); unprotected runs are warm. */
  protected: boolean;
  /** true: buyer i starts only after buyer i−1 ended (the article's join()). */
  sequential: boolean;
  lockScope: LockScope;
  write: WriteMode;
  /** One line for tables and captions. */
  summary: string;
}

export const strategies: Readonly<Record<StrategyName, Strategy>> = {
  none: {
    name: "none",
    protected: false,
    sequential: false,
    lockScope: "none",
    write: "truncate",
    summary: "no protection: every buyer reads, thinks and writes at the same time",
  },
  join: {
    name: "join",
    protected: true,
    sequential: true,
    lockScope: "none",
    write: "atomic",
    summary: "解决方案1 join: each buyer starts after the previous one ended — correct, but fully serial",
  },
  "seed-lock": {
    name: "seed-lock",
    protected: true,
    sequential: false,
    lockScope: "buy",
    write: "truncate",
    summary: "the article's code: show() outside the lock, lock around buy(), writes that truncate then write",
  },
  lock: {
    name: "lock",
    protected: true,
    sequential: false,
    lockScope: "buy",
    write: "atomic",
    summary: "互斥锁: lock around read → think → write only, atomic writes so unlocked readers never see a torn file",
  },
  coarse: {
    name: "coarse",
    protected: true,
    sequential: false,
    lockScope: "task",
    write: "atomic",
    summary: "锁的粒度 coarse: lock around the whole task, including the work that never touches the file",
  },
};

export const strategyNames = Object.keys(strategies) as StrategyName[];

/** The strategy called `name`; throws listing the valid names otherwise. */
export function getStrategy(name: string): Strategy {
  if (!Object.prototype.hasOwnProperty.call(strategies, name)) {
    throw new TypeError(
      tr(
        `unknown strategy ${showInput(name)}; expected one of ${strategyNames.join(", ")}`,
        `未知策略 ${showInput(name)}；可用的策略有 ${strategyNames.join(", ")}`,
      ),
    );
  }
  return strategies[name as StrategyName];
}
