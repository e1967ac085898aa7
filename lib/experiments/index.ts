/** Experiments of the mutex notebooks (03-mutex, 04-lock-granularity): the article's print race, lock costs, a crashed holder. */
export { Barrier } from "./barrier";
export {
  printExperiment,
  printExperimentText,
  type PrintExperimentOptions,
  type PrintExperimentResult,
  type PrintedLine,
  type CriticalSection,
} from "./print-experiment";
export { measureLockCost, lockCostTable, lockCostCells, type LockCostOptions } from "./lock-cost";
export { runCounterJob, lockKinds, type LockKind, type WorkerCommand, type CounterJobOptions } from "./counter-job";
export { summariseCounterJob, withFlockRatios, type LockCostRow } from "./counter-stats";
export { handoffs, holdsFromEvents, quantile, type Hold, type Handoffs } from "./handoffs";
export { flagLockRace, type FlagLockRace } from "./flag-lock";
export { lockHolderDies, type LockHolderDiesOptions, type LockHolderDiesResult } from "./holder-dies";
