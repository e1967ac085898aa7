/** The ticket rush (抢票): db.json, strategies, buyers, the runner and its accounting. */
export { resetDb, readDb, show, buy, parseDb, writeDbAtomic, type TicketDb } from "./db";
export { strategies, strategyNames, getStrategy, type Strategy, type StrategyName, type LockScope, type WriteMode } from "./strategies";
export { runBuyer, buyerModule, type BuyerPlan, type BuyerOutcome } from "./buyer";
export { rushConfig, rushDefaults, rushLimits, RushConfigError, type RushConfig } from "./config";
export { trialOutcome, summarize, summaryTable, trialRow, type TrialResult, type RushSummary } from "./outcome";
export { progressLine, type RushProgress } from "./progress";
export { runRush, compareStrategies, planBuyers, type RushOptions, type RushResult } from "./rush";
export { runArticleRush, articleTask, asWrittenTable, type ArticleTrial, type ArticleRushOptions, type AsWrittenOutcome } from "./article";
export { mulberry32, uniform, deriveSeed, type Random } from "../random";
