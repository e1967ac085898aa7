/** Steps and schedules: choose an interleaving of real processes, record a free run's, replay it. */
export { joinSchedule, freeSteps, type Steps, type SteppableLock } from "./step";
export type { StepLink } from "./protocol";
export { parseSchedule, scheduleString, processLetters, ScheduleError, type ScheduleEntry, type ScheduleInput, type ScheduleShape } from "./parse";
export { StepScheduler, type StepGrant, type ScheduleRun, type SchedulePlan, type ActiveRun } from "./scheduler";
export { stepsByProcess, scheduledInterleaving, recordedInterleaving, type StepRecord, type Interleaving } from "./interleaving";
export { buyerSteps, rushShape } from "./buyer-steps";
export { rushSchedules, type ScheduleSpec } from "./rush-schedule";
export { rushRecording, saveRecording, loadRecording, replayRecording, type RushRecording, type RecordedRun, type RecordedOutcome, type ReplayedRun, type ReplayResult } from "./recording";
export { interleavingText, stepLabel } from "./text";
