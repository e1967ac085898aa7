/**
 * Interleavings: the steps a run took, in order, with the shared value each
 * read saw or each write left. A scheduled run's order is the scheduler's; a
 * free run's is recovered from its events ("step" events, each followed by the
 * event that witnesses it: read, write, lock-acquired).
 */
import type { ProcEvent } from "../core/events";
import type { StepGrant } from "./scheduler";

export interface StepRecord {
  /** Letter of the process. */
  process: string;
  step: string;
  /** For read and write steps: the value read, or the value written. */
  value?: number;
  /** When the step took effect (ms, `now()` clock): its witness event, else its step event. */
  t: number;
}

export interface Interleaving {
  /** A schedule given by the user, a seeded random one, or the order a free run took. */
  source: "schedule" | "random" | "recorded";
  /** One letter per step: running this schedule reproduces the outcome. */
  schedule: string;
  steps: StepRecord[];
  /** What went wrong following the schedule (or recovering a free run's order); null if nothing. */
  problem: string | null;
}

/** The event that shows a step took effect, and carries its value. */
const witnessOf: Readonly<Record<string, string>> = { read: "read", write: "write", acquire: "lock-acquired" };

/** Each process's steps in program order; the process named `names[i]` in events has letter `letters[i]`. */
export function stepsByProcess(
  events: readonly ProcEvent[],
  names: readonly string[],
  letters: readonly string[],
): Map<string, StepRecord[]> {
  const byProcess = new Map<string, StepRecord[]>(letters.map((letter) => [letter, []]));
  const letterOf = new Map(names.map((name, i) => [name, letters[i]]));
  const current = new Map<string, { record: StepRecord; witnessed: boolean }>();
  for (const event of [...events].sort((a, b) => a.t - b.t)) {
    const letter = letterOf.get(event.name);
    if (letter === undefined) continue;
    if (event.type === "step") {
      const record: StepRecord = { process: letter, step: event.data.step, t: event.t };
      byProcess.get(letter)?.push(record);
      current.set(letter, { record, witnessed: false });
      continue;
    }
    const open = current.get(letter);
    if (!open || open.witnessed || witnessOf[open.record.step] !== event.type) continue;
    open.witnessed = true;
    open.record.t = event.t;
    if (event.type === "read" || event.type === "write") open.record.value = event.data.count;
  }
  return byProcess;
}

/** A scheduled run's interleaving: the granted order, with the values its events show. */
export function scheduledInterleaving(
  granted: readonly StepGrant[],
  byProcess: Map<string, StepRecord[]>,
  source: "schedule" | "random",
  problem: string | null,
): Interleaving {
  const taken = new Map<string, number>();
  const steps = granted.map((grant): StepRecord => {
    const index = taken.get(grant.process) ?? 0;
    taken.set(grant.process, index + 1);
    return byProcess.get(grant.process)?.[index] ?? { process: grant.process, step: grant.step, t: NaN };
  });
  return { source, schedule: steps.map((s) => s.process).join(""), steps, problem };
}

/**
 * A free run's interleaving: steps ordered by when they took effect. Clocks of
 * processes and the moments of effect are known to a few microseconds only, so a
 * read that overlapped a write is then moved to where the shared value was the
 * one it saw (within its own process's order).
 */
export function recordedInterleaving(byProcess: Map<string, StepRecord[]>, initial: number): Interleaving {
  const order = [...byProcess.values()].flat().sort((a, b) => a.t - b.t || a.process.localeCompare(b.process));
  let problem: string | null = null;
  for (let moves = 0; moves <= order.length; moves++) {
    const i = order.findIndex((s, at) => s.step === "read" && s.value !== undefined && valueBefore(order, at, initial) !== s.value);
    if (i < 0) break;
    const read = order.splice(i, 1)[0];
    const own = order.map((s, at) => (s.process === read.process ? at : -1)).filter((at) => at >= 0);
    const low = Math.max(-1, ...own.filter((at) => at < i)) + 1;
    const high = Math.min(order.length, ...own.filter((at) => at >= i));
    const fits = range(low, high).filter((at) => valueBefore(order, at, initial) === read.value);
    if (fits.length === 0 || moves === order.length) {
      order.splice(i, 0, read);
      problem = `${read.process} read ${read.value}, a value no order of the recorded steps gives it; a replay may differ`;
      break;
    }
    const at = fits.reduce((best, at) => (Math.abs(at - i) < Math.abs(best - i) ? at : best));
    order.splice(at, 0, read);
  }
  return { source: "recorded", schedule: order.map((s) => s.process).join(""), steps: order, problem };
}

/** The shared value just before position `at`: the last write before it, else `initial`. */
function valueBefore(order: readonly StepRecord[], at: number, initial: number): number {
  for (let i = at - 1; i >= 0; i--) if (order[i].step === "write" && order[i].value !== undefined) return order[i].value as number;
  return initial;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
