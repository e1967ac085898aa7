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
 *
 * One rush at a time per db.json (claim.ts). Given an AbortSignal (the CLI's Ctrl-C), a rush stops
 * early: the trial under way ends (its buyers are stopped if they take longer than a moment), and
 * db.json is left valid; `interrupted` in the result says what that trial showed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { now } from "../core/clock";
import { onEvent, type ProcEvent } from "../core/events";
import { isRunning } from "../core/pids";
import { Lock } from "../lock";
import { WorkerPool, type Task, type TaskResult } from "../process";
import { deriveSeed } from "../core/random";
import type { Interleaving } from "../schedule/interleaving";
import { buyerNames, rushSchedules, trialInterleaving, type ScheduleSpec, type TrialPlan } from "./rush-schedule";
import { StepScheduler } from "../schedule/scheduler";
import { buyerModule, type BuyerOutcome, type BuyerPlan } from "./buyer";
import { rushConfig, type RushConfig } from "./config";
import { claimDb } from "./claim";
import { ensureDbFolder, readDb, resetDb } from "./db";
import { buyerDelays, race } from "./race";
import { liveProgress, type RushProgress } from "./progress";
import { getStrategy } from "./strategies";
import { showInput } from "../core/text";
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
  /**
   * Stops the rush early when aborted (the CLI aborts on SIGINT/SIGTERM): no new trial starts, the
   * one under way ends (buyers still running after a second are stopped), db.json is left valid,
   * and the result's `interrupted` tells what happened. Without it a rush runs to its end.
   */
  signal?: AbortSignal;
}

/** How a rush stopped early (RushOptions.signal). */
export interface RushInterruption {
  /** Why: the abort reason ("SIGINT", "SIGTERM", or its text). */
  reason: string;
  /** The trial under way when the stop came (1-based), or null when none was (before the first, or between two). */
  trial: number | null;
  /** What that trial showed: counted in neither `trials` nor `summary`, as its buyers may have been stopped. */
  last: TrialResult | null;
  /** Buyers of that trial that did not end by themselves (stopped, or killed by the signal too). */
  stopped: number;
  /** What became of db.json: `left as the last trial ended it ({"count":0})`, or `reset to {"count":1}: it was left unparsable ("")`. */
  db: string;
}

export interface RushResult {
  config: RushConfig;
  trials: TrialResult[];
  summary: RushSummary;
  /** Per trial, the steps in the order they ran: the schedule's, or the order a free run took (replayable). */
  interleavings: Interleaving[];
  /** Set when `signal` stopped the rush before its last trial: `trials` holds the trials completed before. */
  interrupted?: RushInterruption;
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

/** After a stop, how long the trial under way may run on before its buyers are stopped. */
const stopGraceMs = 1000;

/** Pool names of the rushes running in this process: each rush names its own apart, so a stop reaches its workers only. */
const poolNamesInUse = new Set<string>();

export async function runRush(options: RushOptions = {}): Promise<RushResult> {
  const { onProgress, progress = true, echo = false, signal, ...settings } = options;
  const plan = planRush(settings); // bad settings fail here, before any process
  const strategy = getStrategy(plan.config.strategy);
  return claimingDb(plan.config.db, () =>
    withBuyerProcesses(plan.config.buyers, signal !== undefined, (buyers) =>
      rushClaimed(buyers, plan, strategy, { onProgress, progress, echo, signal }),
    ),
  );
}

/** Runs `use` holding db.json's claim: a second rush on the same file fails here, before any process starts. */
async function claimingDb<T>(db: string, use: () => Promise<T>): Promise<T> {
  ensureDbFolder(db);
  const release = claimDb(db);
  try {
    return await use();
  } finally {
    release();
  }
}

/** A rush's warm buyer processes: one pool, worker i plays buyer i in every trial (and every strategy of a comparison). */
interface BuyerProcesses {
  pool: WorkerPool;
  /** Ends the buyers now (a stop that the trial under way did not heed). */
  stop(): void;
}

/**
 * Starts `buyers` worker processes, gives them to `use`, and ends them however `use` ends.
 * Starting them is most of a short rush's cost (a Node process takes ~100 ms to start here), so a
 * comparison of strategies shares one set (compareStrategies).
 */
async function withBuyerProcesses<T>(buyers: number, stoppable: boolean, use: (processes: BuyerProcesses) => Promise<T>): Promise<T> {
  let name = "buyer";
  for (let n = 2; poolNamesInUse.has(name); n++) name = `buyer#${n}`;
  poolNamesInUse.add(name);
  const pool = new WorkerPool({ size: buyers, name });
  const workers = stoppable ? watchWorkers(name) : null;
  try {
    await pool.start();
    return await use({ pool, stop: () => workers?.stop() });
  } finally {
    await keepingAlive(pool.close());
    workers?.close();
    poolNamesInUse.delete(name);
  }
}

/** One rush on started buyer processes, db.json claimed: runs the trials, leaves db.json valid. */
async function rushClaimed(
  buyers: BuyerProcesses,
  { config, schedules }: RushPlan,
  strategy: ReturnType<typeof getStrategy>,
  { onProgress, progress, echo, signal }: Pick<RushOptions, "onProgress" | "progress" | "echo" | "signal">,
): Promise<RushResult> {
  const scheduler = schedules ? await StepScheduler.open() : null;
  const report = progress ? liveProgress() : null;
  const { pool } = buyers;
  const lock = strategy.lockScope === "none" ? null : new Lock(`${config.db}.lock`);
  const trials: TrialResult[] = [];
  const interleavings: Interleaving[] = [];
  let failure: { error: unknown } | null = null;
  let interrupted: Omit<RushInterruption, "db"> | null = null;
  const stopReason = (): string => {
    const why: unknown = signal?.reason;
    return typeof why === "string" ? why : why instanceof Error ? why.message : String(why);
  };
  try {
    for (let trial = 1; trial <= config.trials; trial++) {
      if (signal?.aborted) {
        interrupted = { reason: stopReason(), trial: null, last: null, stopped: 0 };
        break;
      }
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
      const running = (async (): Promise<TaskResult[]> => {
        if (!strategy.sequential) {
          // A scheduled trial cannot hang (blocked processes are reported), the timeout only guards against bugs.
          return race(pool, tasks, { echo, ...(scheduled ? { timeoutMs: 60_000 } : {}) });
        }
        // join: one buyer at a time, each on its own process (worker i), the next once it has ended.
        const results: TaskResult[] = [];
        for (const [i, task] of tasks.entries()) {
          if (signal?.aborted) break; // stopping: the next buyer never starts
          results.push(...(await pool.run([task], { echo, workers: [i] })));
        }
        return results;
      })();
      const results = await stoppable(running, signal, () => buyers.stop());
      scheduled?.active.tasksEnded();
      const run = scheduled ? await scheduled.active.done : null;
      const events = results.flatMap((r): ProcEvent[] => r.events);
      const elapsedMs = buyersSpanMs(events) ?? now() - started;
      const result = trialOutcome({
        trial,
        tickets: config.tickets,
        buyers: results.filter((r) => r.ok).map((r) => r.value as BuyerOutcome),
        errors: results.filter((r) => !r.ok).map((r) => `${r.name} (pid ${r.pid}): ${r.error ?? "failed"}`),
        finalText: readFinal(config.db),
        elapsedMs,
        events,
      });
      if (signal?.aborted) {
        interrupted = { reason: stopReason(), trial, last: result, stopped: tasks.length - results.filter((r) => r.ok).length };
        break;
      }
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
  if (scheduler) await keepingAlive(scheduler.close());
  removeStaleTemps(config.db);
  // Never leave a corrupt db.json behind (it was counted in its trial): start a fresh sale.
  // A repair that fails too (an unwritable folder) must not hide the error that got us here.
  const repair = repairDb(config);
  if (failure) throw failure.error;
  if (repair.error) throw repair.error;
  const result: RushResult = { config, trials, summary: summarize(trials), interleavings };
  if (interrupted) result.interrupted = { ...interrupted, db: repair.done };
  return result;
}

/**
 * Awaits `running`; once `signal` aborts, allows it stopGraceMs more, then calls `stop` (which ends
 * the buyers' processes, so `running` settles with their failures).
 */
async function stoppable<T>(running: Promise<T>, signal: AbortSignal | undefined, stop: () => void): Promise<T> {
  if (!signal) return running;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    timer = setTimeout(stop, stopGraceMs);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await running;
  } finally {
    signal.removeEventListener("abort", onAbort);
    clearTimeout(timer);
  }
}

/** The pids of this rush's workers, from their start and end events, and a way to stop them. */
function watchWorkers(poolName: string): { stop(): void; close(): void } {
  const pattern = new RegExp(`^${poolName.replace(/[^\w-]/g, "\\$&")}-worker-\\d+$`);
  const live = new Set<number>();
  const unsubscribe = onEvent((event) => {
    if (event.type === "start" && event.data.ppid === process.pid && pattern.test(event.name)) live.add(event.pid);
    else if (event.type === "end") live.delete(event.pid);
  });
  return {
    stop() {
      for (const pid of live) {
        try {
          if (isRunning(pid)) process.kill(pid, "SIGTERM");
        } catch {
          // Gone meanwhile.
        }
      }
    },
    close: () => void unsubscribe(),
  };
}

/** db.json's text after a trial ("" when a stopped buyer left it missing). */
function readFinal(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** A buyer stopped between writing its temporary file and renaming it leaves `.db.json.<pid>.tmp`: remove those. */
function removeStaleTemps(db: string): void {
  const prefix = `.${path.basename(db)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(db));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = name.startsWith(prefix) && name.endsWith(".tmp") ? Number(name.slice(prefix.length, -".tmp".length)) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !isRunning(pid)) fs.rmSync(path.join(path.dirname(db), name), { force: true });
  }
}

/**
 * One rush per strategy, same settings otherwise: the material of the comparison plots. Every
 * strategy's settings are checked before any process starts, and the rushes share one set of
 * buyer processes (buyer i is the same process in every strategy, as it is in every trial).
 */
export async function compareStrategies(
  names: readonly RushConfig["strategy"][],
  options: Omit<RushOptions, "strategy"> = {},
): Promise<RushResult[]> {
  const { onProgress, progress = true, echo = false, signal, ...settings } = options;
  const plans = names.map((strategy) => planRush({ ...settings, strategy }));
  const strategies = plans.map((plan) => getStrategy(plan.config.strategy));
  if (plans.length === 0) return [];
  const { db, buyers } = plans[0].config; // the same in every plan: only the strategy differs
  return claimingDb(db, () =>
    withBuyerProcesses(buyers, signal !== undefined, async (processes) => {
      const results: RushResult[] = [];
      for (const [i, plan] of plans.entries())
        results.push(await rushClaimed(processes, plan, strategies[i], { onProgress, progress, echo, signal }));
      return results;
    }),
  );
}

/**
 * Resets db.json if the rush left it unparsable (or missing); says what was done, or the error if
 * that failed too.
 */
function repairDb(config: RushConfig): { done: string; error: unknown } {
  let text: string | null = null;
  try {
    if (dbIsReadable(config.db)) return { done: `left as the last trial ended it (${readFinal(config.db)})`, error: null };
    text = readFinal(config.db);
    const reset = JSON.stringify(resetDb(config.tickets, config.db));
    return { done: `reset to ${reset}: it was left unparsable (${showInput(text, 40)})`, error: null };
  } catch (error) {
    return { done: `could not be repaired: ${(error as Error).message}`, error };
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

/** From the first buyer's task-start to the last one's task-end; null when a buyer's are missing. */
function buyersSpanMs(events: readonly ProcEvent[]): number | null {
  const starts = events.filter((e) => e.type === "task-start").map((e) => e.t);
  const ends = events.filter((e) => e.type === "task-end").map((e) => e.t);
  if (starts.length === 0 || ends.length !== starts.length) return null;
  return Math.max(...ends) - Math.min(...starts);
}
