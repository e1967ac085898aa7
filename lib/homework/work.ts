import { sleep } from "../core/clock";
import { emit } from "../core/events";
import { refereedWork, refereeIsHere } from "./referee";

/**
 * Non-critical work (choosing a seat): records a `work` event, then waits `ms`.
 * In a graded rush the referee times it instead (see referee.ts): the granularity check reads
 * its record, and work must not happen while holding the lock.
 */
export async function work(ms: number): Promise<void> {
  if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms))
    throw new RangeError(`work: ms must be a finite number >= 0, got ${String(ms)}`);
  emit("work", { ms });
  if (refereeIsHere()) await refereedWork(ms);
  else await sleep(ms);
}

// Test helpers: answer cells run in the same kernel and must not be able to swap them.
Object.freeze(module.exports);
