/** Homework: test helpers for assignment notebooks (checks with points, concurrency checks, variants). */
export { check, gradedCheck, checkRecordMime, type CheckResult, type CheckRecord, type CheckOptions, type CheckFn } from "./check";
export { expect, expectEqual } from "./assert";
export { homeworkVariant, environmentSeed, seedOf, type HomeworkVariant } from "./variant";
export { work } from "./work";
export { runTrial, type TrialOptions, type TrialReport, type BuyerTicketPlan, type HomeworkBuyer } from "./trial";
export { checkNoOversell, checkLockGranularity, checkReleasedOnThrow, checkDaemonGone, expectSoldCorrectly, holdIntervals, workIntervals } from "./concurrency";
export { assignNotebook, type Manifest, type ManifestCell } from "./assign";
export { gradeSubmission, type GradeOptions, type GradeOutcome } from "./grade";
export { scoreTable, feedbackMarkdown } from "./feedback";
export type { GradeReport, TestResult } from "./score";
export { readNotebook, writeNotebook, type Notebook, type NotebookCell } from "./notebook";
