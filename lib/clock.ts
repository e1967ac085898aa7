/**
 * One clock for every process of a run.
 *
 * `performance.timeOrigin + performance.now()` is wall-clock milliseconds with
 * sub-millisecond resolution, so timestamps taken in different processes can be
 * compared and drawn on one timeline (process events, prints, lock waits).
 */
import { performance } from "node:perf_hooks";

/** Milliseconds since the Unix epoch, fractional, comparable across processes. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
