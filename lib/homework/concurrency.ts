/**
 * Concurrency-aware checks for homework tests. Each throws an Error whose message
 * says what went wrong in terms of the course (oversold, lock held during work…).
 */
import { isEvent } from "../core/events";
import { Lock } from "../lock";
import { runMain, WorkerPool, type Transcript } from "../process";
import type { Target } from "../process";
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../core/paths";
import { isRunning } from "../core/pids";
import { deriveSeed } from "../core/random";
import { race } from "../tickets/race";
import { errorLine, runTrial, type HomeworkBuyer, type TrialOptions, type TrialReport } from "./trial";

/** Checks one finished rush: no buyer failed, no ticket sold twice, every ticket sold once. */
export function expectSoldCorrectly(report: TrialReport, label: string): void {
  if (report.errors.length > 0) throw new Error(`${label}: a buyer failed — ${report.errors[0]}`);
  const expected = Math.max(0, report.tickets - report.buyers);
  if (report.told > report.tickets) {
    throw new Error(`${label}: oversold — ${report.told} buyers were told 购买成功 but only ${report.tickets} tickets existed`);
  }
  if (report.finalCount !== report.tickets - report.told) {
    throw new Error(
      `${label}: ${report.told} buyers were told 购买成功 but the count went from ${report.tickets} to ${report.finalCount}` +
        (report.finalCount > report.tickets - report.told
          ? " — two buyers read the same count and wrote the same value (a lost update: oversold)"
          : ""),
    );
  }
  if (report.finalCount !== expected) {
    throw new Error(`${label}: ${report.buyers} buyers wanted ${report.tickets} tickets, but ${report.finalCount} were left unsold`);
  }
}

/** "No oversell over K adversarial trials": `trials` rushes with seeded random think and work times. */
export async function checkNoOversell(buyer: HomeworkBuyer, options: TrialOptions & { trials: number }): Promise<void> {
  for (let index = 0; index < options.trials; index++) {
    const seed = deriveSeed(options.seed, index);
    const report = await runTrial(buyer, { ...options, seed });
    expectSoldCorrectly(
      report,
      `trial ${index + 1}/${options.trials} (seed ${seed}, ${options.tickets} tickets, ${options.buyers} buyers)`,
    );
  }
}

interface Interval {
  pid: number;
  name: string;
  start: number;
  end: number;
}

/** Lock holds per process, from lock-acquired / lock-released events. */
function holdIntervals(report: TrialReport): Interval[] {
  const holds: Interval[] = [];
  const open = new Map<number, { name: string; start: number }>();
  for (const event of report.events) {
    if (event.type === "lock-acquired") open.set(event.pid, { name: event.name, start: event.t });
    if (event.type === "lock-released") {
      const holder = event.data.holder;
      const hold = open.get(holder);
      if (hold) holds.push({ pid: holder, name: hold.name, start: hold.start, end: event.t });
      open.delete(holder);
    }
  }
  for (const [pid, hold] of open) holds.push({ pid, name: hold.name, start: hold.start, end: Infinity });
  return holds;
}

/** Non-critical work per process, from `work` events. */
function workIntervals(report: TrialReport): Interval[] {
  return report.events.filter(isEvent("work")).map((e) => ({ pid: e.pid, name: e.name, start: e.t, end: e.t + e.data.ms }));
}

const overlaps = (a: Interval, b: Interval): boolean => a.start < b.end && b.start < a.end;

/**
 * "The lock is held only around the critical section": every buyer locks, none does its
 * non-critical work while holding the lock, and the work of different buyers overlaps in time.
 */
export async function checkLockGranularity(buyer: HomeworkBuyer, options: TrialOptions): Promise<void> {
  const report = await runTrial(buyer, options);
  expectSoldCorrectly(report, `the rush (seed ${options.seed})`);
  const holds = holdIntervals(report);
  const work = workIntervals(report);
  const pids = new Set(report.events.filter((e) => e.type === "start").map((e) => e.pid));
  const unlocked = [...pids].filter((pid) => !holds.some((h) => h.pid === pid));
  if (unlocked.length > 0)
    throw new Error(`${unlocked.length} of ${pids.size} buyers never acquired the lock: read → think → write must run holding it`);
  if (work.length < pids.size)
    throw new Error(`only ${work.length} of ${pids.size} buyers called work(plan.workMs): do the non-critical work first`);
  for (const w of work) {
    const hold = holds.find((h) => h.pid === w.pid && overlaps(h, w));
    if (hold)
      throw new Error(
        `${w.name} held the lock during its non-critical work (${Math.round(w.end - w.start)} ms): lock only read → think → write`,
      );
  }
  const together = work.some((a) => work.some((b) => a.pid !== b.pid && overlaps(a, b)));
  if (!together)
    throw new Error("the buyers' non-critical work never overlapped in time: the lock (or something else) made them take turns");
}

/**
 * "The lock is released when the critical section throws": runs `buyer` in a child process on a
 * corrupt db.json (its read throws), then checks here that the lock is free while that child
 * still lives (a lock left held by a live process stays held).
 */
export async function checkReleasedOnThrow(buyer: HomeworkBuyer, options: { timeLimitMs?: number } = {}): Promise<void> {
  if (typeof buyer !== "function")
    throw new TypeError(`checkReleasedOnThrow: buyer must be a function (db, lock, plan), got ${typeof buyer}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(dataDir, "homework-throw-"));
  const pool = new WorkerPool({ size: 1, name: "buyer" });
  try {
    const db = path.join(dir, "db.json");
    fs.writeFileSync(db, "{ torn");
    const lock = new Lock(path.join(dir, "mutex"));
    const limit = options.timeLimitMs ?? 4000;
    await pool.start();
    const [result] = await race(pool, [{ target: buyer, args: [db, lock, { index: 0, workMs: 0, thinkMs: 0 }], name: "buyer-0" }], {
      timeoutMs: limit,
    });
    if (!result.ok && /timed out|time limit|timeout/i.test(result.error ?? ""))
      throw new Error(`the buyer was still running ${limit} ms after its read failed on a corrupt db.json (retrying forever?)`);
    const thrown = result.ok ? "it did not throw" : `it threw: ${errorLine(result.error ?? "")}`;
    const acquired = result.events.some((event) => event.type === "lock-acquired" && event.data.lock === lock.path);
    if (!acquired) throw new Error(`the buyer never acquired the lock (${thrown}): read → think → write must run holding it`);
    if (!(await lock.acquire(false)))
      throw new Error(
        `the lock is still held after the buyer's read failed on a corrupt db.json (${thrown}): release it in a finally block`,
      );
    lock.release();
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * "The daemon child is gone after the main ends": runs `main` as a main program; it must start
 * at least one daemon child and end by itself, and no daemon may outlive it. Returns the transcript.
 */
export async function checkDaemonGone(main: Target, options: { args?: unknown[]; timeLimitMs?: number } = {}): Promise<Transcript> {
  const transcript = await runMain(main, { args: options.args, echo: false, timeoutMs: options.timeLimitMs ?? 10000 });
  const mainLife = transcript.lifetimes.find((life) => life.pid === transcript.pid);
  const daemons = transcript.lifetimes.filter((life) => life.daemon && life.pid !== transcript.pid);
  const errors = transcript.events.filter(isEvent("error")).map((e) => e.data.message.split("\n").slice(0, 2).join(" "));
  if (errors.length > 0) throw new Error(`a process failed: ${errors[0]}`);
  if (daemons.length === 0) throw new Error("main started no daemon child (new Process({ …, daemon: true }))");
  const alive = daemons.filter((life) => isRunning(life.pid));
  if (transcript.killedAtTimeout.length > 0 || alive.length > 0) {
    throw new Error(
      `the main program did not end cleanly: ${transcript.killedAtTimeout.length} process(es) still ran after ${options.timeLimitMs ?? 10000} ms (a non-daemon child that never ends, or a join on the daemon)`,
    );
  }
  const late = daemons.filter(
    (life) => life.end === null || (mainLife?.end !== null && mainLife?.end !== undefined && life.end > mainLife.end + 1000),
  );
  if (late.length > 0) throw new Error(`daemon ${late[0].name} outlived the main program`);
  return transcript;
}

// Test helpers: answer cells run in the same kernel and must not be able to swap them.
Object.freeze(module.exports);
