/** `proclab/tickets`: the ticket rush (抢票) — db.json, strategies, buyers, the runner, its schedules and accounting. */
export { resetDb, readDb, show, buy, parseDb, writeDbAtomic, type TicketDb } from "./db";
export { strategies, strategyNames, getStrategy, type Strategy, type StrategyName, type LockScope, type WriteMode } from "./strategies";
export { runBuyer, buyerModule, type BuyerPlan, type BuyerOutcome } from "./buyer";
export { rushConfig, rushDefaults, RushConfigError, type RushConfig } from "./config";
export { trialOutcome, summarize, summaryTable, trialRow, type TrialResult, type RushSummary } from "./outcome";
export { type RushProgress } from "./progress";
export { buyerDelays, race, type BuyerDelays } from "./race";
export {
  runRush,
  planRush,
  compareStrategies,
  planBuyers,
  type RushOptions,
  type RushResult,
  type RushPlan,
  type RushInterruption,
} from "./rush";
export { RushBusyError } from "./claim";
export { runArticleRush, asWrittenTable, type ArticleTrial, type ArticleRushOptions, type AsWrittenOutcome } from "./article";
export { rushShape } from "./buyer-steps";
export { rushSchedules, type ScheduleSpec } from "./rush-schedule";
export {
  rushRecording,
  saveRecording,
  loadRecording,
  replayRecording,
  type RushRecording,
  type RecordedRun,
  type RecordedOutcome,
  type ReplayedRun,
  type ReplayResult,
} from "./recording";
