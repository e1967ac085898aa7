/**
 * A race of buyer processes, the core of every rush: the course's (runRush) and a student's
 * (homework runTrial). Buyers get seeded delays, so a race can be repeated, and run on warm
 * workers released together by a start barrier, so they really race every time, however
 * slowly the machine starts processes (the article's loop of p.start() staggers them by a
 * process start each, which hides the race).
 */
import { mulberry32, uniform } from "../core/random";
import type { RunOptions, Task, TaskResult, WorkerPool } from "../process/pool";

/** One buyer's delays, ms: work before show() (no file access), and think between read and write. */
export interface BuyerDelays {
  index: number;
  workMs: number;
  thinkMs: number;
}

/** For each of `buyers` buyers, in order: work then think, each uniform in its [low, high) range, from `seed`. */
export function buyerDelays(
  seed: number,
  buyers: number,
  workMs: readonly [number, number],
  thinkMs: readonly [number, number],
): BuyerDelays[] {
  const random = mulberry32(seed);
  return Array.from({ length: buyers }, (_, index) => ({
    index,
    workMs: uniform(random, ...workMs),
    thinkMs: uniform(random, ...thinkMs),
  }));
}

/** Runs task i on worker i of a started `pool`, all released together; one result per task, in order. */
export function race(pool: WorkerPool, tasks: Task[], options: Omit<RunOptions, "barrier"> = {}): Promise<TaskResult[]> {
  return pool.run(tasks, { barrier: true, ...options });
}
