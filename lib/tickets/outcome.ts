/**
 * Accounting: from what the buyers reported and what db.json holds at the
 * end, the outcome of one trial; from many trials, the summary.
 */
import type { ProcEvent } from "../core/events";
import type { BuyerOutcome } from "./buyer";
import { parseDb } from "./db";
import type { RushConfig } from "./config";
import { textTable } from "../core/text";

export interface TrialResult {
  /** 1-based trial number. */
  trial: number;
  /** Tickets at the start. */
  tickets: number;
  /** Buyers told "购买成功". */
  sold: number;
  /** max(0, sold − tickets): tickets sold that did not exist. */
  oversold: number;
  /** The count in db.json at the end; null when the file is unparsable. */
  left: number | null;
  /** Reads, over all buyers, that found an empty or unparsable file. */
  tornReads: number;
  /** db.json was unparsable at the end (the next reset repairs it). */
  corrupt: boolean;
  /** What the unparsable file held (null when it was valid): the evidence. */
  corruptText: string | null;
  /**
   * How long the buyers took, ms: from the first buyer's start to the last one's end (what a
   * timeline of the trial shows), without the pool's handing out of tasks (a first trial also
   * loads the buyer's code in every worker).
   */
  elapsedMs: number;
  /** Buyers whose process failed (message per failure); normally empty. */
  errors: string[];
  buyers: BuyerOutcome[];
  /** Every event of every buyer process, in time order. */
  events: ProcEvent[];
}

export interface RushSummary {
  trials: number;
  /** Trials in which more tickets were sold than existed. */
  oversoldTrials: number;
  /** Mean of `oversold` over trials. */
  meanOversold: number;
  /** Largest `oversold` of a trial. */
  maxOversold: number;
  /** Torn reads over all trials. */
  tornReads: number;
  /** Trials with at least one torn read. */
  tornTrials: number;
  /** Trials that ended with db.json unparsable. */
  corruptTrials: number;
  /** Buyer processes that failed, over all trials. */
  errors: number;
  /** Mean wall time of a trial, ms. */
  meanElapsedMs: number;
  /** Sum of trial wall times, ms. */
  totalElapsedMs: number;
}

/** The outcome of one trial: `finalText` is db.json's content after every buyer ended. */
export function trialOutcome(input: {
  trial: number;
  tickets: number;
  buyers: BuyerOutcome[];
  finalText: string;
  elapsedMs: number;
  errors?: string[];
  events?: ProcEvent[];
}): TrialResult {
  let left: number | null;
  try {
    left = parseDb(input.finalText).count;
  } catch {
    left = null;
  }
  const sold = input.buyers.filter((buyer) => buyer.bought).length;
  return {
    trial: input.trial,
    tickets: input.tickets,
    sold,
    oversold: Math.max(0, sold - input.tickets),
    left,
    tornReads: input.buyers.reduce((sum, buyer) => sum + buyer.tornReads, 0),
    corrupt: left === null,
    corruptText: left === null ? input.finalText : null,
    elapsedMs: input.elapsedMs,
    errors: input.errors ?? [],
    buyers: input.buyers,
    events: [...(input.events ?? [])].sort((a, b) => a.t - b.t),
  };
}

export function summarize(trials: readonly TrialResult[]): RushSummary {
  const count = trials.length;
  const sum = (f: (trial: TrialResult) => number): number => trials.reduce((total, trial) => total + f(trial), 0);
  const totalElapsedMs = sum((trial) => trial.elapsedMs);
  return {
    trials: count,
    oversoldTrials: sum((trial) => (trial.oversold > 0 ? 1 : 0)),
    meanOversold: count ? sum((trial) => trial.oversold) / count : 0,
    maxOversold: trials.reduce((max, trial) => Math.max(max, trial.oversold), 0),
    tornReads: sum((trial) => trial.tornReads),
    tornTrials: sum((trial) => (trial.tornReads > 0 ? 1 : 0)),
    corruptTrials: sum((trial) => (trial.corrupt ? 1 : 0)),
    errors: sum((trial) => trial.errors.length),
    meanElapsedMs: count ? totalElapsedMs / count : 0,
    totalElapsedMs,
  };
}

/** The per-trial fields of the CLI's JSON (no buyers, no events). */
export function trialRow(trial: TrialResult): Pick<TrialResult, "sold" | "left" | "oversold" | "tornReads" | "corrupt" | "elapsedMs"> {
  return {
    sold: trial.sold,
    left: trial.left,
    oversold: trial.oversold,
    tornReads: trial.tornReads,
    corrupt: trial.corrupt,
    elapsedMs: round(trial.elapsedMs),
  };
}

/** A readable table: one row per rush (strategy). */
export function summaryTable(rows: ReadonlyArray<{ config: RushConfig; summary: RushSummary }>): string {
  const header = ["strategy", "buyers", "tickets", "trials", "oversold trials", "mean oversold", "torn reads", "corrupt", "ms/trial"];
  const body = rows.map(({ config, summary }) => [
    config.strategy,
    String(config.buyers),
    String(config.tickets),
    String(summary.trials),
    String(summary.oversoldTrials),
    summary.meanOversold.toFixed(2),
    String(summary.tornReads),
    String(summary.corruptTrials),
    summary.meanElapsedMs.toFixed(1),
  ]);
  return textTable(header, body);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
