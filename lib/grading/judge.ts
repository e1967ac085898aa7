/**
 * The judge: a process of its own that runs the teacher's tests (grading/judge-program.ts) and
 * nothing of the student's but function sources, which the course's checks run in child
 * processes. Started by grade.ts inside the sandbox, with one JSON object on stdin:
 * { key, program, answers: { name: source }, memoryMb }. Writes one line to fd 3:
 * { payload, proof } — the RunResult as JSON and its HMAC-SHA256 with `key`. The key arrives on
 * stdin, read before any child starts, so a child (student code) cannot sign a forged result.
 */
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import { judgedCheck, type CheckResult } from "../homework/check";
import type { CellRun, RunResult } from "./score";

export interface JudgeInput {
  key: string;
  program: string;
  answers: Record<string, string>;
  /** The sandbox's memory limit per process, for messages. */
  memoryMb: number;
}

/** A stand-in for an answer function: carries its source to child processes, refuses to run here. */
function standIn(name: string, source: string): () => never {
  const fn = {
    [name]: () => {
      throw new Error(`${name} runs only in child processes when graded (through the course's checks)`);
    },
  }[name];
  Object.defineProperty(fn, "toString", { value: () => source });
  return fn;
}

const outOfMemory = /heap out of memory|Allocation failed|Fatal process out of memory|Cannot allocate memory|ENOMEM|std::bad_alloc/i;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n").find((line) => line.trim() !== "") ?? "the cell threw an empty error").slice(0, 300);
}

async function judge(input: JudgeInput): Promise<RunResult> {
  const cells: Record<string, CellRun> = {};
  const timing = { setupMs: 0, cellsMs: {} as Record<string, number> };
  let cellStart = 0;
  let current = "";
  const explain = (message: string): string =>
    outOfMemory.test(message) ? `${message} — ran out of memory (limit ${input.memoryMb} MB per process)` : message;
  const record = (result: CheckResult): void => {
    cells[result.cell]?.records.push({ name: result.name, points: result.points, passed: result.passed, message: explain(result.message) });
  };
  const check = judgedCheck(record, () => current);
  const base = createRequire(path.join(process.cwd(), "judge.js"));
  const judgeRequire = (id: string): unknown => {
    const exported = base(id) as Record<string, unknown>;
    return id === "proclab" || id === "proclab/homework" ? { ...exported, check } : exported;
  };
  const answers = new Map(Object.entries(input.answers).map(([name, source]) => [name, standIn(name, source)]));
  const api = {
    answer(name: string) {
      return answers.get(name);
    },
    enter(id: string) {
      const now = performance.now();
      if (current === "") timing.setupMs = Math.round(now);
      else timing.cellsMs[current] = Math.round(now - cellStart);
      cellStart = now;
      current = id;
      cells[id] = { status: "ok", reason: "", records: [], forged: 0 };
    },
    failed(error: unknown) {
      const cell = cells[current];
      if (cell) Object.assign(cell, { status: "error", reason: explain(firstLine(error)) });
    },
  };
  const program = vm.runInThisContext(input.program, { filename: "teacher-tests.js" }) as (...args: unknown[]) => Promise<void>;
  try {
    await program({}, judgeRequire, { exports: {} }, api);
    if (current !== "") timing.cellsMs[current] = Math.round(performance.now() - cellStart);
    return { cells, timing };
  } catch (error) {
    return { cells, timing, stopped: `the teacher's setup code failed: ${firstLine(error)}` };
  }
}

async function main(): Promise<void> {
  const input = JSON.parse(fs.readFileSync(0, "utf8")) as JudgeInput;
  const result = await judge(input);
  const payload = JSON.stringify(result);
  const proof = createHmac("sha256", input.key).update(payload).digest("hex");
  fs.writeSync(3, `${JSON.stringify({ payload, proof })}\n`);
  process.exit(0); // children still running (a test left them) end with the sandbox
}

if (require.main === module) void main();
