/**
 * proclab: the course library. `import { … } from "proclab"` offers what the notebooks and
 * students use, one concept per group below. Tooling, tests and the curious reach the rest
 * through the layer entry points: `proclab/core`, `proclab/process`, `proclab/lock`,
 * `proclab/python`, `proclab/schedule`, `proclab/tickets`, `proclab/experiments`,
 * `proclab/plots`, `proclab/homework`, `proclab/grading` (see ARCHITECTURE.md).
 */

// One clock for every process; where the course's files are; the toolchain's versions.
export { now, sleep } from "./core/clock";
export { dataDir, defaultDbPath } from "./core/paths";
export { versions } from "./core/version";
export type { ProcEvent } from "./core/events";

// 守护进程 · processes with Python's multiprocessing API, and whole programs watched from outside.
export { Process, type ProcessOptions, type Target } from "./process/process";
export { runMain, type RunMainOptions, type Transcript, type Lifetime, type PrintLine } from "./process/run-main";
export { supervise, type SuperviseOptions, type SupervisorReport, type SupervisedRun } from "./process/supervise";
export { watchOrphan, type OrphanReport } from "./process/orphan";

// 互斥锁 · a mutex shared by processes.
export { Lock, type LockHolder } from "./lock/lock";

// 抢票 · the article's database and the ticket rush.
export { resetDb, readDb, show, buy, writeDbAtomic, type TicketDb } from "./tickets/db";
export { strategyNames, type StrategyName } from "./tickets/strategies";
export { runRush, compareStrategies, type RushOptions, type RushResult } from "./tickets/rush";
export { summaryTable, type TrialResult, type RushSummary } from "./tickets/outcome";
export { runArticleRush, asWrittenTable, type ArticleTrial, type ArticleRushOptions, type AsWrittenOutcome } from "./tickets/article";
export { interleavingText } from "./schedule/text";

// The article's own Python programs, run beside the TypeScript for comparison.
export { pythonDaemonDemo, pythonTicketRush, type PythonDaemonResult, type PythonTicketTrial } from "./python/article";
export { pythonLockHolderDies, type PythonLockHolderDiesOptions, type PythonLockHolderDiesResult } from "./python/holder-dies";
export { pythonLockCalls } from "./python/lock-calls";
export { pythonDaemonRules } from "./python/daemon-rules";

// Experiments of the mutex notebooks: the print race, what a lock costs, a holder that dies.
export {
  printExperiment,
  printExperimentText,
  type PrintExperimentOptions,
  type PrintExperimentResult,
} from "./experiments/print-experiment";
export { measureLockCost, lockCostTable, type LockCostOptions } from "./experiments/lock-cost";
export { lockHolderDies, type LockHolderDiesOptions, type LockHolderDiesResult } from "./experiments/holder-dies";
export { handoffs, holdsFromEvents } from "./experiments/handoffs";
export { flagLockRace, type FlagLockRace } from "./experiments/flag-lock";

// Figures, and showing them in a notebook.
export { display, setupPlots } from "./plots/display";
export type { Figure } from "./plots/figure";
export { timelineFigure, type TimelineOptions } from "./plots/timeline";
export { lifetimesFigure, endingOf, type LifetimesOptions } from "./plots/lifetimes";
export { printLanesFigure } from "./plots/print-lanes";
export { lockCostFigure } from "./plots/lock-cost-figure";
export { oversoldFigure, soldHistogram, granularityFigure } from "./plots/rush-figures";
export { scheduleLanesFigure, type ScheduleLanesOptions } from "./plots/schedule-lanes";

// Exercises and homework: checks with points, and the checks of a safe buyer.
export { check, type CheckResult } from "./homework/check";
export { expect } from "./homework/assert";
export { claim } from "./homework/claim";
export { work } from "./homework/work";
export { homeworkVariant, type HomeworkVariant } from "./homework/variant";
export { runTrial, type TrialOptions, type TrialReport, type BuyerTicketPlan, type HomeworkBuyer } from "./homework/trial";
export { checkNoOversell, checkLockGranularity, checkReleasedOnThrow, checkDaemonGone, expectSoldCorrectly } from "./homework/concurrency";

import { warnIfBuildStale } from "./core/build-check";
// Checked once by a root process (kernel, CLI, test); children (started with an IPC channel) skip it.
if (!process.send) warnIfBuildStale();
