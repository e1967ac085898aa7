/** `proclab/homework`: what exercise and homework cells use — checks with points, assertions, concurrency checks, variants. */
export { check, judgedCheck, type CheckResult, type CheckOptions, type CheckFn } from "./check";
export { expect } from "./assert";
export { claim } from "./claim";
export { homeworkVariant, environmentSeed, type HomeworkVariant } from "./variant";
export { work } from "./work";
export { runTrial, type TrialOptions, type TrialReport, type BuyerTicketPlan, type HomeworkBuyer } from "./trial";
export type { BuyerSpan } from "./referee";
export { checkNoOversell, checkLockGranularity, checkReleasedOnThrow, checkDaemonGone, expectSoldCorrectly } from "./concurrency";
