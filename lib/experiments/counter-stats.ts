/**
 * What a counter job's timestamps say about its lock: throughput, handoffs (the lock free
 * while another process waits: handoffs.ts), re-takes and fairness, waits, overlapping holds
 * (two processes inside at once), and lost updates.
 */
import { handoffs, quantile, type Hold } from "./handoffs";

export type { Hold } from "./handoffs";

export interface LockCostRow {
  kind: string;
  /** Processes. */
  n: number;
  /** Acquisitions attempted: n × cycles. */
  acquisitions: number;
  elapsedMs: number;
  /** Acquisitions per second. */
  throughput: number;
  /** Release → acquisition by another process that was waiting, ms; null without a lock. */
  handoffMedianMs: number | null;
  handoffP99Ms: number | null;
  /** Share of acquisitions by the process that released just before (0–1); null without a lock. */
  retakeShare: number | null;
  /** The most later requests served before one waiter (0: first come, first served); null without a lock. */
  maxOvertaken: number | null;
  waitMedianMs: number;
  maxWaitMs: number;
  /** Holds that began before the previous one ended: 0 for a working lock; null without one. */
  overlappingHolds: number | null;
  /** The counter's final value, and acquisitions − counter: increments lost (negative when torn writes made it overshoot). */
  counter: number;
  lostUpdates: number;
  /** Throughput relative to the flock row of the same n (null when none was measured). */
  ratioToFlock: number | null;
}

export function summariseCounterJob(kind: string, n: number, cycles: number, holds: Hold[], counter: number): LockCostRow {
  const acquisitions = n * cycles;
  const elapsedMs = Math.max(...holds.map((h) => h.rel)) - Math.min(...holds.map((h) => h.req));
  const waits = holds.map((h) => h.acq - h.req).sort((a, b) => a - b);
  const byAcq = [...holds].sort((a, b) => a.acq - b.acq);
  let overlaps = 0;
  for (let i = 1; i < byAcq.length; i++) if (byAcq[i].acq < byAcq[i - 1].rel) overlaps++;
  const passes = handoffs(holds);
  const locked = kind !== "none";
  return {
    kind,
    n,
    acquisitions,
    elapsedMs,
    throughput: (acquisitions / elapsedMs) * 1000,
    handoffMedianMs: locked ? quantile(passes.gaps, 0.5) : null,
    handoffP99Ms: locked ? quantile(passes.gaps, 0.99) : null,
    retakeShare: locked ? passes.retakeShare : null,
    maxOvertaken: locked ? passes.maxOvertaken : null,
    waitMedianMs: quantile(waits, 0.5),
    maxWaitMs: waits[waits.length - 1],
    overlappingHolds: locked ? overlaps : null,
    counter,
    lostUpdates: acquisitions - counter,
    ratioToFlock: null,
  };
}

/** Sets each row's ratioToFlock against the `reference` kind's row of the same n. */
export function withFlockRatios(rows: LockCostRow[], reference = "flock"): LockCostRow[] {
  return rows.map((row) => {
    const flock = rows.find((r) => r.kind === reference && r.n === row.n);
    return { ...row, ratioToFlock: flock ? row.throughput / flock.throughput : null };
  });
}
