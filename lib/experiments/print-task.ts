/**
 * One process of the article's print experiment (task1/task2 of seed.md), run as
 * a module target: print its digit `repeat` times (the concurrent part), then the
 * critical section: a first line, a seeded random sleep, a second line, with or
 * without the shared Lock around it.
 */
import { sleep } from "../core/clock";
import { emit } from "../core/events";
import type { Lock } from "../lock";
import { mulberry32, uniform } from "../core/random";
import type { Barrier } from "./barrier";

export interface PrintTaskSpec {
  /** Printed `repeat` times before the critical section, like the article's `print(1)`. */
  digit: string;
  repeat: number;
  /** The critical section's two lines, like '1111111111' and '2222222222'. */
  first: string;
  second: string;
  /** The sleep between them is drawn from [criticalSleepMs/2, criticalSleepMs). */
  criticalSleepMs: number;
  seed: number;
}

export async function printTask(spec: PrintTaskSpec, lock: Lock | null, barrier: Barrier): Promise<void> {
  const random = mulberry32(spec.seed);
  await barrier.wait(); // every process starts printing together
  for (let i = 0; i < spec.repeat; i++) console.log(spec.digit);
  // Together again at the door of the critical section: without a lock the race is certain.
  // The sleep's lower bound (half of the maximum) keeps it far longer than the barrier's skew.
  await barrier.wait();
  if (lock) await lock.acquire();
  emit("critical-enter", { locked: lock !== null });
  console.log(spec.first);
  await sleep(uniform(random, spec.criticalSleepMs / 2, spec.criticalSleepMs));
  console.log(spec.second);
  emit("critical-exit", { locked: lock !== null });
  lock?.release();
}
