/**
 * Schedules as users write them: OSTEP-style strings ("AABAB…", one letter per
 * step of that process, spaces ignored) or lists of { process, step }. Checked
 * before anything runs: unknown letters, unknown steps, more steps than a
 * process can take.
 */

/** One step of a schedule: which process moves, and optionally which step it must be at. */
import { tr } from "../core/lang";
import { quoteInput, showInput } from "../core/text";
export interface ScheduleEntry {
  process: string;
  step?: string;
}

export type ScheduleInput = string | readonly ScheduleEntry[];

/** A schedule that cannot run; says which letter or entry, and what was expected. */
export class ScheduleError extends Error {
  override name = "ScheduleError";
}

/** What a schedule is checked against. */
export interface ScheduleShape {
  /** Number of processes (letters A, B, … in order). */
  processes: number;
  /** The steps of one process, at most (e.g. a buyer who buys: read, think, write). */
  steps: readonly string[];
  /** Named in "too many steps" errors, e.g. `with strategy none` (in Chinese: `在策略 none 下`). */
  context?: string;
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** The letters of `count` processes: A, B, … (at most 26). */
export function processLetters(count: number): string[] {
  if (!Number.isInteger(count) || count < 1 || count > alphabet.length) {
    throw new ScheduleError(
      tr(
        `a schedule names processes by the letters A–Z, so it needs 1 to ${alphabet.length} processes, got ${count}`,
        `调度用字母 A–Z 表示进程，所以进程数应为 1 到 ${alphabet.length}，实际为 ${count}`,
      ),
    );
  }
  return alphabet.slice(0, count).split("");
}

/** Checks `input` against `shape`; returns one entry per step. Throws ScheduleError naming the first problem. */
export function parseSchedule(input: ScheduleInput, shape: ScheduleShape): ScheduleEntry[] {
  const letters = processLetters(shape.processes);
  const known = tr(
    `with ${shape.processes} process${shape.processes === 1 ? "" : "es"} the letters are ${letters.join(", ")}`,
    `${shape.processes} 个进程对应的字母是 ${letters.join(", ")}`,
  );
  let entries: ScheduleEntry[];
  if (typeof input === "string") {
    entries = [];
    let position = 0;
    for (const char of input) {
      position += 1;
      if (/\s/.test(char)) continue;
      if (!letters.includes(char)) {
        throw new ScheduleError(
          tr(
            `schedule ${quoteInput(input)}: ${JSON.stringify(char)} at position ${position} names no process; ${known}`,
            `调度 ${quoteInput(input)}：第 ${position} 个字符 ${JSON.stringify(char)} 不对应任何进程；${known}`,
          ),
        );
      }
      entries.push({ process: char });
    }
  } else if (Array.isArray(input)) {
    entries = input.map((entry: unknown, i) => {
      const { process, step } = (entry ?? {}) as { process?: unknown; step?: unknown };
      if (typeof process !== "string" || !letters.includes(process)) {
        throw new ScheduleError(
          tr(
            `schedule entry ${i + 1}: process must be one of ${letters.join(", ")}, got ${showInput(process)}`,
            `调度的第 ${i + 1} 项：process 应为 ${letters.join(", ")} 之一，实际为 ${showInput(process)}`,
          ),
        );
      }
      if (step !== undefined && (typeof step !== "string" || !shape.steps.includes(step))) {
        const steps = [...new Set(shape.steps)].join(", ");
        throw new ScheduleError(
          tr(
            `schedule entry ${i + 1}: step must be one of ${steps}, got ${showInput(step)}`,
            `调度的第 ${i + 1} 项：step 应为 ${steps} 之一，实际为 ${showInput(step)}`,
          ),
        );
      }
      return step === undefined ? { process } : { process, step };
    });
  } else {
    throw new ScheduleError(
      tr(
        `a schedule must be a string like "AABB" or a list of { process, step }, got ${typeof input}`,
        `调度应为 "AABB" 这样的字符串，或 { process, step } 的列表，实际为 ${typeof input}`,
      ),
    );
  }
  // An empty schedule would run free, silently: a forgotten value, not a request.
  if (entries.length === 0) {
    throw new ScheduleError(
      tr(
        `a schedule needs at least one step (one letter per step, like "AABB"; ${known}), got ${typeof input === "string" ? quoteInput(input) : "an empty list"}`,
        `调度至少需要一步（每步一个字母，如 "AABB"；${known}），实际为${typeof input === "string" ? ` ${quoteInput(input)}` : "空列表"}`,
      ),
    );
  }
  for (const letter of letters) {
    const count = entries.filter((entry) => entry.process === letter).length;
    if (count > shape.steps.length) {
      throw new ScheduleError(
        tr(
          `schedule ${quoteInput(scheduleString(entries))}: ${letter} is asked for ${count} steps, but a process takes at most ${shape.steps.length}` +
            `${shape.context ? ` ${shape.context}` : ""} (${shape.steps.join(", ")})`,
          `调度 ${quoteInput(scheduleString(entries))}：要求 ${letter} 走 ${count} 步，但${shape.context ? `${shape.context}，` : ""}` +
            `一个进程最多走 ${shape.steps.length} 步（${shape.steps.join(", ")}）`,
        ),
      );
    }
  }
  return entries;
}

/** The compact form: one letter per step. */
function scheduleString(entries: readonly ScheduleEntry[]): string {
  return entries.map((entry) => entry.process).join("");
}
