/**
 * One clock for every process of a run.
 *
 * Milliseconds since the Unix epoch, fractional, and comparable across processes to the
 * microsecond: it runs on CLOCK_MONOTONIC (`process.hrtime`, shared by every process of the
 * machine) plus one epoch offset that the first proclab process computes and passes to its
 * descendants in the environment. (`performance.timeOrigin` alone differs by tens of
 * microseconds between processes: enough to misorder a fast lock handoff.)
 */
import { performance } from "node:perf_hooks";

const OFFSET_ENV = "PROCLAB_CLOCK_OFFSET";

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function sharedOffset(): number {
  const inherited = process.env[OFFSET_ENV];
  if (inherited && Number.isFinite(Number(inherited))) return Number(inherited);
  const offset = performance.timeOrigin + performance.now() - monotonicMs();
  process.env[OFFSET_ENV] = String(offset); // every process started from here on shares it
  return offset;
}

const epochOffset = sharedOffset();

/** Milliseconds since the Unix epoch, fractional, comparable across processes. */
export function now(): number {
  return monotonicMs() + epochOffset;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
