/**
 * The ticket rush (抢票): `buyers` processes race for `tickets` tickets in
 * db.json, `trials` times, under one strategy.
 *
 * Buyers run on warm worker processes, released together by a start barrier
 * once every one is ready, so the race happens every time it can (the
 * article's loop of p.start() staggers them by a process start each, which
 * hides it). Think and work times come from a generator seeded per trial, so
 * a run can be repeated. Every trial starts from a reset db.json; a file left
 * corrupt is counted, then repaired by the next reset (or at the end).
 */
import * as fs from "node:fs";
import { now } from "../core/clock";
import type { ProcEvent } from "../core/events";
import { Lock } from "../lock";
import { WorkerPool, type Task, type TaskResult } from "../process";
import { deriveSeed } from "../core/random";
import type { Interleaving } from "../schedule/interleaving";
import { buyerNames, rushSchedules, trialInterleaving, type ScheduleSpec, type TrialPlan } from "./rush-schedule";
import { StepScheduler } from "../schedule/scheduler";
import { buyerModule, type BuyerOutcome, type BuyerPlan } from "./buyer";
import { rushConfig, type RushConfig } from "./config";
import { readDb, resetDb } from "./db";
import { buyerDelays, race } from "./race";
import { liveProgress, type RushProgress } from "./progress";
import { getStrategy } from "./strategies";
import { summarize, trialOutcome, type RushSummary, type TrialResult } from "./outcome";

export interface RushOptions extends Partial<RushConfig> {
  /** Called after every trial. */
  onProgress?: (progress: RushProgress) => void;
  /** Live progress (notebook display or stderr line); default true. */
  progress?: boolean;
  /** Let buyers print the article's lines (剩余票数, 购买成功); default false. */
  echo?: boolean;
  /** Run each trial under a schedule ("AABB…", a list of { process, step }, "random", or one per trial); default free. */
  schedule?: ScheduleSpec;
}

export interface RushResult {
  config: RushConfig;
  trials: TrialResult[];
  summary: RushSummary;
  /** Per trial, the steps in the order they ran: the schedule's, or the order a free run took (replayable). */
  interleavings: Interleaving[];
}

/** The plans of one trial's buyers: delays drawn from the trial's own seed. */
export function planBuyers(config: RushConfig, trial: number, echo = false): BuyerPlan[] {
  const spread = (meanMs: number): [number, number] => [0.5 * meanMs, 1.5 * meanMs];
  return buyerDelays(deriveSeed(config.seed, trial), config.buyers, spread(config.workMs), spread(config.thinkMs)).map((delays) => ({
    ...delays,
    db: config.db,
    strategy: config.strategy,
    writeMs: config.writeMs,
    echo,
  }));
}

/** A rush's checked settings and, when scheduled, the schedule of each trial. */
export interface RushPlan {
  config: RushConfig;
  schedules: ((trial: number) => TrialPlan) | null;
}

/**
 * Checks a rush's settings and schedule before anything runs: the one place that does.
 * Throws RushConfigError (naming the setting) or ScheduleError.
 */
export function planRush(options: Partial<Record<keyof RushConfig, unknown>> & { schedule?: ScheduleSpec } = {}): RushPlan {
  const { schedule, ...settings } = options;
  const config = rushConfig(settings);
  return { config, schedules: schedule === undefined ? null : rushSchedules(schedule, config) };
}

export async function runRush(options: RushOptions = {}): Promise<RushResult> {
  const { onProgress, progress = true, echo = false, ...settings } = options;
  const { config, schedules } = planRush(settings); // bad settings fail here, before any process
  const strategy = getStrategy(config.strategy);

  const report = progress ? liveProgress() : null;
  // join runs one buyer at a time, still one process per buyer: a pool of one per buyer.
  const pools = strategy.sequential
    ? Array.from({ length: config.buyers }, (_, i) => new WorkerPool({ size: 1, name: `buyer-${i}` }))
    : [new WorkerPool({ size: config.buyers, name: "buyer" })];
  const lock = strategy.lockScope === "none" ? null : new Lock(`${config.db}.lock`);
  const trials: TrialResult[] = [];
  const interleavings: Interleaving[] = [];
  const scheduler = schedules ? await StepScheduler.open() : null;
  let failure: { error: unknown } | null = null;
  try {
    await Promise.all(pools.map((pool) => pool.start()));
    for (let trial = 1; trial <= config.trials; trial++) {
      resetDb(config.tickets, config.db);
      const trialPlan = schedules?.(trial);
      const scheduled =
        trialPlan && scheduler
          ? { source: trialPlan.source, active: scheduler.begin(buyerNames(config.buyers).letters, trialPlan.plan) }
          : null;
      const tasks: Task[] = planBuyers(config, trial, echo).map((plan) => ({
        target: { module: buyerModule, export: "runBuyer" },
        args: [scheduled ? { ...plan, steps: scheduled.active.links[plan.index] } : plan, ...(lock ? [lock] : [])],
        name: `buyer-${plan.index}`,
      }));
      const started = now();
      const results: TaskResult[] = [];
      if (strategy.sequential) {
        for (const [i, task] of tasks.entries()) results.push(...(await pools[i].run([task], { echo })));
      } else {
        // A scheduled trial cannot hang (blocked processes are reported), the timeout only guards against bugs.
        results.push(...(await race(pools[0], tasks, { echo, ...(scheduled ? { timeoutMs: 60_000 } : {}) })));
      }
      scheduled?.active.tasksEnded();
      const run = scheduled ? await scheduled.active.done : null;
      const elapsedMs = now() - started;
      const result = trialOutcome({
        trial,
        tickets: config.tickets,
        buyers: results.filter((r) => r.ok).map((r) => r.value as BuyerOutcome),
        errors: results.filter((r) => !r.ok).map((r) => `${r.name} (pid ${r.pid}): ${r.error ?? "failed"}`),
        finalText: fs.readFileSync(config.db, "utf8"),
        elapsedMs,
        events: results.flatMap((r): ProcEvent[] => r.events),
      });
      trials.push(result);
      interleavings.push(trialInterleaving(result.events, config, run && scheduled ? { run, source: scheduled.source } : null));
      const update: RushProgress = { config, done: trial, last: result, summary: summarize(trials) };
      onProgress?.(update);
      report?.(update);
    }
  } catch (error) {
    failure = { error };
  }
  report?.(null);
  await keepingAlive(Promise.all([...pools.map((pool) => pool.close()), scheduler?.close()]));
  // Never leave a corrupt db.json behind (it was counted in its trial): start a fresh sale.
  // A repair that fails too (an unwritable folder) must not hide the error that got us here.
  const repairError = repairDb(config);
  if (failure) throw failure.error;
  if (repairError) throw repairError;
  return { config, trials, summary: summarize(trials), interleavings };
}

/** One rush per strategy, same settings otherwise: the material of the comparison plots. */
export async function compareStrategies(
  names: readonly RushConfig["strategy"][],
  options: Omit<RushOptions, "strategy"> = {},
): Promise<RushResult[]> {
  const results: RushResult[] = [];
  for (const strategy of names) results.push(await runRush({ ...options, strategy }));
  return results;
}

/** Resets db.json if the rush left it unparsable; the error if that failed too, else null. */
function repairDb(config: RushConfig): unknown {
  try {
    if (!dbIsReadable(config.db)) resetDb(config.tickets, config.db);
    return null;
  } catch (error) {
    return error;
  }
}

function dbIsReadable(file: string): boolean {
  try {
    readDb(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Awaits `promise` with the event loop held open: the pool's workers are
 * unref'd, so while close() waits for their exit nothing else may keep this
 * process alive, and Node would quit before runRush returns.
 */
async function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 1000);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}
