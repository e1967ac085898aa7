/**
 * Concurrency-aware checks for homework tests. Each throws an Error whose message
 * says what went wrong in terms of the course (oversold, lock held during work…).
 */
import { isEvent, onEvent } from "../core/events";
import { runMain, WorkerPool, type Transcript } from "../process";
import type { Target } from "../process";
import * as fs from "node:fs";
import * as path from "node:path";
import { dataDir } from "../core/paths";
import { isRunning } from "../core/pids";
import { deriveSeed } from "../core/random";
import { race } from "../tickets/race";
import { PidWatch } from "./kernel-view";
import { Referee, type BuyerSpan } from "./referee";
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

const overlaps = (a: BuyerSpan, b: BuyerSpan): boolean => a.start < b.end && b.start < a.end;

/**
 * "The lock is held only around the critical section": every buyer locks, none does its
 * non-critical work while holding the lock, and the work of different buyers overlaps in time.
 * Holds and work spans are the referee's record (referee.ts), not the buyers' own reports.
 */
export async function checkLockGranularity(buyer: HomeworkBuyer, options: TrialOptions): Promise<void> {
  const report = await runTrial(buyer, options);
  expectSoldCorrectly(report, `the rush (seed ${options.seed})`);
  const { holds, works, names } = report;
  const unlocked = names.filter((name) => !holds.some((hold) => hold.buyer === name));
  if (unlocked.length > 0)
    throw new Error(`${unlocked.length} of ${names.length} buyers never acquired the lock: read → think → write must run holding it`);
  const working = new Set(works.map((w) => w.buyer));
  if (working.size < names.length)
    throw new Error(`only ${working.size} of ${names.length} buyers called work(plan.workMs): do the non-critical work first`);
  for (const w of works) {
    const hold = holds.find((h) => h.buyer === w.buyer && overlaps(h, w));
    if (hold)
      throw new Error(
        `${w.buyer} held the lock during its non-critical work (${Math.round(w.end - w.start)} ms): lock only read → think → write`,
      );
  }
  const together = works.some((a) => works.some((b) => a.buyer !== b.buyer && overlaps(a, b)));
  if (!together)
    throw new Error("the buyers' non-critical work never overlapped in time: the lock (or something else) made them take turns");
}

/**
 * "The lock is released when the critical section throws": runs `buyer` in a child process on a
 * corrupt db.json (its read throws), then checks with the referee that the lock is free while
 * that child still lives (a lock left held by a live process stays held).
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
    const referee = new Referee();
    const lock = referee.lock("the buyer's lock");
    const limit = options.timeLimitMs ?? 4000;
    await pool.start();
    const [result] = await race(pool, [{ target: buyer, args: [db, lock, { index: 0, workMs: 0, thinkMs: 0 }], name: "buyer-0" }], {
      timeoutMs: limit,
      services: referee.services,
    });
    referee.close();
    if (!result.ok && /timed out|time limit|timeout/i.test(result.error ?? ""))
      throw new Error(`the buyer was still running ${limit} ms after its read failed on a corrupt db.json (retrying forever?)`);
    const thrown = result.ok ? "it did not throw" : `it threw: ${errorLine(result.error ?? "")}`;
    if (referee.holds.length === 0)
      throw new Error(`the buyer never acquired the lock (${thrown}): read → think → write must run holding it`);
    if (referee.holder() !== null)
      throw new Error(
        `the lock is still held after the buyer's read failed on a corrupt db.json (${thrown}): release it in a finally block`,
      );
  } finally {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * "The daemon child is gone after the main ends": runs `main` as a main program; it must start
 * at least one daemon child and end by itself, and no daemon may outlive it. Returns the transcript.
 * In the grader's sandbox the kernel's view backs the processes' own reports (kernel-view.ts):
 * nothing main started may still live after it, and each daemon it reported must have existed.
 */
export async function checkDaemonGone(main: Target, options: { args?: unknown[]; timeLimitMs?: number } = {}): Promise<Transcript> {
  const limit = options.timeLimitMs ?? 10000;
  const watch = await PidWatch.start();
  const stopConfirming = watch
    ? onEvent((event) => {
        if (event.type === "start") watch.confirm(event.pid);
      })
    : () => undefined;
  let transcript: Transcript;
  try {
    transcript = await runMain(main, { args: options.args, echo: false, timeoutMs: limit });
  } finally {
    stopConfirming();
    watch?.stop();
  }
  const mainLife = transcript.lifetimes.find((life) => life.pid === transcript.pid);
  const daemons = transcript.lifetimes.filter((life) => life.daemon && life.pid !== transcript.pid);
  const errors = transcript.events.filter(isEvent("error")).map((e) => e.data.message.split("\n").slice(0, 2).join(" "));
  if (errors.length > 0) throw new Error(`a process failed: ${errors[0]}`);
  if (daemons.length === 0) throw new Error("main started no daemon child (new Process({ …, daemon: true }))");
  const alive = daemons.filter((life) => isRunning(life.pid));
  if (transcript.killedAtTimeout.length > 0 || alive.length > 0) {
    throw new Error(
      `the main program did not end cleanly: ${transcript.killedAtTimeout.length} process(es) still ran after ${limit} ms (a non-daemon child that never ends, or a join on the daemon)`,
    );
  }
  const late = daemons.filter(
    (life) => life.end === null || (mainLife?.end !== null && mainLife?.end !== undefined && life.end > mainLife.end + 1000),
  );
  if (late.length > 0) throw new Error(`daemon ${late[0].name} outlived the main program`);
  if (watch) {
    const left = await watch.settle(1000);
    if (left.length > 0)
      throw new Error(
        `something main started still ran after main ended (the grader saw ${left.length} new pid(s) alive, whatever the processes reported): a child that is not a daemon, or one started outside Process`,
      );
    const unseen = daemons.find((life) => !watch.seen.has(life.pid));
    if (unseen) throw new Error(`main reported a daemon child ${unseen.name} (pid ${unseen.pid}) that the grader never saw running`);
    for (const daemon of daemons) {
      const kind = await watch.kinds.get(daemon.pid);
      if (kind === "thread" || kind === "gone")
        throw new Error(
          `main reported a daemon child ${daemon.name} (pid ${daemon.pid}) that was ${kind === "thread" ? "a thread, not a process" : "gone as soon as it was reported"}: a daemon runs until main ends`,
        );
    }
  }
  return transcript;
}

// Test helpers: answer cells run in the same kernel and must not be able to swap them.
Object.freeze(module.exports);
