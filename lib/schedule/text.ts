/**
 * The short text form of an interleaving, for terminals: one row per step, one
 * column per process (as OSTEP's x86.py prints threads), and db.json's value
 * after each step.
 */
import { textTable } from "../core/text";
import type { Interleaving, StepRecord } from "./interleaving";

/** A step as a cell: "read 1", "write → 0", "think". */
export function stepLabel(step: StepRecord): string {
  if (step.value === undefined) return step.step;
  return step.step === "write" ? `write → ${step.value}` : `${step.step} ${step.value}`;
}

/** The table of `interleaving`; `initial` is the shared value before the first step (tickets). */
export function interleavingText(interleaving: Interleaving, initial: number): string {
  const letters = [...new Set(interleaving.steps.map((s) => s.process))].sort();
  let value = initial;
  const rows = interleaving.steps.map((step, i) => {
    if (step.step === "write" && step.value !== undefined) value = step.value;
    return [String(i + 1), ...letters.map((letter) => (letter === step.process ? stepLabel(step) : "")), String(value)];
  });
  const table = textTable(["step", ...letters, "db"], rows);
  const head = `${interleaving.source === "schedule" ? "" : `${interleaving.source} `}schedule ${interleaving.schedule || "(empty)"}`;
  return [head, table, ...(interleaving.problem ? [`note: ${interleaving.problem}`] : [])].join("\n");
}
