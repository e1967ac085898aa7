/**
 * One buyer of the rush, run in its own process (a module target of the
 * WorkerPool: `{ module: buyerModule, export: "runBuyer" }`).
 *
 * The task follows the article's `task(mutex)`: some work that does not touch
 * the file, show(), then buy() = read → think (network latency) → write.
 * The strategy decides what the lock covers and how the file is written.
 * Reads never crash on a half-written file: they count it as a torn read and
 * retry, so the failure is measured instead of killing the buyer.
 */
import * as fs from "node:fs";
import { sleep } from "../core/clock";
import { emit } from "../core/events";
import { joinSchedule } from "../schedule/step";
import type { StepLink } from "../schedule/protocol";
import { parseDb, writeDbAtomic, type TicketDb } from "./db";
import { getStrategy, type StrategyName, type WriteMode } from "./strategies";

/** Everything one buyer does, decided by the runner (delays come from the seeded generator there). */
export interface BuyerPlan {
  /** Path of db.json. */
  db: string;
  /** Buyer number, 0-based. */
  index: number;
  strategy: StrategyName;
  /** Work that does not touch the file (choosing a seat), before show(). */
  workMs: number;
  /** Between reading the count and writing it back (the network). */
  thinkMs: number;
  /** For truncating writes: how long the file stays truncated before the data lands (a slow disk). */
  writeMs: number;
  /** Print the article's lines (剩余票数, 购买成功). */
  echo: boolean;
  /** Set by a scheduled rush: this buyer waits at each step (read, think, write, acquire, release) for the scheduler. */
  steps?: StepLink;
}

/** What one buyer saw and did. */
export interface BuyerOutcome {
  index: number;
  pid: number;
  /** The count show() printed (null: every read was torn). */
  shown: number | null;
  /** The count buy() read (null: every read was torn). */
  read: number | null;
  /** Told "购买成功". */
  bought: boolean;
  /** Reads that found an empty or unparsable file. */
  tornReads: number;
}

/** The subset of proclab's Lock that a buyer uses. */
export interface BuyerLock {
  withLock<T>(fn: () => T | Promise<T>): Promise<T>;
}

/** After this many torn reads in a row a buyer gives up on that read (the file stays corrupt). */
const maxReadTries = 50;

export async function runBuyer(plan: BuyerPlan, lock?: BuyerLock | null): Promise<BuyerOutcome> {
  const strategy = getStrategy(plan.strategy);
  if (strategy.lockScope !== "none" && !lock) {
    throw new TypeError(`runBuyer: strategy "${plan.strategy}" needs a lock as second argument`);
  }
  const outcome: BuyerOutcome = { index: plan.index, pid: process.pid, shown: null, read: null, bought: false, tornReads: 0 };
  const steps = await joinSchedule(plan.steps);

  const buy = async (): Promise<void> => {
    await steps.step("read");
    const data = await readTolerant(plan.db, outcome, "buy");
    outcome.read = data?.count ?? null;
    if (!data || data.count <= 0) return;
    await steps.step("think");
    emit("think", { ms: plan.thinkMs });
    await sleep(plan.thinkMs);
    await steps.step("write");
    writeDb({ ...data, count: data.count - 1 }, plan.db, strategy.write, plan.writeMs);
    outcome.bought = true;
    if (plan.echo) console.log(`购买成功 buyer ${plan.index} bought a ticket`);
  };
  const task = async (): Promise<void> => {
    if (plan.workMs > 0) {
      emit("work", { ms: plan.workMs });
      await sleep(plan.workMs);
    }
    const seen = await readTolerant(plan.db, outcome, "show");
    outcome.shown = seen?.count ?? null;
    if (plan.echo) console.log(`剩余票数 tickets left: ${outcome.shown ?? "unreadable"}`);
    if (strategy.lockScope === "buy") await steps.withLock(lock!, buy);
    else await buy();
  };

  try {
    if (strategy.lockScope === "task") await steps.withLock(lock!, task);
    else await task();
  } finally {
    steps.end();
  }
  return outcome;
}

/** Reads db.json; a torn read (empty or unparsable) is counted and retried 1 ms later. null: gave up. */
async function readTolerant(file: string, outcome: BuyerOutcome, by: "show" | "buy"): Promise<TicketDb | null> {
  for (let attempt = 0; attempt < maxReadTries; attempt++) {
    const text = fs.readFileSync(file, "utf8");
    try {
      const data = parseDb(text, file);
      emit("read", { by, count: data.count });
      return data;
    } catch {
      outcome.tornReads++;
      emit("torn-read", { by, text: text.slice(0, 40) });
      await sleep(1);
    }
  }
  return null;
}

function writeDb(data: TicketDb, file: string, mode: WriteMode, writeMs: number): void {
  if (mode === "atomic") {
    writeDbAtomic(data, file);
  } else {
    const fd = fs.openSync(file, "w"); // truncates: from here until writeSync the file is empty
    try {
      if (writeMs > 0) sleepSync(writeMs);
      fs.writeSync(fd, JSON.stringify(data));
    } finally {
      fs.closeSync(fd);
    }
  }
  emit("write", { count: data.count, mode });
}

/** Blocks this process (a slow synchronous write holds its thread too). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The compiled module that defines runBuyer, for WorkerPool module targets. */
export const buyerModule: string = __filename;
