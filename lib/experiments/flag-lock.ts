/**
 * 锁其实只是给执行代码加了限制,本质是一个标志为True或False — a lock is, in essence, a flag.
 * Built naively (read the flag; if False, write True) it has a gap between the check and the
 * set, and two processes scheduled into that gap both get "the lock". An atomic test-and-set
 * closes the gap: `mkdir` makes the directory or fails because it exists, in one system call —
 * how proclab's Lock (through proper-lockfile) takes its lock. Two real processes, their
 * interleaving chosen by a schedule, so the outcome is the same on every run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Process } from "../process";
import { parseSchedule, type ScheduleShape } from "../schedule/parse";
import { StepScheduler, type ScheduleRun } from "../schedule/scheduler";
import type { FlagLockKind } from "./flag-lock-task";

export interface FlagLockRace {
  kind: FlagLockKind;
  /** The steps taken, e.g. "ABAB…", as the scheduler granted them. */
  schedule: string;
  /** Processes that got the lock and entered their critical section. */
  entered: string[];
  /** The most processes inside their critical sections at once. */
  maxInside: number;
  problem: string | null;
  text: string;
}

const stepsOf: Record<FlagLockKind, readonly string[]> = {
  flag: ["check", "set", "enter", "leave"],
  mkdir: ["test-and-set", "enter", "leave"],
};

/** By default A and B alternate step by step while both can (then the rest in order): they try at the same moment. */
const bothTry: Record<FlagLockKind, string> = { flag: "ABABAB", mkdir: "AB" };

/** Two processes, A and B, take a `kind` lock in the order `schedule` says (one letter per step). */
export async function flagLockRace(options: { kind: FlagLockKind; schedule?: string }): Promise<FlagLockRace> {
  const { kind } = options;
  if (kind !== "flag" && kind !== "mkdir") throw new TypeError(`flagLockRace: kind must be "flag" or "mkdir", got ${JSON.stringify(kind)}`);
  const shape: ScheduleShape = { processes: 2, steps: stepsOf[kind], context: `with a ${kind} lock` };
  const entries = parseSchedule(options.schedule ?? bothTry[kind], shape);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-flag-"));
  const scheduler = await StepScheduler.open();
  try {
    fs.writeFileSync(path.join(dir, "flag.json"), JSON.stringify({ locked: false }));
    const active = scheduler.begin(["A", "B"], { entries });
    const module = path.join(__dirname, "flag-lock-task.js");
    const processes = active.links.map(
      (link) => new Process({ target: { module, export: "takeFlagLock" }, args: [kind, dir, link], name: link.process, echo: false }),
    );
    for (const p of processes) p.start();
    await Promise.all(processes.map((p) => p.join(30_000)));
    active.tasksEnded();
    const run: ScheduleRun = await active.done;
    const lines = fs.existsSync(path.join(dir, "inside.log"))
      ? fs.readFileSync(path.join(dir, "inside.log"), "utf8").trim().split("\n")
      : [];
    let inside = 0;
    let maxInside = 0;
    const entered: string[] = [];
    for (const line of lines) {
      const [what, who] = line.split(" ");
      if (what === "enter") {
        entered.push(who);
        maxInside = Math.max(maxInside, ++inside);
      } else if (what === "leave") inside--;
    }
    const taken = run.granted.map((grant) => `${grant.process} ${grant.step}`).join(", ");
    return {
      kind,
      schedule: run.granted.map((grant) => grant.process).join(""),
      entered,
      maxInside,
      problem: run.problem,
      text: `${kind} lock, steps ${taken}: ${entered.length ? entered.join(" and ") : "nobody"} entered; at most ${maxInside} inside at once`,
    };
  } finally {
    await scheduler.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
