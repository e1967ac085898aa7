/** The steps a ticket buyer marks, per strategy: what a rush's schedules are checked against. */
import { tr } from "../core/lang";
import { getStrategy, type StrategyName } from "./strategies";
import { ScheduleError, type ScheduleShape } from "../schedule/parse";

/**
 * The steps of a buyer who buys (one who reads 0 stops after `read`, or after `read`,
 * `release` under a lock). show() is no step: it reads before the first step, when
 * nobody has written yet.
 */
function buyerSteps(strategy: StrategyName): readonly string[] {
  const { lockScope, sequential } = getStrategy(strategy);
  if (sequential) {
    throw new ScheduleError(
      tr(
        `strategy ${strategy} starts each buyer after the previous one ended, so there is nothing to schedule; use none, seed-lock, lock or coarse`,
        `策略 ${strategy} 要等上一个买家结束才启动下一个，没有什么可调度的；请使用 none、seed-lock、lock 或 coarse`,
      ),
    );
  }
  return lockScope === "none" ? ["read", "think", "write"] : ["acquire", "read", "think", "write", "release"];
}

/** What a schedule for `buyers` buyers under `strategy` is checked against. */
export function rushShape(strategy: StrategyName, buyers: number): ScheduleShape {
  return { processes: buyers, steps: buyerSteps(strategy), context: tr(`with strategy ${strategy}`, `在策略 ${strategy} 下`) };
}
