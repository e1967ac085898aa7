/** Processes with Python's multiprocessing API, whose lifetimes and output a notebook can see. */
export { Process, type ProcessOptions, type Target } from "./process";
export { runMain, type RunMainOptions, type Transcript, type Lifetime, type PrintLine } from "./run-main";
export { supervise, type SuperviseOptions, type SupervisorReport, type SupervisedRun } from "./supervise";
export { watchOrphan, type OrphanReport } from "./orphan";
export { WorkerPool, type Task, type TaskResult, type RunOptions } from "./pool";
export { askParent, parentOffers } from "./ask";
export type { ServiceHandler } from "./pool";
