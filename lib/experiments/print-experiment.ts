/**
 * The article's print experiment (互斥锁, seed.md): each process prints its digit
 * many times (concurrently, harmless), then a two-line critical section. Without
 * a lock the critical sections interleave; with one, each prints intact. Output
 * is not echoed by default: the result carries every line, and
 * `printExperimentText` renders the part worth reading.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { now } from "../core/clock";
import { isEvent, type ProcEvent } from "../core/events";
import { Lock } from "../lock";
import { Process } from "../process";
import { deriveSeed } from "../core/random";
import { Barrier } from "./barrier";
import type { PrintTaskSpec } from "./print-task";

export interface PrintExperimentOptions {
  /** Processes printing at once, 1–9 (default 2, the article's task1 and task2). */
  processes?: number;
  /** Non-critical prints per process before the critical section (the article: 10000; default 200). */
  repeat?: number;
  /** Put the shared Lock around the critical section (default true). */
  lock?: boolean;
  /** Longest sleep between the two critical lines, ms (default 80: the sleeps overlap even when a loaded machine wakes one process late; the article: up to 1000). */
  criticalSleepMs?: number;
  seed?: number;
  /** Print the processes' output in the cell, prefixed by name (default false: thousands of lines). */
  echo?: boolean;
}

export interface PrintedLine {
  /** ms since the first line was printed (the start barrier lets every process go at once). */
  t: number;
  name: string;
  pid: number;
  text: string;
  /** One of the two lines of a critical section. */
  critical: boolean;
}

export interface CriticalSection {
  name: string;
  pid: number;
  /** ms (as PrintedLine.t): entered (after acquiring the lock, if any) and left. */
  start: number;
  end: number;
  /** When it asked for the lock (ms), or null without a lock. */
  requested: number | null;
  lines: [string, string];
  /** Its two lines followed each other with no other process's critical line between them. */
  intact: boolean;
}

export interface PrintExperimentResult {
  config: Required<Omit<PrintExperimentOptions, "echo">>;
  /** Every printed line of every process, in time order. */
  lines: PrintedLine[];
  sections: CriticalSection[];
  intact: number;
  total: number;
  /** From starting the processes to all having ended, process start-up (~65 ms each) included. */
  wallMs: number;
  /** Every event of the processes (print, lock, critical-enter/exit, start/exit). */
  events: ProcEvent[];
}

/** task1 prints 1 then 1111111111/2222222222, task2 prints 2 then 4444444444/5555555555, as in the article. */
const FIRST = "147ADGJMP";
const SECOND = "258BEHKNQ";

function specFor(index: number, options: Required<Omit<PrintExperimentOptions, "echo" | "lock" | "processes">>): PrintTaskSpec {
  return {
    digit: String(index + 1),
    repeat: options.repeat,
    first: FIRST[index].repeat(10),
    second: SECOND[index].repeat(10),
    criticalSleepMs: options.criticalSleepMs,
    seed: deriveSeed(options.seed, index),
  };
}

function checkOptions(options: PrintExperimentOptions): Required<PrintExperimentOptions> {
  const { processes = 2, repeat = 200, lock = true, criticalSleepMs = 80, seed = 1, echo = false } = options;
  if (!Number.isInteger(processes) || processes < 1 || processes > FIRST.length) {
    throw new RangeError(`printExperiment: processes must be an integer from 1 to ${FIRST.length}, got ${processes}`);
  }
  if (!Number.isInteger(repeat) || repeat < 0) throw new RangeError(`printExperiment: repeat must be an integer >= 0, got ${repeat}`);
  if (!(criticalSleepMs >= 0) || !Number.isFinite(criticalSleepMs)) {
    throw new RangeError(`printExperiment: criticalSleepMs must be a finite number >= 0, got ${criticalSleepMs}`);
  }
  if (!Number.isInteger(seed)) throw new TypeError(`printExperiment: seed must be an integer, got ${seed}`);
  return { processes, repeat, lock: Boolean(lock), criticalSleepMs, seed, echo: Boolean(echo) };
}

/** Runs the experiment with real child processes; resolves when all have ended. */
export async function printExperiment(options: PrintExperimentOptions = {}): Promise<PrintExperimentResult> {
  const { echo, ...config } = checkOptions(options);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-print-"));
  const lock = config.lock ? new Lock(path.join(folder, "mutex")) : null;
  const barrier = new Barrier(config.processes);
  const target = { module: path.join(__dirname, "print-task.js"), export: "printTask" };
  const started = now();
  const processes = Array.from(
    { length: config.processes },
    (_, i) => new Process({ target, args: [specFor(i, config), lock, barrier], name: `task${i + 1}`, echo }),
  );
  try {
    for (const p of processes) p.start();
    await Promise.all(processes.map((p) => p.join(30_000)));
  } finally {
    for (const p of processes) if (p.pid !== null) p.kill(); // only a hang guard: each has ended by now
    barrier.close();
    fs.rmSync(folder, { recursive: true, force: true });
  }
  const wallMs = now() - started;
  const failed = processes.filter((p) => p.exitCode !== 0);
  if (failed.length > 0) {
    throw new Error(
      `printExperiment: ${failed.map((p) => `${p.name} ended with exit code ${p.exitCode}${p.error ? `: ${p.error}` : ""}`).join("; ")}`,
    );
  }
  const events = processes.flatMap((p) => [...p.events]).sort((a, b) => a.t - b.t);
  return analyse(config, events, wallMs);
}

function analyse(config: PrintExperimentResult["config"], events: ProcEvent[], wallMs: number): PrintExperimentResult {
  const origin = events.find((e) => e.type === "print")?.t ?? events[0]?.t ?? 0;
  const ms = (t: number): number => t - origin;
  const criticalTexts = new Set(Array.from({ length: config.processes }, (_, i) => [FIRST[i].repeat(10), SECOND[i].repeat(10)]).flat());
  const lines: PrintedLine[] = events
    .filter(isEvent("print"))
    .filter((e) => e.data.stream === "stdout")
    .flatMap((e) =>
      e.data.text
        .replace(/\n$/, "")
        .split("\n")
        .map((text) => ({ t: ms(e.t), name: e.name, pid: e.pid, text, critical: criticalTexts.has(text) })),
    );
  const critical = lines.filter((line) => line.critical);
  const sections: CriticalSection[] = [];
  for (const pid of new Set(events.map((e) => e.pid))) {
    const own = events.filter((e) => e.pid === pid);
    const enter = own.find((e) => e.type === "critical-enter");
    const exit = own.find((e) => e.type === "critical-exit");
    const requested = own.find((e) => e.type === "lock-requested");
    const mine = critical.filter((line) => line.pid === pid);
    if (!enter || !exit || mine.length !== 2) continue;
    const [a, b] = [critical.indexOf(mine[0]), critical.indexOf(mine[1])];
    sections.push({
      name: enter.name,
      pid,
      start: ms(enter.t),
      end: ms(exit.t),
      requested: requested ? ms(requested.t) : null,
      lines: [mine[0].text, mine[1].text],
      intact: b === a + 1,
    });
  }
  sections.sort((x, y) => x.start - y.start);
  const intact = sections.filter((s) => s.intact).length;
  return { config, lines, sections, intact, total: sections.length, wallMs, events };
}

/**
 * The transcript worth reading: critical lines in the order they were printed,
 * with how many ordinary digit lines came between, and the integrity count.
 */
export function printExperimentText(result: PrintExperimentResult): string {
  const out: string[] = [];
  let skipped = 0;
  const flush = (): void => {
    if (skipped > 0) out.push(`   … ${skipped} digit line${skipped === 1 ? "" : "s"} …`);
    skipped = 0;
  };
  for (const line of result.lines) {
    if (!line.critical) {
      skipped += 1;
      continue;
    }
    flush();
    out.push(`${line.t.toFixed(1).padStart(7)} ms  [${line.name}] ${line.text}`);
  }
  flush();
  const how = result.config.lock ? "with the lock" : "without a lock";
  out.push(`${how}: ${result.intact} of ${result.total} critical sections intact; wall time ${result.wallMs.toFixed(0)} ms`);
  return out.join("\n");
}
