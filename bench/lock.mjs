#!/usr/bin/env node
// The counter job (N processes x CYCLES lock / read+increment+write a counter file / unlock),
// run under: proclab's Lock, raw proper-lockfile polling every 1 ms, flock(2) from C, and no lock.
// Prints a table and writes build/bench/lock.json. Usage: node bench/lock.mjs [--cycles 1000] [--n 2,4,8] [--repeat 3] [--dir folder]
// --repeat: rounds of every kind, one after another (the machine is shared: one noisy run must not decide);
// the table shows each kind's round of median throughput, with ratios to flock's median round.
// --dir: where the lock and counter files live (default build/bench/, on the project's disk; try /dev/shm).
// Each lock keeps its state where it normally does: flock in the kernel, proper-lockfile's directory
// beside the file, proclab's in its state folder (/dev/shm; PROCLAB_LOCK_STATE_DIR=next-to-file
// puts it beside the file, to see what tmpfs buys).
// Handoff = gap between one release and the next acquisition (any process); wait = acquire - request.
// The job and its statistics are the library's (lib/experiments, also behind measureLockCost in notebook 04);
// this bench adds flock from C, the physical limit, and runs bigger.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runRush } from "proclab";
import { handoffs, holdsFromEvents, lockCostCells, lockHolderDies, quantile, runCounterJob, withFlockRatios } from "proclab/experiments";

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.dirname(here);
const outDir = path.join(root, "build", "bench");

const cycles = Number(option("--cycles", "1000"));
const ns = option("--n", "2,4,8").split(",").map(Number);
const workDir = path.resolve(option("--dir", outDir));
fs.mkdirSync(outDir, { recursive: true });
const flockBin = compileFlock();
const flockC = (counter, lockPath, n) => ({ command: flockBin, args: [counter, lockPath, String(n)] });
const kinds = ["flock-c", "proclab", "proper-lockfile", "none"];
const repeat = Number(option("--repeat", "3"));
if (!Number.isInteger(repeat) || repeat < 1)
  throw new Error(`bench/lock: --repeat must be a positive integer, got ${option("--repeat", "")}`);
const rounds = [];
const started = Date.now();
for (const n of ns) {
  for (let round = 1; round <= repeat; round++) {
    const measured = [];
    for (const kind of kinds) {
      const result = await runCounterJob(kind, n, cycles, { dir: workDir, command: kind === "flock-c" ? flockC : undefined });
      measured.push(result);
      process.stderr.write(`  ${kind} N=${n} round ${round}: ${result.throughput.toFixed(0)}/s\n`);
    }
    rounds.push(...withFlockRatios(measured, "flock-c").map((row) => ({ round, ...row })));
  }
}
/** Each kind's round of median throughput, per N. */
const measured = ns.flatMap((n) =>
  kinds.map((kind) => {
    const runs = rounds.filter((r) => r.n === n && r.kind === kind).sort((a, b) => a.throughput - b.throughput);
    const { round: _round, ...median } = runs[Math.floor((runs.length - 1) / 2)];
    return median;
  }),
);
const results = withFlockRatios(measured, "flock-c");
const rush = await lockedRush();
const recovery = await recoveries();
printTable([...results, rush.row]);
console.log(
  `\nrush row: ${rush.trials} locked rushes (strategy lock, ${rush.buyers} buyers, default think/work times); acq/s counts every lock acquisition over the rushes' wall time.`,
);
console.log(
  `holder SIGKILLed → waiter holds the lock, ${recovery.runs} runs: median ${recovery.median.toFixed(1)} ms, max ${recovery.max.toFixed(1)} ms` +
    (recovery.failed ? ` (${recovery.failed} runs did not recover)` : ""),
);
if (repeat > 1) {
  console.log(
    `\nproclab × flock in each round (same round's flock): ` +
      ns
        .map(
          (n) =>
            `N=${n}: ${rounds
              .filter((r) => r.n === n && r.kind === "proclab")
              .map((r) => r.ratioToFlock.toFixed(2))
              .join(", ")}`,
        )
        .join("; "),
  );
  console.log(
    `proclab handoff median (ms) in each round: ` +
      ns
        .map(
          (n) =>
            `N=${n}: ${rounds
              .filter((r) => r.n === n && r.kind === "proclab")
              .map((r) => r.handoffMedianMs.toFixed(3))
              .join(", ")}`,
        )
        .join("; "),
  );
}
const file = path.join(outDir, workDir === outDir ? "lock.json" : `lock-${path.basename(workDir)}.json`);
const machine = {
  cpus: os.cpus().length,
  loadavg: os.loadavg(),
  node: process.version,
  proclabLockState: process.env.PROCLAB_LOCK_STATE_DIR ?? "default",
};
fs.writeFileSync(file, JSON.stringify({ cycles, repeat, workDir, machine, results, rounds, rush, recovery }, null, 2) + "\n");
console.log(`\nwritten ${path.relative(root, file)} (${((Date.now() - started) / 1000).toFixed(0)} s)`);

/** A user's workload: locked rushes of 7 buyers, their lock handoffs from the buyers' own lock events. */
async function lockedRush() {
  const trials = Number(option("--rush-trials", "30"));
  const db = path.join(workDir, `rush-${process.pid}.json`);
  const result = await runRush({ strategy: "lock", buyers: 7, tickets: 7, trials, db, progress: false });
  fs.rmSync(db, { force: true });
  const holds = result.trials.map((trial) => holdsFromEvents(trial.events));
  const perTrial = holds.map((h) => handoffs(h));
  const waits = holds
    .flat()
    .map((h) => h.acq - h.req)
    .sort((a, b) => a - b);
  const gaps = perTrial.flatMap((h) => h.gaps).sort((a, b) => a - b);
  const acquisitions = waits.length;
  const wallMs = result.trials.reduce((sum, trial) => sum + trial.elapsedMs, 0);
  const retakes = perTrial.reduce((sum, h) => sum + h.retakeShare, 0) / perTrial.length;
  const row = {
    kind: "proclab (rush of 7)",
    n: 7,
    acquisitions,
    elapsedMs: wallMs,
    throughput: (acquisitions / wallMs) * 1000,
    handoffMedianMs: quantile(gaps, 0.5),
    handoffP99Ms: quantile(gaps, 0.99),
    retakeShare: retakes,
    maxOvertaken: Math.max(...perTrial.map((h) => h.maxOvertaken)),
    waitMedianMs: quantile(waits, 0.5),
    maxWaitMs: waits.at(-1) ?? NaN,
    overlappingHolds: null,
    counter: acquisitions,
    lostUpdates: 0,
    ratioToFlock: null,
  };
  return { trials, buyers: 7, gaps, oversold: result.summary.oversoldTrials, row };
}

/** Recovery after a holder's SIGKILL (the library's lockHolderDies), several times. */
async function recoveries() {
  const runs = Number(option("--recoveries", "10"));
  const times = [];
  let failed = 0;
  for (let i = 0; i < runs; i++) {
    const result = await lockHolderDies();
    if (result.recovered && result.recoveredAfterMs !== null) times.push(result.recoveredAfterMs);
    else failed++;
  }
  times.sort((a, b) => a - b);
  return { runs, median: quantile(times, 0.5), max: times.at(-1) ?? NaN, failed, times };
}

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

function compileFlock() {
  const bin = path.join(outDir, "flock-counter");
  const source = path.join(here, "flock-counter.c");
  const made = spawnSync("gcc", ["-O2", "-o", bin, source], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`bench/lock: gcc failed on ${source}: ${made.error?.message ?? made.stderr}`);
  return bin;
}

/** The library's cells as a markdown table (numbers right-aligned). */
function printTable(rows) {
  const { header, cells } = lockCostCells(rows);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row) => "| " + row.map((c, i) => (i < 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  console.log(line(header));
  console.log("|" + widths.map((w, i) => (i < 1 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|") + "|");
  for (const row of cells) console.log(line(row));
}
