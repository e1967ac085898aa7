/**
 * What a counter job's timestamps say about its lock: throughput, handoff (the
 * gap between one release and the next acquisition, by any process), waits,
 * overlapping holds (two processes inside at once), and lost updates.
 */

/** One cycle of one worker: asked for the lock, got it, released it (ms, one clock). */
export interface Hold {
  proc: number;
  req: number;
  acq: number;
  rel: number;
}

export interface LockCostRow {
  kind: string;
  /** Processes. */
  n: number;
  /** Acquisitions attempted: n × cycles. */
  acquisitions: number;
  elapsedMs: number;
  /** Acquisitions per second. */
  throughput: number;
  /** Release → next acquisition, ms; null without a lock. */
  handoffMedianMs: number | null;
  handoffP99Ms: number | null;
  /** Share of handoffs that went to another process (0–1); null without a lock. */
  crossProcessShare: number | null;
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

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

export function summariseCounterJob(kind: string, n: number, cycles: number, holds: Hold[], counter: number): LockCostRow {
  const acquisitions = n * cycles;
  const elapsedMs = Math.max(...holds.map((h) => h.rel)) - Math.min(...holds.map((h) => h.req));
  const waits = holds.map((h) => h.acq - h.req).sort((a, b) => a - b);
  const byAcq = [...holds].sort((a, b) => a.acq - b.acq);
  const gaps: number[] = [];
  let overlaps = 0;
  let crossProcess = 0;
  for (let i = 1; i < byAcq.length; i++) {
    gaps.push(byAcq[i].acq - byAcq[i - 1].rel);
    if (byAcq[i].acq < byAcq[i - 1].rel) overlaps++;
    if (byAcq[i].proc !== byAcq[i - 1].proc) crossProcess++;
  }
  gaps.sort((a, b) => a - b);
  const locked = kind !== "none";
  return {
    kind,
    n,
    acquisitions,
    elapsedMs,
    throughput: (acquisitions / elapsedMs) * 1000,
    handoffMedianMs: locked ? quantile(gaps, 0.5) : null,
    handoffP99Ms: locked ? quantile(gaps, 0.99) : null,
    crossProcessShare: locked ? crossProcess / gaps.length : null,
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
