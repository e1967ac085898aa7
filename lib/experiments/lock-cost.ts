/**
 * What a lock costs (锁的粒度, notebook 04): the counter job under each kind of
 * lock, for each number of processes, in a few seconds. The same measurement as
 * `npm run bench lock`, sized for a notebook cell.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { textTable } from "../core/text";
import { runCounterJob, lockKinds, type LockKind } from "./counter-job";
import { withFlockRatios, type LockCostRow } from "./counter-stats";

export interface LockCostOptions {
  /** Numbers of processes to run the job with (default [2, 4]). */
  processes?: number[];
  /** Lock/increment/unlock cycles per process (default 100: the whole measurement takes a few seconds). */
  cycles?: number;
  /** Default ["proclab", "flock", "none"]; also "proper-lockfile". */
  kinds?: LockKind[];
  /** Where the job's files live; default a scratch folder under the OS temp dir (same disk here as data/). */
  dir?: string;
}

/** Runs the counter job for every (n, kind), one job at a time; rows in that order, with ratios to flock. */
export async function measureLockCost(options: LockCostOptions = {}): Promise<LockCostRow[]> {
  const { processes = [2, 4], cycles = 100, kinds = ["proclab", "flock", "none"] } = options;
  if (!Array.isArray(processes) || processes.length === 0)
    throw new TypeError(`measureLockCost: processes must be a non-empty array of counts, got ${JSON.stringify(processes)}`);
  for (const kind of kinds) {
    if (!lockKinds.includes(kind))
      throw new Error(`measureLockCost: unknown kind ${JSON.stringify(kind)}; expected one of ${lockKinds.join(", ")}`);
  }
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "proclab-lock-cost-"));
  const rows: LockCostRow[] = [];
  try {
    for (const n of processes) for (const kind of kinds) rows.push(await runCounterJob(kind, n, cycles, { dir }));
  } finally {
    if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  return withFlockRatios(rows);
}

const fmt = (value: number | null, digits: number): string => (value === null ? "-" : value.toFixed(digits));

/** The measured table's header and cells, one row per (kind, N): shared by lockCostTable and the benchmark's markdown. */
export function lockCostCells(rows: readonly LockCostRow[]): { header: string[]; cells: string[][] } {
  const header = [
    "lock",
    "N",
    "acq/s",
    "x flock",
    "handoff med ms",
    "handoff p99 ms",
    "re-takes",
    "max overtaken",
    "max wait ms",
    "overlaps",
    "lost updates",
  ];
  const cells = rows.map((r) => [
    r.kind,
    String(r.n),
    fmt(r.throughput, 0),
    fmt(r.ratioToFlock, 2),
    fmt(r.handoffMedianMs, 3),
    fmt(r.handoffP99Ms, 3),
    r.retakeShare === null ? "-" : `${(r.retakeShare * 100).toFixed(0)}%`,
    r.maxOvertaken === null ? "-" : String(r.maxOvertaken),
    fmt(r.maxWaitMs, 1),
    r.overlappingHolds === null ? "-" : String(r.overlappingHolds),
    `${r.lostUpdates} / ${r.acquisitions}`,
  ]);
  return { header, cells };
}

/** The measured table as fixed-width text. */
export function lockCostTable(rows: readonly LockCostRow[]): string {
  const { header, cells } = lockCostCells(rows);
  return textTable(header, cells);
}
