/**
 * One ticket rush with a student's buyer: `buyers` processes each run
 * `buyer(db, lock, plan)` against a fresh db.json in the data folder (a scratch
 * folder under the grader, via PROCLAB_DATA_DIR), with seeded work and think times.
 * The lock and `work(ms)` are kept by a referee in this process (referee.ts), so the
 * report's holds and work spans are this process's record, not what the buyers say.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProcEvent } from "../core/events";
import type { Lock } from "../lock";
import { now } from "../core/clock";
import { dataDir } from "../core/paths";
import { WorkerPool, type TaskResult } from "../process";
import { readDb, resetDb } from "../tickets/db";
import { buyerDelays, race } from "../tickets/race";
import { Referee, type BuyerSpan } from "./referee";

/** What a buyer gets as third argument. */
export interface BuyerTicketPlan {
  /** Buyer number, 0-based. */
  index: number;
  /** Non-critical work before buying (pass it to `work(ms)`). */
  workMs: number;
  /** Between reading the count and writing it back (the network). */
  thinkMs: number;
}

/** A student's buyer: runs in its own process; prints 购买成功 when it bought a ticket. Its `lock` has Lock's API (in a trial, the referee's). */
export type HomeworkBuyer = (db: string, lock: Lock, plan: BuyerTicketPlan) => unknown;

export interface TrialOptions {
  tickets: number;
  buyers: number;
  seed: number;
  thinkMs: [number, number];
  workMs: [number, number];
  /** The trial fails when buyers still run after this; default 20000. */
  timeLimitMs?: number;
}

export interface TrialReport {
  seed: number;
  tickets: number;
  buyers: number;
  /** Buyers that printed 购买成功. */
  told: number;
  /** db.json's count at the end. */
  finalCount: number;
  /** Every event of every buyer, in time order. */
  events: ProcEvent[];
  /** Buyers that ended with an error, with the error text. */
  errors: string[];
  /** Every hold of the lock, as the referee saw it. */
  holds: BuyerSpan[];
  /** Every work(ms), as the referee timed it. */
  works: BuyerSpan[];
  /** The buyers' names, `buyer-0`…. */
  names: string[];
  /** Each buyer's plan, by name. */
  plans: Record<string, BuyerTicketPlan>;
  /** Times db.json was replaced or changed while nobody held the lock (seen by this process, not reported). */
  unlockedWrites: number;
}

/** A write is seen a moment after it happens; one seen this soon after a release happened in the hold. */
const WRITE_SEEN_WITHIN_MS = 25;

const boughtLine = /购买成功/;

export async function runTrial(buyer: HomeworkBuyer, options: TrialOptions): Promise<TrialReport> {
  if (typeof buyer !== "function") throw new TypeError(`runTrial: buyer must be a function (db, lock, plan), got ${typeof buyer}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(dataDir, "homework-trial-"));
  try {
    const db = path.join(dir, "db.json");
    resetDb(options.tickets, db);
    const referee = new Referee();
    const lock = referee.lock("the rush's lock");
    const plans: Record<string, BuyerTicketPlan> = {};
    const tasks = buyerDelays(options.seed, options.buyers, options.workMs, options.thinkMs).map(({ index, workMs, thinkMs }) => {
      const plan: BuyerTicketPlan = { index, workMs: Math.round(workMs), thinkMs: Math.round(thinkMs) };
      plans[`buyer-${index}`] = plan;
      return { target: buyer, args: [db, lock, plan], name: `buyer-${index}` };
    });
    // Every change of db.json, as the kernel reports it to this process: one while nobody holds the lock is a write outside it.
    let unlockedWrites = 0;
    const watcher = fs.watch(dir, (_event, file) => {
      if (file !== "db.json" || referee.holder() !== null) return;
      if (referee.lastFreed === null || now() - referee.lastFreed > WRITE_SEEN_WITHIN_MS) unlockedWrites += 1;
    });
    const limit = options.timeLimitMs ?? 20000;
    const pool = new WorkerPool({ size: options.buyers, name: "buyer" });
    let results: TaskResult[];
    try {
      await pool.start();
      results = await race(pool, tasks, { timeoutMs: limit, services: referee.services });
    } finally {
      referee.close();
      watcher.close();
      await pool.close();
    }
    const overTime = results.filter((result) => !result.ok && /timed out|time limit|timeout/i.test(result.error ?? ""));
    if (overTime.length > 0) {
      throw new Error(
        `${overTime.map((result) => result.name).join(", ")} still running after ${limit} ms (a buyer that never ends, or waits for a lock nobody releases)`,
      );
    }
    const events = results.flatMap((result) => result.events).sort((a, b) => a.t - b.t);
    const told = events.filter((e) => e.type === "print" && boughtLine.test(e.data.text)).length;
    const errors = results.filter((result) => !result.ok).map((result) => `${result.name}: ${errorLine(result.error ?? "")}`);
    return {
      seed: options.seed,
      tickets: options.tickets,
      buyers: options.buyers,
      told,
      finalCount: readDb(db).count,
      events,
      errors,
      holds: referee.holds,
      works: referee.works,
      names: tasks.map((task) => task.name),
      plans,
      unlockedWrites,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The error line of a child's error text ("Process buyer-0:\nError: …\n    at …"). */
export function errorLine(text: string): string {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  return (lines[1] ?? lines[0] ?? "").trim().slice(0, 200);
}

// Test helpers: answer cells run in the same kernel and must not be able to swap them.
Object.freeze(module.exports);
