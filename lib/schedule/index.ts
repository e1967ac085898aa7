/** `proclab/schedule`: named steps of real processes, a scheduler that chooses their interleaving, and its text form. */
export { joinSchedule, freeSteps, type Steps, type SteppableLock } from "./step";
export type { StepLink } from "./protocol";
export { parseSchedule, processLetters, ScheduleError, type ScheduleEntry, type ScheduleInput, type ScheduleShape } from "./parse";
export { StepScheduler, type StepGrant, type ScheduleRun, type SchedulePlan, type ActiveRun } from "./scheduler";
export { stepsByProcess, scheduledInterleaving, recordedInterleaving, type StepRecord, type Interleaving } from "./interleaving";
export { interleavingText, stepLabel } from "./text";
