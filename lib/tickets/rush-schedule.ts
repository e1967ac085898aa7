/** Schedules for the ticket rush: what `runRush({ schedule })` accepts, checked before any buyer starts. */
import type { ProcEvent } from "../core/events";
import { deriveSeed, mulberry32 } from "../core/random";
import type { RushConfig } from "./config";
import { rushShape } from "./buyer-steps";
import { recordedInterleaving, scheduledInterleaving, stepsByProcess, type Interleaving } from "../schedule/interleaving";
import { parseSchedule, processLetters, ScheduleError, type ScheduleInput } from "../schedule/parse";
import type { SchedulePlan, ScheduleRun } from "../schedule/scheduler";

/** A schedule for every trial, `"random"` (a seeded random one per trial), or one per trial (1-based). */
export type ScheduleSpec = ScheduleInput | "random" | ((trial: number) => ScheduleInput);

/** How trial `trial` is scheduled. */
export interface TrialPlan {
  plan: SchedulePlan;
  source: "schedule" | "random";
}

/** Checks `spec` for every trial of `config`; throws ScheduleError before anything runs. */
export function rushSchedules(spec: ScheduleSpec, config: RushConfig): (trial: number) => TrialPlan {
  const shape = rushShape(config.strategy, config.buyers);
  processLetters(config.buyers);
  if (spec === "random") {
    return (trial) => ({ plan: { random: mulberry32(deriveSeed(config.seed ^ 0x5ced, trial)) }, source: "random" });
  }
  const perTrial = Array.from({ length: typeof spec === "function" ? config.trials : 1 }, (_, i) => {
    const input = typeof spec === "function" ? spec(i + 1) : spec;
    try {
      return parseSchedule(input, shape);
    } catch (error) {
      if (error instanceof ScheduleError && typeof spec === "function") throw new ScheduleError(`trial ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  return (trial) => ({ plan: { entries: perTrial[typeof spec === "function" ? trial - 1 : 0] }, source: "schedule" });
}

/** The event names of a rush's buyers, and their letters. */
export function buyerNames(buyers: number): { names: string[]; letters: string[] } {
  return { names: Array.from({ length: buyers }, (_, i) => `buyer-${i}`), letters: processLetters(Math.min(buyers, 26)) };
}

/** The interleaving of one trial: the scheduler's order when scheduled, else recovered from the events. */
export function trialInterleaving(
  events: readonly ProcEvent[],
  config: RushConfig,
  scheduled: { run: ScheduleRun; source: "schedule" | "random" } | null,
): Interleaving {
  const { names, letters } = buyerNames(config.buyers);
  const byProcess = stepsByProcess(events, names.slice(0, letters.length), letters);
  if (scheduled) return scheduledInterleaving(scheduled.run.granted, byProcess, scheduled.source, scheduled.run.problem);
  const recorded = recordedInterleaving(byProcess, config.tickets);
  return config.buyers > letters.length
    ? { ...recorded, problem: `only buyers A–Z (the first 26 of ${config.buyers}) are recorded` }
    : recorded;
}
